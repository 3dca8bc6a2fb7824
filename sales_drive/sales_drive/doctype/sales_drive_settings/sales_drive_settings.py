# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from sales_drive.engine.key_accounts import KeyAccountError, check_threshold


class SalesDriveSettings(Document):
	def validate(self):
		try:
			check_threshold(self.key_account_threshold)
		except KeyAccountError:
			frappe.throw(
				_("The key-account threshold must be within 0–100%, not {0}.").format(self.key_account_threshold),
				title=_("Invalid key-account threshold"),
			)
		for fieldname, label in (("key_account_months", _("Rolling Period (Months)")), ("probability_months", _("Window (Months)"))):
			if (self.get(fieldname) or 0) < 1:
				frappe.throw(_("{0} must be at least 1.").format(label))
		if (self.probability_min_sample or 0) < 0:
			frappe.throw(_("{0} cannot be negative.").format(_("Minimum Sample")))
