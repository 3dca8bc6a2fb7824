# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Internal vs Top-down Plan: what the managers' pipeline promises for a
period against what management allocated to them (METHOD.md §2).

- **Top-down**: each person's allocation in the chosen submitted Sales Plan
  (0 without a plan, or for a person the plan does not list).
- **Internal (weighted)**: the open Opportunities (:func:`sales_drive.queries.open_condition`:
  not Converted, Lost or Closed, not logged Won, not a Quotation that was ordered) expected to close
  in the period: their amount in company currency
  (``base_opportunity_amount``, else ``opportunity_amount``) × the win
  probability. The probability is the one the deal's own regulation
  (``sd_regulation``, else the pipeline's default regulation) sets for the
  deal's step (``sales_stage``); when the step sets none (empty
  or 0 %, or the stage is not a step of the regulation) the deal's own
  ``probability`` is used.
  With the filter **Probabilities: Historical** the step's probability is
  the one history shows for the deal's own regulation (``sd_regulation``,
  else the default one): the share of records that reached the step and
  were won over the last N months (:mod:`sales_drive.probabilities`); a
  step with too few closed records keeps the configured probability, and
  the report message names those steps.
- **Commit / Best Case / Pipeline**: unweighted sums by the forecast category
  a manager sets on the deal; **Open Pipeline** is the sum of all of them.
- **Gap** = internal − top-down, and the gap in % of the top-down plan.

A deal counts for its owner's Sales Person (``opportunity_owner``, else the
creator → Employee → Sales Person); deals whose owner has no Sales Person
are shown on a "Not Set" row. Everything comes from ONE grouped query over
``tabOpportunity`` (by person, step and category); the probabilities are
applied per step in Python.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe import _
from frappe.desk.reportview import build_match_conditions
from frappe.utils import flt, get_first_day, get_last_day, getdate, nowdate

from sales_drive import plans, probabilities, regulations
from sales_drive import report_columns as col
from sales_drive.queries import open_condition, persons_of_users

ZERO = Decimal(0)
CENT = Decimal("0.01")
CATEGORIES = {"Commit": "commit", "Best Case": "best_case", "Pipeline": "pipeline"}
MODES = ("Configured", "Historical")

# the deal's owner: its Sales Person is found per owner afterwards (queries.persons_of_users picks it exactly
# as sales_drive.people.sales_person_of does), not by a subquery per deal
_OWNER = "coalesce(nullif(`tabOpportunity`.opportunity_owner, ''), `tabOpportunity`.owner)"


@frappe.read_only()  # on a site with a read replica (read_from_replica), the report reads from it
def execute(filters=None):
	filters = frappe._dict(filters or {})
	plan = None
	if filters.get("sales_plan"):
		plan = get_plan(filters.get("sales_plan"))
		company, from_date, to_date = plan.company, getdate(plan.from_date), getdate(plan.to_date)
	else:
		company = filters.get("company") or frappe.defaults.get_user_default("Company")
		from_date = getdate(filters.get("from_date") or get_first_day(nowdate()))
		to_date = getdate(filters.get("to_date") or get_last_day(from_date))
	if not company:
		frappe.throw(_("Choose a Company"), title=_("Invalid Filter"))
	if from_date > to_date:
		frappe.throw(_("From Date must not be after To Date"), title=_("Invalid Filter"))
	mode = filters.get("probabilities") or "Configured"
	if mode not in MODES:
		frappe.throw(_("Probabilities must be Configured or Historical"), title=_("Invalid Filter"))

	groups = fetch(company, from_date, to_date)
	allocations = plans.allocation_amounts(plan) if plan else {}
	if mode == "Historical":
		by_regulation, history_note = historical_probabilities(groups)
	else:
		by_regulation, history_note = configured_probabilities(groups), None
	default = by_regulation.get("", {})
	figures = internal_plan(groups, default, allocations, by_regulation)
	currency = (plan and plan.currency) or frappe.get_cached_value("Company", company, "default_currency")

	message = None
	if plan:
		# the comparison is about the plan's people: others' pipeline is left out of the total
		outside = [f for f in figures if f.sales_person not in allocations]
		figures = [f for f in figures if f.sales_person in allocations]
		if outside:
			message = _(
				"{0} open deals of people outside Sales Plan {1} ({2} weighted) are not in this comparison."
			).format(
				sum(f.deals for f in outside),
				plan.name,
				frappe.format(
					sum((f.internal for f in outside), ZERO), {"fieldtype": "Currency", "options": currency}
				),
			)
	else:
		message = _(
			"Choose a Sales Plan to compare with the top-down plan: without one the top-down figures are zero."
		)
	if history_note:
		message = "<br>".join(m for m in (history_note, message) if m)
	data = [_row(f, currency) for f in figures]
	department = total(figures)
	data.append(_row(department, currency, label=_("Department Total")))
	return get_columns(), data, message, get_chart(figures), get_summary(department, currency)


