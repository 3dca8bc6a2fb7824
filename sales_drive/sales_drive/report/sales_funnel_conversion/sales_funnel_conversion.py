# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Sales Funnel Conversion: per step of the regulation (and per owner, team or
sales person), how many records entered it in the period, how many left it
forward, were lost or moved back, the conversion to the next step, the pass
rate and the median working days spent in the step.

Everything comes from exactly two queries; :func:`sales_drive.engine.funnel.funnel`
turns their rows into the figures. For a viewer who sees everyone's figures they read
Sales Funnel Aggregate (sales_drive/aggregates.py: the log's daily and monthly totals, a
period read as ranges of its primary key); for a viewer under row rules (issue 14) they
read the Sales Stage Transition Log rows the viewer may see, filtered on
``(reference_doctype, transition_time)`` (the ``sd_log_doctype_time`` index).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import frappe
from frappe import _
from frappe.desk.reportview import build_match_conditions
from frappe.utils import add_months, flt, getdate, nowdate

from sales_drive import aggregates, regulations
from sales_drive.engine.funnel import bucket_value, funnel

PIPELINES = ("Opportunity", "Lead")
LOG = "`tabSales Stage Transition Log`"

# "Group By" filter -> the log column (constant identifiers, never user input)
GROUPS = {"Owner": "record_owner", "Team": "team", "Sales Person": "sales_person"}


@frappe.read_only()  # on a site with a read replica (read_from_replica), the report reads from it
def execute(filters=None):
	filters = frappe._dict(filters or {})
	doctype = filters.get("document_type") or "Opportunity"
	if doctype not in PIPELINES:
		frappe.throw(_("Document Type must be Opportunity or Lead"), title=_("Invalid Filter"))
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_months(to_date, -3))
	if from_date > to_date:
		frappe.throw(_("From Date must not be after To Date"), title=_("Invalid Filter"))
	group_by = filters.get("group_by") if filters.get("group_by") in GROUPS else None

	counts, durations = fetch(doctype, from_date, to_date, filters.get("company"), group_by, filters.get("regulation"))
	# one regulation's funnel, or all of the pipeline's in the default regulation's order
	active = regulations.by_name(filters.get("regulation")) or regulations.active(doctype)
	order = list(active.regulation.order()) if active else []
	stages = {s.name: s.stage for s in active.regulation.steps} if active else {}
	figures = funnel(order, counts, durations)

	rows = [
		{
			"group": f.group,
			"step": f.step,
			"stage": stages.get(f.step),
			"entered": f.entered,
			"forward": f.forward,
			"lost": f.lost,
			"back": f.back,
			"conversion": _float(f.conversion),
			"pass_rate": _float(f.pass_rate),
			"median_days": _float(f.median_days),
		}
		for f in figures
	]
	message = None
	if not active:
		message = _(
			"No active Sales Pipeline Regulation for {0}: steps are shown in alphabetical order."
		).format(_(doctype))
	return (
		get_columns(group_by),
		rows,
		message,
		get_chart(rows, order),
		get_summary(counts, rows, order),
	)


def fetch(doctype, from_date, to_date, company=None, group_by=None, regulation=None):
	"""Transition counts and the days-in-step histogram: from the aggregates for a viewer who sees
	everyone's rows, else from the log under the viewer's row rules."""
	match = build_match_conditions("Sales Stage Transition Log")
	if match:
		return fetch_from_log(doctype, from_date, to_date, company, group_by, regulation, match)
	return fetch_from_aggregates(doctype, from_date, to_date, company, group_by, regulation)


def fetch_from_aggregates(doctype, from_date, to_date, company=None, group_by=None, regulation=None):
	"""Two queries over Sales Funnel Aggregate (sales_drive/aggregates.py), the counts grouped, the
	histograms added up in Python: Month rows for the whole months of the period, Day rows for the rest. The same rows as :func:`fetch_from_log`, except that
	durations of 64 working days and more come as their bucket's midpoint (see engine.funnel.days_bucket)."""
	column = GROUPS.get(group_by)
	group = f"nullif(a.`{column}`, '')" if column else "null"
	group_key = "grp, " if column else ""
	values = {"doctype": doctype}
	where = " and ".join(["a.reference_doctype = %(doctype)s", *_optional(values, company, regulation, "a.")])
	counts = frappe.db.sql(
		f"""select {group} as grp, a.from_step, a.to_step, a.kind, sum(a.moves) as n
		from {aggregates.TABLE} a
		where {aggregates.period_condition(from_date, to_date)} and {where}
		group by {group_key}a.from_step, a.to_step, a.kind
		order by null""",
		values,
	)
	# histogram rows: one per person, step and day or month; their JSON buckets are added up here
	merged: dict[tuple, Counter] = {}
	for g, step, histogram in frappe.db.sql(
		f"""select {group} as grp, a.from_step, a.histogram
		from {aggregates.TABLE} a
		where {aggregates.period_condition(from_date, to_date, rows=aggregates.HISTOGRAM_ROW)} and {where}""",
		values,
	):
		if histogram:
			merged.setdefault((g, step), Counter()).update(json.loads(histogram))
	durations = [
		(g, step, bucket_value(int(low)), n) for (g, step), buckets in merged.items() for low, n in buckets.items() if n
	]
	return counts, durations


