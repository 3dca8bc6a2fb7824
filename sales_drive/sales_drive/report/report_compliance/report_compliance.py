# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Report Compliance (seed 001): who submits the daily activity report late or not at all, and how often;
and the same for the weekly results, monthly and quarterly reviews (Sales Period Report, counted by their
due dates in the period: :func:`sales_drive.period_schedule.counts`).

For the sales persons a Report Regulation requires a daily activity report from (by role or
team), over the working days of the period up to today: reports due, submitted on time,
submitted late, missing, and the compliance % (on time over due) — the KPI metric
``report_compliance``. One grouped query over the Sales Daily Reports
(:func:`sales_drive.control.report_counts`).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, getdate, nowdate

from sales_drive import control, period_schedule
from sales_drive.engine import kpi as kpi_engine


def execute(filters=None):
	filters = frappe._dict(filters or {})
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_days(to_date, -30))
	if from_date > to_date:
		frappe.throw(_("From Date must not be after To Date"), title=_("Invalid Filter"))
	company = filters.get("company") or frappe.defaults.get_user_default("Company")
	daily = control.persons_due(company, filters.get("team"))
	persons = daily + [p for p in period_schedule.persons_due(company, filters.get("team")) if p not in daily]
	if filters.get("sales_person"):
		persons = [p for p in persons if p == filters.sales_person]
	days = control.working_days(company, from_date, to_date)
	if not persons:
		return get_columns(), [], _("No Report Regulation of this company requires a regular report from these people"), None, []
	counts = control.report_counts(persons, days)
	periodic = period_schedule.counts(company, persons, from_date, to_date)
	daily = set(daily)
	teams = dict(frappe.get_all("Sales Person", filters={"name": ["in", persons]}, fields=["name", "parent_sales_person"],
		as_list=True))  # fmt: skip
	rows = []
	for person in persons:
		submitted, on_time, late = counts.get(person, (0, 0, 0))
		due = len(days) if person in daily else 0
		p_due, p_on_time, p_late = periodic.get(person, (0, 0, 0))
		rows.append({"sales_person": person, "team": teams.get(person), "due": due, "on_time": on_time,
			"late": late, "missing": max(due - submitted, 0),
			"compliance": float(kpi_engine.ratio_percent(on_time, due)) if due else None,
			"period_due": p_due, "period_on_time": p_on_time, "period_late": p_late,
			"period_missing": p_due - p_on_time - p_late,
			"period_compliance": float(kpi_engine.ratio_percent(p_on_time, p_due)) if p_due else None})  # fmt: skip
	rows.sort(key=lambda r: (r["compliance"] if r["compliance"] is not None else 100, r["sales_person"]))
	return get_columns(), rows, None, get_chart(rows), get_summary(rows, len(days))


def get_columns():
	return [
		{"fieldname": "sales_person", "label": _("Sales Person"), "fieldtype": "Link", "options": "Sales Person", "width": 170},
		{"fieldname": "team", "label": _("Team"), "fieldtype": "Link", "options": "Sales Person", "width": 140},
		{"fieldname": "due", "label": _("Daily Reports Due"), "fieldtype": "Int", "width": 110},
		{"fieldname": "on_time", "label": _("Submitted on Time"), "fieldtype": "Int", "width": 110},
		{"fieldname": "late", "label": _("Submitted Late"), "fieldtype": "Int", "width": 110},
		{"fieldname": "missing", "label": _("Not Submitted"), "fieldtype": "Int", "width": 110},
		{"fieldname": "compliance", "label": _("Daily Report Compliance %"), "fieldtype": "Percent", "precision": 1, "width": 130},
		{"fieldname": "period_due", "label": _("Period Reports Due"), "fieldtype": "Int", "width": 110},
		{"fieldname": "period_on_time", "label": _("Period Reports on Time"), "fieldtype": "Int", "width": 110},
		{"fieldname": "period_late", "label": _("Period Reports Late"), "fieldtype": "Int", "width": 110},
		{"fieldname": "period_missing", "label": _("Period Reports Not Submitted"), "fieldtype": "Int", "width": 110},
		{"fieldname": "period_compliance", "label": _("Period Report Compliance %"), "fieldtype": "Percent",
			"precision": 1, "width": 130},  # fmt: skip
	]


def get_chart(rows):
	if not rows:
		return None
	return {
		"data": {
			"labels": [r["sales_person"] for r in rows],
			"datasets": [
				{"name": _("Submitted on Time"), "values": [r["on_time"] for r in rows]},
				{"name": _("Submitted Late"), "values": [r["late"] for r in rows]},
				{"name": _("Not Submitted"), "values": [r["missing"] for r in rows]},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"colors": ["#29cd42", "#f5a623", "#e24c4c"],
	}


def get_summary(rows, due):
	late = sum(r["late"] for r in rows)
	missing = sum(r["missing"] for r in rows)
	on_time = sum(r["on_time"] for r in rows)
	total = sum(r["due"] for r in rows)
	return [
		{"value": due, "label": _("Working Days in the Period"), "datatype": "Int", "indicator": "Blue"},
		{"value": late, "label": _("Submitted Late"), "datatype": "Int", "indicator": "Orange"},
		{"value": missing, "label": _("Not Submitted"), "datatype": "Int", "indicator": "Red"},
		{"value": float(kpi_engine.ratio_percent(on_time, total)) if total else 0, "label": _("Daily Report Compliance %"),
			"datatype": "Percent", "indicator": "Green"},  # fmt: skip
		*period_summary(rows),
	]


def period_summary(rows):
	due = sum(r["period_due"] for r in rows)
	if not due:
		return []
	on_time = sum(r["period_on_time"] for r in rows)
	return [{"value": float(kpi_engine.ratio_percent(on_time, due)), "label": _("Period Report Compliance %"),
		"datatype": "Percent", "indicator": "Green" if on_time == due else "Orange"}]  # fmt: skip
