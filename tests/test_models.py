"""Sales models shaping a regulation: owners, hand-offs, assistant steps."""

from dataclasses import replace

import pytest

from sales_drive.engine import models
from sales_drive.engine.defaults import lead_regulation, opportunity_regulation
from sales_drive.engine.models import (
	CELLS,
	FULL_CYCLE,
	KEY_ACCOUNTS,
	MODELS,
	THREE_LEVEL,
	Change,
	ModelError,
	apply,
	kpi_suggestions,
	plan_change,
)
from sales_drive.engine.regulation import Regulation, Step, validate

OPP = opportunity_regulation()
LEAD = lead_regulation()


def owners(reg):
	return [(s.name, s.specialisation, s.handoff_specialisation, s.assistant_allowed) for s in reg.steps]


def shaped(reg, model, **kw):
	return apply(reg, plan_change(reg, model, **kw))


def test_full_cycle_one_owner_no_handoffs_no_assistant():
	reg = shaped(OPP, FULL_CYCLE)
	assert {(s.specialisation, s.handoff_specialisation, s.assistant_allowed) for s in reg.steps} == {
		("Full Cycle", "", False)
	}
	# the default names hunters, closers and a farmer: every step's owner changes
	changes = plan_change(OPP, FULL_CYCLE)
	assert [(c.step, c.field, c.old, c.new) for c in changes] == [
		("Qualification", "specialisation", "Hunter", "Full Cycle"),
		("Needs Assessment", "specialisation", "Closer", "Full Cycle"),
		("Presentation", "specialisation", "Closer", "Full Cycle"),
		("Proposal Preparation", "specialisation", "Closer", "Full Cycle"),
		("Proposal Approval", "specialisation", "Closer", "Full Cycle"),
		("Contract", "specialisation", "Closer", "Full Cycle"),
		("Invoice", "specialisation", "Closer", "Full Cycle"),
		("Payment", "specialisation", "Farmer", "Full Cycle"),
	]


def test_cells_assistant_takes_inbound_and_document_steps():
	reg = shaped(OPP, CELLS)
	assert [s.name for s in reg.steps if s.assistant_allowed] == [
		"Qualification",  # first step: the inbound call and its data
		"Proposal Preparation",  # Quotation
		"Contract",  # Sales Order
		"Invoice",  # Sales Invoice
	]
	assert {s.specialisation for s in reg.steps} == {"Full Cycle"}
	assert not any(s.handoff_specialisation for s in reg.steps)
	lead = shaped(LEAD, CELLS)
	# New Lead is both the first step and Leads Generation; SQL asks for no document
	assert [s.name for s in lead.steps if s.assistant_allowed] == ["New Lead"]


def test_three_level_hunters_closers_with_one_handoff():
	reg = shaped(OPP, THREE_LEVEL)
	assert owners(reg) == [
		("Qualification", "Hunter", "", False),
		("Needs Assessment", "Closer", "Closer", False),
		("Presentation", "Closer", "", False),
		("Proposal Preparation", "Closer", "", False),
		("Proposal Approval", "Closer", "", False),
		("Contract", "Closer", "", False),
		("Invoice", "Closer", "", False),
		("Payment", "Closer", "", False),
	]
	# the default is nearly three-level already: only the hand-off and the payment owner change
	assert plan_change(OPP, THREE_LEVEL) == [
		Change("Needs Assessment", "handoff_specialisation", "", "Closer"),
		Change("Payment", "specialisation", "Farmer", "Closer"),
	]
	assert {s.specialisation for s in shaped(LEAD, THREE_LEVEL).steps} == {"Hunter"}


def test_three_level_farmers_get_the_after_sale_steps_with_a_handoff():
	steps = OPP.steps + (
		Step("Onboarding", stage="Account Management", max_days=5),
		Step("Upsell", max_days=5),
	)
	reg = shaped(replace(OPP, steps=steps), THREE_LEVEL)
	assert owners(reg)[-3:] == [
		("Payment", "Closer", "", False),
		("Onboarding", "Farmer", "Farmer", False),
		("Upsell", "Farmer", "", False),  # no stage: the stage of the step before it
	]
	repeat = Regulation(
		"Repeat Sale",
		"Opportunity",
		(
			Step("Call", stage="Account Management", max_days=2),
			Step("Offer", stage="Account Management", max_days=5),
		),
	)
	assert owners(shaped(repeat, THREE_LEVEL)) == [
		("Call", "Farmer", "", False),
		("Offer", "Farmer", "", False),
	]


