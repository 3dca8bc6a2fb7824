"""The audit's figures, from streamed rows, computed by the Sales Drive engine.

Every dataset is read once, row by row, into small aggregators (counters keyed by stage,
status, person, reason). The figures themselves come from the engine, the same code the
app's reports use: :func:`engine.funnel.funnel` and :func:`median_from_histogram` (funnel,
conversion, median days), :mod:`engine.cooling` (burn rate, exhaustion), :mod:`engine.plan`
(decomposition, pace forecast), :class:`engine.workdays.Calendar` (working days on the
company's Holiday List), :mod:`engine.defaults` (the default regulation and its step limits).

Definitions (the report repeats them):

- Period: ``months`` months up to ``today``.
- Opportunity funnel, **from versions** when the site tracks changes on Opportunity (Version
  documents whose ``changed`` holds ``sales_stage`` or ``status``): like the app's Sales Stage
  Transition Log — an Enter into the first stage at creation, one transition per stage change
  (Forward, Skip or Backward by the stage order), Lost / Won when the status became Lost /
  Converted; each counted when it happened inside the period; days in a step are working days.
  **From dates** otherwise: the opportunities created in the period, each assumed to have passed
  every stage before its current one; Lost / Won from the current stage; no days per stage,
  only the median working days from creation to the last change of won and lost deals.
- Lead funnel: from the current status of the leads created in the period (statuses in order
  Lead → Open → Replied → Interested → Opportunity → Quotation → Converted; Lost Quotation is
  lost at Quotation, Do Not Contact at Lead).
- Refusal rate: lost / (lost + won) of the opportunities closed (last changed) in the period.
- Burn (METHOD §4): worked = leads changed in the period that are past "Lead/Open" plus
  opportunities changed in the period; refusals = lost opportunities + Lost Quotation leads;
  closed for good = Do Not Contact leads; base left = leads in Lead/Open (untouched) and
  Replied/Interested/Opportunity/Quotation (warm).
- Plan vs fact: ERPNext's Sales Person targets (Target Detail, amount, this fiscal year) against
  submitted Sales Invoices by Sales Team ``allocated_percentage`` of ``base_net_total`` (the
  owner's Sales Person when the invoice has no Sales Team).
- Overdue: open opportunities whose Expected Closing has passed; stale: open and unchanged for
  ``stale_days`` days; over the step limit: working days in the current stage above the
  default regulation's Max Days (known where the stage entry is known: a version, or the Sales
  Drive field ``sd_step_entered_on``).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sales_drive.engine import cooling
from sales_drive.engine.defaults import LEAD_STEPS, OPPORTUNITY_STEPS, opportunity_regulation
from sales_drive.engine.funnel import funnel, median_from_histogram
from sales_drive.engine.plan import PlanError, decompose_fixed, pace_forecast
from sales_drive.engine.workdays import Calendar, WorkdayIndex

ERPNEXT_STAGES = (
	"Prospecting",
	"Qualification",
	"Needs Analysis",
	"Value Proposition",
	"Identifying Decision Makers",
	"Perception Analysis",
	"Proposal/Price Quote",
	"Negotiation/Review",
)
LEAD_ORDER = ("Lead", "Open", "Replied", "Interested", "Opportunity", "Quotation", "Converted")
LEAD_LOST = {"Lost Quotation": "Quotation", "Do Not Contact": "Lead"}
UNTOUCHED = ("Lead", "Open")  # the same sets as the app's Base Burn report
WARM = ("Replied", "Interested", "Opportunity", "Quotation")
CLOSED_OPP = ("Lost", "Converted", "Closed")
ZERO = Decimal(0)
CENT = Decimal("0.01")
NOT_GIVEN = "(not given)"

# name -> what to read. ``filters`` are built by :func:`filters_for`.
DATASETS: dict[str, dict] = {
	"companies": {"doctype": "Company", "fields": ["name", "default_holiday_list", "default_currency"]},
	"holidays": {
		"doctype": "Holiday List",
		"fields": ["name", "`tabHoliday`.`holiday_date` as holiday_date"],
		"optional": True,
	},
	"fiscal_years": {"doctype": "Fiscal Year", "fields": ["name", "year_start_date", "year_end_date"], "optional": True},
	"sales_stages": {"doctype": "Sales Stage", "fields": ["name"], "order_by": "creation asc", "optional": True},
	"opportunities": {
		"doctype": "Opportunity",
		"fields": [
			"name", "status", "sales_stage", "opportunity_owner", "owner", "company", "creation", "modified",
			"transaction_date", "expected_closing", "opportunity_amount", "base_opportunity_amount",
		],
	},
	"lost_reasons": {
		"doctype": "Opportunity",
		"label": "Lost reasons",
		"fields": ["name", "modified", "base_opportunity_amount", "opportunity_amount", "`tabOpportunity Lost Reason Detail`.`lost_reason` as lost_reason"],
	},
	"versions": {
		"doctype": "Version",
		"fields": ["docname", "creation", "data"],
		"order_by": "`tabVersion`.`docname` asc, `tabVersion`.`creation` asc",
		"optional": True,
	},
	"leads": {"doctype": "Lead", "fields": ["name", "status", "lead_owner", "creation", "modified"]},
	"communications": {
		"doctype": "Communication",
		"fields": ["name", "owner", "communication_medium", "reference_doctype"],
		"optional": True,
	},
	"events": {"doctype": "Event", "fields": ["name", "owner"], "optional": True},
	"sales_persons": {
		"doctype": "Sales Person",
		"fields": ["name", "parent_sales_person", "is_group", "enabled", "employee"],
	},
	"targets": {
		"doctype": "Sales Person",
		"label": "Sales Person targets",
		"fields": ["name", "`tabTarget Detail`.`target_amount` as target_amount", "`tabTarget Detail`.`fiscal_year` as fiscal_year"],
	},
	"employees": {"doctype": "Employee", "fields": ["name", "user_id"], "optional": True},
	"invoices": {
		"doctype": "Sales Invoice",
		"fields": [
			"name", "posting_date", "base_net_total", "owner",
			"`tabSales Team`.`sales_person` as sales_person", "`tabSales Team`.`allocated_percentage` as allocated_percentage",
		],
		"optional": True,
	},
}  # fmt: skip


@dataclass
class Context:
	today: date
	since: date
	months: int
	stale_days: int = 30
	company: str | None = None


def filters_for(name: str, ctx: Context, extra: dict | None = None) -> list:
	since = ctx.since.isoformat()
	extra = extra or {}
	f = {
		"holidays": [["Holiday List", "name", "=", extra.get("holiday_list") or ""]],
		"lost_reasons": [["Opportunity", "status", "=", "Lost"], ["Opportunity", "modified", ">=", since]],
		"versions": [["Version", "ref_doctype", "=", "Opportunity"]],
		"communications": [
			["Communication", "communication_type", "=", "Communication"],
			["Communication", "reference_doctype", "in", ["Lead", "Opportunity"]],
			["Communication", "creation", ">=", since],
		],
		"events": [["Event", "starts_on", ">=", since]],
		"targets": [["Target Detail", "target_amount", ">", 0]],
		"invoices": [["Sales Invoice", "docstatus", "=", 1], ["Sales Invoice", "posting_date", ">=", extra.get("invoices_from", since)]],
	}.get(name, [])
	if ctx.company and name in ("opportunities", "lost_reasons", "leads", "invoices"):
		f = f + [[DATASETS[name]["doctype"], "company", "=", ctx.company]]
	return f


# --- small helpers -----------------------------------------------------------------------


def dec(value) -> Decimal:
	if value in (None, ""):
		return ZERO
	return Decimal(str(value))


def to_date(value) -> date | None:
	if not value:
		return None
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	return date.fromisoformat(str(value)[:10])


def to_dt(value) -> datetime | None:
	if not value:
		return None
	if isinstance(value, datetime):
		return value
	s = str(value)
	return datetime.fromisoformat(s[:26]) if len(s) > 10 else datetime.fromisoformat(s[:10])


def pct(num, den) -> Decimal | None:
	if not den:
		return None
	return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def money(v: Decimal) -> Decimal:
	return Decimal(v).quantize(CENT, ROUND_HALF_UP)


def stage_order(used: Iterable[str], site_stages: Iterable[str]) -> list[str]:
	"""The stage order: the default regulation's or ERPNext's list, whichever covers more of the
	stages in use; then any other stage in use, in the site's Sales Stage order."""
	used = Counter(s for s in used if s)
	best = max((OPPORTUNITY_STEPS, ERPNEXT_STAGES), key=lambda o: sum(n for s, n in used.items() if s in o))
	order = list(best)
	site = [s for s in site_stages if s in used and s not in order]
	rest = sorted(s for s in used if s not in order and s not in site)
	return order + site + rest


