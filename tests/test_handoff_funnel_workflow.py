from decimal import Decimal

from sales_drive.engine import handoff
from sales_drive.engine.defaults import opportunity_regulation
from sales_drive.engine.funnel import funnel, median_from_histogram
from sales_drive.engine.regulation import Regulation, Step
from sales_drive.engine.workflow import generate


def test_round_robin_cycles_in_name_order():
	people = ["c@x", "a@x", "b@x"]
	assert handoff.pick(people, "Round Robin") == "a@x"
	assert handoff.pick(people, "Round Robin", last="a@x") == "b@x"
	assert handoff.pick(people, "Round Robin", last="c@x") == "a@x"
	assert handoff.pick(people, "Round Robin", last="gone@x") == "a@x"


def test_least_loaded_with_tie_by_name():
	assert handoff.pick(["a", "b", "c"], "Least Loaded", loads={"a": 3, "b": 1, "c": 1}) == "b"
	assert handoff.pick(["a", "b"], "Least Loaded", loads={}) == "a"


def test_nobody_to_hand_off_to():
	assert handoff.pick([], "Round Robin") is None
	assert handoff.pick(["", None], "Least Loaded") is None


def test_median_from_histogram():
	assert median_from_histogram([(1, 1), (2, 1), (10, 1)]) == Decimal("2.00")
	assert median_from_histogram([(1, 2), (3, 2)]) == Decimal("2.00")
	assert median_from_histogram([(5, 1)]) == Decimal("5.00")
	assert median_from_histogram([]) is None
	# a large count on one value dominates
	assert median_from_histogram([(1, 1), (4, 100), (9, 1)]) == Decimal("4.00")


def test_funnel_counts_conversion_and_median():
	order = ["A", "B", "C"]
	counts = [
		(None, "", "A", "Enter", 10),
		(None, "A", "B", "Forward", 6),
		(None, "A", "", "Lost", 2),
		(None, "B", "C", "Forward", 3),
		(None, "C", "A", "Backward", 1),
		(None, "C", "", "Won", 1),
	]
	durations = [(None, "A", 1, 4), (None, "A", 3, 4), (None, "B", 2, 3)]
	rows = {r.step: r for r in funnel(order, counts, durations)}
	assert (rows["A"].entered, rows["A"].forward, rows["A"].lost) == (10, 6, 2)
	assert rows["A"].conversion == Decimal("60.0")
	assert rows["B"].conversion == Decimal("50.0")
	assert rows["C"].conversion is None
	assert rows["A"].pass_rate == Decimal("75.0")
	assert rows["C"].back == 1 and rows["C"].forward == 1
	assert rows["A"].median_days == Decimal("2.00")
	assert rows["C"].median_days is None


def test_funnel_per_group_keeps_step_order():
	rows = funnel(["A", "B"], [("u2", "", "A", "Enter", 1), ("u1", "A", "B", "Forward", 1)])
	assert [(r.group, r.step) for r in rows] == [("u1", "A"), ("u1", "B"), ("u2", "A"), ("u2", "B")]


def test_workflow_mirrors_regulation():
	wf = generate(opportunity_regulation(), "sales_stage")
	assert wf["document_type"] == "Opportunity" and wf["workflow_state_field"] == "sales_stage"
	assert [s["state"] for s in wf["states"]][:2] == ["Qualification", "Needs Assessment"]
	adv = {(t["state"], t["next_state"]) for t in wf["transitions"] if t["action"] == "Advance"}
	assert ("Qualification", "Needs Assessment") in adv and ("Invoice", "Payment") in adv
	assert not any(t["action"].startswith("Skip") for t in wf["transitions"])
	assert ("Payment", "Qualification") in {(t["state"], t["next_state"]) for t in wf["transitions"]}
	assert wf["is_active"] == 0


def test_workflow_skip_transitions():
	r = Regulation("R", "Lead", (Step("A", max_days=1), Step("B", max_days=1, allow_skip=True), Step("C", max_days=1)),
		allow_backward=False)
	wf = generate(r, "sd_step")
	moves = {(t["state"], t["action"], t["next_state"]) for t in wf["transitions"]}
	assert ("A", "Skip to C", "C") in moves
	assert not any(a.startswith("Back") for _, a, _ in moves)


def test_shipped_workflows_match_the_default_regulations():
	import json
	from pathlib import Path

	from sales_drive.engine.defaults import lead_regulation

	folder = Path(__file__).resolve().parents[1] / "sales_drive" / "workflows"
	assert json.loads((folder / "opportunity.json").read_text()) == generate(opportunity_regulation(), "sales_stage")
	assert json.loads((folder / "lead.json").read_text()) == generate(lead_regulation(), "sd_step")
