# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""The work-day plan of a team for a weekday or a date (:mod:`sales_drive.roster`)."""

import frappe
from frappe import _
from frappe.model.document import Document

from sales_drive import roster


class SalesRoster(Document):
	def validate(self):
		roster.validate(self)
		when = _(self.weekday) if self.applies_to == "Weekday" else frappe.format(self.date, {"fieldtype": "Date"})
		self.title = f"{self.team} · {when}"

	def on_update(self):
		roster.clear_cache()

	def on_trash(self):
		roster.check_team_lead(self.team)
		roster.clear_cache()
