"""Planning meetings (планёрка) and one-on-ones (тет-а-тет) (METHOD.md §3, seed 002).

- **Sales Meeting**: a team lead's meeting with their team (or the head of sales' with the department).
  Its agenda is built by :func:`sales_drive.engine.meetings.agenda` from what the app already knows:
  yesterday's morning report (Sales Digest) of the team, the Deviation Firings still open or fired since
  yesterday, the check-up tasks stuck or overdue, and the Leads and Opportunities over their step's time
  limit. It records who attended and what was decided. At submission each decision becomes a Sales Task
  of its owner with the due date (and check-up date), set in the chair's name and checked up as every
  task is (:mod:`sales_drive.checkups`).
- **One-on-One**: the head of sales (Sales Manager) or a team lead with one manager of their team: the
  manager's figures of the month (plan, fact, deals), their open deviations, tasks and overdue steps, the
  notes and the agreed actions (Sales Tasks at submission, as above).

Who sees what
-------------
- A Sales Meeting: the head of sales and System Manager all; anyone else the meetings they chaired or
  attended, and those of a team they lead. Only the chair (or the head of sales) changes one.
- A One-on-One: **only its two people** — the one who held it (``leader``) and the manager
  (``manager_user``); the head of sales does not read a team lead's one-on-ones, nor does System Manager
  (Administrator, an emergency account, is the one exception). Only the leader changes it; nobody shares
  it. It is not coaching: a coach's notes stay in Coaching Session, private as before.
Both rules are one SQL condition for lists, reports and link search (``permission_query_conditions``)
and, against the stored row, for single documents (``has_permission``): form and REST agree.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, get_first_day, get_last_day, getdate

from sales_drive import checkups, control, period_reports
from sales_drive.engine import kpi as kpi_engine
from sales_drive.engine import meetings as engine
from sales_drive.permissions import sees_everyone, team_sql

MEETING, ONE_ON_ONE = "Sales Meeting", "One-on-One"
SECTION_LABEL = {
	engine.FIGURES: "Figures",
	engine.DIGEST: "Morning Report",
	engine.DEVIATION: "Deviation",
	engine.TASK: "Task",
	engine.OVERDUE_STEP: "Overdue Step",
}
READ_LIKE = frozenset({"read", "select", "print", "email", "report", "export"})
TITLE_LENGTH = 140


def templates() -> dict[str, str]:
	return {
		"decision_needs_text": _("Decision {row}: write what was decided"),
		"decision_needs_owner": _("Decision {row}: choose who does it (a Sales Person)"),
		"decision_needs_due": _("Decision {row}: set the due date"),
		"decision_due_before_meeting": _("Decision {row}: the due date {due_date} is before the meeting ({day})"),
	}


# ----------------------------------------------------------------------------- agenda


def _money(value) -> str:
	return frappe.format(value, {"fieldtype": "Currency"})


def summary(item: engine.AgendaItem) -> str:
	"""One agenda line, in the user's language."""
	p = item.params
	if "more" in p:
		return _("… and {0} more").format(p["more"])
	if item.section == engine.FIGURES:
		percent = _("{0}% of plan").format(p["percent"]) if p["percent"] is not None else _("no plan")
		return _("Plan {0}, fact {1} ({2}); deals won {3} of {4} planned").format(
			_money(p["plan"]), _money(p["fact"]), percent, p["deals_won"], p["deals_plan"])  # fmt: skip
	if item.section == engine.DIGEST:
		return _("Morning report of {0}: fact against plan, funnel, refusals, overdue steps").format(
			frappe.format(p["report_date"], {"fieldtype": "Date"}))  # fmt: skip
	if item.section == engine.DEVIATION:
		return _("{0}: {1} at {2}% of target (threshold {3}%)").format(
			item.sales_person, _(p["metric"], context="Deviation Rule"), kpi_engine.pct(p["percent"]), kpi_engine.pct(p["threshold"]))  # fmt: skip
	if item.section == engine.TASK:
		if p["stuck"]:
			return _("Stuck on a question: {0} — {1}").format(p["title"], p["question"])
		return _("Overdue task (due {0}): {1}").format(frappe.format(p["due_date"], {"fieldtype": "Date"}), p["title"])
	return _("{0} {1} is {2} days over the time limit of step {3}").format(
		_(item.reference_doctype), p["title"], p["days_over"], p["step"])  # fmt: skip


