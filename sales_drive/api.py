"""Whitelisted methods for the desk."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from sales_drive import facts, messages, regulations
from sales_drive.engine import gates
from sales_drive.integrations.pipeline import LOST_STATUSES
from sales_drive.setup.custom_fields import STEP_FIELD


@frappe.whitelist()
def step_panel(doctype: str, name: str) -> dict:
	"""What the record's form shows about its step: regulation, criteria, clock, history."""
	if doctype not in STEP_FIELD:
		frappe.throw(_("Sales Drive regulates only Lead and Opportunity"))
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("read")
	active = regulations.active(doctype)
	if not active:
		return {"regulated": False}
	reg = active.regulation
	step_name = doc.get(STEP_FIELD[doctype])
	step = reg.step(step_name)
	order = reg.order()
	out = {
		"regulated": True,
		"regulation": reg.name,
		"step": step_name,
		"in_regulation": step is not None,
		"order": order,
		"history": frappe.get_all(
			"Sales Stage Transition Log",
			filters={"reference_doctype": doctype, "reference_name": name},
			fields=["kind", "from_step", "to_step", "transition_time", "user", "verdict", "override_reason",
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
	closed = LOST_STATUSES.get(doctype, ()) + (("Converted", "Opportunity", "Quotation") if doctype == "Lead" else ())
	if doc.get("sd_step_entered_on") and doc.status not in closed and doc.get("sd_step_due"):
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
