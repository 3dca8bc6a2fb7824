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
		# coaching
		"script_no_criteria": _("The call script has no criteria"),
		"criterion_no_name": _("Criterion in row {row} has no name"),
		"criterion_duplicate": _("Criterion {criterion} appears more than once"),
		"criterion_weight": _("Criterion {criterion}: the weight must be above zero, not {weight}"),
		"criterion_scale": _("Criterion {criterion}: the scale maximum must be at least 1, not {scale_max}"),
		"script_weights_sum": _("The weights of the criteria add up to {total}, not 100"),
		"script_cap_range": _("The score cap for a missed mandatory item must be from 0 to 100, not {cap}"),
		"review_unknown_criterion": _("Criterion {criterion} is not in the call script"),
		"review_not_scored": _("Criterion {criterion} is not scored"),
		"review_score_out_of_scale": _("Criterion {criterion}: the score {score} is outside its scale from 0 to {scale_max}"),
		"action_item_no_description": _("Action item {row} has no description"),
		"action_item_no_owner": _("Action item {row} has no owner: set who will do it"),
		"action_item_no_due_date": _("Action item {row} has no due date"),
		"action_item_due_before_start": _("Action item {row} is due on {due_date}, before the session on {start}"),
		"action_item_status": _("Action item {row}: unknown status {status}"),
		"session_no_date": _("The coaching session has no date"),
		"session_follow_up_before": _("The follow-up date {follow_up} is before the session date {date}"),
		"session_kind": _("Unknown kind of coaching session: {kind}"),
		"session_no_coached": _("Add the team lead or the managers being coached"),
		"session_coached_twice": _("{person} is listed twice among the coached people"),
		"session_coach_coached": _("{person} cannot be both the coach and coached in the same session"),
		"sprint_end_before_start": _("The sprint ends on {end}, before it starts on {start}"),
		"sprint_too_many": _("A sprint runs at most {max} processes at once, not {count}"),
		"process_no_title": _("Process {row} has no title"),
		"process_no_owner": _("Process {row} has no owner"),
		"process_end_before_start": _("Process {row} ends before it starts"),
		"process_outside_sprint": _("Process {row} has dates outside the sprint"),
		"process_reminder": _("Process {row}: the reminder falls outside the process dates"),
		"feedback_direction": _("Unknown feedback direction: {direction}"),
		"feedback_anonymous_direction": _("Only feedback from a manager to a team lead can be anonymous, not {direction}"),
		"feedback_anonymous_no_recipient": _("Anonymous feedback must be addressed to someone: fill in Addressed To"),
		"feedback_no_recipient": _("Feedback must be addressed to someone: fill in Addressed To"),
		"feedback_to_self": _("Feedback cannot be addressed to its own author"),
		"feedback_period": _("The period ends on {to_date}, before it starts on {from_date}"),
		"rating_no_skill": _("Skill rating {row} names no skill"),
		"rating_out_of_scale": _("Skill {skill}: the rating {rating} is outside the scale from 1 to {scale_max}"),
		"feedback_empty": _("Write what worked or what to change, or rate at least one skill"),
		"cooling_unknown_trigger": _("Cooling rule {rule}: unknown trigger {trigger}"),
		"cooling_days": _("Cooling rule {rule}: the cooling period must be at least 1 day, not {value}"),
		"cooling_unknown_scope": _("Cooling rule {rule}: unknown scope {scope}"),
		"cooling_scope_mismatch": _(
			"Cooling rule {rule}: scope {scope} cannot match a {doctype}, which trigger {trigger} cools"
		),
		"cooling_unknown_mode": _("Cooling rule {rule}: unknown mode {mode}"),
		"cooling_final_reason": _(
			"Cooling rule {rule} names lost reason {reason}, which is final: a final reason closes for good and cannot cool"
		),
		"cooling_grace_days": _(
			"Cooling rule {rule}: the days after a cooling that still count as a repeat cannot be negative ({value})"
		),
		"cooling_refusals": _(
			"Cooling rule {rule}: repeated refusals need at least 2 refusals within at least 1 day (now {refusals} within {days})"
		),
		"cooling_conflicting_modes": _(
			"Cooling rules {rule} and {other} both cool on {trigger} with scope {scope} but in different modes"
		),
		# KPI schemes and deviation rules
		"kpi_no_components": _("The KPI scheme has no components"),
		"kpi_unknown_period": _("Unknown KPI period {period}: use Week, Month or Quarter"),
		"kpi_negative_pay": _("Base pay and variable pay cannot be negative"),
		"kpi_unknown_metric": _("Component {row}: metric {metric} is not known to the KPI registry"),
		"kpi_weight": _("Component {row}: the weight must be above zero, not {weight}"),
		"kpi_unknown_target_source": _("Component {row}: unknown target source {source}"),
		"kpi_plan_target_metric": _("Component {row}: the Sales Plan gives no target for metric {metric}; set a fixed target"),
		"kpi_target": _("Component {row}: a fixed target must be above zero"),
		"kpi_threshold_negative": _("Component {row}: the threshold cannot be negative"),
		"kpi_threshold_above_cap": _("Component {row}: the threshold {threshold}% is above the cap {cap}%"),
		"kpi_unknown_curve": _("Component {row}: unknown payout curve {curve}"),
		"kpi_no_steps": _("Component {row}: a stepped payout needs steps (from % achieved, payout %)"),
		"kpi_step_negative": _("Component {row}: steps cannot have negative percentages"),
		"kpi_accelerator": _("Component {row}: the accelerator must be at least 1, not {value}"),
		"kpi_step_required": _("Component {row}: metric {metric} needs its step (and for a conversion both steps)"),
		"kpi_weights_sum": _("The weights of the components add up to {total}, not 100"),
		"kpi_overlap": _("{person} is covered by KPI schemes {scheme} and {other} in overlapping periods"),
		"kpi_no_plan": _("Component {row} takes its target from the Sales Plan, but no submitted plan covers {from_date} to {to_date}"),
		"deviation_operator": _("Unknown comparison {operator}: use Below or Above"),
		"deviation_periods": _("The number of consecutive periods must be at least 1, not {value}"),
		"deviation_no_action": _("Choose at least one action: notify, ToDo for the team lead, coaching session or escalation"),
		"deviation_unknown_metric": _("Metric {metric} is not known to the KPI registry"),
		"deviation_threshold": _("The deviation threshold must be above 0 %, not {value}"),
		"deviation_plan_metric": _("The Sales Plan gives no target for metric {metric}: compare it with the KPI target"),
		"deviation_step_required": _("Metric {metric} needs its step (and for a conversion both steps)"),
		"deviation_scope": _("Choose the {scope} the rule watches"),
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
