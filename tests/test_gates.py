from datetime import date

import pytest

from sales_drive.engine import gates
from sales_drive.engine.defaults import lead_regulation, opportunity_regulation
from sales_drive.engine.gates import Facts, decide, evaluate, needed_facts, step_clock
from sales_drive.engine.regulation import Criterion, Regulation, Step
from sales_drive.engine.workdays import Calendar

OPP = opportunity_regulation()


def codes(verdict_or_list):
	items = verdict_or_list.missing if hasattr(verdict_or_list, "missing") else verdict_or_list
	return [p.code for p in items]


def reg(*steps, criteria=(), backward=True):
	return Regulation("R", "Opportunity", tuple(steps), tuple(criteria), allow_backward=backward)


def test_same_step_needs_nothing():
	v = evaluate(OPP, "Presentation", "Presentation", Facts())
	assert v.allowed and v.kind == gates.SAME


def test_new_record_may_enter_first_step_only():
	assert evaluate(OPP, None, "Qualification", Facts()).allowed
	v = evaluate(OPP, None, "Presentation", Facts())
	assert not v.allowed
	assert codes(v) == ["cannot_skip", "cannot_skip"]
	assert [p.params["step"] for p in v.missing] == ["Qualification", "Needs Assessment"]


def test_entering_later_step_when_earlier_ones_are_skippable():
	r = reg(Step("A", max_days=1, allow_skip=True), Step("B", max_days=1), Step("C", max_days=1))
	assert evaluate(r, "", "B", Facts()).allowed
	assert codes(evaluate(r, "", "C", Facts())) == ["cannot_skip"]


def test_unregulated_current_step_counts_as_entering():
	# ERPNext's own "Prospecting" stage is not part of the regulation
	assert evaluate(OPP, "Prospecting", "Qualification", Facts()).kind == gates.ENTER
	assert evaluate(OPP, "Prospecting", "Qualification", Facts()).allowed


def test_target_outside_regulation_is_refused():
	v = evaluate(OPP, "Qualification", "Perception Analysis", Facts())
	assert codes(v) == ["not_a_step"]


def test_clearing_the_step_is_refused():
	assert codes(evaluate(OPP, "Qualification", "", Facts())) == ["step_required"]


def test_field_criteria_list_every_missing_field_with_labels():
	v = evaluate(OPP, "Qualification", "Needs Assessment", Facts(values={"party_name": "ACME"}),
		labels={"contact_person": "Contact Person"})
	assert codes(v) == ["missing_field", "missing_checklist"]
	assert v.missing[0].params["label"] == "Contact Person"


@pytest.mark.parametrize("value,empty", [(None, True), ("", True), ("  ", True), (0, True), (0.0, True),
	(5, False), ("x", False), ([], True), ([1], False)])
def test_field_emptiness(value, empty):
	r = reg(Step("A", max_days=1), Step("B", max_days=1), criteria=[Criterion("A", "Field", fieldname="f")])
	assert evaluate(r, "A", "B", Facts(values={"f": value})).allowed is not empty


def test_all_criteria_met_passes():
	facts = Facts(values={"party_name": "ACME", "contact_person": "Ivan"},
		checklist={("Qualification", "Decision maker identified")})
	v = evaluate(OPP, "Qualification", "Needs Assessment", facts)
	assert v.allowed and v.kind == gates.FORWARD


def test_checklist_tick_of_another_step_does_not_count():
	facts = Facts(values={"party_name": "ACME", "contact_person": "Ivan"},
		checklist={("Presentation", "Decision maker identified")})
	assert codes(evaluate(OPP, "Qualification", "Needs Assessment", facts)) == ["missing_checklist"]


def test_document_criterion_counts_submitted_documents():
	assert codes(evaluate(OPP, "Proposal Preparation", "Proposal Approval", Facts())) == ["missing_document"]
	assert evaluate(OPP, "Proposal Preparation", "Proposal Approval", Facts(documents={"Quotation": 1})).allowed
	r = reg(Step("A", max_days=1), Step("B", max_days=1),
		criteria=[Criterion("A", "Document", document_type="Sales Invoice", min_count=2)])
	v = evaluate(r, "A", "B", Facts(documents={"Sales Invoice": 1}))
	assert v.missing[0].params == {"document_type": "Sales Invoice", "found": 1, "required": 2}


def test_activity_criterion_minimum():
	r = reg(Step("A", max_days=1), Step("B", max_days=1), criteria=[Criterion("A", "Activity", min_count=3)])
	assert codes(evaluate(r, "A", "B", Facts(activities=2))) == ["missing_activity"]
	assert evaluate(r, "A", "B", Facts(activities=3)).allowed


def test_condition_criterion():
	r = reg(Step("A", max_days=1), Step("B", max_days=1),
		criteria=[Criterion("A", "Condition", expression="doc.amount >= 1000 and doc.currency == 'RUB'",
			description="Big enough")])
	assert evaluate(r, "A", "B", Facts(values={"amount": 5000, "currency": "RUB"})).allowed
	v = evaluate(r, "A", "B", Facts(values={"amount": 5, "currency": "RUB"}))
	assert codes(v) == ["missing_condition"] and v.missing[0].params["description"] == "Big enough"
	# None compared with a number is a failed condition, not a crash
	assert not evaluate(r, "A", "B", Facts(values={})).allowed


