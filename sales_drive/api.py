"""Whitelisted methods for the desk."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from sales_drive import facts, messages, queries, regulations
from sales_drive.engine import gates
from sales_drive.setup.custom_fields import STEP_FIELD


@frappe.whitelist()
def step_panel(doctype: str, name: str) -> dict:
	"""What the record's form shows about its step: regulation, criteria, clock, history."""
	if doctype not in STEP_FIELD:
		frappe.throw(_("Sales Drive regulates only Lead and Opportunity"))
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("read")
	active = regulations.for_record(doc)
	if not active:
		return {"regulated": False}
	reg = active.regulation
	step_name = doc.get(STEP_FIELD[doctype])
	step = reg.step(step_name)
	order = reg.order()
	out = {
		"regulated": True,
		"regulation": reg.name,
		"suggested_regulation": regulations.suggested_move(doc),
		"may_move": regulations.may_override(),
		"step": step_name,
		"in_regulation": step is not None,
		"order": order,
		"history": frappe.get_all(
			"Sales Stage Transition Log",
			filters={"reference_doctype": doctype, "reference_name": name, "record_deleted": 0},
			fields=["kind", "from_step", "to_step", "transition_time", "user", "verdict", "override_reason",
				"regulation", "previous_regulation",
				"days_in_previous", "assigned_to"],
			order_by="transition_time desc, creation desc",
			limit=20,
		),
	}
	for row in out["history"]:
		if row.days_in_previous is not None and row.days_in_previous < 0:
			row.days_in_previous = None  # unknown duration
	if not step:
		return out
	idx = order.index(step_name)
	out.update(
		{
			"stage": step.stage,
			"next_step": order[idx + 1] if idx + 1 < len(order) else None,
			"tasks": step.tasks,
			"actions": step.actions,
			"key_success_factor": step.key_success_factor,
			"crm_requirements": step.crm_requirements,
			"responsible_role": step.responsible_role,
			"specialisation": step.specialisation,
			"max_days": step.max_days,
		}
	)
	f = facts.gather(doc, gates.needs_to_leave(reg, step_name))
	labels = {df.fieldname: _(df.label) for df in frappe.get_meta(doctype).fields if df.label}
	missing = gates.exit_criteria_missing(reg, step_name, f, labels)
	out["missing"] = messages.render_all(missing)
	out["criteria_total"] = len(reg.criteria_of(step_name))
	# only an open record's step runs a clock (queries.open_condition): a won, lost or closed one has left its steps
	if doc.get("sd_step_entered_on") and doc.get("sd_step_due") and queries.is_open(doctype, doc.name):
		today = getdate(nowdate())
		cal = regulations.calendar_for(doc, active)
		clock = gates.step_clock(doc.sd_step_entered_on, step.max_days, today, cal)
		# the due date fixed when the record entered the step is what the list, the
		# overdue job and the reports go by; the form says the same
		due = getdate(doc.sd_step_due) if doc.get("sd_step_due") else clock.due_date
		overdue = today > due
		days_left = -cal.days_between(due, today) if overdue else cal.days_between(today, due)
		out["clock"] = {
			"entered_on": str(clock.entered_on),
			"days_in_step": clock.days_in_step,
			"due_date": str(due),
			"days_left": days_left,
			"overdue": overdue,
		}
	return out


@frappe.whitelist(methods=["POST"])
def move_to_regulation(doctype: str, name: str, regulation: str, reason: str) -> dict:
	"""Move a record to another active regulation of its pipeline, with a reason; logged.

	A record keeps the regulation it started under; when its segment changes a
	manager holding the override role moves it explicitly.
	"""
	if doctype not in STEP_FIELD:
		frappe.throw(_("Sales Drive regulates only Lead and Opportunity"))
	if not regulations.may_override():
		frappe.throw(
			_("Only a user with the role {0} may move a record to another regulation.").format(
				_(regulations.settings().get("override_role", "Sales Manager"))
			),
			frappe.PermissionError,
		)
	if not (reason or "").strip():
		frappe.throw(_("Give a reason for moving the record to another regulation."), title=_("Reason required"))
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("write")
	target = frappe.db.get_value(
		"Sales Pipeline Regulation", regulation, ["name", "pipeline", "is_active"], as_dict=True
	)
	if not target or target.pipeline != doctype or not target.is_active:
		frappe.throw(
			_("{0} is not an active regulation for {1}.").format(frappe.bold(regulation), _(doctype)),
			title=_("Cannot move"),
		)
	if doc.get("sd_regulation") == target.name:
		frappe.throw(_("The record already runs under regulation {0}.").format(frappe.bold(target.name)))
	doc.flags.sd_move_to = target.name
	doc.flags.sd_move_reason = reason.strip()
	doc.save()
	return {"regulation": doc.sd_regulation, "step": doc.get(STEP_FIELD[doctype])}