def test_key_accounts_regulation_belongs_to_kam_others_stay_three_level():
	assert {s.specialisation for s in shaped(OPP, KEY_ACCOUNTS, key_account=True).steps} == {
		"Key Account Manager"
	}
	assert not any(s.handoff_specialisation for s in shaped(OPP, KEY_ACCOUNTS, key_account=True).steps)
	assert owners(shaped(OPP, KEY_ACCOUNTS, key_account=False)) == owners(shaped(OPP, THREE_LEVEL))
	# without the flag a Key Account Management step marks the key-account regulation
	kam = Regulation(
		"KAM",
		"Opportunity",
		(Step("Review", stage="Key Account Management", max_days=5), Step("Renewal", max_days=5)),
	)
	assert {s.specialisation for s in shaped(kam, KEY_ACCOUNTS).steps} == {"Key Account Manager"}
	assert {s.specialisation for s in shaped(kam, THREE_LEVEL).steps} == {"Farmer"}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("reg", [OPP, LEAD], ids=["opportunity", "lead"])
def test_idempotent_and_still_valid(model, reg):
	once = shaped(reg, model)
	assert plan_change(once, model) == []
	assert shaped(once, model) == once
	assert validate(once) == []
	# nothing but the three model fields changes
	for before, after in zip(reg.steps, once.steps, strict=True):
		assert replace(
			after, specialisation="", handoff_specialisation="", assistant_allowed=False
		) == replace(before, specialisation="", handoff_specialisation="", assistant_allowed=False)
	assert once.criteria == reg.criteria


@pytest.mark.parametrize("first", MODELS)
@pytest.mark.parametrize("second", MODELS)
def test_switching_back_and_forth_restores(first, second):
	a = shaped(OPP, first)
	b = shaped(a, second)
	assert shaped(b, first) == a
	assert b == shaped(OPP, second)


def test_plan_is_deterministic_and_in_process_order():
	reg = replace(
		OPP,
		steps=(replace(OPP.steps[0], next_step="Presentation"), OPP.steps[2], OPP.steps[1]) + OPP.steps[3:],
	)
	changes = plan_change(reg, FULL_CYCLE)
	assert changes == plan_change(reg, FULL_CYCLE)
	assert [c.step for c in changes][:3] == ["Qualification", "Presentation", "Needs Assessment"]


def test_unknown_model_is_an_error():
	with pytest.raises(ModelError, match="Two-Level"):
		plan_change(OPP, "Two-Level")
	with pytest.raises(ModelError):
		kpi_suggestions(OPP, "")


def test_apply_refuses_unknown_step_field_and_stale_plan():
	with pytest.raises(ModelError, match="no step"):
		apply(OPP, [Change("Nope", "specialisation", "", "Closer")])
	with pytest.raises(ModelError, match="max_days"):
		apply(OPP, [Change("Payment", "max_days", 10, 1)])
	plan = plan_change(OPP, FULL_CYCLE)
	with pytest.raises(ModelError, match="stale"):
		apply(shaped(OPP, THREE_LEVEL), plan)
	assert apply(OPP, []) == OPP


def test_kpi_suggestions_per_level_and_for_the_handoffs():
	suggestions = {s.specialisation: s.lines for s in kpi_suggestions(OPP, THREE_LEVEL)}
	assert list(suggestions) == ["Hunter", "Closer", "Farmer"]
	hunter = suggestions["Hunter"]
	assert [line.metric for line in hunter] == ["calls", "meetings", "refusals", "conversion"]
	assert (hunter[-1].from_step, hunter[-1].to_step, hunter[-1].handoff) == (
		"Qualification",
		"Needs Assessment",
		True,
	)
	closer = suggestions["Closer"]
	assert [line.metric for line in closer] == [
		"revenue",
		"deals_won",
		"proposals",
		"conversion",
		"handoff_hours",
	]
	assert (closer[3].from_step, closer[3].to_step, closer[3].handoff) == (
		"Needs Assessment",
		"Payment",
		False,
	)
	assert closer[-1].handoff
	# the receiver's hand-off time is measured from the move into its first step
	assert (closer[-1].metric, closer[-1].from_step) == ("handoff_hours", "Needs Assessment")
	assert [line.metric for line in suggestions["Farmer"]] == ["revenue", "deals_won", "overdue_steps"]
	kam = {s.specialisation for s in kpi_suggestions(OPP, KEY_ACCOUNTS)}
	assert kam == {"Hunter", "Closer", "Farmer", "Key Account Manager"}
	assert kpi_suggestions(OPP, FULL_CYCLE) == kpi_suggestions(OPP, CELLS) == []


def test_every_metric_suggested_exists():
	from sales_drive.engine.kpi import METRICS

	for model in MODELS:
		for s in kpi_suggestions(OPP, model):
			assert all(line.metric in METRICS for line in s.lines)
			assert all(line.from_step in ("", *OPP.order()) for line in s.lines)
	assert models.FIELDS == ("specialisation", "handoff_specialisation", "assistant_allowed")
