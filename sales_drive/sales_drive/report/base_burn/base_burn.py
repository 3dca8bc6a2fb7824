# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Base Burn (seed 004): how fast the team burns its base, beside how well it meets the plan.

Per team, sales person or segment (territory, industry, market segment), for a period:
parties worked (records with a stage move in the Sales Stage Transition Log), refusals
and closures for good (Cooling Records made in the period), parties cooling now, parties
returned to the base; the burn rate ((refusals + closures) / worked); the Sales Plan's %
done (team and person groupings); the untouched and warm base left (Leads not cooling)
and the days until it runs out at the period's pace. Plan facts are the daily figures
the Sales Plans store (``Sales Plan Day``), not recomputed here.

Every figure comes from one grouped query (six in all); the engine
(:mod:`sales_drive.engine.cooling`) turns them into rates and forecasts. Parties worked per team or
sales person of a company are read from the cells kept as the log is written
(:mod:`sales_drive.activity`: a few thousand rows for any period, exact); per segment (the record's
current one) or without a company they are counted from the log.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import add_days, add_months, date_diff, flt, getdate, nowdate

from sales_drive import activity
from sales_drive.base_cooling import UNTOUCHED, WARM
from sales_drive.engine import cooling as engine

# "Group By" -> the column of the Cooling Record / Lead holding it (constant identifiers)
SEGMENTS = {"Territory": "territory", "Industry": "industry", "Market Segment": "market_segment"}
PEOPLE = {"Team": "team", "Sales Person": "sales_person"}
LINKS = {"Team": "Sales Person", "Sales Person": "Sales Person", "Territory": "Territory",
	"Industry": "Industry Type", "Market Segment": "Market Segment"}  # fmt: skip
NONE = ""


@frappe.read_only()  # on a site with a read replica (read_from_replica), the report reads from it
def execute(filters=None):
	filters = frappe._dict(filters or {})
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_months(to_date, -1))
	if from_date > to_date:
		frappe.throw(_("From Date must not be after To Date"), title=_("Invalid Filter"))
	group_by = filters.get("group_by") or "Team"
	if group_by not in SEGMENTS and group_by not in PEOPLE:
		frappe.throw(_("Unknown grouping {0}").format(group_by), title=_("Invalid Filter"))
	alarm = flt(filters.get("burn_alarm") if filters.get("burn_alarm") not in (None, "") else 30)
	company = filters.get("company")
	today = getdate(nowdate())
	days = date_diff(to_date, from_date) + 1

	burns = fetch(group_by, from_date, to_date, company, today)
	plan = plan_percent(group_by, from_date, to_date, company) if group_by in PEOPLE else {}
	total_plan = plan.pop(None, None) if plan else _company_plan_percent(from_date, to_date, company)

	rows = []
	for group in sorted(burns, key=lambda g: (g == NONE, g)):
		b = burns[group]
		rate = engine.burn_rate(b.burned, b.worked)
		left_days = engine.exhaustion_days(b.base_left, b.burned, days)
		pct = plan.get(group)
		rows.append(
			{
				"group": group or None,
				"worked": b.worked,
				"refusals": b.refusals,
				"closed": b.closed,
				"cooling": b.cooling,
				"returned": b.returned,
				"burn_rate": rate,
				"plan_percent": pct,
				"burning": int(engine.burning_while_meeting_plan(pct, rate, alarm)),
				"base_untouched": b.base_untouched,
				"base_warm": b.base_warm,
				"days_left": left_days,
				"runs_out_on": engine.exhaustion_date(today, left_days),
			}
		)
	total = engine.Burn()
	for b in burns.values():
		total = engine.add(total, b)
	total_rate = engine.burn_rate(total.burned, total.worked)
	total_days = engine.exhaustion_days(total.base_left, total.burned, days)
	message = None
	burning = [r for r in rows if r["burning"]]
	if engine.burning_while_meeting_plan(total_plan, total_rate, alarm) or burning:
		message = _("Plan met while burning the base: the burn rate is at or above {0}% where the plan is done.").format(
			flt(alarm, 1)
		)
	return (
		get_columns(group_by),
		rows,
		message,
		get_chart(rows),
		get_summary(total, total_rate, total_plan, total_days),
	)


def _group_expr(group_by, alias=""):
	column = PEOPLE.get(group_by) or SEGMENTS[group_by]
	return f"ifnull({alias}`{column}`, '')"