def get_plan(name):
	return plans.submitted_plan(
		name, _("Sales Plan {0} is not submitted: submit it to compare it with the pipeline")
	)


def fetch(company, from_date, to_date):
	"""ONE grouped query: (person, step, category, deals, amount, amount × own probability / 100, regulation).

	Grouped by owner in SQL (index ``sd_opp_company_closing``), then the owners' Sales Persons are read in one
	query and the groups of owners with the same person added up."""
	# no table alias: the match conditions name the table as `tabOpportunity`
	conditions = [
		"`tabOpportunity`.company = %(company)s",
		open_condition("Opportunity", "`tabOpportunity`"),
		"`tabOpportunity`.expected_closing between %(from_date)s and %(to_date)s",
	]
	match = build_match_conditions("Opportunity")
	if match:
		conditions.append(f"({match})")
	amount = "coalesce(nullif(`tabOpportunity`.base_opportunity_amount, 0), `tabOpportunity`.opportunity_amount, 0)"
	rows = frappe.db.sql(
		f"""select {_OWNER} as record_owner, ifnull(`tabOpportunity`.sales_stage, '') as step,
			ifnull(`tabOpportunity`.sd_forecast_category, '') as category, count(*) as deals,
			sum({amount}) as amount, sum({amount} * ifnull(`tabOpportunity`.probability, 0) / 100) as own_weighted,
			ifnull(`tabOpportunity`.sd_regulation, '') as regulation
		from `tabOpportunity`
		where {" and ".join(conditions)}
		group by 1, 2, 3, 7
		order by null""",
		{"company": company, "from_date": from_date, "to_date": to_date},
	)
	person_of = persons_of_users({r[0] for r in rows})
	groups: dict[tuple, list] = {}
	for owner, step, category, deals, amount, own_weighted, regulation in rows:
		person = person_of.get(owner, (None, None))[0]
		g = groups.setdefault((person, step, category, regulation), [0, ZERO, ZERO])
		g[0] += int(deals)
		g[1] += _dec(amount)
		g[2] += _dec(own_weighted)
	return [
		(person, step, category, deals, amount, own_weighted, regulation)
		for (person, step, category, regulation), (deals, amount, own_weighted) in groups.items()
	]


def step_probabilities() -> dict[str, Decimal]:
	"""Step -> win probability % set by the active Opportunity regulation (steps that set one)."""
	active = regulations.active("Opportunity")
	if not active:
		return {}
	return {s.name: Decimal(s.probability) for s in active.regulation.steps if s.probability}


def configured_probabilities(groups):
	"""regulation -> step -> probability % each deal's own regulation sets ("" -> the default's)."""
	table = {"": step_probabilities()}
	for name in {g[6] for g in groups if len(g) > 6 and g[6]}:
		found = regulations.by_name(name)
		if found:
			table[name] = {s.name: Decimal(s.probability) for s in found.regulation.steps if s.probability}
	return table


def historical_probabilities(groups):
	"""regulation -> step -> probability from history ("" -> the default regulation's), and the
	message naming the steps of open deals that keep the configured probability (too few closed)."""
	result = probabilities.compute(pipeline="Opportunity")
	table = probabilities.historical_table(result)
	active = regulations.active("Opportunity")
	default = active.regulation.name if active else ""
	table[""] = table.get(default, {})
	open_steps = {(regulation or default, step) for _p, step, _c, _d, _a, _o, regulation in groups}
	kept = sorted(
		f"{_(step)} ({regulation})"
		for regulation, step in probabilities.fallbacks(result)
		if (regulation, step) in open_steps
	)
	note = _("Probabilities from history: records closed from {0} to {1}.").format(
		frappe.format(result.since, {"fieldtype": "Date"}), frappe.format(result.until, {"fieldtype": "Date"})
	)
	if kept:
		note += " " + _("Fewer than {0} closed records, so the configured probability is used: {1}.").format(
			result.min_sample, ", ".join(kept)
		)
	return table, note