# --- the audit ----------------------------------------------------------------------------


def run(source, ctx: Context) -> dict:
	"""Read every dataset from ``source`` once and return the figures (plain data)."""
	out: dict = {
		"today": ctx.today,
		"since": ctx.since,
		"months": ctx.months,
		"source": source.describe(),
		"notes": [],
	}

	# calendar: the company's Holiday List, else Monday to Friday
	companies = list(source.rows("companies", DATASETS["companies"], filters_for("companies", ctx)))
	company = next((c for c in companies if c["name"] == ctx.company), None) if ctx.company else None
	company = company or (companies[0] if companies else {})
	currency = company.get("default_currency") or ""
	holiday_list = company.get("default_holiday_list")
	holidays = []
	if holiday_list:
		holidays = [
			to_date(r["holiday_date"])
			for r in source.rows("holidays", DATASETS["holidays"], filters_for("holidays", ctx, {"holiday_list": holiday_list}))
			if r.get("holiday_date")
		]
	calendar = Calendar.of(holidays, weekly_off=() if holidays else None)
	index = WorkdayIndex(calendar, ctx.today - timedelta(days=366 * 6), ctx.today + timedelta(days=400))
	out["company"] = company.get("name")
	out["currency"] = currency
	out["calendar"] = holiday_list if holidays else None

	site_stages = [r["name"] for r in source.rows("sales_stages", DATASETS["sales_stages"], [])]
	regulation = opportunity_regulation()
	max_days = {s.name: s.max_days for s in regulation.steps}
	has_step_field = source.has_field("Opportunity", "sd_step_entered_on")

	# --- opportunities: one pass ----------------------------------------------------------
	opp_spec = dict(DATASETS["opportunities"])
	if has_step_field:
		opp_spec["fields"] = opp_spec["fields"] + ["sd_step_entered_on"]
	stage_use: Counter = Counter()
	cohort: Counter = Counter()  # (stage, status) of opportunities created in the period
	by_status: Counter = Counter()
	closed_in_period: Counter = Counter()
	closed_amount: defaultdict = defaultdict(Decimal)
	cycle: dict[str, Counter] = {"Converted": Counter(), "Lost": Counter()}
	open_by_stage: defaultdict = defaultdict(lambda: {"open": 0, "amount": ZERO, "overdue": 0, "over_limit": 0, "stale": 0})
	people: defaultdict = defaultdict(lambda: Counter())
	people_amount: defaultdict = defaultdict(lambda: defaultdict(Decimal))
	overdue = {"count": 0, "amount": ZERO}
	stale = {"count": 0, "amount": ZERO}
	over_limit = {"count": 0, "amount": ZERO}
	opp_index: dict[str, tuple] = {}  # name -> (creation, stage, status, amount): only when versions are read
	worked_opps = 0
	stale_before = ctx.today - timedelta(days=ctx.stale_days)

	versions_available = _has_versions(source)
	total_opps = 0
	for r in source.rows("opportunities", opp_spec, filters_for("opportunities", ctx)):
		total_opps += 1
		status = r.get("status") or ""
		stage = r.get("sales_stage") or ""
		amount = dec(r.get("base_opportunity_amount")) or dec(r.get("opportunity_amount"))
		created = to_dt(r.get("creation"))
		modified = to_dt(r.get("modified"))
		owner = r.get("opportunity_owner") or r.get("owner") or ""
		stage_use[stage] += 1
		by_status[status] += 1
		if created and created.date() >= ctx.since:
			cohort[(stage, status)] += 1
		changed_in_period = modified and ctx.since <= modified.date() <= ctx.today
		if changed_in_period:
			worked_opps += 1
		if status in ("Lost", "Converted") and changed_in_period:
			closed_in_period[status] += 1
			closed_amount[status] += amount
			cycle[status][index.days_between(created, modified)] += 1
			people[owner]["won" if status == "Converted" else "lost"] += 1
			if status == "Converted":
				people_amount[owner]["won_amount"] += amount
		if status not in CLOSED_OPP:
			o = open_by_stage[stage]
			o["open"] += 1
			o["amount"] += amount
			people[owner]["open"] += 1
			people_amount[owner]["open_amount"] += amount
			closing = to_date(r.get("expected_closing"))
			if closing and closing < ctx.today:
				o["overdue"] += 1
				overdue["count"] += 1
				overdue["amount"] += amount
			if modified and modified.date() < stale_before:
				o["stale"] += 1
				stale["count"] += 1
				stale["amount"] += amount
			entered = to_dt(r.get("sd_step_entered_on")) if has_step_field else None
			if entered and stage in max_days and index.days_between(entered, ctx.today) > max_days[stage]:
				o["over_limit"] += 1
				over_limit["count"] += 1
				over_limit["amount"] += amount
		if versions_available:
			opp_index[r["name"]] = (created, stage, status, amount if status not in CLOSED_OPP else None, has_step_field)

	order = stage_order(stage_use, site_stages)
	out["opportunities"] = {
		"total": total_opps,
		"by_status": dict(by_status),
		"won": closed_in_period["Converted"],
		"lost": closed_in_period["Lost"],
		"won_amount": money(closed_amount["Converted"]),
		"lost_amount": money(closed_amount["Lost"]),
		"refusal_rate": cooling.burn_rate(closed_in_period["Lost"], closed_in_period["Lost"] + closed_in_period["Converted"]),
		"median_days_to_win": median_from_histogram(cycle["Converted"].items()),
		"median_days_to_lose": median_from_histogram(cycle["Lost"].items()),
	}

	# --- funnel -----------------------------------------------------------------------------
	if versions_available:
		counts, durations, step_entry = _version_transitions(source, ctx, order, opp_index, index)
		for name, (entered, stage, amount) in step_entry.items():
			if has_step_field:
				break
			if stage in max_days and index.days_between(entered, ctx.today) > max_days[stage]:
				open_by_stage[stage]["over_limit"] += 1
				over_limit["count"] += 1
				over_limit["amount"] += amount
		opp_index.clear()
		funnel_source = "versions"
	else:
		counts, durations = _date_transitions(order, cohort), []
		funnel_source = "dates"
	rows = funnel(order, [(None, f, t, k, n) for (f, t, k), n in counts.items()], [(None, s, d, n) for (s, d), n in durations.items()] if durations else ())
	out["funnel"] = {
		"source": funnel_source,
		"order": order,
		"rows": [_row(f) for f in rows if f.entered or f.forward or f.lost or f.back or f.step in order[:1]],
		"entered": sum(n for (f, t, k), n in counts.items() if k == "Enter"),
		"won": sum(n for (f, t, k), n in counts.items() if k == "Won"),
		"lost": sum(n for (f, t, k), n in counts.items() if k == "Lost"),
	}
	out["funnel"]["conversion"] = pct(out["funnel"]["won"], out["funnel"]["entered"])
	out["step_limits_known"] = bool(versions_available or has_step_field)
	out["open"] = {
		"by_stage": [
			{"stage": s, **{k: (money(v) if k == "amount" else v) for k, v in open_by_stage[s].items()}, "limit": max_days.get(s)}
			for s in order + sorted(set(open_by_stage) - set(order))
			if s in open_by_stage
		],
		"overdue": {"count": overdue["count"], "amount": money(overdue["amount"])},
		"stale": {"count": stale["count"], "amount": money(stale["amount"])},
		"over_limit": {"count": over_limit["count"], "amount": money(over_limit["amount"])},
		"count": sum(o["open"] for o in open_by_stage.values()),
		"amount": money(sum((o["amount"] for o in open_by_stage.values()), ZERO)),
	}

	# --- lost reasons -------------------------------------------------------------------------
	reasons: Counter = Counter()
	reason_amount: defaultdict = defaultdict(Decimal)
	for r in source.rows("lost_reasons", DATASETS["lost_reasons"], filters_for("lost_reasons", ctx)):
		if to_date(r.get("modified")) and to_date(r["modified"]) > ctx.today:
			continue
		reason = r.get("lost_reason") or NOT_GIVEN
		reasons[reason] += 1
		reason_amount[reason] += dec(r.get("base_opportunity_amount")) or dec(r.get("opportunity_amount"))
	out["lost_reasons"] = [
		{"reason": k, "count": n, "amount": money(reason_amount[k]), "share": pct(n, sum(reasons.values()))}
		for k, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
	]

	# --- leads --------------------------------------------------------------------------------
	lead_cohort: Counter = Counter()
	lead_status: Counter = Counter()
	burn = cooling.Burn()
	lead_cycle: Counter = Counter()
	for r in source.rows("leads", DATASETS["leads"], filters_for("leads", ctx)):
		status = r.get("status") or ""
		lead_status[status] += 1
		created = to_dt(r.get("creation"))
		modified = to_dt(r.get("modified"))
		if created and created.date() >= ctx.since:
			lead_cohort[status] += 1
			if status == "Converted":
				lead_cycle[index.days_between(created, modified)] += 1
		if status in UNTOUCHED:
			burn.base_untouched += 1
		elif status in WARM:
			burn.base_warm += 1
		changed_in_period = modified and ctx.since <= modified.date() <= ctx.today
		if changed_in_period and status not in UNTOUCHED:
			burn.worked += 1
			if status == "Lost Quotation":
				burn.refusals += 1
			elif status == "Do Not Contact":
				burn.closed += 1
	burn.worked += worked_opps
	burn.refusals += closed_in_period["Lost"]
	lead_counts = _lead_transitions(lead_cohort)
	lead_rows = funnel(list(LEAD_ORDER), [(None, f, t, k, n) for (f, t, k), n in lead_counts.items()])
	out["leads"] = {
		"total": sum(lead_status.values()),
		"by_status": dict(lead_status),
		"funnel": [_row(f) for f in lead_rows],
		"entered": lead_cohort.total(),
		"converted": lead_cohort["Converted"],
		"conversion": pct(lead_cohort["Converted"], lead_cohort.total()),
		"median_days_to_convert": median_from_histogram(lead_cycle.items()),
		"default_regulation_steps": list(LEAD_STEPS),
	}

	period_days = (ctx.today - ctx.since).days + 1
	rate = cooling.burn_rate(burn.burned, burn.worked)
	days_left = cooling.exhaustion_days(burn.base_left, burn.burned, period_days)
	out["burn"] = {
		"worked": burn.worked,
		"refusals": burn.refusals,
		"closed": burn.closed,
		"burned": burn.burned,
		"burn_rate": rate,
		"base_untouched": burn.base_untouched,
		"base_warm": burn.base_warm,
		"base_left": burn.base_left,
		"period_days": period_days,
		"days_left": days_left,
		"runs_out_on": cooling.exhaustion_date(ctx.today, days_left),
	}

	# --- activity -------------------------------------------------------------------------------
	for r in source.rows("communications", DATASETS["communications"], filters_for("communications", ctx)):
		medium = r.get("communication_medium") or ""
		people[r.get("owner") or ""]["meetings" if medium == "Meeting" else "calls" if medium == "Phone" else "emails"] += 1
	for r in source.rows("events", DATASETS["events"], filters_for("events", ctx)):
		people[r.get("owner") or ""]["events"] += 1
	activity = []
	for user, c in people.items():
		if not user or user in ("Administrator", "Guest"):
			continue
		acts = c["calls"] + c["emails"] + c["meetings"] + c["events"]
		activity.append(
			{
				"user": user,
				"calls": c["calls"],
				"emails": c["emails"],
				"meetings": c["meetings"],
				"events": c["events"],
				"activities": acts,
				"open": c["open"],
				"open_amount": money(people_amount[user]["open_amount"]),
				"won": c["won"],
				"lost": c["lost"],
				"won_amount": money(people_amount[user]["won_amount"]),
				"per_open_deal": (Decimal(acts) / c["open"]).quantize(Decimal("0.01"), ROUND_HALF_UP) if c["open"] else None,
			}
		)
	activity.sort(key=lambda a: (-a["won_amount"], -a["activities"], a["user"]))
	out["activity"] = activity

	# --- plan vs fact ---------------------------------------------------------------------------
	out["plan"] = _plan(source, ctx, calendar)

	out["findings"] = findings(out)
	out["skipped"] = list(source.skipped)
	return out


