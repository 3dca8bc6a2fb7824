"""Who may see coaching notes: row rules for the private coaching doctypes (METHOD.md §5).

The coach is independent of the head of sales, so coaching notes, observations,
call-review comments and feedback are visible only to the people they concern:

============================  ===========================  ==========================
doctype                       author (reads, edits)        subjects (read)
============================  ===========================  ==========================
Coaching Session              ``coach``                    every ``participants.user``
Call Review                   ``reviewer``                 ``manager``
Sales Feedback                ``author`` (empty when       ``recipient``
                              anonymous)
============================  ===========================  ==========================

and, for a subject who is a **manager**, that manager's **team lead**: the user
(Employee.user_id) of the enabled *group* Sales Person that is the direct
parent of the manager's enabled, non-group Sales Person (:data:`COACHING_REACH`,
one level of :func:`sales_drive.permissions.team_sql`). Higher groups (a
department, the head of sales at the root) get nothing, and a user holding the
**Sales Manager** role (the head of sales) never gets access as a team lead.
The head of sales reads the aggregates of the Coaching Summary report instead.

The same rule is one SQL condition, used for lists, report view, exports,
counts, link search and group-by (``permission_query_conditions``) and, with
``name = <doc>``, for single documents (``has_permission``), so the form, the
REST API and the list can never disagree. The condition is evaluated against
the *stored* document, so nobody can gain access by saving themselves in as
the coach, reviewer or author. Writing, deleting, submitting are for the author
only; sharing is refused to everybody (a share would bypass these rules), and
the doctypes have no field in global search.

The child tables of the private doctypes get the same condition through their
parent, for a direct ``frappe.get_list(<child>, parent_doctype=...)``.

Administrator is the one exception: Frappe itself lets it through every check
(an emergency account, not a person). **System Manager gets no exception here**:
in small companies the head of sales often holds it.
"""

from __future__ import annotations

import frappe

from sales_drive.permissions import DIRECT_REPORTS, stored_name, team_sql

PRIVATE = {
	# doctype: (author field, subject field on the doctype or None, subject child (table doctype, field) or None)
	"Coaching Session": ("coach", None, ("Coaching Participant", "user")),
	"Call Review": ("reviewer", "manager", None),
	"Sales Feedback": ("author", "recipient", None),
}
CHILDREN = {
	"Coaching Participant": "Coaching Session",
	"Coaching Action Item": "Coaching Session",  # also a child of Sprint, which is not private
	"Call Review Score": "Call Review",
	"Sales Feedback Rating": "Sales Feedback",
}
READ_LIKE = frozenset({"read", "select", "print", "email", "report", "export"})
HEAD_OF_SALES_ROLE = "Sales Manager"

COACHING_REACH = DIRECT_REPORTS
"""How far down a team lead reads the coaching notes of their team: one level, by choice.

Pay, plans, tasks and the transition log reach a lead's whole team (the subtree,
:data:`sales_drive.permissions.WHOLE_TEAM`): a lead answers for those figures. Coaching notes
are different (METHOD.md §5): the coach stays independent of the hierarchy so that people speak
openly, and only the lead who works with the manager every day follows up the agreed goals and
action items. A lead higher up (a department head over several teams, the head of sales at the
root) is the hierarchy the notes are kept from, so the notes reach the lead directly above the
manager and stop there. Changing this constant widens who reads private notes: don't, without
the coach and the head of sales agreeing.
"""


def managed_users(user: str) -> list[str]:
	"""Users of the managers whose team lead ``user`` is (:data:`COACHING_REACH`, enabled, non-group members)."""
	if not user or user in ("Guest", "Administrator"):
		return []
	if HEAD_OF_SALES_ROLE in frappe.get_roles(user):
		return []
	team = team_sql("%(user)s", reach=COACHING_REACH, enabled_teams=True, enabled_members=True)
	return frappe.db.sql_list(
		f"""select distinct member_employee.user_id from `tabSales Person` sp
		join `tabEmployee` member_employee on member_employee.name = sp.employee
		where sp.name in (select sd_member.name {team}) and ifnull(member_employee.user_id, '') != ''""",
		{"user": user},
	)


def condition(doctype: str, user: str, table: str | None = None) -> str:
	"""The SQL condition (on ``table``, default the doctype's table) under which ``user`` reads a row."""
	author, subject, child = PRIVATE[doctype]
	table = table or f"`tab{doctype}`"
	people = ", ".join(frappe.db.escape(u) for u in dict.fromkeys([user, *managed_users(user)]))
	me = frappe.db.escape(user)
	if subject:
		return f"({table}.`{author}` = {me} or {table}.`{subject}` in ({people}))"
	child_doctype, child_field = child
	return (
		f"({table}.`{author}` = {me} or exists (select 1 from `tab{child_doctype}` sd_p"
		f" where sd_p.parent = {table}.name and sd_p.parenttype = {frappe.db.escape(doctype)}"
		f" and sd_p.`{child_field}` in ({people})))"
	)


def _bypass(user: str) -> bool:
	return user == "Administrator"


def query_conditions(user=None, doctype=None):
	"""permission_query_conditions for Coaching Session, Call Review and Sales Feedback."""
	user = user or frappe.session.user
	if _bypass(user):
		return ""
	return condition(doctype, user)


def child_query_conditions(user=None, doctype=None):
	"""permission_query_conditions for the child tables: the parent's rule, through ``parent``."""
	user = user or frappe.session.user
	if _bypass(user):
		return ""
	parent = CHILDREN[doctype]
	own = f"`tab{doctype}`"
	rule = (
		f"{own}.parent in (select sd_parent.name from `tab{parent}` sd_parent"
		f" where {condition(parent, user, 'sd_parent')})"
	)
	if doctype == "Coaching Action Item":  # rows of a Sprint follow the Sprint's own permissions
		return f"({own}.parenttype != {frappe.db.escape(parent)} or {rule})"
	return f"({own}.parenttype = {frappe.db.escape(parent)} and {rule})"


def can_read(doctype: str, name: str, user: str) -> bool:
	return bool(
		frappe.db.sql(
			f"select name from `tab{doctype}` where name = %s and {condition(doctype, user)}",
			name,
		)
	)


def is_author(doctype: str, name: str, user: str) -> bool:
	author = PRIVATE[doctype][0]
	return frappe.db.get_value(doctype, name, author) == user


def has_permission(doc, ptype=None, user=None, debug=False):
	"""has_permission for the private doctypes. ``None`` leaves the decision to the role permissions."""
	user = user or frappe.session.user
	if _bypass(user):
		return True
	ptype = ptype or "read"
	if ptype == "share":
		return False
	name = stored_name(doc)
	if not name:
		return None  # a new document: roles decide who may create one
	if ptype in READ_LIKE:
		return can_read(doc.doctype, name, user)
	return is_author(doc.doctype, name, user)
