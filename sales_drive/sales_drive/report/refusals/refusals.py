# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Refusals (seed 002: «причины отказов»; METHOD.md §1: every refusal with its reason is recorded).

Reason × step over a period, for Leads and Opportunities: one row per pipeline and reason, one
column per step the records were lost at (the regulation's order), from the Lost moves of the
Sales Stage Transition Log (:func:`sales_drive.channels.refusal_rows`). A Lead's reason is its
Lead Lost Reason, an Opportunity's its Lost Reasons. A manager sees their own refusals, a team
lead the team's, the head of sales everyone's (the transition log's row rule).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_months, nowdate

from sales_drive import channels

PIPELINES = ("", "Lead", "Opportunity")


def execute(filters=None):
	filters = frappe._dict(filters or {})
	filters.to_date = filters.get("to_date") or nowdate()
	filters.from_date = filters.get("from_date") or add_months(filters.to_date, -1)
	if (filters.get("pipeline") or "") not in PIPELINES:
		frappe.throw(_("Unknown pipeline {0}").format(filters.pipeline), frappe.ValidationError, title=_("Invalid Filter"))
	steps, matrix, totals = channels.refusal_rows(filters)
	cols = [
		{"fieldname": "pipeline", "label": _("Document Type"), "fieldtype": "Data", "width": 110},
		{"fieldname": "reason", "label": _("Lost Reason"), "fieldtype": "Data", "width": 200},
	]
	for i, step in enumerate(steps):
		cols.append({"fieldname": f"step_{i}", "label": _(step) if step else _("No Step"), "fieldtype": "Int", "width": 110})
	cols.append({"fieldname": "total", "label": _("Total"), "fieldtype": "Int", "width": 90})
	data = []
	for r in matrix:
		row = {"pipeline": _(r.pipeline), "reason": _(r.reason) if r.reason else _("No reason given"), "total": r.total}
		for i, step in enumerate(steps):
			row[f"step_{i}"] = r.by_step.get(step, 0)
		data.append(row)
	summary = [
		{"value": totals.get(p, 0), "label": _("Refusals: {0}").format(_(p)), "datatype": "Int", "indicator": "Red"}
		for p in ("Lead", "Opportunity")
		if not filters.get("pipeline") or filters.pipeline == p
	]
	chart = None
	if matrix:
		top = matrix[:15]
		chart = {
			"data": {
				"labels": [(_(r.reason) if r.reason else _("No reason given")) + f" ({_(r.pipeline)})" for r in top],
				"datasets": [{"name": _("Refusals"), "values": [r.total for r in top]}],
			},
			"type": "bar",
		}
	return cols, data, None, chart, summary
