# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Stage Duration and Overdue: the open records of a pipeline, how long each has
been in its step and whether it overstayed the step's limit.

One query reads the open records (with their owner's Sales Person); the
working days are counted in Python against ONE :class:`WorkdayIndex` built
over the whole date range with the regulation's calendar, with the same
rules as :func:`sales_drive.engine.gates.step_clock` (the form's step panel).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.desk.reportview import build_match_conditions
from frappe.utils import cint, flt, getdate, nowdate

from sales_drive import regulations
from sales_drive.engine.workdays import WorkdayIndex
from sales_drive.queries import open_condition, person_of_user
from sales_drive.setup.custom_fields import OWNER_FIELD, STEP_FIELD

PIPELINES = ("Opportunity", "Lead")

# The title shown for a record when its own title is empty (constant SQL, per pipeline).
TITLE_FALLBACK = {
	"Opportunity": "coalesce(nullif({t}.customer_name, ''), {t}.party_name)",
	"Lead": "coalesce(nullif({t}.company_name, ''), {t}.lead_name)",
}


@frappe.read_only()  # on a site with a read replica (read_from_replica), the report reads from it
def execute(filters=None):
	filters = frappe._dict(filters or {})
	doctype = filters.get("document_type") or "Opportunity"
	if doctype not in PIPELINES:
		frappe.throw(_("Document Type must be Opportunity or Lead"), title=_("Invalid Filter"))

	today = getdate(nowdate())
	active = regulations.by_name(filters.get("regulation")) or regulations.active(doctype)
	records = fetch_open_records(doctype, filters)
	rows = compute(records, active, filters.get("company"), today)

	chart = get_chart(rows, active, filters.get("step"))
	summary = get_summary(rows)
	if cint(filters.get("only_overdue")):
		rows = [r for r in rows if r.overdue]

	message = None
	if not active:
		message = _("No active Sales Pipeline Regulation for {0}: step limits are not known.").format(
			_(doctype)
		)
	return get_columns(doctype), rows, message, chart, summary


def fetch_open_records(doctype: str, filters) -> list[frappe._dict]:
	"""The open records of the pipeline, in one query (no query per record)."""
	t = f"`tab{doctype}`"
	owner = f"coalesce(nullif({t}.`{OWNER_FIELD[doctype]}`, ''), {t}.owner)"
	step = f"{t}.`{STEP_FIELD[doctype]}`"
	# open pipeline (queries.open_condition): a closed, won or ordered record has left its steps: nothing is due
	conditions = [open_condition(doctype, t)]
	values = {"doctype": doctype}
	if filters.get("company"):
		conditions.append(f"{t}.company = %(company)s")
		values["company"] = filters.company
	if filters.get("owner"):
		conditions.append(f"{owner} = %(owner)s")
		values["owner"] = filters.owner
	if filters.get("team"):
		# every Sales Person in the team's subtree (the team itself included), through Employee.user_id
		conditions.append(
			f"""{owner} in (
				select e.user_id from `tabSales Person` team
				join `tabSales Person` sp on sp.lft >= team.lft and sp.rgt <= team.rgt
				join `tabEmployee` e on e.name = sp.employee
				where team.name = %(team)s and ifnull(e.user_id, '') != '')"""
		)
		values["team"] = filters.team
	if filters.get("step"):
		conditions.append(f"{step} = %(step)s")
		values["step"] = filters.step
	if filters.get("regulation"):
		conditions.append(f"{t}.sd_regulation = %(regulation)s")
		values["regulation"] = filters.regulation
	match = build_match_conditions(doctype)
	if match:
		conditions.append(f"({match})")

	title = TITLE_FALLBACK[doctype].format(t=t)
	return frappe.db.sql(
		f"""
		select
			{t}.name,
			coalesce(nullif({t}.title, ''), {title}) as title,
			{step} as step,
			{t}.sd_regulation as regulation,
			{owner} as record_owner,
			coalesce({t}.sd_step_entered_on, {t}.creation) as entered_on,
			{person_of_user(owner)} as sales_person
		from {t}
		where {" and ".join(conditions)}
		""",
		values,
		as_dict=True,
	)


def compute(records, active, company, today) -> list[frappe._dict]:
	"""Days in step, limit, due date and overdue flag for every record; sorted overdue first."""
	if not records:
		return []
	default = active.regulation if active else None
	# each record runs under its own regulation (several per pipeline, chosen by segment)
	own = {name: regulations.by_name(name) for name in {r.get("regulation") for r in records} if name}
	calendar = regulations.calendar_for(company, active)
	start = min(min(getdate(r.entered_on) for r in records), today)
	index = WorkdayIndex(calendar, start, today)
	due_dates: dict = {}

	for r in records:
		entered = getdate(r.entered_on)
		found = own.get(r.get("regulation"))
		reg = found.regulation if found else default
		step = reg.step(r.step) if reg and r.step else None
		r.stage = step.stage if step else None
		r.days_in_step = index.days_between(entered, today)
		r.limit = r.days_left = r.due_date = r.days_over = None
		r.overdue = 0
		if step:
			key = (entered, step.max_days)
			if key not in due_dates:
				due_dates[key] = calendar.add_working_days(entered, step.max_days)
			r.limit = step.max_days
			r.days_left = step.max_days - r.days_in_step
			r.days_over = -r.days_left
			r.due_date = due_dates[key]
			r.overdue = 1 if r.days_in_step > step.max_days else 0

	records.sort(
		key=lambda r: (
			-r.overdue,
			r.days_over is None,
			-(r.days_over or 0),
			r.entered_on,
			r.name,
		)
	)
	return records


def step_labels(rows, active, step_filter=None) -> list[str]:
	"""The steps in the regulation's order, then any other step the records are in."""
	order = list(active.regulation.order()) if active else []
	if step_filter:
		return [step_filter]
	extra = sorted({r.step or "" for r in rows} - set(order))
	return order + extra


def get_chart(rows, active, step_filter=None):
	steps = step_labels(rows, active, step_filter)
	if not steps:
		return None
	on_time = dict.fromkeys(steps, 0)
	overdue = dict.fromkeys(steps, 0)
	for r in rows:
		key = r.step or ""
		if key not in on_time:
			continue
		if r.overdue:
			overdue[key] += 1
		else:
			on_time[key] += 1
	return {
		"data": {
			"labels": [_(s) if s else _("No Step") for s in steps],
			"datasets": [
				{"name": _("On Time"), "values": [on_time[s] for s in steps]},
				{"name": _("Overdue"), "values": [overdue[s] for s in steps]},
			],
		},
		"type": "bar",
		"colors": ["#2490ef", "#e24c4c"],
		"barOptions": {"stacked": 1},
		"fieldtype": "Int",
	}


def get_summary(rows):
	total = len(rows)
	overdue = sum(1 for r in rows if r.overdue)
	share = flt(overdue * 100.0 / total, 1) if total else 0
	return [
		{"value": total, "label": _("Open Records"), "datatype": "Int", "indicator": "Blue"},
		{
			"value": overdue,
			"label": _("Overdue"),
			"datatype": "Int",
			"indicator": "Red" if overdue else "Green",
		},
		{
			"value": share,
			"label": _("Overdue %"),
			"datatype": "Percent",
			"precision": 1,
			"indicator": "Red" if overdue else "Green",
		},
	]


def get_columns(doctype: str) -> list[dict]:
	return [
		{"fieldname": "name", "label": _(doctype), "fieldtype": "Link", "options": doctype, "width": 170},
		{"fieldname": "title", "label": _("Title / Party"), "fieldtype": "Data", "width": 200},
		{"fieldname": "step", "label": _("Step"), "fieldtype": "Data", "width": 150},
		{"fieldname": "stage", "label": _("Stage"), "fieldtype": "Data", "width": 150},
		{
			"fieldname": "record_owner",
			"label": _("Owner"),
			"fieldtype": "Link",
			"options": "User",
			"width": 170,
		},
		{
			"fieldname": "sales_person",
			"label": _("Sales Person"),
			"fieldtype": "Link",
			"options": "Sales Person",
			"width": 150,
		},
		{"fieldname": "entered_on", "label": _("Entered Step On"), "fieldtype": "Datetime", "width": 160},
		{"fieldname": "days_in_step", "label": _("Days in Step"), "fieldtype": "Int", "width": 110},
		{"fieldname": "limit", "label": _("Limit (Days)"), "fieldtype": "Int", "width": 100},
		{"fieldname": "days_left", "label": _("Days Left"), "fieldtype": "Int", "width": 100},
		{"fieldname": "due_date", "label": _("Due Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "overdue", "label": _("Overdue"), "fieldtype": "Check", "width": 90},
	]


@frappe.whitelist()
def get_steps(doctype: str = "Opportunity") -> list[str]:
	"""The steps of the active regulation of a pipeline, in order (for the Step filter)."""
	if doctype not in PIPELINES:
		return []
	active = regulations.active(doctype)
	return list(active.regulation.order()) if active else []
