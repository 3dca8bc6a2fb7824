"""Who sees pay and plans: row rules for the KPI, plan and transition-log doctypes (and their reports).

The rule is one for every figure of a person (pay, plan, daily target, transition history):

- the **head of sales** (role Sales Manager) and **System Manager** (and Administrator) see everyone's;
- a **team lead** sees their team's: the non-group Sales Persons in the subtree of every group Sales
  Person whose Employee is theirs (:func:`team_sql`, the one definition of a team that My Sales Day,
  the morning report and the check-ups use too), and their own;
- anyone else (a manager, a Sales User) sees their own: the non-group Sales Persons of their Employee.

==============================  ==============================================================
doctype                         a row is readable when
==============================  ==============================================================
KPI Scorecard (+ lines)         its ``sales_person`` is an allowed person
KPI Scheme (+ components,       the scheme applies to an allowed person (listed, in the team,
persons)                        or with the specialisation)
Sales Plan Day                  its ``sales_person`` is an allowed person
Sales Period Report             its ``sales_person`` is an allowed person
Sales Stage Transition Log      its ``sales_person`` is allowed, or its ``record_owner`` /
                                ``assigned_to`` / ``user`` is the user of an allowed person
==============================  ==============================================================

The same SQL condition serves lists, report view, exports, counts, link search
(``permission_query_conditions``) and, with ``name = <doc>`` against the stored
row, single documents (``has_permission``), so the form, the REST API and the
list can never disagree. Sharing is refused to everybody who does not see
everyone (a share would bypass these rules).

Script reports that read with raw SQL bypass these conditions: they scope
their rows with :func:`allowed_persons` / :func:`filter_persons` themselves
(Plan vs Fact, Coaching Summary).
"""

from __future__ import annotations

import frappe

ALL_ROLES = frozenset({"Sales Manager", "System Manager"})
READ_LIKE = frozenset({"read", "select", "print", "email", "report", "export"})
PARENTS = {
	"KPI Scorecard Line": "KPI Scorecard",
	"KPI Scheme Component": "KPI Scheme",
	"KPI Scheme Person": "KPI Scheme",
}


# ----------------------------------------------------------------------------- who sees whom


def sees_everyone(user: str | None = None) -> bool:
	"""The head of sales (Sales Manager), System Manager and Administrator see every person's figures."""
	user = user or frappe.session.user
	return user == "Administrator" or bool(ALL_ROLES & set(frappe.get_roles(user)))


def own_persons(user: str) -> list[str]:
	"""The non-group Sales Persons of the user's Employee."""
	if not user or user == "Guest":
		return []
	return frappe.db.sql_list(
		"""select sp.name from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
		where e.user_id = %(user)s and sp.is_group = 0 order by sp.lft""",
		{"user": user},
	)


# A lead's team is read off the Sales Person tree: the team is a group Sales Person, its lead the
# user of that group's Employee. How far down the team reaches is the caller's stated choice:
WHOLE_TEAM = "whole team"  # every Sales Person in the group's subtree (sub-teams included)
DIRECT_REPORTS = "direct reports"  # only the Sales Persons whose parent is the group itself


def team_sql(
	lead_user: str | None = None,
	*,
	reach: str = WHOLE_TEAM,
	managers_only: bool = True,
	enabled_teams: bool = False,
	enabled_members: bool = False,
	enabled_leads: bool = False,
) -> str:
	"""The one definition of a lead's team, as an SQL ``from ... where ...`` clause.

	Its rows are (``sd_team``: the group Sales Person, ``sd_lead``: the team's Employee, whose
	``user_id`` is the lead's user, ``sd_member``: a Sales Person of the team). Every rule that asks
	"who is in X's team" or "who leads Y" builds on it: pay, plans and the transition log
	(:func:`team_persons`), My Sales Day, the check-ups, the daily-report filer, the morning report's
	recipients and (one level, :data:`sales_drive.coaching_permissions.COACHING_REACH`) coaching notes.

	``lead_user``: an SQL expression written in our code (a placeholder such as ``%(user)s`` or a
	column), never user input; ``None``: every lead. ``reach``: :data:`WHOLE_TEAM` or
	:data:`DIRECT_REPORTS`. ``managers_only``: members are non-group Sales Persons (else sub-team
	groups count too). ``enabled_*``: only enabled team groups, members, or leads' users.
	"""
	if reach not in (WHOLE_TEAM, DIRECT_REPORTS):
		raise ValueError(f"unknown team reach {reach!r}")
	within = (
		"sd_member.lft > sd_team.lft and sd_member.rgt < sd_team.rgt"
		if reach == WHOLE_TEAM
		else "sd_member.parent_sales_person = sd_team.name"
	)
	lead_join = (
		" join `tabUser` sd_lead_user on sd_lead_user.name = sd_lead.user_id and sd_lead_user.enabled = 1"
		if enabled_leads
		else ""
	)
	where = ["sd_team.is_group = 1"]
	if lead_user is not None:
		where.append(f"sd_lead.user_id = {lead_user}")
	if managers_only:
		where.append("sd_member.is_group = 0")
	if enabled_teams:
		where.append("sd_team.enabled = 1")
	if enabled_members:
		where.append("sd_member.enabled = 1")
	return (
		"from `tabSales Person` sd_team"
		" join `tabEmployee` sd_lead on sd_lead.name = sd_team.employee"
		f"{lead_join}"
		f" join `tabSales Person` sd_member on {within}"
		f" where {' and '.join(where)}"
	)