def members_of(team: str | None) -> list[str] | None:
	"""The enabled managers of a team (a group Sales Person's subtree); ``None`` (no team): everyone."""
	if not team:
		return None
	return frappe.db.sql_list(
		"""select sp.name from `tabSales Person` sp join `tabSales Person` t on t.name = %s
		where sp.lft > t.lft and sp.rgt < t.rgt and sp.is_group = 0 and sp.enabled = 1 order by sp.lft""",
		team,
	)


def gather(day, members: list[str] | None, scope: str | None) -> dict:
	"""The engine's inputs for a meeting on ``day``: one query each."""
	from sales_drive.digests import MORNING, overdue_records

	yesterday = getdate(add_days(day, -1))
	digest = frappe.get_all("Sales Digest", filters={"kind": MORNING, "report_date": yesterday,
		"scope": scope or ["is", "not set"]}, fields=["name", "report_date", "scope"], order_by="name", limit=1)  # fmt: skip
	persons = {"persons": members or [""], "all": int(members is None)}
	deviations = frappe.db.sql(
		"""select name, sales_person, metric, last_percent, threshold_percent from `tabDeviation Firing`
		where (firing_status = 'Open' or fired_on >= %(since)s) and (%(all)s or sales_person in %(persons)s)""",
		{**persons, "since": f"{yesterday} 00:00:00"},
		as_dict=True,
	)
	return {
		"digest": digest[0] if digest else None,
		"deviations": deviations,
		"tasks": checkups.stuck_and_overdue(getdate(day), members),
		"overdue": [r for r in overdue_records(yesterday) if members is None or r.sales_person in members],
		"members": members,
	}


def set_agenda(doc, items: list[engine.AgendaItem]):
	"""Replace the agenda, keeping what was already noted on an item that stays."""
	kept = {(r.reference_doctype, r.reference_name, r.section): r for r in doc.get("agenda") or []}
	doc.set("agenda", [])
	for item in items:
		section = SECTION_LABEL[item.section]
		old = kept.get((item.reference_doctype or None, item.reference_name or None, section)) or kept.get(
			(item.reference_doctype, item.reference_name, section))
		doc.append("agenda", {"section": section, "sales_person": item.sales_person,
			"reference_doctype": item.reference_doctype or None, "reference_name": item.reference_name or None,
			"summary": summary(item), "discussed": old.discussed if old else 0, "comment": old.comment if old else None})  # fmt: skip


def build_agenda(doc):
	if doc.doctype == MEETING:
		data = gather(doc.meeting_date, members_of(doc.team), doc.team)
		doc.digest = data["digest"]["name"] if data["digest"] else None
		items = engine.agenda(digest=data["digest"], deviations=data["deviations"], tasks=data["tasks"],
			overdue=data["overdue"], members=data["members"])  # fmt: skip
	else:
		data = gather(doc.meeting_date, [doc.sales_person], None)
		items = engine.agenda(figures=one_on_one_figures(doc), deviations=data["deviations"], tasks=data["tasks"],
			overdue=data["overdue"], members=[doc.sales_person])  # fmt: skip
	set_agenda(doc, items)


@frappe.whitelist(methods=["POST"])
def rebuild_agenda(doctype: str, name: str):
	"""The form's button: build the agenda of a draft again from today's data."""
	if doctype not in (MEETING, ONE_ON_ONE):
		frappe.throw(_("Not a meeting: {0}").format(doctype), title=_("Not Permitted"))
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("write")
	if doc.docstatus != 0:
		frappe.throw(_("The agenda of a submitted meeting stays as it was"), title=_("Not Permitted"))
	build_agenda(doc)
	doc.save()
	return doc.name


# ----------------------------------------------------------------------------- decisions → Sales Tasks


def check_decisions(doc, rows, can_set_for):
	problems = engine.decision_problems(
		[{"decision": r.decision, "sales_person": r.sales_person, "due_date": getdate(r.due_date) if r.due_date else None}
			for r in rows], getdate(doc.meeting_date))  # fmt: skip
	period_reports.throw(problems, _("Invalid Decisions"), templates())
	for r in rows:
		if not can_set_for(r.sales_person):
			frappe.throw(_("Decision {0}: {1} is not a manager of your team.").format(r.idx, frappe.bold(r.sales_person)),
				frappe.PermissionError, title=_("Not Permitted"))  # fmt: skip


def can_set_tasks_for(user: str):
	if checkups.sees_all(user):
		return lambda person: True
	return lambda person: checkups.in_team(person, user)


