"""The head of sales' morning report, each team lead's, and the director's weekly (METHOD.md §2, §6; seed 002).

Every morning the head of sales (Sales Drive Settings ``head_of_sales``) gets
yesterday's "report to the head" for the whole department, and each team lead
(the user of a group Sales Person's Employee) the same report for their team
(the enabled persons of the group's subtree):

- yesterday's fact against the target with carry-over, per person and in total,
  and the period to date (the submitted Sales Plans covering the day, decomposed
  by :mod:`sales_drive.engine.plan` from the documents, as the plan reports do);
- the funnel's movement per step (entered, advanced, lost, moved back) for
  Opportunities and Leads, from the Sales Stage Transition Log;
- overdue steps with their owners; refusals (Lost moves) with their reasons;
  the base burn (parties put to cooling, closed for good: Cooling Records of the
  day); the Deviation Rules that fired; check-up tasks stuck or overdue.

Once a week the director (``director``) gets the week's money, % of plan, the
team's work per manager and the outlook (forecast at the current pace, the open
pipeline by forecast category) — seed 002's list of what to report upwards.

The inputs are gathered once for every recipient with grouped queries (one
each: transitions, overdue records, refusal reasons, cooling, deviation
firings, tasks); each recipient's figures are then computed by
:mod:`sales_drive.engine.digest` over their part. Nothing is queried per manager.

Once only: each report is stored as a Sales Digest named by its period key
(kind, recipient, day or ISO week). Inserting it is the guard: a second or a
concurrent run hits the unique name and only looks at the stored row, locked,
to see whether it was e-mailed. The e-mail is queued (Email Queue) in the same
transaction as the row that says it was. Without an outgoing Email Account the
digest stays in the desk, not e-mailed, and a later run e-mails the stored copy.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import add_days, cint, fmt_money, format_date, get_url_to_form, getdate, nowdate

from sales_drive import aggregates, plans, receivables, regulations, roster
from sales_drive.day import OWNER, TITLE
from sales_drive.engine import digest as engine
from sales_drive.engine.plan import PlanRow
from sales_drive.jobs import isolated
from sales_drive.permissions import team_sql
from sales_drive.queries import open_condition, person_of_user
from sales_drive.setup.custom_fields import STEP_FIELD

MORNING = "Morning Report"
WEEKLY = "Director's Weekly"
REPORT_KEY = {MORNING: "morning", WEEKLY: "weekly"}
CADENCE = {MORNING: "daily", WEEKLY: "weekly"}
PIPELINES = ("Opportunity", "Lead")
CATEGORIES = ("Commit", "Best Case", "Pipeline", "")  # Opportunity.sd_forecast_category, surest first
SHOWN_PER_OWNER = 5  # overdue records listed per owner; the count is always whole
ALL_ROLES = frozenset({"System Manager", "Sales Manager"})
LOG = "`tabSales Stage Transition Log`"
ZERO = Decimal(0)


def yesterday() -> date:
	return getdate(add_days(nowdate(), -1))


# ----------------------------------------------------------------------------- inputs (grouped queries)


@dataclass
class Inputs:
	"""Everything a day's morning reports need, for the whole department."""

	day: date
	rows: list[PlanRow] = field(default_factory=list)
	currency: str | None = None
	orders: dict[str, list[str]] = field(default_factory=dict)
	counts: dict[str, list[tuple]] = field(default_factory=dict)  # pipeline -> (person, from, to, kind, n)
	overdue: dict[str, frappe._dict] = field(default_factory=dict)  # record name -> its row
	overdue_rows: list[tuple] = field(default_factory=list)  # (record, step, owner, days over)
	reasons: list[tuple] = field(default_factory=list)  # (person, reason, n)
	cooling: list[tuple] = field(default_factory=list)  # (person, put to cooling, closed for good)
	deviations: list[frappe._dict] = field(default_factory=list)
	tasks: list[dict] = field(default_factory=list)
	receivables: list = field(default_factory=list)  # overdue Sales Invoices (sales_drive/receivables.py)
	rosters: list = field(default_factory=list)  # the rosters of the day the report is read (sales_drive/roster.py)


def _day_range(day: date) -> dict:
	return {"start": day, "end": day + timedelta(days=1), "pipelines": PIPELINES}


