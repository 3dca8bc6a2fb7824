# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

from frappe.model.document import Document

from sales_drive import kpi


class KPIScheme(Document):
	def validate(self):
		kpi.validate_scheme(self)