def team_persons(user: str, enabled_only: bool = False) -> list[str]:
	"""The team a user leads: non-group Sales Persons under every group Sales Person of their Employee."""
	if not user or user == "Guest":
		return []
	return frappe.db.sql_list(
		f"select distinct sd_member.name {team_sql('%(user)s', enabled_members=enabled_only)} order by sd_member.name",
		{"user": user},
	)


def allowed_persons(user: str | None = None) -> set[str] | None:
	"""The Sales Persons whose figures ``user`` may see; ``None``: everyone."""
	user = user or frappe.session.user
	if sees_everyone(user):
		return None
	return set(own_persons(user)) | set(team_persons(user))


def allowed_users(user: str | None = None) -> set[str] | None:
	"""The users of the allowed persons (and the user); ``None``: everyone."""
	user = user or frappe.session.user
	persons = allowed_persons(user)
	if persons is None:
		return None
	users = {user}
	if persons:
		users |= set(
			frappe.db.sql_list(
				"""select e.user_id from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
				where sp.name in %(persons)s and ifnull(e.user_id, '') != ''""",
				{"persons": sorted(persons)},
			)
		)
	return users


def filter_persons(persons, user: str | None = None) -> list:
	"""``persons`` (Sales Person names) the user may see, in the given order."""
	allowed = allowed_persons(user)
	return list(persons) if allowed is None else [p for p in persons if p in allowed]


def filter_users(users, user: str | None = None) -> list:
	"""``users`` whose figures the user may see (the users of allowed persons, and the user)."""
	allowed = allowed_users(user)
	return list(users) if allowed is None else [u for u in users if u in allowed]


def _in(values) -> str:
	"""An SQL ``in`` list of escaped values (never empty: an empty set matches nothing)."""
	return "(" + ", ".join(frappe.db.escape(v) for v in sorted(values or {""})) + ")"


# ----------------------------------------------------------------------------- row conditions


def condition(doctype: str, user: str, table: str | None = None) -> str:
	"""The SQL condition (on ``table``, default the doctype's) under which ``user`` reads a row."""
	table = table or f"`tab{doctype}`"
	persons = _in(allowed_persons(user))
	if doctype in ("KPI Scorecard", "Sales Plan Day", "Sales Period Report"):
		return f"({table}.`sales_person` in {persons})"
	if doctype == "KPI Scheme":
		return (
			f"(({table}.`applies_to` = 'Sales Persons' and exists (select 1 from `tabKPI Scheme Person` sd_sp"
			f" where sd_sp.parent = {table}.name and sd_sp.parenttype = 'KPI Scheme'"
			f" and sd_sp.sales_person in {persons}))"
			f" or ({table}.`applies_to` = 'Team' and exists (select 1 from `tabSales Person` sd_team"
			f" join `tabSales Person` sd_member on sd_member.lft >= sd_team.lft and sd_member.rgt <= sd_team.rgt"
			f" where sd_team.name = {table}.`team` and sd_member.name in {persons}))"
			f" or ({table}.`applies_to` = 'Specialisation' and exists (select 1 from `tabSales Person` sd_member"
			f" where sd_member.name in {persons} and sd_member.sd_specialisation = {table}.`specialisation`)))"
		)
	if doctype == "Sales Stage Transition Log":
		users = _in(allowed_users(user))
		return (
			f"({table}.`sales_person` in {persons} or {table}.`record_owner` in {users}"
			f" or {table}.`assigned_to` in {users} or {table}.`user` in {users})"
		)
	raise ValueError(f"No row rule for {doctype}")


def query_conditions(user=None, doctype=None) -> str:
	"""permission_query_conditions: lists, report view, exports, counts, link search, group-by."""
	user = user or frappe.session.user
	if sees_everyone(user):
		return ""
	return condition(doctype, user)


def child_query_conditions(user=None, doctype=None) -> str:
	"""permission_query_conditions of the child tables (``get_list(<child>, parent_doctype=...)``)."""
	user = user or frappe.session.user
	if sees_everyone(user):
		return ""
	parent = PARENTS[doctype]
	own = f"`tab{doctype}`"
	return (
		f"({own}.parenttype = {frappe.db.escape(parent)} and {own}.parent in (select sd_parent.name"
		f" from `tab{parent}` sd_parent where {condition(parent, user, 'sd_parent')}))"
	)


def stored_name(doc) -> str | None:
	"""The name of ``doc`` when it is a stored row, else None: a new document, whose creation the role
	permissions decide (the row rules of the has_permission hooks judge stored rows only)."""
	name = doc.get("name") if hasattr(doc, "get") else None
	if not name or (hasattr(doc, "is_new") and doc.is_new()) or not frappe.db.exists(doc.doctype, name):
		return None
	return name


def has_permission(doc, ptype=None, user=None, debug=False):
	"""has_permission, judged on the stored row. ``None`` leaves the decision to the role permissions."""
	user = user or frappe.session.user
	if sees_everyone(user):
		return None
	ptype = ptype or "read"
	if ptype == "share":
		return False
	name = stored_name(doc)
	if not name:
		return None
	rule = condition(doc.doctype, user)
	return bool(frappe.db.sql(f"select name from `tab{doc.doctype}` where name = %s and {rule}", name))