def internal_plan(groups, probabilities, allocations, by_regulation=None):
	"""Per person: top-down, internal (weighted), categories, gap. Plan persons first, in plan order.

	``probabilities``: step -> %; ``by_regulation`` (optional): regulation -> step -> %, used for
	the deals of a regulation it lists.
	"""
	acc = defaultdict(lambda: defaultdict(Decimal))
	for person, step, category, deals, amount, own_weighted, *rest in groups:
		amount = _dec(amount)
		regulation = rest[0] if rest else ""
		table = by_regulation.get(regulation, probabilities) if by_regulation else probabilities
		p = table.get(step)
		weighted = amount * p / 100 if p is not None else _dec(own_weighted)
		f = acc[person or None]
		f["weighted"] += weighted
		f["open_amount"] += amount
		f["deals"] += int(deals or 0)
		if category in CATEGORIES:
			f[CATEGORIES[category]] += amount
	others = sorted(p for p in acc if p and p not in allocations)
	order = [*allocations, *others] + ([None] if None in acc else [])
	out = []
	for person in order:
		f = acc.get(person) or {}
		top_down = allocations.get(person, ZERO)
		internal = _dec(f.get("weighted", ZERO)).quantize(CENT, ROUND_HALF_UP)
		out.append(
			frappe._dict(
				sales_person=person,
				top_down=top_down,
				internal=internal,
				gap=internal - top_down,
				gap_percent=plans.percent_of(internal - top_down, top_down),
				open_amount=_dec(f.get("open_amount", ZERO)),
				commit=_dec(f.get("commit", ZERO)),
				best_case=_dec(f.get("best_case", ZERO)),
				pipeline=_dec(f.get("pipeline", ZERO)),
				deals=int(f.get("deals", 0)),
			)
		)
	return out


MONEY = ("top_down", "internal", "gap", "open_amount", "commit", "best_case", "pipeline")


def total(figures):
	sums = {key: sum((f[key] for f in figures), ZERO) for key in MONEY}
	return frappe._dict(
		sales_person=None,
		gap_percent=plans.percent_of(sums["gap"], sums["top_down"]),
		deals=sum(f.deals for f in figures),
		**sums,
	)


def _dec(value) -> Decimal:
	return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _row(f, currency, label=None):
	row = {
		"sales_person": label or f.sales_person,
		"currency": currency,
		"gap_percent": None if f.gap_percent is None else flt(f.gap_percent, 1),
		"deals": f.deals,
	}
	for key in MONEY:
		row[key] = flt(f[key], 2)
	if label:
		row["is_total_row"] = 1
	elif not f.sales_person:
		row["not_set"] = 1
	return row


def get_chart(figures):
	if not figures:
		return None
	return {
		"data": {
			"labels": [f.sales_person or _("Not Set") for f in figures],
			"datasets": [
				{"name": _("Top-down Plan"), "values": [flt(f.top_down, 2) for f in figures]},
				{"name": _("Internal Plan (Weighted)"), "values": [flt(f.internal, 2) for f in figures]},
			],
		},
		"type": "bar",
		"colors": ["#7575ff", "#29cd42"],
		"fieldtype": "Currency",
	}


def get_summary(department, currency):
	short = department.gap < 0
	return [
		{
			"value": flt(department.top_down, 2),
			"label": _("Top-down Plan"),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Blue",
		},
		{
			"value": flt(department.internal, 2),
			"label": _("Internal Plan (Weighted)"),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Blue",
		},
		{
			"value": flt(department.gap, 2),
			"label": _("Gap"),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Red" if short else "Green",
		},
		{
			"value": flt(department.gap_percent or 0, 1),
			"label": _("Gap %"),
			"datatype": "Percent",
			"precision": 1,
			"indicator": "Red" if short else "Green",
		},
		{
			"value": flt(department.commit, 2),
			"label": _("Commit"),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Green",
		},
	]


def get_columns():
	return [
		col.sales_person(),
		col.money("top_down", _("Top-down Plan")),
		col.money("internal", _("Internal Plan (Weighted)"), 170),
		col.money("gap", _("Gap")),
		col.percent("gap_percent", _("Gap %")),
		col.money("open_amount", _("Open Pipeline")),
		col.money("commit", _("Commit")),
		col.money("best_case", _("Best Case")),
		# the forecast category, not to be confused with the whole "Open Pipeline"
		col.money("pipeline", _("Pipeline (Category)")),
		{"fieldname": "deals", "label": _("Open Deals"), "fieldtype": "Int", "width": 90},
		col.currency(),
	]
