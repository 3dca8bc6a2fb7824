# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A repeat-sale rule for farmers; selection in :mod:`sales_drive.engine.repeat_sales`, runs in :mod:`sales_drive.repeat_sales`."""

from frappe.model.document import Document

from sales_drive import repeat_sales


class RepeatSaleRule(Document):
	def validate(self):
		repeat_sales.validate_rule(self)
