# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Sales Funnel Conversion: per step of the regulation (and per owner, team or
sales person), how many records entered it in the period, how many left it
forward, were lost or moved back, the conversion to the next step, the pass
rate and the median working days spent in the step.

Everything comes from the Sales Stage Transition Log in exactly two grouped
queries; :func:`sales_drive.engine.funnel.funnel` turns their rows into the
figures. Both queries filter on ``(reference_doctype, transition_time)``
(the ``sd_log_doctype_time`` index).
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.desk.reportview import build_match_conditions
from frappe.utils import add_months, flt, getdate, nowdate

from sales_drive import regulations
from sales_drive.engine.funnel import funnel

PIPELINES = ("Opportunity", "Lead")
LOG = "`tabSales Stage Transition Log`"

# "Group By" filter -> the log column (constant identifiers, never user input)
GROUPS = {"Owner": "record_owner", "Team": "team", "Sales Person": "sales_person"}


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
	if company:
		conditions.append("company = %(company)s")
		values["company"] = company
	if regulation:
		conditions.append("regulation = %(regulation)s")
		values["regulation"] = regulation
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
