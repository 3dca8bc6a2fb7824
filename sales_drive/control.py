"""The control system's regular reports (METHOD.md §3, seed 001).

- **Report Regulation**: which reports are due from whom (a role or a team) and by when:
  the daily activity report by a time of its own day, the weekly results by a weekday of
  the following week, the monthly review by a day of the following month.
- **Sales Daily Report**: a sales person's report of one day. While it is a draft its
  activity figures are taken from the CRM (one grouped query per kind of activity):
  calls (Communication, medium Phone), e-mails sent, meetings (Event), proposals
  (submitted Quotations) and deals moved forward (Sales Stage Transition Log rows of kind
  Forward or Skip made by the user). The manager completes the notes and the plan for
  tomorrow and submits; the submission time against the regulation's deadline marks it
  late or on time. Everything but the notes is the server's: the user, the company (the
  Employee's), the activity figures and the deadline are recomputed on every save and at
  submission, the submission time and "late" are set at submission, whatever the client
  sends. A report is filed by the person themselves, by the lead of a team they are in
  (a group Sales Person above theirs) or by the head of sales (Sales Manager); who filed
  it for someone else is kept in ``filed_by`` and noted in the timeline.
- **Compliance**: the share of a period's working days (up to today) with a daily report
  submitted on time, per person: the KPI metric ``report_compliance`` and the Report
  Compliance report read it with one grouped query.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import get_datetime, get_time, getdate, now_datetime, nowdate

from sales_drive import calls, regulations
from sales_drive.engine import kpi as kpi_engine
from sales_drive.permissions import team_sql

DAILY = "Daily Activity Report"
KINDS = ("calls", "emails", "meetings", "proposals", "deals_forward")
END_OF_DAY = time(23, 59, 59)


# ----------------------------------------------------------------------------- activity


def activity(users: list[str], company: str | None, day) -> dict[str, dict[str, int]]:
	"""user → {kind: count} of one day; one grouped query per kind for all the users."""
	out = defaultdict(lambda: dict.fromkeys(KINDS, 0))
	if not users:
		return {}
	v = {"users": users, "day": getdate(day), "from_dt": f"{getdate(day)} 00:00:00",
		"to_dt": f"{getdate(day)} 23:59:59.999999", "company": company}  # fmt: skip
	queries = {
		"calls": """select user, count(*) from `tabCommunication` where communication_medium = 'Phone'
			and user in %(users)s and communication_date between %(from_dt)s and %(to_dt)s group by user""",
		"emails": """select user, count(*) from `tabCommunication` where communication_medium = 'Email'
			and sent_or_received = 'Sent' and user in %(users)s
			and communication_date between %(from_dt)s and %(to_dt)s group by user""",
		"meetings": """select owner, count(*) from `tabEvent` where owner in %(users)s
			and starts_on between %(from_dt)s and %(to_dt)s group by owner""",
		"proposals": """select owner, count(*) from `tabQuotation` where docstatus = 1 and owner in %(users)s
			and transaction_date = %(day)s""" + (" and company = %(company)s" if company else "") + " group by owner",
		"deals_forward": """select user, count(distinct reference_doctype, reference_name)
			from `tabSales Stage Transition Log` where kind in ('Forward', 'Skip') and user in %(users)s
			and transition_time between %(from_dt)s and %(to_dt)s group by user""",
	}
	for kind, query in queries.items():
		rows = frappe.db.sql(query, v)
		if kind == "calls":  # and the calls of ERPNext's Call Log, each call once (sales_drive/calls.py)
			rows = calls.summed(rows, calls.user_counts(v))
		for user, n in rows:
			out[user][kind] = int(n or 0)
	return dict(out)


# ----------------------------------------------------------------------------- regulation


def daily_regulation(person: str, user: str | None, company: str, kind: str = DAILY):
	"""The enabled regulation of a report kind (the daily one by default) that applies to a person: by team
	first, then by role."""
	rows = frappe.get_all("Report Regulation", filters={"enabled": 1, "company": company, "report_kind": kind},
		fields=["name", "due_from", "role", "team", "due_time", "due_weekday", "due_day_of_month",
			"remind_days_before"], order_by="due_from desc, name")  # fmt: skip
	if not rows:
		return None
	teams = set(frappe.db.sql_list(
		"""select team.name from `tabSales Person` team join `tabSales Person` sp on sp.name = %s
		where team.lft <= sp.lft and team.rgt >= sp.rgt""", person))  # fmt: skip
	roles = set(frappe.get_roles(user)) if user else set()
	for r in rows:  # Team rows sort first
		if (r.due_from == "Team" and r.team in teams) or (r.due_from == "Role" and r.role in roles):
			return r
	return None


def due_by(day, regulation) -> datetime:
	at = get_time(regulation.due_time) if regulation and regulation.due_time else END_OF_DAY
	return datetime.combine(getdate(day), at)


def persons_due(company: str, team: str | None = None, kind: str = DAILY) -> list[str]:
	"""Enabled sales persons a regulation of a report kind (the daily one by default) applies to (team rows,
	role rows): two queries."""
	regs = frappe.get_all("Report Regulation", filters={"enabled": 1, "company": company, "report_kind": kind},
		fields=["due_from", "role", "team"])  # fmt: skip
	if not regs:
		return []
	teams = [r.team for r in regs if r.due_from == "Team" and r.team]
	roles = [r.role for r in regs if r.due_from == "Role" and r.role]
	persons = frappe.db.sql_list(
		"""select distinct sp.name from `tabSales Person` sp
		left join `tabEmployee` e on e.name = sp.employee
		where sp.is_group = 0 and sp.enabled = 1 and (
			exists (select 1 from `tabSales Person` t where t.name in %(teams)s and t.lft <= sp.lft and t.rgt >= sp.rgt)
			or exists (select 1 from `tabHas Role` hr where hr.parent = e.user_id and hr.parenttype = 'User'
				and hr.role in %(roles)s))
		order by sp.lft""",
		{"teams": teams or [""], "roles": roles or [""]},
	)
	if team:
		members = set(frappe.db.sql_list(
			"""select sp.name from `tabSales Person` sp join `tabSales Person` t on t.name = %s
			where sp.lft >= t.lft and sp.rgt <= t.rgt""", team))  # fmt: skip
		persons = [p for p in persons if p in members]
	return persons


# ----------------------------------------------------------------------------- Sales Daily Report


HEAD_OF_SALES_ROLE = "Sales Manager"


def person_user_and_company(person: str) -> tuple[str | None, str | None]:
	"""The user and the company of a Sales Person's Employee."""
	row = frappe.db.sql(
		"""select e.user_id, e.company from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
		where sp.name = %s""",
		person,
	)
	return (row[0][0] or None, row[0][1] or None) if row else (None, None)


