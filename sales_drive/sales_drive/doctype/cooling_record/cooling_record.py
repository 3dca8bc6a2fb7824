# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class CoolingRecord(Document):
	@frappe.whitelist()
	def lift(self, reason=None):
		from sales_drive.base_cooling import lift_records

		lift_records([self.name], reason)
