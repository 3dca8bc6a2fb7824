# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Manager Rating (seed 002): the weekly ranking of managers by weighted KPI score, with the trend.

The components of a KPI Scheme (metric, weight, target, cap) are evaluated week by week,
for the chosen week and the weeks of history before it. Facts come from the KPI adapter
(:class:`sales_drive.kpi.Facts`): one grouped query per metric and week for every person at
once. A fixed target of an additive metric (calls, revenue …) is scaled from the scheme's
period to the week by working days; a target from the Sales Plan is the sum of the plan's
daily targets of the week (one grouped query). A person who joined during a week gets the
week's targets pro-rated. The engine gives each component's counted % (capped), the
weighted score (:func:`sales_drive.engine.kpi.weighted_score`) and the ranking with the
trend against the average of the previous weeks (:func:`sales_drive.engine.kpi.rank`).
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import add_days, cint, formatdate, getdate, nowdate

from sales_drive import kpi, regulations
from sales_drive.engine import kpi as engine

MAX_WEEKS = 26
CHART_PERSONS = 10
ZERO = Decimal(0)


def execute(filters=None):
	filters = frappe._dict(filters or {})
	day = getdate(filters.get("week") or nowdate())
	history = cint(filters.get("weeks")) if filters.get("weeks") not in (None, "") else 4
	if history < 0 or history > MAX_WEEKS:
		frappe.throw(
			_("Weeks of history must be from 0 to {0}, not {1}").format(MAX_WEEKS, history), title=_("Invalid Filter")
		)
	scheme_doc = scheme_for(filters, day)
	persons = persons_for(scheme_doc, filters.get("team"))
	monday = getdate(add_days(day, -day.weekday()))
	weeks = [(getdate(add_days(monday, -7 * k)), getdate(add_days(monday, -7 * k + 6))) for k in range(history, -1, -1)]
	rating = Rating(scheme_doc, persons)
	by_week = [rating.week(start, end) for start, end in weeks]
	current, percents = by_week[-1]
	past = {p: [scores[p] for scores, _pc in by_week[:-1] if p in scores] for p in persons}
	ranks = engine.rank(current, past)

	teams = dict(frappe.get_all("Sales Person", filters={"name": ["in", persons or [""]]},
		fields=["name", "parent_sales_person"], as_list=True))  # fmt: skip
	trend_label = {"up": _("Score Rising"), "down": _("Score Falling"), "flat": _("Score Steady"), "new": _("First Week Rated")}
	rows = []
	for r in ranks:
		row = {"rank": r.rank, "sales_person": r.person, "team": teams.get(r.person), "score": float(r.score),
			"previous": None if r.previous is None else float(r.previous),
			"delta": None if r.delta is None else float(r.delta), "trend": trend_label[r.trend], "trend_key": r.trend}  # fmt: skip
		for i, line_pct in percents.get(r.person, {}).items():
			row[f"c{i}"] = float(line_pct)
		for k, (scores, _pc) in enumerate(by_week[:-1]):
			row[f"w{k}"] = float(scores[r.person]) if r.person in scores else None
		rows.append(row)
	return (
		get_columns(rating.scheme, weeks),
		rows,
		None,
		get_chart(ranks, by_week, weeks),
		get_summary(ranks),
	)


def scheme_for(filters, day):
	if filters.get("kpi_scheme"):
		return frappe.get_doc("KPI Scheme", filters.kpi_scheme)
	team = filters.get("team")
	if not team:
		frappe.throw(_("Choose a KPI scheme or a team"), title=_("Invalid Filter"))
	members = set(kpi.persons_of(frappe._dict(applies_to="Team", team=team)))
	conditions = {"enabled": 1, "valid_from": ["<=", day]}
	if filters.get("company"):
		conditions["company"] = filters.company
	for name in frappe.get_all("KPI Scheme", filters=conditions, pluck="name", order_by="valid_from desc"):
		doc = frappe.get_doc("KPI Scheme", name)
		if (not doc.valid_to or getdate(doc.valid_to) >= day) and members & set(kpi.persons_of(doc)):
			return doc
	frappe.throw(_("No enabled KPI scheme covers team {0}: choose a KPI scheme").format(frappe.bold(team)),
		title=_("Invalid Filter"))  # fmt: skip


def persons_for(scheme_doc, team=None) -> list[str]:
	persons = kpi.persons_of(scheme_doc)
	if team:
		members = set(kpi.persons_of(frappe._dict(applies_to="Team", team=team)))
		persons = [p for p in persons if p in members]
	return persons


