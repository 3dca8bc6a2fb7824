"""Column definitions the money reports share (Plan vs Fact, Internal vs Top-down Plan)."""

from __future__ import annotations

from frappe import _


def money(fieldname: str, label: str, width: int = 140) -> dict:
	"""A Currency column in the row's ``currency`` (department totals need the width)."""
	return {"fieldname": fieldname, "label": label, "fieldtype": "Currency", "options": "currency", "width": width}


def percent(fieldname: str, label: str, width: int = 90) -> dict:
	return {"fieldname": fieldname, "label": label, "fieldtype": "Percent", "precision": 1, "width": width}


def sales_person() -> dict:
	return {"fieldname": "sales_person", "label": _("Sales Person"), "fieldtype": "Link", "options": "Sales Person", "width": 180}


def currency() -> dict:
	"""The hidden column the Currency columns take their currency from."""
	return {"fieldname": "currency", "label": _("Currency"), "fieldtype": "Link", "options": "Currency", "hidden": 1}
