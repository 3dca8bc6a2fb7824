# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class KPIScorecard(Document):
	def validate(self):
		other = frappe.db.get_value(
			"KPI Scorecard",
			{
				"kpi_scheme": self.kpi_scheme,
				"sales_person": self.sales_person,
				"from_date": self.from_date,
				"docstatus": ["<", 2],
				"name": ["!=", self.name or ""],
			},
		)
		if other:
			frappe.throw(
				_("{0} already has scorecard {1} for this scheme and period").format(
					frappe.bold(self.sales_person), frappe.bold(other)
				),
				title=_("Duplicate scorecard"),
			)