def make_tasks(doc, rows) -> list[str]:
	"""Each decision (agreed action) without a task becomes a Sales Task of its owner, in the session
	user's name (the Sales Task's own rules apply: who may set a task for whom, the dates)."""
	made = []
	label = _(doc.doctype)
	for r in rows:
		if r.sales_task:
			continue
		text = " ".join((r.decision or "").split())
		task = frappe.get_doc({
			"doctype": checkups.DOCTYPE,
			"title": text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…",
			"sales_person": r.sales_person,
			"due_date": r.due_date,
			"checkup_date": r.checkup_date or r.due_date,
			"description": _("Decided at {0} {1} on {2}: {3}").format(label, doc.name,
				frappe.format(doc.meeting_date, {"fieldtype": "Date"}), r.decision),  # fmt: skip
		}).insert()
		r.db_set("sales_task", task.name)
		made.append(task.name)
	return made


# ----------------------------------------------------------------------------- Sales Meeting


def leads_team(user: str, team: str) -> bool:
	"""Whether ``user`` leads ``team`` or a group above it."""
	return bool(
		frappe.db.sql(
			f"select 1 {team_sql('%(user)s', managers_only=False, enabled_teams=True)} and sd_member.name = %(team)s"
			" union select 1 from `tabSales Person` t join `tabEmployee` e on e.name = t.employee"
			" where t.name = %(team)s and t.is_group = 1 and e.user_id = %(user)s limit 1",
			{"user": user, "team": team},
		)
	)


def validate_meeting(doc):
	user = frappe.session.user
	stored_chair = None if doc.is_new() else frappe.db.get_value(MEETING, doc.name, "chair")
	doc.chair = stored_chair or user
	if doc.team and not frappe.db.get_value("Sales Person", doc.team, "is_group"):
		frappe.throw(_("{0} is not a team: choose a group Sales Person").format(frappe.bold(doc.team)),
			title=_("Invalid Sales Meeting"))  # fmt: skip
	if doc.is_new() and not sees_everyone(user):
		if not doc.team:
			frappe.throw(_("Only the head of sales holds a meeting of the whole department: choose your team"),
				frappe.PermissionError, title=_("Not Permitted"))  # fmt: skip
		if not leads_team(user, doc.team):
			frappe.throw(_("You can hold a planning meeting only with a team you lead, not with {0}").format(
				frappe.bold(doc.team)), frappe.PermissionError, title=_("Not Permitted"))  # fmt: skip
	if not doc.title:
		day = frappe.format(doc.meeting_date, {"fieldtype": "Date"})
		doc.title = (_("Planning meeting of {0} on {1}").format(doc.team, day) if doc.team
			else _("Department planning meeting on {0}").format(day))  # fmt: skip
	if doc.is_new() and not doc.get("agenda"):
		build_agenda(doc)
	if doc.is_new() and not doc.get("attendees"):
		for person in members_of(doc.team) or []:
			doc.append("attendees", {"sales_person": person, "present": 1})
	users = frappe.db.sql(
		"""select sp.name, e.user_id from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
		where sp.name in %(persons)s""",
		{"persons": [a.sales_person for a in doc.attendees] or [""]},
	)
	users = dict(users)
	for a in doc.attendees:
		a.user = users.get(a.sales_person)
	check_decisions(doc, doc.decisions, can_set_tasks_for(doc.chair if doc.chair != "Administrator" else user))


def meeting_condition(user: str, table: str = f"`tab{MEETING}`") -> str:
	me = frappe.db.escape(user)
	return (
		f"({table}.`chair` = {me}"
		f" or exists (select 1 from `tabSales Meeting Attendee` sd_a where sd_a.parent = {table}.name"
		f" and sd_a.parenttype = 'Sales Meeting' and sd_a.`user` = {me})"
		f" or {table}.`team` in (select sd_member.name {team_sql(me, managers_only=False)})"
		f" or {table}.`team` in (select t.name from `tabSales Person` t join `tabEmployee` e on e.name = t.employee"
		f" where e.user_id = {me}))"
	)


def meeting_query_conditions(user=None, doctype=None) -> str:
	user = user or frappe.session.user
	return "" if sees_everyone(user) else meeting_condition(user)


