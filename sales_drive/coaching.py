"""Frappe side of the coaching module: errors, people, and action items as ToDos.

Every action item (of a Coaching Session or of a Sprint retrospective) is a
ToDo assigned to its owner, with the item's due date. Closing the ToDo marks
the item Done (with the day it was closed); cancelling it marks it Cancelled;
reopening it makes it Open again. Marking the item Done or Cancelled in the
document closes or cancels the ToDo. Editing the item updates its ToDo;
removing it cancels it.

Coaching notes stay in the coaching document, whose row rules decide who reads
them (:mod:`sales_drive.coaching_permissions`). Frappe lets System Manager read
every ToDo and the assignment comments it writes, so the ToDo of a private
document's item (a Coaching Session's) carries a neutral description — "Coaching
Action Item" and a link to the session — and the item's text is read in the
session (My Sales Day shows it to the assignee, who may read the session).
Sprint items (not private) keep their text.

The item's ``todo`` link is the server's: a row's link is always the one stored
with that row, so a user cannot point an item at another ToDo (and have it
rewritten with ``ignore_permissions``), and only ToDos that reference the
document itself are ever changed.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime, nowdate

from sales_drive import coaching_permissions, messages
from sales_drive.engine import coaching as engine
from sales_drive.engine.problems import Problem

ITEM_DOCTYPE = "Coaching Action Item"
ITEM_PARENTS = ("Coaching Session", "Sprint")
# parameters whose values are options of our Select fields: shown translated
_OPTION_PARAMS = ("direction", "kind", "status")
TODO_STATUS = {"Open": "Open", "Done": "Closed", "Cancelled": "Cancelled"}
ITEM_STATUS = {v: k for k, v in TODO_STATUS.items()}


def throw(problems: list[Problem], title: str):
	"""Translate the engine's problems and stop the save (nothing is written)."""
	if not problems:
		return
	shown = []
	for p in problems:
		params = {k: (_(v) if k in _OPTION_PARAMS and isinstance(v, str) else v) for k, v in p.params.items()}
		params = {
			k: (frappe.format(v, "Date") if k.endswith("date") or k in ("start", "end", "follow_up") else v)
			for k, v in params.items()
		}
		shown.append(messages.render(Problem(p.code, params)))
	frappe.throw("<br>".join(f"• {line}" for line in shown), title=title)


def action_items(doc, table="action_items") -> list[engine.ActionItem]:
	return [
		engine.ActionItem(
			description=row.description,
			owner=row.responsible,
			due_date=getdate(row.due_date) if row.due_date else None,
			status=row.status or "Open",
		)
		for row in doc.get(table)
	]


def criteria_of(script) -> list[engine.Criterion]:
	return [
		engine.Criterion(
			name=(c.criterion or "").strip(),
			weight=Decimal(str(c.weight or 0)),
			scale_max=int(c.scale_max or 0),
			mandatory=bool(c.mandatory),
		)
		for c in script.criteria
	]


def cap_of(script) -> Decimal:
	cap = script.get("mandatory_cap")
	return engine.DEFAULT_MANDATORY_CAP if cap is None else Decimal(str(cap))


def stamp_items(doc, table="action_items"):
	"""Record the day an item was marked Done (and forget it when it is not Done any more)."""
	for row in doc.get(table):
		if row.status == "Done":
			row.completed_on = row.completed_on or getdate(nowdate())
		else:
			row.completed_on = None


def sales_persons_of(users) -> dict[str, str]:
	"""user → their enabled Sales Person (through Employee.user_id), one grouped query."""
	users = [u for u in users if u]
	if not users:
		return {}
	rows = frappe.db.sql(
		"""select e.user_id, min(sp.name) from `tabSales Person` sp
		join `tabEmployee` e on e.name = sp.employee
		where e.user_id in %(users)s and sp.enabled = 1
		group by e.user_id""",
		{"users": users},
	)
	return dict(rows)


# ----------------------------------------------------------------------------- ToDos


def todo_description(doc, row) -> str:
	"""The ToDo's description: neutral for a private coaching document, the item's text otherwise."""
	if doc.doctype not in coaching_permissions.PRIVATE:
		return row.description
	route = frappe.scrub(doc.doctype).replace("_", "-")
	return '{0}: <a href="/app/{1}/{2}">{3}</a>'.format(
		frappe.utils.escape_html(_("Coaching Action Item")),
		route,
		quote(str(doc.name)),
		frappe.utils.escape_html(str(doc.name)),
	)


def keep_todo_links(doc, table="action_items"):
	"""Restore each row's ``todo`` from the stored document (call in validate): the link is the server's."""
	before = doc.get_doc_before_save()
	stored = {r.name: r.todo for r in (before.get(table) if before else [])}
	for row in doc.get(table):
		row.todo = stored.get(row.name)


def _own_todos(doc, names) -> set[str]:
	"""Those of ``names`` that are ToDos of ``doc`` (reference type and name), in one query."""
	names = [n for n in names if n]
	if not names:
		return set()
	return set(
		frappe.get_all(
			"ToDo",
			filters={"name": ["in", names], "reference_type": doc.doctype, "reference_name": doc.name},
			pluck="name",
		)
	)


