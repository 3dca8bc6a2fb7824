"""Task check-ups (seed 004): the Frappe side of the Sales Task doctype.

The rules live in :mod:`sales_drive.engine.checkups`; this module reads and
writes the site: the task's validation and answer stamps, the manager's ToDo,
the check-up reminder, who may see a task, and the stuck/overdue list the
morning report shows.

Who sees a task
---------------
* its manager (``manager_user``: the user of the task's Sales Person);
* its team lead (``team_lead``: who set it) and the leads of the manager's
  team: the users of the group Sales Persons above the task's Sales Person
  (the whole team, sub-teams included: :func:`sales_drive.permissions.team_sql`);
* the head of sales (Sales Manager) and System Manager: everything.

Who changes what
----------------
A team lead, the head of sales and System Manager set and change tasks (a team
lead only for the managers of their own team). A manager (Sales User) only
answers the tasks assigned to them: status, the note and the question.
The manager's user follows the task's Sales Person (a task is reassigned by
changing it); the answer's stamps and the reminder date are the server's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime, nowdate

from sales_drive.engine import checkups as engine
from sales_drive.engine.problems import Problem
from sales_drive.permissions import stored_name, team_sql
from sales_drive.queries import users_of

DOCTYPE = "Sales Task"
SETTERS = frozenset({"Sales Team Lead", "Sales Manager", "System Manager"})
ALL_SEEING = frozenset({"Sales Manager", "System Manager"})
READ_LIKE = frozenset({"read", "select", "print", "email", "report", "export"})
# fields only a team lead (or the head of sales) may change
SET_FIELDS = ("title", "description", "sales_person", "team_lead", "due_date", "checkup_date")
# fields only the server writes (``read_only`` is not enforced on save): a value sent by anyone — the form,
# REST, Data Import — is never taken. The answer's stamps are set when the status changes, the reminder
# date by ``remind_checkups`` (SQL); ``manager_user`` follows the task's Sales Person.
SERVER_FIELDS = ("answered_on", "checked_by", "reminded_on")


def templates() -> dict[str, str]:
	return {
		"checkup_before_creation": _(
			"The check-up date {checkup_date} is before the task was created ({created})"
		),
		"due_before_creation": _("The due date {due_date} is before the task was created ({created})"),
		"checkup_unknown_status": _("Unknown status {status}"),
		"checkup_needs_note": _(
			"Say what was done instead: a task Done Differently needs the note of what was done"
		),
		"checkup_needs_question": _("Write the question: a task Stuck on a Question needs the question"),
		"checkup_fields_locked": _("Only the team lead may change these fields of the task: {fields}"),
	}


def _show(value):
	if isinstance(value, date):
		return frappe.bold(frappe.format(value, {"fieldtype": "Date"}))
	return frappe.bold(value)


def throw(problems: list[Problem], title: str | None = None):
	"""Translate the engine's problems and stop the save (nothing is written)."""
	if not problems:
		return
	t = templates()
	lines = [t[p.code].format(**{k: _show(v) for k, v in p.params.items()}) for p in problems]
	frappe.throw("<br>".join(lines), title=title or _("Invalid Sales Task"))


# --------------------------------------------------------------------------- roles and teams


def _roles(user: str) -> set[str]:
	return set(frappe.get_roles(user))


def is_setter(user: str) -> bool:
	return user == "Administrator" or bool(_roles(user) & SETTERS)


def sees_all(user: str) -> bool:
	return user == "Administrator" or bool(_roles(user) & ALL_SEEING)


def user_of(sales_person: str | None) -> str | None:
	"""The user of the Sales Person's Employee."""
	return users_of([sales_person]).get(sales_person) if sales_person else None


def _team_sql(user_sql: str, person_sql: str) -> str:
	"""SQL: the Sales Person in ``person_sql`` is in the subtree of a group led by the user in ``user_sql``
	(its managers, the sub-team groups and those of the sub-teams under it), as the morning report counts a team."""
	return f"{person_sql} in (select sd_member.name {team_sql(user_sql, managers_only=False)})"


