# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A decision rule for a deviation from plan or KPI; evaluated by :mod:`sales_drive.deviation`."""

from frappe.model.document import Document

from sales_drive import deviation


class DeviationRule(Document):
	def validate(self):
		deviation.validate_rule(self)