def leads_team_of(user: str, person: str) -> bool:
	"""Whether ``user`` is the user of an enabled group Sales Person above ``person`` (their team's lead)."""
	team = team_sql("%(user)s", managers_only=False, enabled_teams=True)
	return bool(
		frappe.db.sql(
			f"select 1 {team} and sd_member.name = %(person)s limit 1",
			{"person": person, "user": user},
		)
	)


def check_filer(doc, refusal: str | None = None):
	"""A report is filed by its person, their team's lead or the head of sales; nobody else.

	``refusal``: the translated message (``{0}``: the Sales Person) for a report other than the daily one."""
	user = frappe.session.user
	if user == "Administrator" or doc.user == user:
		return
	if HEAD_OF_SALES_ROLE in frappe.get_roles(user) or leads_team_of(user, doc.sales_person):
		return
	frappe.throw(
		(refusal or _("You can file a daily report only for your own Sales Person or, as a team lead, for your team; not for {0}")).format(
			frappe.bold(doc.sales_person)
		),
		frappe.PermissionError,
		title=_("Not Permitted"),
	)


def prefill(doc):
	"""Fill the user, the company and the day's CRM activity and deadline of a report (the server's own fields)."""
	if not doc.sales_person:
		return
	doc.user, company = person_user_and_company(doc.sales_person)
	doc.company = company or doc.company
	counts = activity([doc.user], doc.company, doc.date).get(doc.user, {}) if doc.user else {}
	for kind in KINDS:
		doc.set(kind, counts.get(kind, 0))
	doc.due_by = due_by(doc.date, daily_regulation(doc.sales_person, doc.user, doc.company))


def validate_report(doc):
	if getdate(doc.date) > getdate(nowdate()):
		frappe.throw(_("A daily report cannot be made for a future day ({0})").format(frappe.bold(doc.date)),
			title=_("Invalid Sales Daily Report"))  # fmt: skip
	# validate runs on save and at submission (docstatus 1): the figures are the server's both times
	prefill(doc)
	check_filer(doc)
	others = frappe.get_all("Sales Daily Report", filters={"sales_person": doc.sales_person, "date": doc.date,
		"docstatus": ["<", 2]}, pluck="name")  # fmt: skip
	other = next((n for n in others if (doc.is_new() or n != doc.name) and n != doc.amended_from), None)
	if other:
		frappe.throw(_("{0} already has daily report {1} for {2}").format(
			frappe.bold(doc.sales_person), frappe.bold(other), doc.date), title=_("Duplicate Sales Daily Report"))  # fmt: skip
	stored = None if doc.is_new() else frappe.db.get_value(doc.doctype, doc.name, "filed_by")
	doc.filed_by = frappe.session.user if doc.user != frappe.session.user else stored
	doc.submitted_on, doc.late = None, 0  # set at submission only


def before_submit(doc):
	if not (doc.plan_tomorrow or "").strip():
		frappe.throw(_("Fill in the plan for tomorrow before submitting the daily report"),
			title=_("Invalid Sales Daily Report"))  # fmt: skip
	doc.submitted_on = now_datetime()
	doc.late = int(get_datetime(doc.submitted_on) > get_datetime(doc.due_by or due_by(doc.date, None)))
	if doc.user != frappe.session.user:
		doc.add_comment("Info", _("Filed by {0} for {1}").format(frappe.session.user, doc.sales_person))


# ----------------------------------------------------------------------------- compliance


def working_days(company, start, end) -> list:
	"""Working days of [start, end] up to today."""
	end = min(getdate(end), getdate(nowdate()))
	if end < getdate(start):
		return []
	return regulations.calendar(regulations.holiday_list_for(None, company)).working_days(getdate(start), end)


def report_counts(persons, days) -> dict[str, tuple[int, int, int]]:
	"""person → (days with a submitted report, of them on time, late) over the given days: one grouped query."""
	rows = frappe.db.sql(
		"""select sales_person, count(distinct date), count(distinct case when late = 0 then date end),
			count(distinct case when late = 1 then date end)
		from `tabSales Daily Report` where docstatus = 1 and sales_person in %(persons)s
		and date in %(days)s group by sales_person""",
		{"persons": persons or [""], "days": [str(d) for d in days] or [""]},
	)
	return {p: (int(n), int(ok), int(late)) for p, n, ok, late in rows}


def compliance(company, persons, start, end) -> dict[str, Decimal]:
	"""person → % of the period's working days (so far) with a daily report submitted on time."""
	days = working_days(company, start, end)
	if not days or not persons:
		return {}
	counts = report_counts(persons, days)
	return {p: kpi_engine.ratio_percent(counts.get(p, (0, 0, 0))[1], len(days)) for p in persons}
