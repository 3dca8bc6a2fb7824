# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Plan vs Fact: a submitted Sales Plan against the live fact, as of a date.

Always recomputed from the documents, never read from the stored "Sales Plan
Day" rows, so it is right even before the background refresh has run: one
call to :func:`sales_drive.plans.fact_rows` (one grouped query over the
plan's basis, up to the "as of" date) and the engine
(:func:`sales_drive.plans.compute`) for the daily targets with carry-over.

Per person: the allocation, the plan to date (the plan's even pace), the fact
to date, % done (fact to date / allocation), today's target with what was
carried into it, and the forecast to the period's end at the current pace
(fact to date × working days of the period / working days done). "Today" is
the first working day on or after the "as of" date; working days done are
those on or before it.

The chart shows the cumulative plan (pace) and the cumulative fact by working
day, for the department or for the chosen person, up to the "as of" date.
A fact on a day off counts on the next working day, as in the plan itself.

Who sees whom (:mod:`sales_drive.permissions`): a manager their own row, a team
lead their team's, the head of sales and System Manager everyone's. The total,
the chart and the summary add up only the rows shown; the total row is the
"Department Total" only for those who see everyone.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from sales_drive import permissions, plans
from sales_drive import report_columns as col
from sales_drive.engine import plan as engine

ZERO = Decimal(0)


def execute(filters=None):
	filters = frappe._dict(filters or {})
	plan = get_plan(filters.get("sales_plan"))
	as_of = getdate(filters.get("as_of") or nowdate())
	amounts = plans.allocation_amounts(plan)
	person = filters.get("sales_person") or None
	allowed = permissions.allowed_persons()
	if person and allowed is not None and person not in allowed:
		frappe.throw(
			_("You can only see the figures of the persons in your team."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if person and person not in amounts:
		frappe.throw(
			_("Sales Person {0} has no allocation in Sales Plan {1}").format(
				frappe.bold(person), frappe.bold(plan.name)
			),
			title=_("Invalid Filter"),
		)
	persons = [person] if person else permissions.filter_persons(amounts)

	days = plans.working_days(plan)
	facts = fetch_facts(plan, as_of, set(persons))
	rows = plans.compute(plan, facts=facts, persons=set(persons))
	figures = per_person(rows, persons, amounts, facts, days, as_of)

	data = [_row(f, plan.currency) for f in figures]
	if not person:
		label = _("Department Total") if allowed is None else _("Total")
		data.append(_row(total(figures), plan.currency, label=label))
	return (
		get_columns(),
		data,
		get_message(plan, as_of),
		get_chart(rows, days, as_of),
		get_summary(figures, person),
	)


def get_plan(name):
	return plans.submitted_plan(name, _("Sales Plan {0} is not submitted: submit it to compare it with the fact"))


def fetch_facts(plan, as_of, persons):
	"""(day, person) -> fact up to ``as_of``, from ONE grouped query over the plan's basis."""
	from_date, to_date = getdate(plan.from_date), min(getdate(plan.to_date), as_of)
	if to_date < from_date:
		return defaultdict(Decimal)
	return plans.facts_for(plan, to_date=to_date, persons=persons)


def per_person(rows, persons, amounts, facts, days, as_of):
	"""The table's figures per person, from the engine's daily rows."""
	n = len(days)
	done = bisect_right(days, as_of)  # working days on or before as_of
	today = bisect_left(days, as_of)  # the first working day on or after as_of (n: the period is over)
	by_person = defaultdict(list)
	for r in rows:
		by_person[r.sales_person].append(r)
	fact_to_date = defaultdict(Decimal)
	for (_day, p), amount in facts.items():
		fact_to_date[p] += amount
	out = []
	for p in persons:
		daily = by_person.get(p) or []
		allocation = amounts.get(p, ZERO)
		fact = fact_to_date.get(p, ZERO)
		today_row = daily[today] if today < len(daily) else None
		out.append(
			frappe._dict(
				sales_person=p,
				allocation=allocation,
				plan_to_date=daily[done - 1].cumulative_target if done and daily else ZERO,
				fact_to_date=fact,
				percent_done=plans.percent_of(fact, allocation),
				today_target=today_row.target if today_row else ZERO,
				carried_in=today_row.carried_in if today_row else ZERO,
				forecast=engine.pace_forecast(fact, done, n),
			)
		)
	return out


def total(figures):
	sums = {
		key: sum((f[key] for f in figures), ZERO)
		for key in ("allocation", "plan_to_date", "fact_to_date", "today_target", "carried_in", "forecast")
	}
	return frappe._dict(
		sales_person=None, percent_done=plans.percent_of(sums["fact_to_date"], sums["allocation"]), **sums
	)


def _row(f, currency, label=None):
	row = {
		"sales_person": label or f.sales_person,
		"currency": currency,
		"percent_done": None if f.percent_done is None else flt(f.percent_done, 1),
	}
	for key in ("allocation", "plan_to_date", "fact_to_date", "today_target", "carried_in", "forecast"):
		row[key] = flt(f[key], 2)
	if label:
		row["is_total_row"] = 1
	return row


def get_message(plan, as_of):
	if as_of < getdate(plan.from_date):
		return _("The plan's period starts on {0}: nothing is due yet.").format(
			frappe.format(plan.from_date, "Date")
		)
	if as_of > getdate(plan.to_date):
		return _("The plan's period ended on {0}: the figures are final.").format(
			frappe.format(plan.to_date, "Date")
		)
	return None


def get_chart(rows, days, as_of):
	"""Cumulative plan (the even pace) vs cumulative fact, by working day, up to ``as_of``."""
	shown = days[: bisect_right(days, as_of)] or days  # before the period: the whole plan line, no fact
	index = {d: i for i, d in enumerate(shown)}
	plan_line = [ZERO] * len(shown)
	fact_line = [ZERO] * len(shown)
	for r in rows:
		i = index.get(r.date)
		if i is not None:
			plan_line[i] += r.cumulative_target
			fact_line[i] += r.cumulative_fact
	return {
		"data": {
			"labels": [frappe.format(d, "Date") for d in shown],
			"datasets": [
				{"name": _("Plan (cumulative)"), "values": [flt(v, 2) for v in plan_line]},
				{"name": _("Fact (cumulative)"), "values": [flt(v, 2) for v in fact_line]},
			],
		},
		"type": "line",
		"colors": ["#7575ff", "#29cd42"],
		"fieldtype": "Currency",
		"lineOptions": {"regionFill": 0, "hideDots": 1 if len(shown) > 31 else 0},
		"axisOptions": {"xIsSeries": 1},
	}


def get_summary(figures, person=None):
	f = figures[0] if person else total(figures)
	behind = f.fact_to_date < f.plan_to_date
	return [
		{"value": flt(f.allocation, 2), "label": _("Plan"), "datatype": "Currency", "indicator": "Blue"},
		{
			"value": flt(f.fact_to_date, 2),
			"label": _("Fact to Date"),
			"datatype": "Currency",
			"indicator": "Red" if behind else "Green",
		},
		{
			"value": flt(f.percent_done or 0, 1),
			"label": _("% Done"),
			"datatype": "Percent",
			"precision": 1,
			"indicator": "Red" if behind else "Green",
		},
		{
			"value": flt(f.today_target, 2),
			"label": _("Today's Target"),
			"datatype": "Currency",
			"indicator": "Blue",
		},
		{
			"value": flt(f.forecast, 2),
			"label": _("Forecast at Current Pace"),
			"datatype": "Currency",
			"indicator": "Green" if f.forecast >= f.allocation else "Orange",
		},
	]


def get_columns():
	return [
		col.sales_person(),
		col.money("allocation", _("Allocation")),
		col.money("plan_to_date", _("Plan to Date")),
		col.money("fact_to_date", _("Fact to Date")),
		col.percent("percent_done", _("% Done")),
		col.money("today_target", _("Today's Target")),
		col.money("carried_in", _("Carried In")),
		col.money("forecast", _("Forecast at Current Pace"), 160),
		col.currency(),
	]


@frappe.whitelist()
@frappe.validate_and_sanitize_search_inputs
def persons_of_plan(doctype, txt, searchfield, start, page_len, filters):
	"""Link search for the "Sales Person" filter: the persons allocated in the chosen plan."""
	plan = (filters or {}).get("sales_plan")
	if not plan:
		return []
	frappe.get_doc("Sales Plan", plan).check_permission("read")
	allowed = permissions.allowed_persons()
	scope = "" if allowed is None else "and a.sales_person in %(allowed)s"
	return frappe.db.sql(
		f"""select a.sales_person from `tabSales Plan Allocation` a
		where a.parent = %(plan)s and a.parenttype = 'Sales Plan' and a.sales_person like %(txt)s {scope}
		order by a.idx limit %(start)s, %(page_len)s""",
		{
			"plan": plan,
			"txt": f"%{txt}%",
			"start": int(start or 0),
			"page_len": int(page_len or 20),
			"allowed": sorted(allowed or {""}),
		},
	)