def in_team(sales_person: str, user: str) -> bool:
	"""Whether ``sales_person`` is a manager of the team ``user`` leads."""
	return bool(
		frappe.db.sql(
			f"select 1 from dual where {_team_sql('%(user)s', '%(person)s')}",
			{"user": user, "person": sales_person},
		)
	)


def condition(user: str, table: str = f"`tab{DOCTYPE}`", answerer: bool = True) -> str:
	"""The SQL condition under which ``user`` reads (``answerer``: also as the task's manager) a task row."""
	me = frappe.db.escape(user)
	parts = [f"{table}.`team_lead` = {me}", _team_sql(me, f"{table}.`sales_person`")]
	if answerer:
		parts.insert(0, f"{table}.`manager_user` = {me}")
	return "(" + " or ".join(parts) + ")"


def query_conditions(user=None, doctype=None):
	"""permission_query_conditions for Sales Task: lists, report view, exports, link search, reports."""
	user = user or frappe.session.user
	if sees_all(user):
		return ""
	return condition(user)


def has_permission(doc, ptype=None, user=None, debug=False):
	"""has_permission for Sales Task, judged on the stored row. ``None`` leaves it to the role permissions."""
	user = user or frappe.session.user
	if sees_all(user):
		return None
	ptype = ptype or "read"
	if ptype == "share":
		return False
	name = stored_name(doc)
	if not name:
		return None  # a new task: the roles decide who may create one; validate checks the team
	rule = condition(user, answerer=ptype in READ_LIKE or ptype == "write")
	return bool(frappe.db.sql(f"select name from `tab{DOCTYPE}` where name = %s and {rule}", name))


# --------------------------------------------------------------------------- the controller's work


def validate(doc):
	"""Sales Task.validate: who may change what, the dates, the answer, the stamps."""
	user = frappe.session.user
	before = None if doc.is_new() else (doc.get_doc_before_save() or frappe.get_doc(DOCTYPE, doc.name))
	if not is_setter(user):
		if doc.is_new() or (before and before.manager_user != user):
			frappe.throw(
				_("You can only answer the tasks assigned to you."),
				frappe.PermissionError,
				title=_("Not Permitted"),
			)
		locked = engine.locked_changes(
			{f: before.get(f) for f in SET_FIELDS}, {f: doc.get(f) for f in SET_FIELDS}, allowed=()
		)
		if locked:
			labels = ", ".join(_(doc.meta.get_label(f)) for f in locked)
			throw([Problem("checkup_fields_locked", {"fields": labels})], _("Not Permitted"))
	elif (
		not sees_all(user) and doc.sales_person and (doc.is_new() or doc.sales_person != before.sales_person)
	):
		if not in_team(doc.sales_person, user):
			frappe.throw(
				_("{0} is not a manager of your team.").format(frappe.bold(doc.sales_person)),
				frappe.PermissionError,
				title=_("Not Permitted"),
			)

	if doc.is_new() and not doc.team_lead:
		doc.team_lead = user
	# the manager is the user of the task's Sales Person: a task is reassigned by changing its Sales Person,
	# which only its team lead and the head of sales may do (above); a manager_user sent in is never taken
	stored_manager = before.manager_user if before else None
	if (
		doc.is_new()
		or doc.sales_person != before.sales_person
		or not stored_manager
		or (doc.manager_user != stored_manager and is_setter(user))
	):
		doc.manager_user = user_of(doc.sales_person)
	else:
		doc.manager_user = stored_manager
	if not doc.manager_user:
		frappe.throw(
			_("Sales Person {0} has no user: link an Employee with a user to it.").format(
				frappe.bold(doc.sales_person)
			),
			title=_("No User"),
		)

	created = getdate(doc.creation or nowdate())
	throw(
		engine.validate_task(
			created,
			getdate(doc.due_date) if doc.due_date else None,
			getdate(doc.checkup_date) if doc.checkup_date else None,
			doc.status,
			doc.answer_note,
			doc.question,
		)
	)

	for fieldname in SERVER_FIELDS:
		doc.set(fieldname, before.get(fieldname) if before else None)
	old_status = before.status if before else engine.OPEN
	if (doc.status or engine.OPEN) != old_status:
		answered = doc.status != engine.OPEN
		doc.answered_on = now_datetime() if answered else None
		doc.checked_by = user if answered else None
	if before and str(before.checkup_date or "") != str(doc.checkup_date or ""):
		doc.reminded_on = None