def _row(f) -> dict:
	return {
		"step": f.step,
		"entered": f.entered,
		"forward": f.forward,
		"lost": f.lost,
		"back": f.back,
		"conversion": f.conversion,
		"pass_rate": f.pass_rate,
		"median_days": f.median_days,
	}


def _has_versions(source) -> bool:
	"""True when the site keeps versions of Opportunity (its "Track Changes" is on)."""
	try:
		return source.has_versions()
	except Exception as e:  # e.g. no permission on Version: the funnel falls back to dates, and says so
		source.skipped.append(f"versions: {e}")
		return False


def _kind(order: list[str], old: str, new: str) -> str:
	if old in order and new in order:
		i, j = order.index(old), order.index(new)
		return "Forward" if j == i + 1 else "Skip" if j > i else "Backward"
	return "Forward"


def _version_transitions(source, ctx, order, opp_index, index):
	"""Transitions from the Version stream, grouped by document (contiguous: ordered by docname).

	Returns (counts {(from, to, kind): n} in the period, durations {(step, days): n} of steps left
	in the period, step entry {name: (entered, stage, amount)} of the open opportunities)."""
	counts: Counter = Counter()
	durations: Counter = Counter()
	step_entry: dict = {}
	since, today = ctx.since, ctx.today

	def in_period(t: datetime) -> bool:
		return since <= t.date() <= today

	def close(name, changes):
		info = opp_index.pop(name, None)
		if info is None:  # a version of a deleted opportunity
			return
		created, current, status, open_amount, _f = info
		first = next((old for field, old, new, _t in changes if field == "sales_stage"), None)
		step = first if first is not None else current
		entered = created
		if created and in_period(created) and step:
			counts[("", step, "Enter")] += 1
		for fieldname, old, new, t in changes:
			if fieldname == "sales_stage":
				if old == new:
					continue
				if in_period(t):
					counts[(old or "", new or "", _kind(order, old, new))] += 1
					if old:
						durations[(old, index.days_between(entered, t))] += 1
				step, entered = new, t
			elif fieldname == "status" and new in ("Lost", "Converted") and old != new:
				if in_period(t) and step:
					counts[(step, "", "Lost" if new == "Lost" else "Won")] += 1
					durations[(step, index.days_between(entered, t))] += 1
		if open_amount is not None and entered:
			step_entry[name] = (entered, step or current, open_amount)

	current_name, changes = None, []
	spec = DATASETS["versions"]
	filters = filters_for("versions", ctx)
	for r in source.rows("versions", spec, filters):
		name = r.get("docname")
		if name != current_name:
			if current_name is not None:
				close(current_name, changes)
			current_name, changes = name, []
		try:
			data = json.loads(r.get("data") or "{}")
		except ValueError:
			continue
		t = to_dt(r.get("creation"))
		for item in data.get("changed") or ():
			if len(item) >= 3 and item[0] in ("sales_stage", "status"):
				changes.append((item[0], item[1] or "", item[2] or "", t))
	if current_name is not None:
		close(current_name, changes)
	# opportunities without a single version: entered their current stage at creation
	for name in list(opp_index):
		close(name, [])
	return counts, durations, step_entry