def plan_rows(day: date, to_day: date | None = None) -> tuple[list[PlanRow], str | None, dict[str, str]]:
	"""The engine's rows of the submitted Sales Plans covering ``day`` (to ``to_day``), each person in one plan.

	Facts count up to ``to_day`` (or ``day``): a day's target and fact depend on
	nothing later, so a report built again for an old day shows what it showed.
	A person in two plans (two companies) counts in the most recent one, as on
	the Sales Day page. Returns the rows, the currency and each person's plan.
	"""
	names = frappe.get_all(
		"Sales Plan",
		filters={"docstatus": 1, "from_date": ["<=", to_day or day], "to_date": [">=", day]},
		order_by="from_date desc, name",
		pluck="name",
	)
	rows: list[PlanRow] = []
	plan_of: dict[str, str] = {}
	currency = None
	for name in names:
		plan = frappe.get_doc("Sales Plan", name)
		persons = {a.sales_person for a in plan.allocations} - set(plan_of)
		if not persons:
			continue
		facts = plans.facts_for(plan, to_date=to_day or day, persons=persons)
		rows.extend(plans.compute(plan, facts=facts, persons=persons))
		plan_of.update(dict.fromkeys(persons, name))
		currency = currency or plan.currency
	return rows, currency, plan_of


def gather(day: date) -> Inputs:
	inputs = Inputs(day)
	inputs.rows, inputs.currency, _plan_of = plan_rows(day)
	values = _day_range(day)
	# stage moves of the day: the day's rows of the aggregates (sales_drive/aggregates.py)
	counts: dict[str, list[tuple]] = {p: [] for p in PIPELINES}
	for pipeline, person, from_step, to_step, kind, n in frappe.db.sql(
		f"""select a.reference_doctype, nullif(a.sales_person, ''), a.from_step, a.to_step, a.kind, sum(a.moves)
		from {aggregates.TABLE} a
		where {aggregates.period_condition(day, day)} and a.reference_doctype in %(pipelines)s
		group by 1, 2, 3, 4, 5
		order by null""",
		values,
	):
		counts[pipeline].append((person, from_step, to_step, kind, n))
	inputs.counts = counts
	for pipeline in PIPELINES:
		active = regulations.active(pipeline)
		inputs.orders[pipeline] = list(active.regulation.order()) if active else []

	inputs.overdue = {r.name: r for r in overdue_records(day)}
	inputs.overdue_rows = [(r.name, r.step, r.owner, r.days_over) for r in inputs.overdue.values()]
	inputs.reasons = [
		(person, reason, int(n))
		for person, reason, n in frappe.db.sql(
			f"""select l.sales_person, coalesce(d.lost_reason, ld.sd_lost_reason, ''), count(distinct l.name)
			from {LOG} l
			left join `tabOpportunity Lost Reason Detail` d
				on l.reference_doctype = 'Opportunity' and d.parent = l.reference_name and d.parenttype = 'Opportunity'
			left join `tabLead` ld on l.reference_doctype = 'Lead' and ld.name = l.reference_name
			where l.reference_doctype in %(pipelines)s and l.transition_time >= %(start)s
				and l.transition_time < %(end)s and l.kind = 'Lost'
			group by 1, 2""",
			values,
		)
	]
	inputs.cooling = [
		(person, int(refused or 0), int(closed or 0))
		for person, refused, closed in frappe.db.sql(
			"""select sales_person, sum(final = 0), sum(final = 1) from `tabCooling Record`
			where from_date = %(start)s group by 1""",
			values,
		)
	]
	inputs.deviations = frappe.db.sql(
		"""select name, deviation_rule, sales_person, metric, periodicity, threshold_percent, last_percent
		from `tabDeviation Firing` where fired_on >= %(start)s and fired_on < %(end)s
		order by sales_person, name""",
		values,
		as_dict=True,
	)
	inputs.tasks = stuck_and_overdue_tasks(day)
	# invoices overdue on the morning the report is read, as overdue steps are counted
	inputs.receivables = receivables.invoices(day + timedelta(days=1))
	# the work-day plan of the day the report is read: its gaps and double bookings
	inputs.rosters = roster.for_report(day + timedelta(days=1))
	return inputs


