"""The manager's day: today's target with what was carried, the fact so far, the
period's plan and forecast, and the records to contact today.

Who sees whom:

- a sales user sees their own day (User → Employee → Sales Person);
- a team lead — the user of a group Sales Person — also sees every person in
  that group's subtree (``lft``/``rgt``);
- a Sales Manager (and a System Manager) sees everyone

(the helpers of :mod:`sales_drive.permissions`, which scope pay and plans the same way).

A person's coaching action items (ToDos of a Coaching Session, Call Review or
Sales Feedback) are shown to that person and to the coach (the author of the
coaching document) only: never to the head of sales or a team lead looking at
the person's day, not even as a count. The person (or the coach) sees the
item's own text, read from the coaching document; the ToDo itself carries a
neutral description (:func:`sales_drive.coaching.sync_todos`).

The figures come from the stored ``Sales Plan Day`` rows of the submitted plan
that covers the date; a person whose rows are missing is computed on the spot
with :func:`sales_drive.plans.compute`. Every query is set based: one for the
plans, one for the stored rows, one per list, whatever the number of persons.

On a day that is not a working day the figures are those of the next working
day of the plan: a sale made on a Saturday counts on Monday (see
:mod:`sales_drive.engine.plan`).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe import _
from frappe.utils import getdate, nowdate, strip_html_tags

from sales_drive import coaching_permissions, permissions, plans, queries, receivables, roster
from sales_drive.engine import plan as engine
from sales_drive.people import sales_person_of

ZERO = Decimal(0)
CENT = Decimal("0.01")
LIST_LIMIT = 100
OWNER = {
	"Opportunity": "coalesce(nullif(t.opportunity_owner, ''), t.owner)",
	"Lead": "coalesce(nullif(t.lead_owner, ''), t.owner)",
}
TITLE = {
	"Opportunity": "coalesce(nullif(t.title, ''), nullif(t.customer_name, ''), t.party_name)",
	"Lead": "coalesce(nullif(t.title, ''), nullif(t.company_name, ''), t.lead_name)",
}


# ----------------------------------------------------------------------------- who sees whom


class Scope:
	"""The persons the current user may see: everyone, or a set (their own and their team)."""

	def __init__(self, user: str):
		self.user = user
		self.own = sales_person_of(user)[0]
		self.everyone = permissions.sees_everyone(user)
		self.team = set() if self.everyone else set(permissions.team_persons(user, enabled_only=True))
		self.leads = self.everyone or bool(self.team)

	def allows(self, person: str) -> bool:
		return self.everyone or person == self.own or person in self.team

	def persons(self) -> list[frappe._dict]:
		"""Enabled persons (not groups) in the scope, in tree order, with their user."""
		if not self.leads:
			return _person_rows([self.own]) if self.own else []
		return _person_rows(None if self.everyone else sorted((self.team | {self.own}) - {None}))


def _person_rows(names: list[str] | None) -> list[frappe._dict]:
	if names is not None and not names:
		return []
	condition = "" if names is None else "and sp.name in %(names)s"
	return frappe.db.sql(
		f"""select sp.name, sp.sales_person_name, e.user_id as user
		from `tabSales Person` sp left join `tabEmployee` e on e.name = sp.employee
		where sp.is_group = 0 and sp.enabled = 1 {condition}
		order by sp.lft""",
		{"names": names or [""]},
		as_dict=True,
	)


def _day(date) -> object:
	return getdate(date or nowdate())


# ----------------------------------------------------------------------------- whitelisted


@frappe.whitelist()
def get_my_day(sales_person: str | None = None, date: str | None = None) -> dict:
	"""The day of the current user's Sales Person, or of ``sales_person`` for a team lead / Sales Manager."""
	day = _day(date)
	scope = Scope(frappe.session.user)
	person = sales_person or scope.own
	if sales_person and not scope.allows(sales_person):
		frappe.throw(
			_("You can only see the day of the persons in your team."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if sales_person and not frappe.db.exists("Sales Person", sales_person):
		frappe.throw(
			_("Sales Person {0} does not exist").format(frappe.bold(sales_person)), frappe.DoesNotExistError
		)

	found = _person_rows([person]) if person else []
	person_row = found[0] if found else None
	user = person_row.user if person_row else (None if sales_person else frappe.session.user)
	figures = figures_for([person], day).get(person) if person else None

	message = None
	if not person and scope.leads:
		message = _("You lead a team: choose a person above, or see the whole team in the table below.")
	elif not person:
		message = _(
			"You are not linked to a Sales Person: ask an administrator to link your Employee to one."
		)
	elif not figures:
		message = _("No submitted Sales Plan covers {0} for {1}.").format(
			frappe.format(day, {"fieldtype": "Date"}), frappe.bold(person)
		)
	viewer = frappe.session.user
	lists = contact_lists([user], day, viewer) if user else {}
	mine = lists.get(user, {})
	# the lists stop at LIST_LIMIT rows: their full sizes let the page say "100 of N"
	counts = contact_counts([user], day, viewer).get(user, {}) if user else {}
	shown = {k: mine.get(k, [])[:LIST_LIMIT] for k in ("todos", "contacts", "overdue")}
	return {
		"date": day,
		"sales_person": person,
		"sales_person_name": person_row.sales_person_name if person_row else None,
		"user": user,
		"figures": figures,
		"message": message,
		"todos": shown["todos"],
		"contacts": shown["contacts"],
		"overdue": shown["overdue"],
		# the person's duties of the day in the team roster (sales_drive/roster.py)
		"slots": roster.person_slots(person, day) if person else [],
		# overdue Sales Invoices of the person's customers, aged (sales_drive/receivables.py)
		"receivables": receivables.of_person(person, day),
		"counts": {k: max(counts.get(k, 0), len(rows)) for k, rows in shown.items()},
		"can_choose": scope.leads,
		"persons": [{"value": p.name, "label": p.sales_person_name or p.name} for p in scope.persons()]
		if scope.leads
		else [],
	}


@frappe.whitelist()
def get_team_day(date: str | None = None) -> dict:
	"""One row per person of the team (a team lead) or of the department (a Sales Manager)."""
	day = _day(date)
	scope = Scope(frappe.session.user)
	if not scope.leads:
		frappe.throw(
			_("Only a team lead or a Sales Manager can see the team's day."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	people = scope.persons()
	figures = figures_for([p.name for p in people], day)
	counts = contact_counts([p.user for p in people if p.user], day, frappe.session.user)
	rows = []
	for p in people:
		f = figures.get(p.name)
		c = counts.get(p.user, {})
		rows.append(
			{
				"sales_person": p.name,
				"sales_person_name": p.sales_person_name or p.name,
				"user": p.user,
				**(f or {}),
				"has_plan": bool(f),
				"todos": c.get("todos", 0),
				"contacts": c.get("contacts", 0),
				"overdue": c.get("overdue", 0),
			}
		)
	return {"date": day, "rows": rows, "totals": totals([r for r in rows if r["has_plan"]])}


@frappe.whitelist()
def card_today_target(filters=None) -> dict:
	"""Number Card (Custom): today's target of the department, the team, or the user's own."""
	day = getdate(nowdate())
	total = sum((f["target"] for f in _scope_figures(day).values()), ZERO)
	return {"value": float(total), "fieldtype": "Currency", "route": ["sales-day"]}


@frappe.whitelist()
def card_month_done(filters=None) -> dict:
	"""Number Card (Custom): the fact to date as a percentage of the current plan."""
	day = getdate(nowdate())
	figures = list(_scope_figures(day).values())
	amount = sum((f["plan_amount"] for f in figures), ZERO)
	fact = sum((f["fact_to_date"] for f in figures), ZERO)
	# "precision": the card formats the value with the result's own df (Frappe's default is 3 decimals)
	return {
		"value": float(percent(fact, amount)),
		"fieldtype": "Percent",
		"precision": 1,
		"route": ["sales-day"],
	}


def _scope_figures(day) -> dict[str, dict]:
	scope = Scope(frappe.session.user)
	if scope.everyone:
		return figures_for(None, day)
	persons = (scope.team | {scope.own}) - {None}
	return figures_for(sorted(persons), day) if persons else {}


# ----------------------------------------------------------------------------- figures


def figures_for(persons: list[str] | None, day) -> dict[str, dict]:
	"""Figures of each person (``None``: everyone) who is in a submitted plan covering ``day``."""
	if persons is not None and not persons:
		return {}
	condition = "" if persons is None else "and a.sales_person in %(persons)s"
	allocations = frappe.db.sql(
		f"""select p.name as plan, p.currency, a.sales_person, a.amount
		from `tabSales Plan` p
		join `tabSales Plan Allocation` a on a.parent = p.name and a.parenttype = 'Sales Plan'
		where p.docstatus = 1 and p.from_date <= %(day)s and p.to_date >= %(day)s {condition}
		order by p.from_date desc, p.name""",
		{"day": day, "persons": persons or [""]},
		as_dict=True,
	)
	chosen: dict[str, frappe._dict] = {}
	for a in allocations:  # a person in two companies' plans: the most recent one
		chosen.setdefault(a.sales_person, a)
	if not chosen:
		return {}

	stored = frappe.db.sql(
		"""select sales_plan, sales_person, date, base, carried_in, target, fact
		from `tabSales Plan Day`
		where sales_plan in %(plans)s and sales_person in %(persons)s
		order by date""",
		{"plans": sorted({a.plan for a in chosen.values()}), "persons": sorted(chosen)},
		as_dict=True,
	)
	rows: dict[str, list] = defaultdict(list)
	for r in stored:
		if chosen[r.sales_person].plan == r.sales_plan:
			rows[r.sales_person].append(
				frappe._dict(
					date=getdate(r.date),
					base=_dec(r.base),
					carried_in=_dec(r.carried_in),
					target=_dec(r.target),
					fact=_dec(r.fact),
				)
			)

	missing: dict[str, list[str]] = defaultdict(list)
	for person, a in chosen.items():
		if not rows.get(person):
			missing[a.plan].append(person)
	for plan_name, people in missing.items():  # not stored yet: computed from the documents
		for r in plans.compute(frappe.get_doc("Sales Plan", plan_name), persons=set(people)):
			rows[r.sales_person].append(r)

	out = {}
	for person, a in chosen.items():
		if rows.get(person):
			out[person] = {
				"plan": a.plan,
				"currency": a.currency,
				**summarise(rows[person], day, _dec(a.amount)),
			}
	return out


def summarise(rows, day, plan_amount: Decimal) -> dict:
	"""A person's day from their daily rows (in date order) of one plan.

	The day's figures are those of the first working day on or after ``day``
	(the last one when the period's working days end earlier). Days done
	count that working day: the pace is measured with today under way.
	"""
	i = next((k for k, r in enumerate(rows) if r.date >= day), len(rows) - 1)
	today = rows[i]
	fact_to_date = sum((r.fact for r in rows[: i + 1]), ZERO)
	plan_to_date = sum((r.base for r in rows[: i + 1]), ZERO)
	return {
		"target_date": today.date,
		"is_working_day": today.date == day,
		"base": today.base,
		"carried_in": today.carried_in,
		"target": today.target,
		"fact": today.fact,
		"left_today": max(ZERO, today.target - today.fact),
		"plan_amount": plan_amount,
		"plan_to_date": plan_to_date,
		"fact_to_date": fact_to_date,
		"percent_done": percent(fact_to_date, plan_amount),
		"forecast": engine.pace_forecast(fact_to_date, i + 1, len(rows)),
		"days_done": i + 1,
		"days_total": len(rows),
	}


def totals(rows: list[dict]) -> dict | None:
	"""The team's sums, when every row is in the same currency."""
	if not rows or len({r["currency"] for r in rows}) > 1:
		return None
	keys = (
		"base",
		"carried_in",
		"target",
		"fact",
		"left_today",
		"plan_amount",
		"plan_to_date",
		"fact_to_date",
		"forecast",
	)
	out = {k: sum((r[k] for r in rows), ZERO) for k in keys}
	out["currency"] = rows[0]["currency"]
	out["percent_done"] = percent(out["fact_to_date"], out["plan_amount"])
	for k in ("todos", "contacts", "overdue"):
		out[k] = sum(r.get(k, 0) for r in rows)
	return out


def percent(part: Decimal, whole: Decimal) -> Decimal:
	if not whole:
		return ZERO
	return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _dec(value) -> Decimal:
	return Decimal(str(value or 0)).quantize(CENT, ROUND_HALF_UP)


# ----------------------------------------------------------------------------- whom to contact


def coaching_todo_rule(viewer: str | None, table: str = "`tabToDo`") -> str:
	"""SQL: the ToDo is shown to ``viewer`` — not a coaching action item, or one of the viewer's own, or
	one of a coaching document the viewer wrote (the coach). ``None``: every ToDo (a job's own use)."""
	if viewer is None:
		return "1=1"
	me = frappe.db.escape(viewer)
	private = ", ".join(map(frappe.db.escape, coaching_permissions.PRIVATE))
	parts = [f"{table}.allocated_to = {me}", f"ifnull({table}.reference_type, '') not in ({private})"]
	for doctype, (author, _subject, _child) in coaching_permissions.PRIVATE.items():
		parts.append(
			f"({table}.reference_type = {frappe.db.escape(doctype)} and exists (select 1 from `tab{doctype}` sd_c"
			f" where sd_c.name = {table}.reference_name and sd_c.`{author}` = {me}))"
		)
	return "(" + " or ".join(parts) + ")"


def _coaching_texts(todos: list, viewer: str | None) -> dict[str, str]:
	"""ToDo → the text of its coaching action item, for the items of documents ``viewer`` may read."""
	names = [t.name for t in todos if t.reference_type == "Coaching Session"]
	if not names or not viewer:
		return {}
	readable = coaching_permissions.condition("Coaching Session", viewer, "sd_parent")
	return dict(
		frappe.db.sql(
			f"""select i.todo, i.description from `tabCoaching Action Item` i
			where i.todo in %(names)s and i.parenttype = 'Coaching Session'
			and i.parent in (select sd_parent.name from `tabCoaching Session` sd_parent where {readable})""",
			{"names": names},
		)
	)


def contact_lists(users: list[str], day, viewer: str | None = None) -> dict[str, dict[str, list]]:
	"""Per user: open ToDos due by ``day``, Opportunities to contact by ``day``, overdue steps; the records
	are open ones only (:func:`sales_drive.queries.open_condition`: not won, lost, closed or ordered).

	``viewer``: who is looking (coaching ToDos of others are left out, see :func:`coaching_todo_rule`).
	"""
	out: dict[str, dict[str, list]] = defaultdict(lambda: {"todos": [], "contacts": [], "overdue": []})
	users = [u for u in users if u]
	if not users:
		return out
	values = {"users": users, "day": day, "limit": LIST_LIMIT * len(users)}
	todos = frappe.db.sql(
		f"""select name, allocated_to as user, date, priority, description, reference_type, reference_name
		from `tabToDo`
		where status = 'Open' and allocated_to in %(users)s and date <= %(day)s and {coaching_todo_rule(viewer)}
		order by date, field(priority, 'High', 'Medium', 'Low'), creation
		limit %(limit)s""",
		values,
		as_dict=True,
	)
	texts = _coaching_texts(todos, viewer)
	for t in todos:
		t.description = _short(texts.get(t.name) or t.description)
		out[t.user]["todos"].append(t)

	for o in frappe.db.sql(
		f"""select t.name, {TITLE["Opportunity"]} as title, {OWNER["Opportunity"]} as user, t.sd_next_contact,
			t.sales_stage, t.status, t.opportunity_amount, t.currency
		from `tabOpportunity` t
		where {OWNER["Opportunity"]} in %(users)s and t.sd_next_contact <= %(day)s and {queries.open_condition("Opportunity", "t")}
		order by t.sd_next_contact, t.name
		limit %(limit)s""",
		values,
		as_dict=True,
	):
		out[o.user]["contacts"].append(o)

	for doctype, step in (("Opportunity", "sales_stage"), ("Lead", "sd_step")):
		for r in frappe.db.sql(
			f"""select '{doctype}' as doctype, t.name, {TITLE[doctype]} as title, {OWNER[doctype]} as user,
				t.`{step}` as step, t.sd_step_due, t.status
			from `tab{doctype}` t
			where {OWNER[doctype]} in %(users)s and t.sd_overdue = 1 and {queries.open_condition(doctype, "t")}
			order by t.sd_step_due, t.name
			limit %(limit)s""",
			values,
			as_dict=True,
		):
			out[r.user]["overdue"].append(r)
	return out


def contact_counts(users: list[str], day, viewer: str | None = None) -> dict[str, dict[str, int]]:
	"""The sizes of :func:`contact_lists` (as ``viewer`` sees them), per user, one grouped query per list."""
	out: dict[str, dict[str, int]] = defaultdict(lambda: {"todos": 0, "contacts": 0, "overdue": 0})
	if not users:
		return out
	values = {"users": users, "day": day}
	for user, n in frappe.db.sql(
		f"""select allocated_to, count(*) from `tabToDo`
		where status = 'Open' and allocated_to in %(users)s and date <= %(day)s and {coaching_todo_rule(viewer)}
		group by allocated_to""",
		values,
	):
		out[user]["todos"] = n
	for user, n in frappe.db.sql(
		f"""select {OWNER["Opportunity"]} as user, count(*) from `tabOpportunity` t
		where {OWNER["Opportunity"]} in %(users)s and t.sd_next_contact <= %(day)s and {queries.open_condition("Opportunity", "t")}
		group by user""",
		values,
	):
		out[user]["contacts"] = n
	for doctype in ("Opportunity", "Lead"):
		for user, n in frappe.db.sql(
			f"""select {OWNER[doctype]} as user, count(*) from `tab{doctype}` t
			where {OWNER[doctype]} in %(users)s and t.sd_overdue = 1 and {queries.open_condition(doctype, "t")}
			group by user""",
			values,
		):
			out[user]["overdue"] += n
	return out


def _short(html: str | None, length: int = 140) -> str:
	text = " ".join(strip_html_tags(html or "").split())
	return text if len(text) <= length else text[: length - 1] + "…"