def fetch_from_log(doctype, from_date, to_date, company=None, group_by=None, regulation=None, match=None):
	"""The two grouped queries over the log: transition counts, and the days-in-step histogram."""
	column = GROUPS.get(group_by)
	group = f"`{column}`" if column else "null"
	group_key = "grp, " if column else ""
	conditions = [
		# Written as a one-value range on purpose: with "reference_doctype = x" MariaDB picks
		# "ref" access on the index's first column only (about every row of the pipeline, then a
		# primary-key lookup per row). As a range it weighs the (reference_doctype,
		# transition_time) range against a table scan: the index for short periods, the scan
		# for long ones. See the EXPLAIN notes in the commit message.
		"reference_doctype >= %(doctype)s and reference_doctype <= %(doctype)s",
		"transition_time >= %(start)s",
		"transition_time < %(end)s",  # whole days: up to the end of to_date
	]
	values = {
		"doctype": doctype,
		"start": from_date,
		"end": to_date + timedelta(days=1),
		"enter": "Enter",
	}
	conditions += _optional(values, company, regulation)
	if match is None:
		match = build_match_conditions("Sales Stage Transition Log")
	if match:
		conditions.append(f"({match})")
	where = " and ".join(conditions)

	counts = frappe.db.sql(
		f"""select {group} as grp, from_step, to_step, kind, count(*) as n
		from {LOG}
		where {where}
		group by {group_key}from_step, to_step, kind
		order by null""",
		values,
	)
	durations = frappe.db.sql(
		f"""select {group} as grp, from_step, days_in_previous, count(*) as n
		from {LOG}
		where {where} and kind != %(enter)s and from_step != '' and days_in_previous >= 0
		group by {group_key}from_step, days_in_previous
		order by null""",
		values,
	)
	return counts, durations


def _optional(values, company, regulation, table=""):
	"""The company and regulation filters (when given), their values added to ``values``."""
	conditions = []
	for column, value in (("company", company), ("regulation", regulation)):
		if value:
			conditions.append(f"{table}{column} = %({column})s")
			values[column] = value
	return conditions


def _float(value):
	return None if value is None else flt(value)


def get_chart(rows, order):
	steps = [s for s in order] or list(dict.fromkeys(r["step"] for r in rows))
	if not steps:
		return None
	entered = dict.fromkeys(steps, 0)
	forward = dict.fromkeys(steps, 0)
	for r in rows:
		if r["step"] in entered:
			entered[r["step"]] += r["entered"]
			forward[r["step"]] += r["forward"]
	# Frappe 15's charts have no funnel type: bars of entered vs. left forward, step by step
	return {
		"data": {
			"labels": [_(s) for s in steps],
			"datasets": [
				{"name": _("Entered"), "values": [entered[s] for s in steps]},
				{"name": _("Left Forward"), "values": [forward[s] for s in steps]},
			],
		},
		"type": "bar",
		"colors": ["#2490ef", "#29cd42"],
		"fieldtype": "Int",
	}


def get_summary(counts, rows, order):
	first = order[0] if order else None
	entered = sum(r["entered"] for r in rows if r["step"] == first) if first else 0
	won = sum(int(n) for _g, _f, _t, kind, n in counts if kind == "Won")
	lost = sum(r["lost"] for r in rows)
	conversion = flt(won * 100.0 / entered, 1) if entered else 0
	return [
		{"value": entered, "label": _("Entered the Funnel"), "datatype": "Int", "indicator": "Blue"},
		{"value": won, "label": _("Won"), "datatype": "Int", "indicator": "Green"},
		{"value": lost, "label": _("Lost"), "datatype": "Int", "indicator": "Red" if lost else "Grey"},
		{"value": conversion, "label": _("Overall Conversion"), "datatype": "Percent", "precision": 1, "indicator": "Blue"},
	]


def get_columns(group_by=None):
	columns = []
	if group_by:
		label, options = {
			"Owner": (_("Owner"), "User"),
			"Team": (_("Team"), "Sales Person"),
			"Sales Person": (_("Sales Person"), "Sales Person"),
		}[group_by]
		columns.append(
			{"fieldname": "group", "label": label, "fieldtype": "Link", "options": options, "width": 170}
		)
	return columns + [
		{"fieldname": "step", "label": _("Step"), "fieldtype": "Data", "width": 160},
		{"fieldname": "stage", "label": _("Stage"), "fieldtype": "Data", "width": 150},
		{"fieldname": "entered", "label": _("Entered"), "fieldtype": "Int", "width": 90},
		{"fieldname": "forward", "label": _("Left Forward"), "fieldtype": "Int", "width": 110},
		{"fieldname": "lost", "label": _("Lost"), "fieldtype": "Int", "width": 80},
		{"fieldname": "back", "label": _("Moved Back"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "conversion",
			"label": _("Conversion to Next Step %"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 130,
		},
		{"fieldname": "pass_rate", "label": _("Pass Rate %"), "fieldtype": "Percent", "precision": 1, "width": 110},
		{
			"fieldname": "median_days",
			"label": _("Median Working Days in Step"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 150,
		},
	]
