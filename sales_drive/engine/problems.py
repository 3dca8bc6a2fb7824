"""Structured problems the engine reports.

The engine says *what* is wrong as a code and its parameters; the Frappe
adapter turns each code into a translated sentence. ``TEMPLATES`` holds the
English sentence of each code (used by the plain tests and as the source
string of the translation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEMPLATES = {
	# regulation validation
	"no_steps": "The regulation has no steps",
	"duplicate_step": "Step {step} appears more than once in the regulation",
	"unknown_next_step": "Step {step} names {next_step} as its next step, which is not a step of this regulation",
	"cycle": "The steps form a cycle: {path}",
	"unreachable": "These steps cannot be reached from the first step: {steps}",
	"max_days": "Maximum days of step {step} must be at least 1, not {value}",
	"criterion_unknown_step": "An exit criterion names step {step}, which is not in the regulation",
	"field_required": "An exit criterion of kind Field in step {step} names no field",
	"unknown_field": "Step {step}: field {field} does not exist on {doctype}",
	"unknown_document_type": "Step {step}: {document_type} cannot be linked to a {doctype}",
	"min_count": "Step {step}: the minimum number must be at least 1",
	"checklist_item_missing": "A checklist criterion of step {step} has no item text",
	"invalid_condition": "Step {step}: the condition is invalid: {error}",
	"unknown_kind": "Step {step}: unknown criterion kind {kind}",
	"handoff_nobody": "Step {step} hands records off to {target}, but nobody has it",
	"bad_handoff_method": "Step {step}: unknown hand-off method {method}",
	# gate verdicts
	"not_a_step": "{to_step} is not a step of regulation {regulation}",
	"step_required": "A step is required by regulation {regulation}",
	"cannot_skip": "Step {step} cannot be skipped",
	"backward_not_allowed": "Regulation {regulation} does not allow moving back from {from_step} to {to_step}",
	"missing_field": "{label} is not filled",
	"missing_document": "A {document_type} for this record is required (found {found} of {required})",
	"missing_checklist": "Checklist item not ticked: {item}",
	"missing_activity": "At least {required} logged activities (calls, e-mails, meetings) are required in this step; found {found}",
	"missing_condition": "Condition not met: {description}",
	"lead_not_ready": "An Opportunity can be made from lead {lead} only once it has reached step {step}; it is in step {current}",
	"override_reason": "An override needs a reason",
	"override_not_permitted": "You are not permitted to override a stage gate",
	# coaching (engine/coaching.py)
	"script_no_criteria": "The call script has no criteria",
	"criterion_no_name": "Criterion in row {row} has no name",
	"criterion_duplicate": "Criterion {criterion} appears more than once",
	"criterion_weight": "Criterion {criterion}: the weight must be above zero, not {weight}",
	"criterion_scale": "Criterion {criterion}: the scale maximum must be at least 1, not {scale_max}",
	"script_weights_sum": "The weights of the criteria add up to {total}, not 100",
	"script_cap_range": "The score cap for a missed mandatory item must be from 0 to 100, not {cap}",
	"review_unknown_criterion": "Criterion {criterion} is not in the call script",
	"review_not_scored": "Criterion {criterion} is not scored",
	"review_score_out_of_scale": "Criterion {criterion}: the score {score} is outside its scale from 0 to {scale_max}",
	"action_item_no_description": "Action item {row} has no description",
	"action_item_no_owner": "Action item {row} has no owner: set who will do it",
	"action_item_no_due_date": "Action item {row} has no due date",
	"action_item_due_before_start": "Action item {row} is due on {due_date}, before the session on {start}",
	"action_item_status": "Action item {row}: unknown status {status}",
	"session_no_date": "The coaching session has no date",
	"session_follow_up_before": "The follow-up date {follow_up} is before the session date {date}",
	"session_kind": "Unknown kind of coaching session: {kind}",
	"session_no_coached": "Add the team lead or the managers being coached",
	"session_coached_twice": "{person} is listed twice among the coached people",
	"session_coach_coached": "{person} cannot be both the coach and coached in the same session",
	"sprint_end_before_start": "The sprint ends on {end}, before it starts on {start}",
	"sprint_too_many": "A sprint runs at most {max} processes at once, not {count}",
	"process_no_title": "Process {row} has no title",
	"process_no_owner": "Process {row} has no owner",
	"process_end_before_start": "Process {row} ends before it starts",
	"process_outside_sprint": "Process {row} has dates outside the sprint",
	"process_reminder": "Process {row}: the reminder falls outside the process dates",
	"feedback_direction": "Unknown feedback direction: {direction}",
	"feedback_anonymous_direction": "Only feedback from a manager to a team lead can be anonymous, not {direction}",
	"feedback_anonymous_no_recipient": "Anonymous feedback must be addressed to someone: fill in Addressed To",
	"feedback_no_recipient": "Feedback must be addressed to someone: fill in Addressed To",
	"feedback_to_self": "Feedback cannot be addressed to its own author",
	"feedback_period": "The period ends on {to_date}, before it starts on {from_date}",
	"rating_no_skill": "Skill rating {row} names no skill",
	"rating_out_of_scale": "Skill {skill}: the rating {rating} is outside the scale from 1 to {scale_max}",
	"feedback_empty": "Write what worked or what to change, or rate at least one skill",
	# base cooling rules
	"cooling_unknown_trigger": "Cooling rule {rule}: unknown trigger {trigger}",
	"cooling_days": "Cooling rule {rule}: the cooling period must be at least 1 day, not {value}",
	"cooling_unknown_scope": "Cooling rule {rule}: unknown scope {scope}",
	"cooling_scope_mismatch": "Cooling rule {rule}: scope {scope} cannot match a {doctype}, which trigger {trigger} cools",
	"cooling_unknown_mode": "Cooling rule {rule}: unknown mode {mode}",
	"cooling_final_reason": "Cooling rule {rule} names lost reason {reason}, which is final: a final reason closes for good and cannot cool",
	"cooling_grace_days": "Cooling rule {rule}: the days after a cooling that still count as a repeat cannot be negative ({value})",
	"cooling_refusals": "Cooling rule {rule}: repeated refusals need at least 2 refusals within at least 1 day (now {refusals} within {days})",
	"cooling_conflicting_modes": "Cooling rules {rule} and {other} both cool on {trigger} with scope {scope} but in different modes",
	# KPI schemes (engine/kpi.py) and deviation rules (engine/deviation.py)
	"kpi_no_components": "The KPI scheme has no components",
	"kpi_unknown_period": "Unknown KPI period {period}: use Week, Month or Quarter",
	"kpi_negative_pay": "Base pay and variable pay cannot be negative",
	"kpi_unknown_metric": "Component {row}: metric {metric} is not known to the KPI registry",
	"kpi_weight": "Component {row}: the weight must be above zero, not {weight}",
	"kpi_unknown_target_source": "Component {row}: unknown target source {source}",
	"kpi_plan_target_metric": "Component {row}: the Sales Plan gives no target for metric {metric}; set a fixed target",
	"kpi_target": "Component {row}: a fixed target must be above zero",
	"kpi_threshold_negative": "Component {row}: the threshold cannot be negative",
	"kpi_threshold_above_cap": "Component {row}: the threshold {threshold}% is above the cap {cap}%",
	"kpi_unknown_curve": "Component {row}: unknown payout curve {curve}",
	"kpi_no_steps": "Component {row}: a stepped payout needs steps (from % achieved, payout %)",
	"kpi_step_negative": "Component {row}: steps cannot have negative percentages",
	"kpi_accelerator": "Component {row}: the accelerator must be at least 1, not {value}",
	"kpi_step_required": "Component {row}: metric {metric} needs its step (and for a conversion both steps)",
	"kpi_weights_sum": "The weights of the components add up to {total}, not 100",
	"kpi_overlap": "{person} is covered by KPI schemes {scheme} and {other} in overlapping periods",
	"kpi_no_plan": "Component {row} takes its target from the Sales Plan, but no submitted plan covers {from_date} to {to_date}",
	"deviation_operator": "Unknown comparison {operator}: use Below or Above",
	"deviation_periods": "The number of consecutive periods must be at least 1, not {value}",
	"deviation_no_action": "Choose at least one action: notify, ToDo for the team lead, coaching session or escalation",
	"deviation_unknown_metric": "Metric {metric} is not known to the KPI registry",
	"deviation_threshold": "The deviation threshold must be above 0 %, not {value}",
	"deviation_plan_metric": "The Sales Plan gives no target for metric {metric}: compare it with the KPI target",
	"deviation_step_required": "Metric {metric} needs its step (and for a conversion both steps)",
	"deviation_scope": "Choose the {scope} the rule watches",
}


@dataclass(frozen=True)
class Problem:
	code: str
	params: dict[str, Any] = field(default_factory=dict)

	def english(self) -> str:
		return TEMPLATES[self.code].format(**self.params)

	def __hash__(self):
		return hash((self.code, tuple(sorted((k, str(v)) for k, v in self.params.items()))))