def test_skip_needs_skippable_intermediate_steps_and_current_exit_criteria():
	r = reg(Step("A", max_days=1), Step("B", max_days=1, allow_skip=True), Step("C", max_days=1),
		Step("D", max_days=1), criteria=[Criterion("A", "Field", fieldname="f"), Criterion("B", "Field", fieldname="g")])
	v = evaluate(r, "A", "C", Facts(values={"f": 1}))
	assert v.allowed and v.kind == gates.SKIP  # B's own criterion is not asked when B is skipped
	v = evaluate(r, "A", "D", Facts(values={"f": 1}))
	assert codes(v) == ["cannot_skip"] and v.missing[0].params["step"] == "C"
	assert codes(evaluate(r, "A", "C", Facts())) == ["missing_field"]


def test_default_regulation_forbids_skipping():
	facts = Facts(values={"party_name": "A", "contact_person": "B"},
		checklist={("Qualification", "Decision maker identified")})
	assert codes(evaluate(OPP, "Qualification", "Presentation", facts)) == ["cannot_skip"]


def test_backward_moves_follow_the_regulation():
	assert evaluate(OPP, "Contract", "Needs Assessment", Facts()).allowed
	assert evaluate(OPP, "Contract", "Needs Assessment", Facts()).kind == gates.BACKWARD
	r = reg(Step("A", max_days=1), Step("B", max_days=1), backward=False)
	assert codes(evaluate(r, "B", "A", Facts())) == ["backward_not_allowed"]


def test_next_step_pointers_define_order():
	r = reg(Step("A", max_days=1, next_step="C"), Step("B", max_days=1), Step("C", max_days=1, next_step="B"))
	assert r.order() == ["A", "C", "B"]
	assert evaluate(r, "A", "C", Facts()).kind == gates.FORWARD
	assert codes(evaluate(r, "A", "B", Facts())) == ["cannot_skip"]


def test_needed_facts_only_for_the_current_steps_criteria():
	n = needed_facts(OPP, "Proposal Preparation", "Proposal Approval")
	assert n.document_types == {"Quotation"} and not n.activities and not n.checklist
	n = needed_facts(OPP, "Needs Assessment", "Presentation")
	assert n.activities and not n.document_types
	assert needed_facts(OPP, "Contract", "Qualification") == gates.Needs()
	assert needed_facts(OPP, None, "Qualification") == gates.Needs()


def test_override_decisions():
	failing = evaluate(OPP, "Proposal Preparation", "Proposal Approval", Facts())
	assert not decide(failing, override=False, reason="", may_override=True).allowed
	d = decide(failing, override=True, reason="Client signed on paper", may_override=True)
	assert d.allowed and d.overridden
	d = decide(failing, override=True, reason="  ", may_override=True)
	assert not d.allowed and "override_reason" in codes(d.errors)
	d = decide(failing, override=True, reason="because", may_override=False)
	assert not d.allowed and "override_not_permitted" in codes(d.errors)
	passing = evaluate(OPP, "Contract", "Presentation", Facts())
	d = decide(passing, override=True, reason="", may_override=False)
	assert d.allowed and not d.overridden


def test_lead_regulation_gates():
	lead = lead_regulation()
	v = evaluate(lead, "MQL", "SQL", Facts(values={"qualification_status": "In Process"}, activities=1))
	assert codes(v) == ["missing_condition"]
	assert evaluate(lead, "MQL", "SQL", Facts(values={"qualification_status": "Qualified"}, activities=1)).allowed


def test_problem_english_messages_render():
	v = evaluate(OPP, None, "Presentation", Facts())
	assert v.missing[0].english() == "Step Qualification cannot be skipped"


# --- the step clock: working days across weekends and holidays ---

def test_step_clock_across_weekend():
	cal = Calendar.of()
	# entered Friday 2026-11-20, limit 3 working days -> due Wednesday 25th
	clock = step_clock(date(2026, 11, 20), 3, date(2026, 11, 25), cal)
	assert clock.due_date == date(2026, 11, 25)
	assert clock.days_in_step == 3 and not clock.overdue and clock.days_left == 0
	clock = step_clock(date(2026, 11, 20), 3, date(2026, 11, 26), cal)
	assert clock.overdue and clock.days_left == -1
	# the weekend itself adds nothing
	assert step_clock(date(2026, 11, 20), 1, date(2026, 11, 22), cal).days_in_step == 0


def test_step_clock_with_holidays():
	# Russian New Year holidays: 1-8 January 2027 off
	holidays = {date(2027, 1, d) for d in range(1, 9)}
	cal = Calendar.of(holidays)
	clock = step_clock(date(2026, 12, 31), 2, date(2027, 1, 11), cal)
	assert clock.due_date == date(2027, 1, 12)
	assert clock.days_in_step == 1 and not clock.overdue
	assert step_clock(date(2026, 12, 31), 2, date(2027, 1, 13), cal).overdue


def test_holiday_list_without_weekly_off_rule():
	# ERPNext holiday lists hold weekends as rows: callers pass weekly_off=()
	sat, sun = date(2026, 11, 28), date(2026, 11, 29)
	cal = Calendar.of({sat, sun}, weekly_off=())
	assert cal.days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1
	assert Calendar.of((), weekly_off=()).days_between(date(2026, 11, 27), date(2026, 11, 30)) == 3


def test_opportunity_from_lead_only_once_sql():
	lead = lead_regulation()
	p = gates.conversion_problem(lead, "L-1", "MQL")
	assert p.code == "lead_not_ready" and p.params == {"lead": "L-1", "step": "SQL", "current": "MQL"}
	assert gates.conversion_problem(lead, "L-1", "SQL") is None
	assert gates.conversion_problem(lead, "L-1", None).params["current"] == "-"
	unflagged = Regulation("R", "Lead", (Step("A", max_days=1), Step("B", max_days=1)))
	assert gates.conversion_problem(unflagged, "L", "A") is not None
	assert gates.conversion_problem(unflagged, "L", "B") is None
