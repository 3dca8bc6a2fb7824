# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A planning meeting (планёрка): agenda from the app's data, attendance, decisions that become Sales Tasks.
The logic is in :mod:`sales_drive.meetings`."""

from frappe.model.document import Document

from sales_drive import meetings


class SalesMeeting(Document):
	def validate(self):
		meetings.validate_meeting(self)

	def on_submit(self):
		meetings.make_tasks(self, self.decisions)
