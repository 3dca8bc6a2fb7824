from sales_drive.engine.defaults import OPPORTUNITY_STEPS, LEAD_STEPS, lead_regulation, opportunity_regulation
from sales_drive.engine.regulation import STAGES, Criterion, Regulation, Step, validate

OPP_FIELDS = {"party_name", "contact_person", "opportunity_amount", "expected_closing", "currency", "status"}


def codes(problems):
	return [p.code for p in problems]


def reg(*steps, criteria=(), doctype="Opportunity"):
	return Regulation("R", doctype, tuple(steps), tuple(criteria))


def test_defaults_are_valid_and_complete():
	opp = opportunity_regulation()
	assert tuple(opp.order()) == OPPORTUNITY_STEPS
	assert validate(opp, fieldnames=OPP_FIELDS) == []
	assert {s.stage for s in opp.steps} <= set(STAGES)
	assert not any(s.allow_skip for s in opp.steps)
	lead = lead_regulation()
	assert tuple(lead.order()) == LEAD_STEPS
	assert validate(lead, fieldnames={"company_name", "qualification_status"}) == []
	assert [s.name for s in lead.steps if s.allows_conversion] == ["SQL"]


def test_no_steps():
	assert codes(validate(reg())) == ["no_steps"]


def test_duplicate_steps():
	p = validate(reg(Step("A", max_days=1), Step("B", max_days=1), Step("A", max_days=2)))
	assert codes(p) == ["duplicate_step"] and p[0].params["step"] == "A"


def test_cycle_through_next_step_pointers():
	p = validate(reg(Step("A", max_days=1), Step("B", max_days=1, next_step="C"), Step("C", max_days=1, next_step="A")))
	assert codes(p) == ["cycle"]
	assert p[0].params["path"] == "A → B → C → A"


def test_pointer_to_unknown_step():
	p = validate(reg(Step("A", max_days=1, next_step="Z"), Step("B", max_days=1)))
	assert codes(p) == ["unknown_next_step"]


def test_unreachable_step():
	# A jumps to C which ends the path (C is the last row); B is never reached
	p = validate(reg(Step("A", max_days=1, next_step="C"), Step("B", max_days=1, next_step="C"), Step("C", max_days=1)))
	assert "unreachable" in codes(p)


def test_max_days_must_be_positive():
	p = validate(reg(Step("A", max_days=0), Step("B", max_days=-3), Step("C", max_days=2)))
	assert codes(p) == ["max_days", "max_days"]
	assert [x.params["value"] for x in p] == [0, -3]


def test_unknown_field():
	p = validate(reg(Step("A", max_days=1), Step("B", max_days=1),
		criteria=[Criterion("A", "Field", fieldname="no_such_field")]), fieldnames=OPP_FIELDS)
	assert codes(p) == ["unknown_field"] and p[0].params["field"] == "no_such_field"


def test_field_criterion_without_field():
	p = validate(reg(Step("A", max_days=1), criteria=[Criterion("A", "Field")]), fieldnames=OPP_FIELDS)
	assert codes(p) == ["field_required"]


def test_criterion_of_unknown_step():
	p = validate(reg(Step("A", max_days=1), criteria=[Criterion("Z", "Checklist", item="x")]))
	assert codes(p) == ["criterion_unknown_step"]


def test_document_type_must_fit_the_pipeline():
	p = validate(reg(Step("A", max_days=1), criteria=[Criterion("A", "Document", document_type="Payment Entry")],
		doctype="Lead"))
	assert codes(p) == ["unknown_document_type"]
	assert validate(reg(Step("A", max_days=1), criteria=[Criterion("A", "Document", document_type="Payment Entry")])) == []


def test_invalid_condition_expressions():
	for expr in ["doc.amount >", "__import__('os')", "doc.__class__", "open('x')", "[x for x in doc]",
		"doc.a.b", "lambda: 1", ""]:
		p = validate(reg(Step("A", max_days=1), criteria=[Criterion("A", "Condition", expression=expr)]))
		assert codes(p) == ["invalid_condition"], expr


def test_condition_naming_unknown_field():
	p = validate(reg(Step("A", max_days=1), criteria=[Criterion("A", "Condition", expression="doc.nope > 1")]),
		fieldnames=OPP_FIELDS)
	assert codes(p) == ["unknown_field"]


def test_handoff_to_role_with_nobody():
	r = reg(Step("A", max_days=1), Step("B", max_days=1, handoff_specialisation="Closer"),
		Step("C", max_days=1, handoff_role="Sales Coach"))
	p = validate(r, holders={"Closer": 0, "Sales Coach": 2})
	assert codes(p) == ["handoff_nobody"] and p[0].params == {"step": "B", "target": "Closer"}


def test_activity_min_count():
	p = validate(reg(Step("A", max_days=1), criteria=[Criterion("A", "Activity", min_count=0)]))
	assert codes(p) == ["min_count"]