def fetch(group_by, from_date, to_date, company, today) -> dict[str, engine.Burn]:
	burns: dict[str, engine.Burn] = defaultdict(engine.Burn)
	grp = _group_expr(group_by)
	values = {"from": from_date, "to": to_date, "end": add_days(to_date, 1), "today": today, "company": company}
	company_cond = " and company = %(company)s" if company else ""

	# refusals and closures made in the period
	for group, refusals, closed in frappe.db.sql(
		f"""select {grp}, sum(final = 0), sum(final = 1) from `tabCooling Record`
		where from_date between %(from)s and %(to)s{company_cond} group by 1""",
		values,
	):
		burns[group].refusals += int(refusals or 0)
		burns[group].closed += int(closed or 0)
	# cooling now: distinct parties
	for group, n in frappe.db.sql(
		f"""select {grp}, count(distinct party_type, party) from `tabCooling Record`
		where status = 'Active' and until_date >= %(today)s and from_date <= %(today)s{company_cond} group by 1""",
		values,
	):
		burns[group].cooling += int(n or 0)
	# returned to the base in the period
	for group, n in frappe.db.sql(
		f"""select {grp}, count(distinct party_type, party) from `tabCooling Record`
		where status = 'Returned' and returned_on between %(from)s and %(to)s{company_cond} group by 1""",
		values,
	):
		burns[group].returned += int(n or 0)
	# worked: records with a stage move in the period
	for group, n in _worked(group_by, values, company):
		burns[group].worked += int(n or 0)
	# the base left: leads untouched or warm, not cooling
	for group, untouched, warm in _base_left(group_by, values, company):
		burns[group].base_untouched += int(untouched or 0)
		burns[group].base_warm += int(warm or 0)
	return burns


def _worked(group_by, values, company):
	if group_by in PEOPLE and company:
		# kept as the log is written (sales_drive/activity.py): a few ranges of cells, not the log
		return list(activity.worked(group_by, values["from"], values["to"], company).items())
	period = "g.transition_time >= %(from)s and g.transition_time < %(end)s"
	company_cond = " and g.company = %(company)s" if company else ""
	if group_by in PEOPLE:
		return frappe.db.sql(
			f"""select {_group_expr(group_by, 'g.')}, count(distinct g.reference_doctype, g.reference_name)
			from `tabSales Stage Transition Log` g where {period}{company_cond} group by 1""",
			values,
		)
	# the record's current segment: each record with a move in the period once (a semi-join, which the
	# optimizer runs from the records or from the period's log rows, whichever is fewer)
	out = []
	for doctype in ("Lead", "Opportunity"):
		out += frappe.db.sql(
			f"""select {_group_expr(group_by, 'r.')}, count(*) from `tab{doctype}` r
			where r.name in (select g.reference_name from `tabSales Stage Transition Log` g
				where g.reference_doctype = '{doctype}' and {period}{company_cond})
			group by 1""",
			values,
		)
	return out


def _base_left(group_by, values, company):
	company_cond = " and company = %(company)s" if company else ""
	values = {**values, "untouched": UNTOUCHED, "warm": WARM, "open": UNTOUCHED + WARM}
	if group_by in SEGMENTS:
		return frappe.db.sql(
			f"""select {_group_expr(group_by)}, sum(status in %(untouched)s), sum(status in %(warm)s)
			from `tabLead` where status in %(open)s and (sd_cooling_until is null or sd_cooling_until < %(today)s)
			{company_cond} group by 1""",
			values,
		)
	rows = frappe.db.sql(
		f"""select ifnull(lead_owner, ''), sum(status in %(untouched)s), sum(status in %(warm)s)
		from `tabLead` where status in %(open)s and (sd_cooling_until is null or sd_cooling_until < %(today)s)
		{company_cond} group by 1""",
		values,
	)
	people = _people()
	out = defaultdict(lambda: [0, 0])
	for user, untouched, warm in rows:
		person, team = people.get(user, (None, None))
		group = (team if group_by == "Team" else person) or NONE
		out[group][0] += int(untouched or 0)
		out[group][1] += int(warm or 0)
	return [(g, u, w) for g, (u, w) in out.items()]


def _people() -> dict[str, tuple[str, str]]:
	"""user -> (sales person, team): one query."""
	rows = frappe.db.sql(
		"""select e.user_id, sp.name, sp.parent_sales_person from `tabSales Person` sp
		join `tabEmployee` e on e.name = sp.employee
		where sp.enabled = 1 and sp.is_group = 0 and e.user_id is not null order by sp.lft"""
	)
	out = {}
	for user, person, team in rows:
		out.setdefault(user, (person, team))
	return out