def overdue_records(day: date) -> list[frappe._dict]:
	"""Open Leads and Opportunities whose step was due before the morning the report is read
	(``day`` + 1), with their owner's Sales Person; one query. The same rule as the overdue job,
	so a report built again for an earlier day does not list what fell due later."""
	today = day + timedelta(days=1)  # the morning the report is read
	parts = []
	for doctype in PIPELINES:
		owner = OWNER[doctype]
		parts.append(
			f"""select '{doctype}' as doctype, t.name, {TITLE[doctype]} as title, t.`{STEP_FIELD[doctype]}` as step,
				{owner} as user, {person_of_user(owner)} as sales_person, t.sd_step_due
			from `tab{doctype}` t
			where t.sd_step_due < %(today)s and {open_condition(doctype, "t")}"""
		)
	rows = frappe.db.sql(
		" union all ".join(parts),
		{"today": today},
		as_dict=True,
	)
	for r in rows:
		r.days_over = max(0, (today - getdate(r.sd_step_due)).days) if r.sd_step_due else 0
		r.owner = r.sales_person or r.user
	return rows


def stuck_and_overdue_tasks(day: date, sales_persons=None) -> list[dict]:
	"""Check-up tasks stuck, or overdue on the morning the report is read (a task due ``day`` and
	still open is overdue by then), as :func:`overdue_records` counts steps."""
	from sales_drive.checkups import stuck_and_overdue

	return list(stuck_and_overdue(day + timedelta(days=1), sales_persons))


# ----------------------------------------------------------------------------- who gets what


@dataclass
class Recipient:
	user: str
	scope: str | None  # the team (a group Sales Person); None: the department
	members: set[str] | None  # None: everyone


def team_leads(exclude=()) -> list[Recipient]:
	"""Each enabled user of a group Sales Person's Employee, with the enabled persons of that subtree."""
	teams: dict[str, Recipient] = {}
	teams_of_leads = team_sql(enabled_teams=True, enabled_members=True, enabled_leads=True)
	for user, team, person in frappe.db.sql(
		f"select sd_lead.user_id, sd_team.name, sd_member.name {teams_of_leads} order by sd_team.lft, sd_member.lft"
	):
		if user in exclude:
			continue
		teams.setdefault(user, Recipient(user, team, set())).members.add(person)
	return list(teams.values())


def morning_recipients() -> list[Recipient]:
	head = frappe.db.get_single_value("Sales Drive Settings", "head_of_sales")
	out = [Recipient(head, None, None)] if head else []
	return out + team_leads(exclude={head} if head else ())


# ----------------------------------------------------------------------------- figures per recipient


def _mine(rows, members, key=0):
	return [r for r in rows if members is None or r[key] in members]


@dataclass
class Morning:
	"""The engine's digest and what the report adds to it for the same people."""

	digest: engine.MorningDigest
	lead_funnel: list[engine.FunnelLine]
	reasons: list[tuple]  # (reason, n), the most frequent first
	burn: tuple[int, int]  # (put to cooling, closed for good)
	tasks: list[dict]
	receivables: object = None  # the engine's Ageing of the recipient's people
	roster: dict | None = None  # gaps and conflicts of today's rosters (sales_drive/roster.py)


def morning_digest(inputs: Inputs, members: set[str] | None = None) -> Morning:
	counts = {p: _mine(c, members) for p, c in inputs.counts.items()}
	refusals = sum(n for c in counts.values() for _p, _f, _t, kind, n in c if kind == "Lost")
	digest = engine.morning(
		inputs.day,
		inputs.rows,
		inputs.orders.get("Opportunity", []),
		counts["Opportunity"],
		_mine(inputs.overdue_rows, members, key=2),
		refusals,
		[d for d in inputs.deviations if members is None or d.sales_person in members],
		members,
	)
	reasons: dict[str, int] = defaultdict(int)
	for _p, reason, n in _mine(inputs.reasons, members):
		reasons[reason] += n
	cooling = _mine(inputs.cooling, members)
	return Morning(
		digest,
		engine.funnel_lines(inputs.orders.get("Lead", []), counts["Lead"]),
		sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
		(sum(r[1] for r in cooling), sum(r[2] for r in cooling)),
		[t for t in inputs.tasks if members is None or t.get("sales_person") in members],
		receivables.ageing(inputs.receivables, inputs.day + timedelta(days=1), members),
		roster=roster.findings(inputs.rosters, members),
	)


# ----------------------------------------------------------------------------- rendering


@contextmanager
def language_of(user: str):
	"""Render in the recipient's language."""
	from frappe.translate import get_user_lang

	previous = frappe.local.lang
	frappe.local.lang = get_user_lang(user)
	try:
		yield
	finally:
		frappe.local.lang = previous


def _money(currency):
	return lambda value: fmt_money(value or 0, currency=currency)


