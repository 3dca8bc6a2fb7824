# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A one-on-one (тет-а-тет) of the head of sales or a team lead with one manager: the manager's figures,
open deviations and agreed actions (Sales Tasks). Only the two of them see it: :mod:`sales_drive.meetings`."""

from frappe.model.document import Document

from sales_drive import meetings


class OneonOne(Document):
	def validate(self):
		meetings.validate_one_on_one(self)

	def on_submit(self):
		meetings.make_tasks(self, self.actions)