def plan_figures(from_date, to_date, company) -> tuple[dict, dict]:
	"""(plan amount, fact so far) per sales person, over the submitted Sales Plans that overlap
	the period: the allocations, and the facts the plans store per day (``Sales Plan Day``,
	refreshed by :mod:`sales_drive.plans`) up to the period's end. Two grouped queries."""
	values = {"from": from_date, "to": to_date, "company": company}
	company_cond = " and p.company = %(company)s" if company else ""
	plans_cond = f"p.docstatus = 1 and p.from_date <= %(to)s and p.to_date >= %(from)s{company_cond}"
	target = dict(
		frappe.db.sql(
			f"""select a.sales_person, sum(a.amount) from `tabSales Plan Allocation` a
			join `tabSales Plan` p on p.name = a.parent where {plans_cond} group by a.sales_person""",
			values,
		)
	)
	fact = dict(
		frappe.db.sql(
			f"""select d.sales_person, sum(d.fact) from `tabSales Plan Day` d
			join `tabSales Plan` p on p.name = d.sales_plan where {plans_cond} and d.date <= %(to)s
			group by d.sales_person""",
			values,
		)
	)
	return target, fact


def plan_percent(group_by, from_date, to_date, company) -> dict:
	"""Fact / plan x 100 per sales person or team (key None: all of them)."""
	targets, facts = plan_figures(from_date, to_date, company)
	if not targets:
		return {}
	parents = dict(frappe.db.sql("select name, parent_sales_person from `tabSales Person`"))
	target = defaultdict(float)
	fact = defaultdict(float)
	for person, amount in targets.items():
		key = person if group_by == "Sales Person" else parents.get(person) or NONE
		for k in (key, None):
			target[k] += flt(amount)
			fact[k] += flt(facts.get(person))
	return {k: flt(100.0 * fact[k] / t, 1) for k, t in target.items() if t}


def _company_plan_percent(from_date, to_date, company):
	return plan_percent("Team", from_date, to_date, company).get(None)


def get_chart(rows):
	if not rows:
		return None
	return {
		"data": {
			"labels": [r["group"] or _("Not Set") for r in rows],
			"datasets": [
				{"name": _("Refusals"), "values": [r["refusals"] for r in rows]},
				{"name": _("Closed for Good"), "values": [r["closed"] for r in rows]},
				{"name": _("Returned"), "values": [r["returned"] for r in rows]},
			],
		},
		"type": "bar",
		"colors": ["#f5a623", "#e24c4c", "#29cd42"],
		"fieldtype": "Int",
	}


def get_summary(total, rate, plan, days_left):
	return [
		{"value": total.worked, "label": _("Parties Worked"), "datatype": "Int", "indicator": "Blue"},
		{"value": total.refusals, "label": _("Refusals"), "datatype": "Int", "indicator": "Orange"},
		{"value": total.closed, "label": _("Closed for Good"), "datatype": "Int", "indicator": "Red"},
		{"value": total.cooling, "label": _("Cooling Now"), "datatype": "Int", "indicator": "Blue"},
		{"value": total.returned, "label": _("Returned"), "datatype": "Int", "indicator": "Green"},
		{"value": rate or 0, "label": _("Burn Rate %"), "datatype": "Percent", "precision": 1, "indicator": "Red"},
		{"value": plan or 0, "label": _("Plan % Done"), "datatype": "Percent", "precision": 1, "indicator": "Green"},
		{"value": total.base_left, "label": _("Base Left"), "datatype": "Int", "indicator": "Blue"},
		{
			"value": days_left if days_left is not None else _("never at this pace"),
			"label": _("Days Until the Base Runs Out"),
			"datatype": "Int" if days_left is not None else "Data",
			"indicator": "Red" if days_left is not None and days_left < 365 else "Grey",
		},
	]


def get_columns(group_by):
	return [
		{"fieldname": "group", "label": _(group_by), "fieldtype": "Link", "options": LINKS[group_by], "width": 180},
		{"fieldname": "worked", "label": _("Parties Worked"), "fieldtype": "Int", "width": 110},
		{"fieldname": "refusals", "label": _("Refusals"), "fieldtype": "Int", "width": 90},
		{"fieldname": "closed", "label": _("Closed for Good"), "fieldtype": "Int", "width": 110},
		{"fieldname": "cooling", "label": _("Cooling Now"), "fieldtype": "Int", "width": 100},
		{"fieldname": "returned", "label": _("Returned"), "fieldtype": "Int", "width": 90},
		{"fieldname": "burn_rate", "label": _("Burn Rate %"), "fieldtype": "Percent", "precision": 1, "width": 100},
		{"fieldname": "plan_percent", "label": _("Plan % Done"), "fieldtype": "Percent", "precision": 1, "width": 100},
		{"fieldname": "base_untouched", "label": _("Untouched Base"), "fieldtype": "Int", "width": 110},
		{"fieldname": "base_warm", "label": _("Warm Base"), "fieldtype": "Int", "width": 100},
		{"fieldname": "days_left", "label": _("Days Until the Base Runs Out"), "fieldtype": "Int", "width": 130},
		{"fieldname": "runs_out_on", "label": _("Runs Out On"), "fieldtype": "Date", "width": 110},
	]