def on_update(doc):
	"""Sales Task.on_update: the manager's ToDo follows the task; the team lead hears about a question."""
	from frappe.desk.form import assign_to

	before = doc.get_doc_before_save()
	if before and before.manager_user and before.manager_user != doc.manager_user:
		assign_to.remove(DOCTYPE, doc.name, before.manager_user, ignore_permissions=True)
	if doc.status == engine.OPEN:
		if doc.manager_user and (
			not before or before.manager_user != doc.manager_user or before.status != doc.status
		):
			assign_to.add(
				{
					"assign_to": [doc.manager_user],
					"doctype": DOCTYPE,
					"name": doc.name,
					"description": doc.title,
					"date": doc.checkup_date,
				},
				ignore_permissions=True,
			)
	elif before is None or before.status != doc.status:
		if doc.status != engine.STUCK:
			assign_to.close_all_assignments(DOCTYPE, doc.name, ignore_permissions=True)
		else:
			_notify(
				doc.team_lead,
				doc,
				_("{0} is stuck on a question: {1}").format(doc.sales_person, doc.question),
			)


def _notify(user, doc, subject):
	if not user or user in ("Administrator", "Guest"):
		return
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"type": "Alert",
			"document_type": DOCTYPE,
			"document_name": doc.name,
			"subject": subject,
			"email_content": doc.description or doc.title,
		}
	).insert(ignore_permissions=True)


def remind_checkups(today=None):
	"""Daily: tell each manager about their unanswered tasks whose check-up day has come (once per task)."""
	today = getdate(today or nowdate())
	rows = frappe.db.sql(
		f"""select name, title, description, manager_user, checkup_date from `tab{DOCTYPE}`
		where status = %(open)s and checkup_date <= %(today)s and reminded_on is null""",
		{"open": engine.OPEN, "today": today},
		as_dict=True,
	)
	if not rows:
		return 0
	frappe.db.sql(
		f"update `tab{DOCTYPE}` set reminded_on = %(today)s where name in %(names)s",
		{"today": today, "names": [r.name for r in rows]},
	)
	for r in rows:
		_notify(
			r.manager_user,
			r,
			_("Check-up today: {0}. Answer the task: done, not done, done differently or a question.").format(
				r.title
			)
			if r.checkup_date == today
			else _(
				"Check-up was on {0}: {1}. Answer the task: done, not done, done differently or a question."
			).format(frappe.format(r.checkup_date, {"fieldtype": "Date"}), r.title),
		)
	return len(rows)


# --------------------------------------------------------------------------- for the morning report


def stuck_and_overdue(day, sales_persons: Iterable[str] | None = None) -> list[dict]:
	"""Tasks stuck on a question or overdue (still Open after the due date or the check-up) on ``day``.

	``sales_persons``: ``None`` for everybody, else the Sales Persons to keep.
	Each row: ``name, title, sales_person, assigned_to`` (the manager's user),
	``team_lead, status, due_date, checkup_date, reason`` ("Stuck" or
	"Overdue") and ``question``. Stuck tasks are listed whatever ``day`` is
	(they are stuck now). One query, ordered by Sales Person, reason, due date.
	"""
	day = getdate(day)
	params = {"day": day, "open": engine.OPEN, "stuck": engine.STUCK}
	limit = ""
	if sales_persons is not None:
		params["persons"] = list(dict.fromkeys(sales_persons))
		if not params["persons"]:
			return []
		limit = "and sales_person in %(persons)s"
	rows = frappe.db.sql(
		f"""select name, title, sales_person, manager_user as assigned_to, team_lead, status,
			due_date, checkup_date, ifnull(question, '') as question
		from `tab{DOCTYPE}`
		where (status = %(stuck)s or (status = %(open)s and (due_date < %(day)s or checkup_date < %(day)s)))
		{limit}
		order by sales_person, status = %(open)s, due_date, name""",
		params,
		as_dict=True,
	)
	for r in rows:
		r["reason"] = engine.reason(r.status, r.due_date, r.checkup_date, day)
	return rows