def _date_transitions(order: list[str], cohort: Counter) -> Counter:
	"""The cohort's implied path: Enter the first stage, Forward through every stage before the
	current one, then Lost / Won from the current stage."""
	counts: Counter = Counter()
	for (stage, status), n in cohort.items():
		if stage not in order:
			counts[("", stage, "Enter")] += n
			path_end = stage
		else:
			k = order.index(stage)
			counts[("", order[0], "Enter")] += n
			for i in range(k):
				counts[(order[i], order[i + 1], "Forward")] += n
			path_end = stage
		if status == "Lost":
			counts[(path_end, "", "Lost")] += n
		elif status == "Converted":
			counts[(path_end, "", "Won")] += n
	return counts


def _lead_transitions(cohort: Counter) -> Counter:
	counts: Counter = Counter()
	order = list(LEAD_ORDER)
	for status, n in cohort.items():
		if status in LEAD_LOST:
			end = LEAD_LOST[status]
		elif status in order:
			end = status
		else:
			end = order[0]
		k = order.index(end)
		counts[("", order[0], "Enter")] += n
		for i in range(k):
			counts[(order[i], order[i + 1], "Forward")] += n
		if status in LEAD_LOST:
			counts[(end, "", "Lost")] += n
		elif status == "Converted":
			counts[(end, "", "Won")] += n
	return counts


