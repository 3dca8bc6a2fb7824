# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Why a lead refused (like ERPNext's Opportunity Lost Reason); required when a Lead is refused
(:func:`sales_drive.channels.lead_validate`) and counted by the Refusals report."""

import frappe
from frappe import _
from frappe.model.document import Document


class LeadLostReason(Document):
	def validate(self):
		self.lost_reason = " ".join((self.lost_reason or "").split())
		if not self.lost_reason:
			frappe.throw(_("Give the reason a name."), frappe.ValidationError, title=_("Lead Lost Reason"))
