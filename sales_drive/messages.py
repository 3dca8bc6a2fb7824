"""Translated sentences for the engine's problem codes.

The engine reports problems as codes with parameters
(:mod:`sales_drive.engine.problems`); this module gives each code its
translated template. The English templates are identical to the engine's.
"""

import frappe
from frappe import _


def templates() -> dict[str, str]:
	return {
		"no_steps": _("The regulation has no steps"),
		"duplicate_step": _("Step {step} appears more than once in the regulation"),
		"unknown_next_step": _(
			"Step {step} names {next_step} as its next step, which is not a step of this regulation"
		),
		"cycle": _("The steps form a cycle: {path}"),
		"unreachable": _("These steps cannot be reached from the first step: {steps}"),
		"max_days": _("Maximum days of step {step} must be at least 1, not {value}"),
		"criterion_unknown_step": _("An exit criterion names step {step}, which is not in the regulation"),
		"field_required": _("An exit criterion of kind Field in step {step} names no field"),
		"unknown_field": _("Step {step}: field {field} does not exist on {doctype}"),
		"unknown_document_type": _("Step {step}: {document_type} cannot be linked to a {doctype}"),
		"min_count": _("Step {step}: the minimum number must be at least 1"),
		"checklist_item_missing": _("A checklist criterion of step {step} has no item text"),
		"invalid_condition": _("Step {step}: the condition is invalid: {error}"),
		"unknown_kind": _("Step {step}: unknown criterion kind {kind}"),
		"handoff_nobody": _("Step {step} hands records off to {target}, but nobody has it"),
		"bad_handoff_method": _("Step {step}: unknown hand-off method {method}"),
		"not_a_step": _("{to_step} is not a step of regulation {regulation}"),
		"step_required": _("A step is required by regulation {regulation}"),
		"cannot_skip": _("Step {step} cannot be skipped"),
		"backward_not_allowed": _(
			"Regulation {regulation} does not allow moving back from {from_step} to {to_step}"
		),
		"missing_field": _("{label} is not filled"),
		"missing_document": _("A {document_type} for this record is required (found {found} of {required})"),
		"missing_checklist": _("Checklist item not ticked: {item}"),
		"missing_activity": _(
			"At least {required} logged activities (calls, e-mails, meetings) are required in this step; found {found}"
		),
		"missing_condition": _("Condition not met: {description}"),
		"lead_not_ready": _(
			"An Opportunity can be made from lead {lead} only once it has reached step {step}; it is in step {current}"
		),
		"override_reason": _("An override needs a reason"),
		"override_not_permitted": _("You are not permitted to override a stage gate"),
	}


# parameters whose values are names of steps, doctypes or labels: shown translated
_TRANSLATED_PARAMS = {"current", "step", "to_step", "from_step", "document_type", "doctype", "label", "target", "item", "next_step"}


def render(problem, templates_=None) -> str:
	templates_ = templates_ or templates()
	params = {}
	for key, value in problem.params.items():
		if key in _TRANSLATED_PARAMS and isinstance(value, str):
			value = _(value)
		params[key] = frappe.bold(value) if key in ("step", "to_step", "from_step", "label", "field") else value
	return templates_[problem.code].format(**params)


def render_all(problems) -> list[str]:
	t = templates()
	return [render(p, t) for p in problems]