def _percent(value) -> str:
	"""A percentage in the site's number format, to 0.1; a dash when there is none."""
	return "—" if value is None else f"{fmt_money(value, precision=1)}%"


def render_morning(morning: Morning, inputs: Inputs, scope: str | None) -> tuple[str, str]:
	"""The subject and the HTML of one recipient's morning report."""
	digest = morning.digest
	day_label = format_date(inputs.day)
	if scope:
		subject = _("Morning report of {0} for {1}").format(scope, day_label)
	else:
		subject = _("Morning report for {0}").format(day_label)
	meta = inputs.overdue
	html = frappe.render_template(
		"sales_drive/templates/digests/morning.html",
		{
			"title": subject,
			"d": digest,
			"m": morning,
			"money": _money(inputs.currency),
			"pct": _percent,
			"opportunity_steps": [f for f in digest.funnel if f.entered or f.advanced or f.lost or f.back],
			"lead_steps": [f for f in morning.lead_funnel if f.entered or f.advanced or f.lost or f.back],
			"overdue": [
				{
					"owner": owner,
					"count": len(items),
					"records": [
						{
							"o": o,
							"title": meta[o.reference].title or o.reference,
							"doctype": meta[o.reference].doctype,
							"url": get_url_to_form(meta[o.reference].doctype, o.reference),
						}
						for o in items[:SHOWN_PER_OWNER]
					],
				}
				for owner, items in digest.overdue.items()
			],
			"overdue_total": sum(len(v) for v in digest.overdue.values()),
			"deviation_url": lambda name: get_url_to_form("Deviation Firing", name),
			"task_url": lambda name: get_url_to_form("Sales Task", name),
			"invoice_url": lambda name: get_url_to_form("Sales Invoice", name),
			"shown_per_owner": SHOWN_PER_OWNER,
		},
	)
	return subject, html


# ----------------------------------------------------------------------------- building and sending


@dataclass
class Built:
	kind: str
	recipient: str
	scope: str | None
	day: date
	subject: str
	html: str
	figures: object = None


def build_morning_reports(day=None, recipients: list[Recipient] | None = None) -> list[Built]:
	"""Every recipient's morning report for ``day`` (yesterday by default), built, not sent.

	A recipient whose report fails is logged (with the user) and left out; the others are built.
	"""
	day = getdate(day) if day else yesterday()
	recipients = morning_recipients() if recipients is None else recipients
	if not recipients:
		return []
	inputs = gather(day)
	out = []
	for r in recipients:
		with isolated("User", r.user, _("Morning report for {0} not built").format(r.user)):
			out.append(build_morning_report(inputs, r))
	return out


def build_morning_report(inputs: Inputs, r: Recipient) -> Built:
	morning = morning_digest(inputs, r.members)
	with language_of(r.user):
		subject, html = render_morning(morning, inputs, r.scope)
	return Built(MORNING, r.user, r.scope, inputs.day, subject, html, morning)


def send_morning_reports(day=None) -> list[str]:
	"""Daily: yesterday's report to the head of sales and to each team lead, once each."""
	if not cint(frappe.db.get_single_value("Sales Drive Settings", "send_morning_report")):
		return []
	sent = []
	for b in build_morning_reports(day):
		with isolated("User", b.recipient, _("Morning report for {0} not sent").format(b.recipient)):
			if name := deliver(b):
				sent.append(name)
	return sent


def send_weekly_report(day=None) -> list[str]:
	"""Weekly: the director's report on the ISO week of ``day`` (yesterday by default), once per week."""
	if not cint(frappe.db.get_single_value("Sales Drive Settings", "send_weekly_report")):
		return []
	director = frappe.db.get_single_value("Sales Drive Settings", "director")
	if not director:
		return []
	built = build_weekly_report(day, director)
	return [name] if (name := deliver(built)) else []