def _plan(source, ctx: Context, calendar: Calendar) -> dict:
	"""Plan vs fact per sales person for this fiscal year, and this month's decomposition."""
	today = ctx.today
	fy_rows = list(source.rows("fiscal_years", DATASETS["fiscal_years"], []))
	fy = next(
		(r for r in fy_rows if to_date(r["year_start_date"]) <= today <= to_date(r["year_end_date"])),
		None,
	)
	fy_start = to_date(fy["year_start_date"]) if fy else date(today.year, 1, 1)
	fy_end = to_date(fy["year_end_date"]) if fy else date(today.year, 12, 31)
	fy_name = fy["name"] if fy else None

	persons = {r["name"]: r for r in source.rows("sales_persons", DATASETS["sales_persons"], [])}
	user_of_employee = {
		r["name"]: r.get("user_id") for r in source.rows("employees", DATASETS["employees"], []) if r.get("user_id")
	}
	person_of_user: dict[str, str] = {}
	for name, p in sorted(persons.items()):
		user = user_of_employee.get(p.get("employee") or "")
		if user and not p.get("is_group") and p.get("enabled", 1):
			person_of_user.setdefault(user, name)

	targets: defaultdict = defaultdict(Decimal)
	for r in source.rows("targets", DATASETS["targets"], filters_for("targets", ctx)):
		if r.get("fiscal_year") == fy_name or (fy_name is None and r.get("fiscal_year")):
			targets[r["name"]] += dec(r.get("target_amount"))

	month_start = today.replace(day=1)
	next_month = (month_start + timedelta(days=32)).replace(day=1)
	month_end = next_month - timedelta(days=1)
	avg_from = (month_start - timedelta(days=1)).replace(day=1)
	for _ in range(2):
		avg_from = (avg_from - timedelta(days=1)).replace(day=1)
	invoices_from = min(fy_start, avg_from)

	fact_fy: defaultdict = defaultdict(Decimal)
	fact_3m: defaultdict = defaultdict(Decimal)
	fact_month: defaultdict = defaultdict(Decimal)  # (date, person) -> amount
	invoices = 0
	seen_invoice = None
	for r in source.rows(
		"invoices", DATASETS["invoices"], filters_for("invoices", ctx, {"invoices_from": invoices_from.isoformat()})
	):
		day = to_date(r.get("posting_date"))
		if not day or day > today:
			continue
		if r["name"] != seen_invoice:
			invoices += 1
			seen_invoice = r["name"]
		person = r.get("sales_person")
		share = dec(r.get("allocated_percentage")) if person else Decimal(100)
		if not person:
			person = person_of_user.get(r.get("owner") or "")
		if not person:
			continue
		value = dec(r.get("base_net_total")) * share / 100
		if fy_start <= day <= fy_end:
			fact_fy[person] += value
		if avg_from <= day < month_start:
			fact_3m[person] += value
		if month_start <= day <= month_end:
			fact_month[(day, person)] += value

	fy_days = calendar.working_days(fy_start, fy_end)
	fy_done = sum(1 for d in fy_days if d <= today)
	rows = []
	for person in sorted(set(targets) | {p for p in fact_fy if p in targets}):
		target, fact = targets[person], fact_fy[person]
		forecast = pace_forecast(fact, fy_done, len(fy_days))
		rows.append(
			{
				"sales_person": person,
				"target": money(target),
				"fact": money(fact),
				"done": pct(fact, target),
				"forecast": forecast,
				"gap": money(max(ZERO, target - forecast)),
			}
		)

	# the decomposition a Sales Plan would give for this month
	month_days = calendar.working_days(month_start, month_end)
	if targets:
		basis = "targets"
		amounts = {p: money(t * len(month_days) / len(fy_days)) for p, t in targets.items() if fy_days}
	else:
		basis = "average"
		amounts = {p: money(v / 3) for p, v in fact_3m.items() if v > 0}
	decomposition = []
	if amounts and month_days:
		try:
			plan_rows = decompose_fixed(amounts, month_days, dict(fact_month), "next_day")
		except PlanError:
			plan_rows = []
		day = max((d for d in month_days if d <= today), default=month_days[0])
		done = sum(1 for d in month_days if d <= today)
		for pr in plan_rows:
			if pr.date == day:
				decomposition.append(
					{
						"sales_person": pr.sales_person,
						"month_plan": amounts[pr.sales_person],
						"base_daily": pr.base,
						"target_today": pr.target,
						"carried_in": pr.carried_in,
						"fact_to_date": pr.cumulative_fact,
						"forecast": pace_forecast(pr.cumulative_fact, done, len(month_days)),
					}
				)
		decomposition.sort(key=lambda d: d["sales_person"])
	return {
		"fiscal_year": fy_name,
		"from": fy_start,
		"to": fy_end,
		"working_days": len(fy_days),
		"working_days_done": fy_done,
		"has_targets": bool(targets),
		"rows": rows,
		"target": money(sum(targets.values(), ZERO)),
		"fact": money(sum((fact_fy[p] for p in targets), ZERO)),
		"invoices": invoices,
		"month": {"from": month_start, "to": month_end, "working_days": len(month_days), "basis": basis},
		"decomposition": decomposition,
	}


