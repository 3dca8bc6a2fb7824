# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Task Check-up Board: the team lead's view of the tasks set for the managers (seed 004).

Board view: one row per manager with the tasks Open, Done, Not Done, Done
Differently, Stuck on a Question, how many are overdue today and the total.
Task views: the stuck and overdue tasks (what to talk about first), or every
task of the filters with its state today.

Everybody sees only the tasks they may read (:func:`sales_drive.checkups.query_conditions`),
so a team lead's board is their team's.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from sales_drive import checkups
from sales_drive.engine import checkups as engine

BOARD, STUCK_AND_OVERDUE, ALL_TASKS = "Board", "Stuck and Overdue", "All Tasks"
STATUS_COLUMNS = (
	("open", engine.OPEN, "Open"),
	("done", engine.DONE, "Done"),
	("not_done", engine.NOT_DONE, "Not Done"),
	("done_differently", engine.DONE_DIFFERENTLY, "Done Differently"),
	("stuck", engine.STUCK, "Stuck"),
)


def execute(filters=None):
	filters = frappe._dict(filters or {})
	day = getdate(filters.get("as_of") or nowdate())
	if (
		filters.get("from_date")
		and filters.get("to_date")
		and getdate(filters.from_date) > getdate(filters.to_date)
	):
		frappe.throw(_("From Date must not be after To Date"), title=_("Invalid Filter"))
	view = filters.get("view") or BOARD
	where, params = conditions(filters, day)
	if view == BOARD:
		return board(where, params, day)
	if view == STUCK_AND_OVERDUE:
		where += " and (t.status = %(stuck)s or (t.status = %(open)s and (t.due_date < %(day)s or t.checkup_date < %(day)s)))"
	return tasks(where, params, day)


def conditions(filters, day) -> tuple[str, dict]:
	params = {"day": day, "open": engine.OPEN, "stuck": engine.STUCK}
	where = ["1 = 1"]
	rule = checkups.query_conditions(frappe.session.user)
	if rule:
		where.append(rule.replace(f"`tab{checkups.DOCTYPE}`", "t"))
	if filters.get("team_lead"):
		params["team_lead"] = filters.team_lead
		where.append(
			f"(t.team_lead = %(team_lead)s or {checkups._team_sql('%(team_lead)s', 't.sales_person')})"
		)
	if filters.get("sales_person"):
		params["sales_person"] = filters.sales_person
		where.append("t.sales_person = %(sales_person)s")
	if filters.get("from_date"):
		params["from_date"] = getdate(filters.from_date)
		where.append("t.checkup_date >= %(from_date)s")
	if filters.get("to_date"):
		params["to_date"] = getdate(filters.to_date)
		where.append("t.checkup_date <= %(to_date)s")
	if filters.get("status"):
		params["status"] = filters.status
		where.append("t.status = %(status)s")
	return " and ".join(where), params


def board(where: str, params: dict, day):
	rows = frappe.db.sql(
		f"""select t.sales_person, t.status, t.due_date, t.checkup_date, count(*) as tasks
		from `tab{checkups.DOCTYPE}` t where {where}
		group by t.sales_person, t.status, t.due_date, t.checkup_date""",
		params,
		as_dict=True,
	)
	lines = engine.board(
		(engine.TaskRow(r.sales_person, r.status, r.due_date, r.checkup_date, r.tasks) for r in rows), day
	)
	data = [board_row(line) for line in lines]
	total = engine.totals(lines)
	columns = [
		{
			"fieldname": "sales_person",
			"label": _("Sales Person"),
			"fieldtype": "Link",
			"options": "Sales Person",
			"width": 200,
		},
		*(
			{"fieldname": f, "label": _(label), "fieldtype": "Int", "width": 110}
			for f, _s, label in STATUS_COLUMNS
		),
		{"fieldname": "overdue", "label": _("Overdue"), "fieldtype": "Int", "width": 100},
		{"fieldname": "total", "label": _("Tasks"), "fieldtype": "Int", "width": 90},
	]
	if data:
		data.append({**board_row(total), "sales_person": _("Team Total"), "bold": 1})
	return columns, data, None, chart(lines), summary(total)


def board_row(line: engine.BoardRow) -> dict:
	row = {"sales_person": line.sales_person, "overdue": line.overdue, "total": line.total}
	row.update({f: line.counts[status] for f, status, _label in STATUS_COLUMNS})
	return row


def chart(lines):
	if not lines:
		return None
	return {
		"data": {
			"labels": [line.sales_person for line in lines],
			"datasets": [
				{"name": _(label), "values": [line.counts[status] for line in lines]}
				for _f, status, label in STATUS_COLUMNS
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		# Open grey, Done green, Not Done red, Done Differently blue, Stuck purple: no two alike
		"colors": ["#98A1A9", "#48BB74", "#E24C4C", "#5E64FF", "#9C45E3"],
	}


def summary(total: engine.BoardRow):
	return [
		{"value": total.total, "label": _("Tasks"), "datatype": "Int", "indicator": "Blue"},
		{"value": total.counts[engine.OPEN], "label": _("Open"), "datatype": "Int", "indicator": "Orange"},
		{"value": total.answered, "label": _("Answered"), "datatype": "Int", "indicator": "Green"},
		{
			"value": total.stuck,
			"label": _("Stuck"),
			"datatype": "Int",
			"indicator": "Red" if total.stuck else "Grey",
		},
		{
			"value": total.overdue,
			"label": _("Overdue"),
			"datatype": "Int",
			"indicator": "Red" if total.overdue else "Grey",
		},
	]


def tasks(where: str, params: dict, day):
	rows = frappe.db.sql(
		f"""select t.name as task, t.title, t.sales_person, t.status, t.due_date, t.checkup_date,
			t.question, t.answer_note, t.team_lead
		from `tab{checkups.DOCTYPE}` t where {where}
		order by t.sales_person, t.checkup_date, t.name""",
		params,
		as_dict=True,
	)
	for r in rows:
		state = engine.reason(r.status, r.due_date, r.checkup_date, day)
		r["state"] = _(state) if state else ""
	columns = [
		{
			"fieldname": "task",
			"label": _("Sales Task"),
			"fieldtype": "Link",
			"options": checkups.DOCTYPE,
			"width": 140,
		},
		{"fieldname": "title", "label": _("Title"), "fieldtype": "Data", "width": 220},
		{
			"fieldname": "sales_person",
			"label": _("Sales Person"),
			"fieldtype": "Link",
			"options": "Sales Person",
			"width": 160,
		},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 150},
		{"fieldname": "state", "label": _("Needs Attention"), "fieldtype": "Data", "width": 120},
		{"fieldname": "due_date", "label": _("Due Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "checkup_date", "label": _("Check-up Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "question", "label": _("Question"), "fieldtype": "Data", "width": 220},
		{
			"fieldname": "answer_note",
			"label": _("Result or What Was Done Instead"),
			"fieldtype": "Data",
			"width": 220,
		},
		{
			"fieldname": "team_lead",
			"label": _("Team Lead"),
			"fieldtype": "Link",
			"options": "User",
			"width": 160,
		},
	]
	for r in rows:
		r["status"] = _(r.status)
	return columns, rows