def deliver(built: Built) -> str | None:
	"""Store the report once per period and recipient, and queue its e-mail once; the digest's name."""
	key = engine.period_key(REPORT_KEY[built.kind], built.recipient, built.day, CADENCE[built.kind])
	frappe.db.savepoint("sd_digest")
	try:
		frappe.get_doc(
			{
				"doctype": "Sales Digest",
				"kind": built.kind,
				"recipient": built.recipient,
				"scope": built.scope,
				"report_date": built.day,
				"period_key": key,
				"content": built.html,
			}
		).insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		frappe.db.rollback(save_point="sd_digest")  # made by an earlier or a concurrent run
	# the row is locked until this transaction ends: a concurrent run waits here, then sees it e-mailed
	stored = frappe.db.sql(
		"select emailed, content from `tabSales Digest` where name = %s for update", key, as_dict=True
	)
	done = not stored or stored[0].emailed
	if not done and _can_email():
		frappe.sendmail(
			recipients=[built.recipient],
			subject=built.subject,
			message=stored[0].content,
			reference_doctype="Sales Digest",
			reference_name=key,
		)
		frappe.db.set_value("Sales Digest", key, "emailed", 1, update_modified=False)
	if not frappe.flags.in_test:
		frappe.db.commit()  # release the lock: each recipient's report is done on its own
	return None if done else key


def _can_email() -> bool:
	"""Whether frappe.sendmail can queue a mail: a real outgoing Email Account with an address.

	With e-mails muted and no account Frappe hands out a dummy account without an address, on
	which ``sendmail`` fails: the digest is then stored only (``emailed`` stays 0) and the next
	run e-mails it once an account exists.
	"""
	from sales_drive.tasks import can_email

	return can_email(match_by_doctype="Sales Digest")


# ----------------------------------------------------------------------------- the director's weekly


@dataclass
class WeeklyFigures:
	week: engine.Weekly | None
	money: Decimal
	work: list[engine.WorkLine]
	pipeline: list[tuple]  # (category, count, amount)
	currency: str | None


def week_of(day: date) -> tuple[date, date]:
	start = day - timedelta(days=day.weekday())
	return start, start + timedelta(days=6)


def weekly_figures(day: date) -> WeeklyFigures:
	start, end = week_of(day)
	rows, currency, plan_of = plan_rows(start, end)
	# % of plan and the forecast: the plan running at the week's end; money: every plan of the week
	running = plan_of.get(rows[0].sales_person) if rows else None
	current = [r for r in rows if plan_of[r.sales_person] == running]
	week = engine.weekly(current, start, end) if current else None
	money = sum((r.fact for r in rows if start <= r.date <= end), ZERO)
	facts: dict[str, Decimal] = defaultdict(Decimal)
	for r in rows:
		if start <= r.date <= end:
			facts[r.sales_person] += r.fact
	counts = frappe.db.sql(
		f"""select nullif(a.sales_person, ''), a.kind, sum(a.moves) from {aggregates.TABLE} a
		where {aggregates.period_condition(start, end)} and a.reference_doctype in %(pipelines)s
		group by 1, 2""",
		{"pipelines": PIPELINES},
	)
	pipeline = frappe.db.sql(
		f"""select coalesce(t.sd_forecast_category, ''), count(*), sum(t.base_opportunity_amount)
		from `tabOpportunity` t where {open_condition("Opportunity", "t")} and t.docstatus < 2
		group by 1""",
	)
	return WeeklyFigures(
		week,
		money,
		engine.team_work(counts, facts),
		sorted(
			((c, int(n), Decimal(str(a or 0))) for c, n, a in pipeline),
			key=lambda p: CATEGORIES.index(p[0]) if p[0] in CATEGORIES else len(CATEGORIES),
		),
		currency or frappe.db.get_default("currency"),
	)


def build_weekly_report(day, director: str) -> Built:
	day = getdate(day) if day else yesterday()
	start, end = week_of(day)
	figures = weekly_figures(day)
	with language_of(director):
		subject = _("Weekly report for {0} – {1}").format(format_date(start), format_date(end))
		html = frappe.render_template(
			"sales_drive/templates/digests/weekly.html",
			{"title": subject, "f": figures, "money": _money(figures.currency), "pct": _percent},
		)
	return Built(WEEKLY, director, None, day, subject, html, figures)


# ----------------------------------------------------------------------------- who may read a digest


def _reads_all(user: str) -> bool:
	return user == "Administrator" or bool(ALL_ROLES & set(frappe.get_roles(user)))


def query_conditions(user=None, doctype=None) -> str:
	"""Lists, reports and REST: a recipient sees their own digests; System and Sales Managers see all."""
	user = user or frappe.session.user
	if _reads_all(user):
		return ""
	return f"`tabSales Digest`.`recipient` = {frappe.db.escape(user)}"


def has_permission(doc, ptype=None, user=None, debug=False) -> bool:
	user = user or frappe.session.user
	return _reads_all(user) or doc.recipient == user
