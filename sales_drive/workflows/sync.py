"""Keep the Frappe Workflows in step with the regulations.

The shipped JSON files in this folder are the workflows generated from the
default regulations; the live Workflow documents are regenerated whenever an
active regulation is saved.
"""

from __future__ import annotations

import json
from pathlib import Path

import frappe

from sales_drive import regulations
from sales_drive.engine import workflow as engine_workflow
from sales_drive.setup.custom_fields import STEP_FIELD

FOLDER = Path(__file__).parent


def shipped(doctype: str) -> dict:
	return json.loads((FOLDER / f"{frappe.scrub(doctype)}.json").read_text())


def sync_workflow(reg_doc) -> str:
	reg = regulations.from_doc(reg_doc)
	active = bool(regulations.settings().get("activate_workflows"))
	data = engine_workflow.generate(reg, STEP_FIELD[reg.doctype], active=active)
	for state in data["states"]:
		_ensure("Workflow State", state["state"], {"workflow_state_name": state["state"], "style": "Primary"})
	for action in engine_workflow.actions(data):
		_ensure("Workflow Action Master", action, {"workflow_action_name": action})
	name = data["name"]
	values = {k: v for k, v in data.items() if k not in ("doctype", "name")}
	if frappe.db.exists("Workflow", name):
		wf = frappe.get_doc("Workflow", name)
		wf.states, wf.transitions = [], []
		wf.update(values)
		wf.save(ignore_permissions=True)
	else:
		frappe.get_doc({"doctype": "Workflow", **values}).insert(ignore_permissions=True)
	_remember("Workflow", name)
	return name


def _ensure(doctype, name, values):
	if frappe.db.exists(doctype, name):
		return
	frappe.get_doc({"doctype": doctype, **values}).insert(ignore_permissions=True)
	_remember(doctype, name)


def _remember(doctype, name):
	"""Record what the app created so uninstall removes exactly that."""
	raw = frappe.db.get_single_value("Sales Drive Settings", "installed_records") or "[]"
	records = json.loads(raw)
	if [doctype, name] not in records:
		records.append([doctype, name])
		frappe.db.set_single_value("Sales Drive Settings", "installed_records", json.dumps(records))