def judge(doctype: str, doc, ptype: str | None, user: str, rule: str, author_field: str):
	"""has_permission on the stored row: read-like rights by ``rule``, the others for its author only, no
	share; ``None`` (the roles decide) for a new document, which validate checks."""
	ptype = ptype or "read"
	if ptype == "share":
		return False
	name = doc.get("name") if hasattr(doc, "get") else None
	if not name or (hasattr(doc, "is_new") and doc.is_new()) or not frappe.db.exists(doctype, name):
		return None
	if ptype in READ_LIKE:
		return bool(frappe.db.sql(f"select name from `tab{doctype}` where name = %s and {rule}", name))
	return frappe.db.get_value(doctype, name, author_field) == user


def meeting_has_permission(doc, ptype=None, user=None, debug=False):
	user = user or frappe.session.user
	if sees_everyone(user):
		return None
	return judge(MEETING, doc, ptype, user, meeting_condition(user), "chair")


# ----------------------------------------------------------------------------- One-on-One


def one_on_one_figures(doc) -> dict:
	start, end = getdate(get_first_day(doc.meeting_date)), getdate(get_last_day(doc.meeting_date))
	return period_reports.figures(doc.company, [doc.sales_person], start, end)[doc.sales_person]


def validate_one_on_one(doc):
	user = frappe.session.user
	stored = None if doc.is_new() else frappe.db.get_value(ONE_ON_ONE, doc.name, ["leader", "sales_person"], as_dict=True)
	doc.leader = stored.leader if stored else user
	doc.manager_user, company = control.person_user_and_company(doc.sales_person)
	doc.company = company or doc.company
	if not doc.manager_user:
		frappe.throw(_("Sales Person {0} has no user: link an Employee with a user to it.").format(
			frappe.bold(doc.sales_person)), title=_("No User"))  # fmt: skip
	if doc.manager_user == doc.leader:
		frappe.throw(_("A one-on-one is held with another person, not with yourself"), title=_("Invalid One-on-One"))
	leader = doc.leader
	if leader != "Administrator" and not (
		control.HEAD_OF_SALES_ROLE in frappe.get_roles(leader) or control.leads_team_of(leader, doc.sales_person)
	):
		frappe.throw(_("A one-on-one is held by the head of sales or the team lead of {0}").format(
			frappe.bold(doc.sales_person)), frappe.PermissionError, title=_("Not Permitted"))  # fmt: skip
	f = one_on_one_figures(doc)
	doc.from_date, doc.to_date = getdate(get_first_day(doc.meeting_date)), getdate(get_last_day(doc.meeting_date))
	doc.plan_amount, doc.fact_amount, doc.deals_won = f["plan"], f["fact"], f["deals_won"]
	doc.achieved_percent = kpi_engine.ratio_percent(f["fact"], f["plan"]) if f["plan"] > 0 else 0
	if doc.is_new() and not doc.get("agenda"):
		build_agenda(doc)
	check_decisions(doc, doc.actions, can_set_tasks_for(leader if leader != "Administrator" else user))


def one_on_one_condition(user: str, table: str = f"`tab{ONE_ON_ONE}`") -> str:
	me = frappe.db.escape(user)
	return f"({table}.`leader` = {me} or {table}.`manager_user` = {me})"


def one_on_one_query_conditions(user=None, doctype=None) -> str:
	user = user or frappe.session.user
	return "" if user == "Administrator" else one_on_one_condition(user)


def one_on_one_has_permission(doc, ptype=None, user=None, debug=False):
	"""Only its two people read it; only its leader changes it; nobody shares it."""
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	return judge(ONE_ON_ONE, doc, ptype, user, one_on_one_condition(user), "leader")


# ----------------------------------------------------------------------------- child tables


CHILDREN = ("Sales Meeting Agenda Item", "Sales Meeting Attendee", "Sales Meeting Decision")


def child_query_conditions(user=None, doctype=None) -> str:
	"""permission_query_conditions of the child tables (``get_list(<child>, parent_doctype=...)``): the parent's."""
	user = user or frappe.session.user
	if user == "Administrator":
		return ""
	own = f"`tab{doctype}`"
	meeting = "1 = 1" if sees_everyone(user) else meeting_condition(user, "sd_m")
	return (
		f"(({own}.parenttype = 'One-on-One' and {own}.parent in (select sd_o.name from `tabOne-on-One` sd_o"
		f" where {one_on_one_condition(user, 'sd_o')}))"
		f" or ({own}.parenttype = 'Sales Meeting' and {own}.parent in (select sd_m.name from `tabSales Meeting` sd_m"
		f" where {meeting})))"
	)
