# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Which regular report is due from whom (a role or a team) and by when (:mod:`sales_drive.control`)."""

import frappe
from frappe import _
from frappe.model.document import Document


class ReportRegulation(Document):
	def validate(self):
		if self.due_from == "Role" and not self.role:
			frappe.throw(_("Choose the role the report is due from"), title=_("Invalid Report Regulation"))
		if self.due_from == "Team" and not self.team:
			frappe.throw(_("Choose the team the report is due from"), title=_("Invalid Report Regulation"))
		if self.report_kind in ("Monthly Review", "Quarterly Review") and not 1 <= (self.due_day_of_month or 0) <= 28:
			frappe.throw(_("The monthly review must be due on a day from 1 to 28, not {0}").format(self.due_day_of_month),
				title=_("Invalid Report Regulation"))  # fmt: skip
		if (self.remind_days_before or 0) < 0:
			frappe.throw(_("Remind Days Before cannot be negative"), title=_("Invalid Report Regulation"))
