# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SalesActivityAggregate(Document):
	"""Derived from the Sales Stage Transition Log by sales_drive/activity.py (in SQL), never by hand."""

	pass