# --- findings -----------------------------------------------------------------------------------

# finding code -> the Sales Drive feature that addresses it
FEATURES = {
	"overdue": "stage_gates",
	"over_limit": "stage_gates",
	"stale": "sales_day",
	"lost": "cooling",
	"weak_step": "regulation",
	"plan_gap": "sales_plan",
	"burn": "base_burn",
	"idle": "coaching",
}


def findings(f: dict) -> list[dict]:
	"""What to fix first, each with the money at stake, ranked by it (largest first)."""
	out = []
	opp = f["opportunities"]
	avg_deal = (opp["won_amount"] / opp["won"]) if opp["won"] else ZERO

	def add(code, amount, **values):
		out.append({"code": code, "amount": money(amount), "feature": FEATURES[code], "values": values})

	o = f["open"]
	if o["overdue"]["count"]:
		add("overdue", o["overdue"]["amount"], count=o["overdue"]["count"], share=pct(o["overdue"]["count"], o["count"]))
	if o["over_limit"]["count"]:
		add("over_limit", o["over_limit"]["amount"], count=o["over_limit"]["count"], share=pct(o["over_limit"]["count"], o["count"]))
	if o["stale"]["count"]:
		add("stale", o["stale"]["amount"], count=o["stale"]["count"], days=30)
	if opp["lost"]:
		top = f["lost_reasons"][0]["reason"] if f["lost_reasons"] else None
		add("lost", opp["lost_amount"], count=opp["lost"], rate=opp["refusal_rate"], top=top)
	steps = [r for r in f["funnel"]["rows"] if r["pass_rate"] is not None and (r["forward"] + r["lost"] + r["back"]) >= 5]
	if steps:
		weak = min(steps, key=lambda r: (r["pass_rate"], r["step"]))
		add("weak_step", avg_deal * weak["lost"], step=weak["step"], pass_rate=weak["pass_rate"], lost=weak["lost"])
	gap = sum((r["gap"] for r in f["plan"]["rows"]), ZERO)
	if gap > 0:
		behind = sum(1 for r in f["plan"]["rows"] if r["gap"] > 0)
		add("plan_gap", gap, people=behind, target=f["plan"]["target"])
	b = f["burn"]
	if b["days_left"] is not None and b["days_left"] < 365:
		# deals the base would still give over the rest of a year, at today's win rate
		won_per_worked = Decimal(opp["won"]) / b["worked"] if b["worked"] else ZERO
		lost_days = 365 - b["days_left"]
		per_day = Decimal(b["worked"]) / b["period_days"]
		add("burn", avg_deal * won_per_worked * per_day * lost_days, days=b["days_left"], rate=b["burn_rate"], runs_out_on=b["runs_out_on"])
	acts = [a for a in f["activity"] if a["open"]]
	if len(acts) >= 2:
		per = sorted(a["activities"] for a in acts)
		median = per[(len(per) - 1) // 2]
		idle = [a for a in acts if a["activities"] < median / 2]
		if idle:
			add("idle", sum((a["open_amount"] for a in idle), ZERO), people=len(idle), median=median)
	out.sort(key=lambda x: (-x["amount"], x["code"]))
	return out