def sync_todos(doc, table="action_items"):
	"""Create, update, close or cancel the ToDo of each action item of ``doc`` (call in on_update).

	Only what changed in the item since the last save is pushed to an existing
	ToDo, so a ToDo closed in the meantime is not reopened by an unrelated edit.
	Each row's ToDo is the one stored with the row before this save (a link a
	user typed is put back), and only a ToDo referencing ``doc`` is touched.
	"""
	before = doc.get_doc_before_save()
	old_rows = {r.name: r for r in (before.get(table) if before else [])}
	for row in doc.get(table):  # the stored link, whatever the request said
		trusted = old_rows[row.name].todo if row.name in old_rows else None
		if row.todo != trusted:
			row.db_set("todo", trusted, update_modified=False)
	ours = _own_todos(doc, [r.todo for r in doc.get(table)] + [r.todo for r in old_rows.values()])
	keep = set()
	for row in doc.get(table):
		values = {
			"allocated_to": row.responsible,
			"date": row.due_date,
			"description": todo_description(doc, row),
			"status": TODO_STATUS.get(row.status or "Open", "Open"),
		}
		if row.todo and row.todo in ours:
			keep.add(row.todo)
			old = old_rows.get(row.name)
			old_values = (
				{
					"allocated_to": old.responsible,
					"date": old.due_date,
					"description": todo_description(doc, old),
					"status": TODO_STATUS.get(old.status or "Open", "Open"),
				}
				if old
				else {}
			)
			changed = {k: v for k, v in values.items() if str(old_values.get(k) or "") != str(v or "")}
			if changed:
				todo = frappe.get_doc("ToDo", row.todo)
				todo.update(changed)
				todo.flags.sd_from_item = True
				todo.save(ignore_permissions=True)
			continue
		if row.status == "Cancelled":
			continue
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				**values,
				"reference_type": doc.doctype,
				"reference_name": doc.name,
				"assigned_by": frappe.session.user,
				"priority": "Medium",
			}
		)
		todo.flags.sd_from_item = True
		todo.insert(ignore_permissions=True)
		row.db_set("todo", todo.name, update_modified=False)
		keep.add(todo.name)
	# items removed from the document: their ToDos are cancelled
	removed = {r.todo for r in old_rows.values() if r.todo in ours} - keep
	for name in removed:
		if frappe.db.get_value("ToDo", name, "status") == "Open":
			todo = frappe.get_doc("ToDo", name)
			todo.status = "Cancelled"
			todo.flags.sd_from_item = True
			todo.save(ignore_permissions=True)


def on_todo_update(doc, method=None):
	"""doc_events ToDo.on_update: a closed ToDo marks its action item Done."""
	if doc.flags.get("sd_from_item") or doc.reference_type not in ITEM_PARENTS or not doc.reference_name:
		return
	status = ITEM_STATUS.get(doc.status)
	if not status:
		return
	item = frappe.db.get_value(
		ITEM_DOCTYPE,
		{"todo": doc.name, "parent": doc.reference_name, "parenttype": doc.reference_type},
		["name", "status"],
		as_dict=True,
	)
	if not item or item.status == status:
		return
	frappe.db.set_value(
		ITEM_DOCTYPE,
		item.name,
		{"status": status, "completed_on": getdate(nowdate()) if status == "Done" else None},
		update_modified=False,
	)
	# a form opened before this change must be reloaded before it can be saved again
	frappe.db.set_value(
		doc.reference_type, doc.reference_name, "modified", now_datetime(), update_modified=False
	)


# ----------------------------------------------------------------------------- sprint reminders

REMINDER_HOUR = "09:00:00"


def sync_reminders(sprint):
	"""One Frappe Reminder per process with a reminder day (today or later), for the process owner."""
	today = getdate(nowdate())
	for row in sprint.processes:
		wanted = row.reminder_date and row.responsible and getdate(row.reminder_date) >= today
		existing = row.reminder if row.reminder and frappe.db.exists("Reminder", row.reminder) else None
		if not wanted:
			if existing and not frappe.db.get_value("Reminder", existing, "notified"):
				frappe.delete_doc("Reminder", existing, ignore_permissions=True, force=True)
				row.db_set("reminder", None, update_modified=False)
			continue
		remind_at = f"{getdate(row.reminder_date)} {REMINDER_HOUR}"
		description = _("Sprint {0}: {1}").format(sprint.title, row.process_name)
		if existing:
			current = frappe.db.get_value(
				"Reminder", existing, ["remind_at", "user", "description"], as_dict=True
			)
			if (str(current.remind_at), current.user, current.description) != (
				remind_at,
				row.responsible,
				description,
			):
				frappe.db.set_value(
					"Reminder",
					existing,
					{
						"remind_at": remind_at,
						"user": row.responsible,
						"description": description,
						"notified": 0,
					},
				)
			continue
		# inserted directly: Reminder.validate would make it the current user's and refuse a time past
		reminder = frappe.new_doc("Reminder")
		reminder.update(
			{
				"remind_at": remind_at,
				"description": description,
				"reminder_doctype": sprint.doctype,
				"reminder_docname": sprint.name,
				"user": row.responsible,
				"name": frappe.generate_hash(length=10),
				"owner": frappe.session.user,
				"modified_by": frappe.session.user,
				"creation": now_datetime(),
				"modified": now_datetime(),
			}
		)
		reminder.db_insert()
		row.db_set("reminder", reminder.name, update_modified=False)
