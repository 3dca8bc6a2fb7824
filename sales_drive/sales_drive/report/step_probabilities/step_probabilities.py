# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Step Probabilities: per regulation and step, the configured win probability
beside the share of records that reached the step and went on to be won,
over the last N months of the transition log, and how far apart they are.

The figures come from :func:`sales_drive.probabilities.compute` (one grouped
query over the log). Rows whose gap is beyond ``GAP_ALERT`` percentage points
carry ``gap_alert`` (the JS formatter highlights them); steps reached by fewer
closed records than the minimum sample carry ``low_sample``.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, getdate

from sales_drive import probabilities

GAP_ALERT = 15


@frappe.read_only()  # on a site with a read replica (read_from_replica), the report reads from it
def execute(filters=None):
	filters = frappe._dict(filters or {})
	result = probabilities.compute(
		filters.get("regulation") or None,
		months=_int_or_none(filters.get("months")),
		min_sample=_int_or_none(filters.get("min_sample")),
		today=getdate(filters.get("to_date")) if filters.get("to_date") else None,
	)
	data = []
	for regulation in result.rows:
		for row in probabilities.as_dicts(result, regulation):
			row.pop("proposed")
			row["regulation"] = regulation
			row["gap_alert"] = int(row["gap"] is not None and abs(row["gap"]) > GAP_ALERT)
			data.append(row)
	message = _(
		"Records closed (won or lost) from {0} to {1}. Steps reached by fewer than {2} of them are marked Low Sample; rows more than {3} percentage points apart are highlighted."
	).format(
		frappe.format(result.since, {"fieldtype": "Date"}),
		frappe.format(result.until, {"fieldtype": "Date"}),
		result.min_sample,
		GAP_ALERT,
	)
	return get_columns(), data, message, get_chart(data), get_summary(data)


def _int_or_none(value):
	return None if value in (None, "") else cint(value)


def get_chart(data):
	if not data:
		return None
	several = len({r["regulation"] for r in data}) > 1

	def label(r):
		return f"{r['regulation']}: {_(r['step'])}" if several else _(r["step"])

	return {
		"data": {
			"labels": [label(r) for r in data],
			"datasets": [
				{"name": _("Configured %"), "values": [r["configured"] or 0 for r in data]},
				{"name": _("Historical %"), "values": [r["historical"] or 0 for r in data]},
			],
		},
		"type": "bar",
		"colors": ["#7575ff", "#29cd42"],
		"fieldtype": "Percent",
	}


def get_summary(data):
	apart = sum(r["gap_alert"] for r in data)
	low = sum(r["low_sample"] for r in data)
	return [
		{
			"value": apart,
			"label": _("Steps More Than {0} pp Apart").format(GAP_ALERT),
			"datatype": "Int",
			"indicator": "Red" if apart else "Green",
		},
		{
			"value": low,
			"label": _("Steps with a Low Sample"),
			"datatype": "Int",
			"indicator": "Orange" if low else "Green",
		},
	]


def get_columns():
	return [
		{
			"fieldname": "regulation",
			"label": _("Regulation"),
			"fieldtype": "Link",
			"options": "Sales Pipeline Regulation",
			"width": 170,
		},
		{"fieldname": "step", "label": _("Step"), "fieldtype": "Data", "width": 180},
		{"fieldname": "stage", "label": _("Stage"), "fieldtype": "Data", "width": 160},
		{"fieldname": "configured", "label": _("Configured %"), "fieldtype": "Percent", "width": 120},
		{
			"fieldname": "historical",
			"label": _("Historical %"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 120,
		},
		{"fieldname": "gap", "label": _("Gap (pp)"), "fieldtype": "Float", "precision": 1, "width": 100},
		{"fieldname": "reached", "label": _("Reached"), "fieldtype": "Int", "width": 90},
		{"fieldname": "won", "label": _("Won"), "fieldtype": "Int", "width": 80},
		{"fieldname": "low_sample", "label": _("Low Sample"), "fieldtype": "Check", "width": 100},
	]
