"""Rollout modes and adopting existing records (engine/rollout.py)."""

import json
from datetime import datetime

import pytest

from sales_drive.engine import defaults, rollout
from sales_drive.engine.problems import Problem

ORDER = list(defaults.OPPORTUNITY_STEPS)
MAP = rollout.default_mapping("Opportunity", ORDER)
T0 = datetime(2025, 1, 10, 9, 0)
T1 = datetime(2025, 2, 1, 10, 0)
T2 = datetime(2025, 3, 5, 11, 0)
T3 = datetime(2025, 4, 1, 12, 0)


@pytest.mark.parametrize(
	"mode, refuse, warn, record",
	[
		(rollout.OBSERVE, False, False, True),
		(rollout.WARN, False, True, True),
		(rollout.ENFORCE, True, False, False),
		("Enforced by typo", True, False, False),
	],
)
def test_outcome_of_a_refused_move_per_mode(mode, refuse, warn, record):
	out = rollout.outcome(mode, allowed=False)
	assert (out.refuse, out.warn, out.record) == (refuse, warn, record)


@pytest.mark.parametrize("mode", rollout.MODES)
def test_an_allowed_move_is_neither_refused_nor_recorded(mode):
	out = rollout.outcome(mode, allowed=True)
	assert not (out.refuse or out.warn or out.record)


def test_only_observe_keeps_erpnext_fields():
	assert not rollout.rewrites_fields(rollout.OBSERVE)
	assert rollout.rewrites_fields(rollout.WARN)
	assert rollout.rewrites_fields(rollout.ENFORCE)


def test_fresh_install_starts_in_observe():
	assert rollout.DEFAULT_MODE == rollout.OBSERVE


def test_default_mapping_covers_erpnext_stages_and_only_existing_steps():
	assert set(MAP) == set(rollout.DEFAULT_STAGE_MAP)
	assert MAP["Prospecting"] == "Qualification"
	assert MAP["Proposal/Price Quote"] == "Proposal Preparation"
	assert set(MAP.values()) <= set(ORDER)
	# a regulation without "Presentation" drops the rows that map to it
	short = rollout.default_mapping("Opportunity", [s for s in ORDER if s != "Presentation"])
	assert "Value Proposition" not in short and "Prospecting" in short
	leads = rollout.default_mapping("Lead", defaults.LEAD_STEPS)
	assert leads["Open"] == "New Lead" and leads["Opportunity"] == "SQL" and leads["Replied"] == "MQL"


def test_resolve_step():
	assert rollout.resolve_step("Needs Assessment", ORDER, MAP) == "Needs Assessment"
	assert rollout.resolve_step("Needs Analysis", ORDER, MAP) == "Needs Assessment"
	assert rollout.resolve_step("Unknown Stage", ORDER, MAP) is None
	assert rollout.resolve_step(None, ORDER, MAP) is None
	# a mapping to a step the regulation no longer has resolves to nothing
	assert rollout.resolve_step("X", ORDER, {"X": "Gone"}) is None


def test_criterion_key_groups_by_kind_and_what():
	assert rollout.criterion_key(Problem("missing_field", {"field": "contact_person", "label": "Contact"})) == (
		"missing_field: contact_person"
	)
	assert rollout.criterion_key(Problem("missing_checklist", {"item": "DM found"})) == "missing_checklist: DM found"
	assert rollout.criterion_key(Problem("lead_not_ready", {"lead": "L1", "step": "SQL", "current": "MQL"})) == (
		"lead_not_ready: SQL"
	)
	assert rollout.criterion_key(Problem("override_reason")) == "override_reason"


def _version(*changes):
	return json.dumps({"changed": [list(c) for c in changes], "added": [], "removed": []})


def test_history_reads_only_the_field_from_version_rows_oldest_first():
	versions = [
		(T2, _version(("sales_stage", "Needs Analysis", "Proposal/Price Quote"))),
		(T1, _version(("probability", 10, 20), ("sales_stage", "Prospecting", "Needs Analysis"))),
		(T3, _version(("probability", 20, 30))),
		(T3, "not json"),
	]
	changes = rollout.history(versions, "sales_stage")
	assert [(c.when, c.old, c.new) for c in changes] == [
		(T1, "Prospecting", "Needs Analysis"),
		(T2, "Needs Analysis", "Proposal/Price Quote"),
	]


def test_adopt_without_history_uses_creation_when_never_changed_else_modified():
	a = rollout.adopt("Needs Analysis", T0, T0, [], ORDER, MAP)
	assert (a.step, a.entered_on, a.transitions) == ("Needs Assessment", T0, [])
	b = rollout.adopt("Needs Analysis", T0, T2, [], ORDER, MAP)
	assert b.entered_on == T2
	c = rollout.adopt("Some Custom Stage", T0, T2, [], ORDER, MAP)
	assert c.step == "Qualification"  # unmapped: the first step


def test_adopt_with_history_logs_each_move_and_dates_the_current_step():
	changes = rollout.history(
		[
			(T1, _version(("sales_stage", "Prospecting", "Needs Analysis"))),
			(T2, _version(("sales_stage", "Needs Analysis", "Proposal/Price Quote"))),
		],
		"sales_stage",
	)
	a = rollout.adopt("Proposal/Price Quote", T0, T3, changes, ORDER, MAP)
	assert a.step == "Proposal Preparation"
	assert a.entered_on == T2
	assert a.transitions == [
		("", "Qualification", T0),
		("Qualification", "Needs Assessment", T1),
		("Needs Assessment", "Proposal Preparation", T2),
	]
	kinds = [rollout.transition_kind(ORDER, f, t) for f, t, _ in a.transitions]
	assert kinds == ["Enter", "Forward", "Skip"]


def test_adopt_ignores_changes_between_stages_of_one_step():
	changes = rollout.history(
		[(T1, _version(("sales_stage", "Needs Analysis", "Identifying Decision Makers")))], "sales_stage"
	)
	a = rollout.adopt("Identifying Decision Makers", T0, T1, changes, ORDER, MAP)
	assert a.step == "Needs Assessment"
	assert a.entered_on == T0  # in that step since creation
	assert a.transitions == [("", "Needs Assessment", T0)]


def test_adopt_closes_a_history_that_does_not_end_where_the_record_is():
	changes = rollout.history([(T1, _version(("sales_stage", "Prospecting", "Needs Analysis")))], "sales_stage")
	a = rollout.adopt("Negotiation/Review", T0, T3, changes, ORDER, MAP)
	assert a.step == "Proposal Approval"
	assert a.transitions[-1] == ("Needs Assessment", "Proposal Approval", T3)
	assert a.entered_on == T3


def test_adopt_backward_move_in_history():
	changes = rollout.history(
		[
			(T1, _version(("sales_stage", "Prospecting", "Proposal/Price Quote"))),
			(T2, _version(("sales_stage", "Proposal/Price Quote", "Needs Analysis"))),
		],
		"sales_stage",
	)
	a = rollout.adopt("Needs Analysis", T0, T2, changes, ORDER, MAP)
	kinds = [rollout.transition_kind(ORDER, f, t) for f, t, _ in a.transitions]
	assert kinds == ["Enter", "Skip", "Backward"]
	assert a.entered_on == T2


def test_adopt_needs_steps():
	with pytest.raises(ValueError):
		rollout.adopt("x", T0, T0, [], [], {})