class Rating:
	"""Weekly scores of the persons of one scheme."""

	def __init__(self, scheme_doc, persons):
		self.doc = scheme_doc
		self.scheme = kpi.scheme_of(scheme_doc)
		self.persons = persons
		self.company = scheme_doc.company
		self.cal = regulations.calendar(regulations.holiday_list_for(None, self.company))

	def share(self, start, end) -> Decimal:
		"""Working days of the week over those of the scheme's period holding it."""
		p_start, p_end = kpi.period_bounds(self.doc.period, start)
		if (p_start, p_end) == (start, end):
			return Decimal(1)
		period = len(self.cal.working_days(p_start, p_end))
		return engine.prorate_factor(len(self.cal.working_days(start, end)), period) if period else Decimal(1)

	def plan_week(self, start, end) -> dict[str, tuple[Decimal, Decimal]]:
		"""person → (amount, deals) planned for the week: the plans' daily targets, one query."""
		if not any(c.target_source == engine.PLAN for c in self.scheme.components) or not self.persons:
			return {}
		rows = frappe.db.sql(
			"""select d.sales_person, sum(d.target),
				sum(case when p.target_amount > 0 then d.target * p.target_deals / p.target_amount else 0 end)
			from `tabSales Plan Day` d join `tabSales Plan` p on p.name = d.sales_plan
			where p.docstatus = 1 and p.company = %(company)s and d.date between %(start)s and %(end)s
			and d.sales_person in %(persons)s group by d.sales_person""",
			{"company": self.company, "start": start, "end": end, "persons": self.persons},
		)
		return {p: (engine.D(a), engine.D(d)) for p, a, d in rows}

	def week(self, start, end) -> tuple[dict[str, Decimal], dict[str, dict[int, Decimal]]]:
		"""(person → weighted score, person → {component index: counted %}) of one week."""
		if not self.persons:
			return {}, {}
		plan = kpi.plan_covering(self.company, start, end)
		facts = kpi.Facts(self.company, self.persons, start, end, plan)
		per_component = [facts.get(c) for c in self.scheme.components]
		planned = self.plan_week(start, end)
		share = self.share(start, end)
		active = kpi.active_factors(self.company, self.persons, start, end)
		weights = {i: engine.D(c.weight) for i, c in enumerate(self.scheme.components)}
		scores, percents = {}, {}
		for person in self.persons:  # pure computation over the fetched facts
			factor = active.get(person, Decimal(1))
			if factor <= 0:
				continue  # not yet with the team that week
			got = {}
			for i, c in enumerate(self.scheme.components):
				plan_t = None
				if c.target_source == engine.PLAN:
					amount, deals = planned.get(person, (ZERO, ZERO))
					plan_t = (deals if c.metric == "deals_won" else amount) * factor
				target = engine.target_for(c, plan_t, share * factor)
				got[i] = engine.evaluate_component(c, per_component[i].get(person, ZERO), target, ZERO).counted
			scores[person] = engine.weighted_score(got, weights)
			percents[person] = got
		return scores, percents


def week_label(start) -> str:
	return _("Week of {0}").format(formatdate(start))


def get_columns(scheme, weeks):
	columns = [
		{"fieldname": "rank", "label": _("Place in Rating"), "fieldtype": "Int", "width": 60},
		{"fieldname": "sales_person", "label": _("Sales Person"), "fieldtype": "Link", "options": "Sales Person", "width": 170},
		{"fieldname": "team", "label": _("Team"), "fieldtype": "Link", "options": "Sales Person", "width": 140},
		{"fieldname": "score", "label": _("Weighted KPI Score"), "fieldtype": "Percent", "precision": 2, "width": 120},
		{"fieldname": "previous", "label": _("Average of Previous Weeks"), "fieldtype": "Percent", "precision": 2, "width": 130},
		{"fieldname": "delta", "label": _("Change in Points"), "fieldtype": "Float", "precision": 2, "width": 110},
		{"fieldname": "trend", "label": _("Trend Against Previous Weeks"), "fieldtype": "Data", "width": 110},
	]
	for i, c in enumerate(scheme.components):
		label = _(engine.METRICS[c.metric].label) if c.metric in engine.METRICS else c.metric
		columns.append({"fieldname": f"c{i}", "label": _("{0}, % (weight {1})").format(label, engine._plain(c.weight)),
			"fieldtype": "Percent", "precision": 2, "width": 130})  # fmt: skip
	for k, (start, _end) in enumerate(weeks[:-1]):
		columns.append({"fieldname": f"w{k}", "label": week_label(start), "fieldtype": "Percent", "precision": 2, "width": 120})
	return columns


def get_chart(ranks, by_week, weeks):
	if not ranks:
		return None
	top = [r.person for r in ranks[:CHART_PERSONS]]
	return {
		"data": {
			"labels": [week_label(start) for start, _end in weeks],
			"datasets": [{"name": p, "values": [float(scores.get(p, 0)) for scores, _pc in by_week]} for p in top],
		},
		"type": "line",
		"fieldtype": "Percent",
	}


def get_summary(ranks):
	if not ranks:
		return []
	average = engine.pct(sum((r.score for r in ranks), ZERO) / len(ranks))
	leaders = ", ".join(r.person for r in ranks if r.rank == 1)
	rising = sum(1 for r in ranks if r.trend == "up")
	falling = sum(1 for r in ranks if r.trend == "down")
	return [
		{"value": leaders, "label": _("Best Manager of the Week"), "datatype": "Data", "indicator": "Green"},
		{"value": float(average), "label": _("Average Weighted KPI Score"), "datatype": "Percent", "indicator": "Blue"},
		{"value": rising, "label": _("Managers Rising"), "datatype": "Int", "indicator": "Green"},
		{"value": falling, "label": _("Managers Falling"), "datatype": "Int", "indicator": "Red"},
	]
