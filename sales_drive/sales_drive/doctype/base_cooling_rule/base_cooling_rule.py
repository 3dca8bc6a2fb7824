# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

from frappe.model.document import Document


class BaseCoolingRule(Document):
	def validate(self):
		from sales_drive.base_cooling import validate_rule

		validate_rule(self)
