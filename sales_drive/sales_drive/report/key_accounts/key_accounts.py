# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Key Accounts: the customers ranked by revenue over a rolling period, the key accounts marked.

For a date and a number of months (Sales Drive Settings by default), the revenue of each
customer from submitted Sales Invoices (one grouped query, returns subtract), ranked and
classified by :mod:`sales_drive.engine.key_accounts` with the chosen basis and threshold,
each customer's change against the latest Key Account Review dated before that date
(moved in, moved out, stayed). Customers that moved out appear even without revenue.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from sales_drive import key_accounts as adapter


def execute(filters=None):
	filters = frappe._dict(filters or {})
	s = adapter.settings()
	to_date = getdate(filters.get("to_date") or nowdate())
	months = filters.get("months") or s.months
	threshold = s.threshold if filters.get("threshold") in (None, "") else filters.get("threshold")
	basis = filters.get("basis") or s.basis
	from_date, to_date = adapter.period(to_date, months)

	totals = adapter.revenue(from_date, to_date, filters.get("company"))
	result = adapter.classify(totals, threshold, basis)
	previous, before = adapter.previous_review(to_date)
	moves, change = adapter.changes(result, before)

	ranked = [*result.ranking, *adapter.unranked_moved_out(result, totals, moves)]
	details = customer_details([r.customer for r in ranked])
	rows = []
	for r in ranked:
		group, manager = details.get(r.customer, (None, None))
		rows.append(
			{
				"customer": r.customer,
				"customer_group": group,
				"account_manager": manager,
				"revenue": flt(r.revenue),
				"share": None if r.share is None else flt(r.share),
				"cumulative_share": None if r.cumulative_share is None else flt(r.cumulative_share),
				"is_key": int(r.key),
				"key_change": _(change[r.customer]) if r.customer in change else None,
			}
		)
	message = _("Revenue from {0} to {1}.").format(
		frappe.format(from_date, "Date"), frappe.format(to_date, "Date")
	)
	if previous:
		message += " " + _("Changes against the review {0}.").format(previous)
	else:
		message += " " + _("No earlier review: every key account counts as moved in.")
	return get_columns(), rows, message, None, get_summary(result, moves)


def customer_details(customers: list[str]) -> dict[str, tuple]:
	out = {}
	for names in adapter._chunks(customers):
		for name, group, manager in frappe.db.sql(
			"select name, customer_group, account_manager from `tabCustomer` where name in %(names)s",
			{"names": names},
		):
			out[name] = (group, manager)
	return out


def get_columns():
	return [
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 220,
		},
		{
			"fieldname": "customer_group",
			"label": _("Customer Group"),
			"fieldtype": "Link",
			"options": "Customer Group",
			"width": 140,
		},  # fmt: skip
		{
			"fieldname": "account_manager",
			"label": _("Account Manager"),
			"fieldtype": "Link",
			"options": "User",
			"width": 170,
		},  # fmt: skip
		{"fieldname": "revenue", "label": _("Revenue"), "fieldtype": "Currency", "width": 140},
		{"fieldname": "share", "label": _("Share %"), "fieldtype": "Percent", "width": 90},
		{
			"fieldname": "cumulative_share",
			"label": _("Cumulative Share %"),
			"fieldtype": "Percent",
			"width": 110,
		},
		{"fieldname": "is_key", "label": _("Key Account"), "fieldtype": "Check", "width": 100},
		{"fieldname": "key_change", "label": _("Change"), "fieldtype": "Data", "width": 110},
	]


def get_summary(result, moves):
	key_share = flt(result.key_revenue * 100 / result.total, 1) if result.total else 0
	return [
		{"label": _("Period Revenue"), "value": flt(result.total), "datatype": "Currency"},
		{"label": _("Key-Account Revenue"), "value": flt(result.key_revenue), "datatype": "Currency"},
		{"label": _("Key-Account Share %"), "value": key_share, "datatype": "Percent", "precision": 1},
		{
			"label": _("Number of Key Accounts"),
			"value": len(result.key_accounts),
			"datatype": "Int",
			"indicator": "Blue",
		},
		{"label": _("Moved In"), "value": len(moves.moved_in), "datatype": "Int", "indicator": "Green"},
		{"label": _("Moved Out"), "value": len(moves.moved_out), "datatype": "Int", "indicator": "Red"},
	]
