# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SalesFunnelAggregate(Document):
	"""Derived from the Sales Stage Transition Log by sales_drive/aggregates.py (in SQL), never by hand."""

	pass
