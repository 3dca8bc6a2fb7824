"""Generate a Frappe Workflow (as a plain dict) from a regulation.

The regulation stays the source of truth: the workflow only mirrors it so
admins see the process in the standard Workflow UI. Gates are enforced on
save whether or not the workflow is active.
"""

from __future__ import annotations

from .regulation import Regulation

ADVANCE = "Advance"
SKIP = "Skip to {step}"
BACK = "Back to {step}"
MANAGER_ROLE = "Sales Manager"
DEFAULT_ROLE = "Sales User"


def workflow_name(doctype: str) -> str:
	return f"Sales Drive {doctype}"


def generate(reg: Regulation, state_field: str, active: bool = False) -> dict:
	order = reg.order()
	roles = {}
	for name in order:
		step = reg.step(name)
		roles[name] = sorted({step.responsible_role or DEFAULT_ROLE, MANAGER_ROLE})

	states = [
		{"state": name, "doc_status": "0", "allow_edit": roles[name][0], "update_field": "", "update_value": ""}
		for name in order
	]
	transitions = []

	def add(state, action, next_state):
		for role in roles[state]:
			transitions.append(
				{
					"state": state,
					"action": action,
					"next_state": next_state,
					"allowed": role,
					"allow_self_approval": 1,
				}
			)

	for i, name in enumerate(order):
		if i + 1 < len(order):
			add(name, ADVANCE, order[i + 1])
		# skips: jump over consecutive skippable steps
		j = i + 1
		while j + 1 < len(order) and reg.step(order[j]).allow_skip:
			add(name, SKIP.format(step=order[j + 1]), order[j + 1])
			j += 1
		if reg.allow_backward and i > 0:
			for k in range(i):
				add(name, BACK.format(step=order[k]), order[k])

	return {
		"doctype": "Workflow",
		"name": workflow_name(reg.doctype),
		"workflow_name": workflow_name(reg.doctype),
		"document_type": reg.doctype,
		"workflow_state_field": state_field,
		"is_active": 1 if active else 0,
		"override_status": 1,
		"send_email_alert": 0,
		"states": states,
		"transitions": transitions,
	}


def actions(workflow: dict) -> list[str]:
	return sorted({t["action"] for t in workflow["transitions"]})
