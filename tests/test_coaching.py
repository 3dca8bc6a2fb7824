"""Coaching engine: call-script scoring, roll-ups, action items, KPI before/after, sprints, feedback."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from sales_drive.engine import coaching as c
from sales_drive.engine.coaching import ActionItem, Criterion, Feedback, SprintProcess
from sales_drive.engine.problems import TEMPLATES, Problem

SCRIPT = [
	Criterion("Greeting", D(10), 1, True),
	Criterion("Needs questions", D(40), 5),
	Criterion("Budget asked", D(20), 1, True),
	Criterion("Next step agreed", D(30), 5),
]
PERFECT = {"Greeting": 1, "Needs questions": 5, "Budget asked": 1, "Next step agreed": 5}


def codes(problems):
	return [p.code for p in problems]


# ----------------------------------------------------------------------------- scripts


def test_valid_script_has_no_problems():
	assert c.validate_script(SCRIPT) == []


def test_weights_must_add_up_to_exactly_100():
	script = [Criterion("A", D(50)), Criterion("B", D("49.5"))]
	problems = c.validate_script(script)
	assert codes(problems) == ["script_weights_sum"]
	assert problems[0].english() == "The weights of the criteria add up to 99.5, not 100"
	assert codes(c.validate_script([Criterion("A", D(60)), Criterion("B", D(41))])) == ["script_weights_sum"]


def test_fractional_weights_adding_to_100_are_fine():
	third = [Criterion("A", D("33.33")), Criterion("B", D("33.33")), Criterion("C", D("33.34"))]
	assert c.validate_script(third) == []


def test_float_weights_are_taken_by_their_decimal_text():
	assert c.validate_script([Criterion("A", 33.3), Criterion("B", 66.7)]) == []


def test_empty_script():
	assert codes(c.validate_script([])) == ["script_no_criteria"]


@pytest.mark.parametrize(
	"criterion, code",
	[
		(Criterion("", D(100)), "criterion_no_name"),
		(Criterion("A", D(0)), "criterion_weight"),
		(Criterion("A", D(0), 0), "criterion_scale"),
	],
)
def test_bad_criteria(criterion, code):
	assert code in codes(c.validate_script([criterion]))


def test_negative_weight_and_duplicate_names():
	problems = c.validate_script([Criterion("Greeting", D(120)), Criterion("greeting ", D(-20))])
	assert codes(problems) == ["criterion_duplicate", "criterion_weight"]


def test_cap_must_be_a_percentage():
	assert codes(c.validate_script(SCRIPT, mandatory_cap=D(101))) == ["script_cap_range"]
	assert c.validate_script(SCRIPT, mandatory_cap=0) == []


# ----------------------------------------------------------------------------- reviews


def test_perfect_review_scores_100():
	result = c.score_review(SCRIPT, PERFECT)
	assert (result.raw, result.score, result.passed, result.missed) == (D(100), D(100), True, ())


def test_weighted_score_of_partial_review():
	scores = {**PERFECT, "Needs questions": 3, "Next step agreed": 2}
	# 10 + 40*3/5 + 20 + 30*2/5 = 10 + 24 + 20 + 12
	assert c.score_review(SCRIPT, scores).score == D(66)


def test_score_rounds_half_up_once_at_the_end():
	script = [Criterion("A", D(50), 3), Criterion("B", D(50), 3)]
	# 50/3 + 50*2/3 = 50; 50/3 = 16.666.. -> 16.67
	assert c.score_review(script, {"A": 1, "B": 2}).score == D(50)
	assert c.score_review(script, {"A": 1, "B": 0}).score == D("16.67")


def test_missed_mandatory_item_caps_and_flags():
	scores = {**PERFECT, "Budget asked": 0}
	result = c.score_review(SCRIPT, scores)
	assert result.raw == D(80)
	assert result.score == D(50)
	assert not result.passed
	assert result.missed == ("Budget asked",)


def test_cap_does_not_raise_a_low_score():
	scores = {"Greeting": 0, "Needs questions": 1, "Budget asked": 1, "Next step agreed": 0}
	result = c.score_review(SCRIPT, scores)
	assert result.raw == D(28) and result.score == D(28)
	assert result.missed == ("Greeting",)


def test_custom_cap_and_zero_cap():
	scores = {**PERFECT, "Greeting": 0}
	assert c.score_review(SCRIPT, scores, mandatory_cap=D(70)).score == D(70)
	assert c.score_review(SCRIPT, scores, mandatory_cap=0).score == D(0)


def test_partly_done_mandatory_item_is_not_missed():
	script = [Criterion("Objections", D(100), 5, True)]
	result = c.score_review(script, {"Objections": 1})
	assert result.passed and result.score == D(20)


def test_per_criterion_percentages():
	result = c.score_review(SCRIPT, {**PERFECT, "Needs questions": 4})
	assert result.by_criterion["Needs questions"] == D(80)
	assert result.by_criterion["Greeting"] == D(100)


@pytest.mark.parametrize("score", [6, -1, D("2.5"), "7"])
def test_score_outside_scale_is_a_problem(score):
	problems = c.validate_review(SCRIPT, {**PERFECT, "Needs questions": score})
	assert codes(problems) == ["review_score_out_of_scale"]
	assert problems[0].params["criterion"] == "Needs questions"
	assert problems[0].params["scale_max"] == 5


def test_yes_no_item_cannot_score_2():
	assert codes(c.validate_review(SCRIPT, {**PERFECT, "Greeting": 2})) == ["review_score_out_of_scale"]


def test_unscored_and_unknown_criteria():
	scores = {k: v for k, v in PERFECT.items() if k != "Greeting"}
	scores["Smiled"] = 1
	assert codes(c.validate_review(SCRIPT, scores)) == ["review_unknown_criterion", "review_not_scored"]


def test_score_review_refuses_invalid_input():
	with pytest.raises(ValueError, match="outside its scale"):
		c.score_review(SCRIPT, {**PERFECT, "Greeting": 3})


# ----------------------------------------------------------------------------- roll-ups


@pytest.mark.parametrize(
	"day, granularity, start",
	[
		(date(2026, 3, 12), "week", date(2026, 3, 9)),
		(date(2026, 3, 9), "week", date(2026, 3, 9)),
		(date(2026, 3, 15), "week", date(2026, 3, 9)),
		(date(2026, 3, 31), "month", date(2026, 3, 1)),
		(date(2026, 3, 31), "quarter", date(2026, 1, 1)),
		(date(2026, 12, 1), "quarter", date(2026, 10, 1)),
		(date(2026, 4, 1), "quarter", date(2026, 4, 1)),
	],
)
def test_period_start(day, granularity, start):
	assert c.period_start(day, granularity) == start


def test_period_start_rejects_unknown_granularity():
	with pytest.raises(ValueError):
		c.period_start(date(2026, 1, 1), "fortnight")


def test_rollup_per_manager_and_month_with_change():
	reviews = [
		("anna", date(2026, 1, 5), D(60), 1),
		("anna", date(2026, 1, 20), D(80), 1),
		("anna", date(2026, 3, 2), D(90), 1),
		("boris", date(2026, 1, 7), D(50), 1),
	]
	points = c.rollup(reviews, "month")
	assert [(p.key, p.period, p.count, p.average, p.change) for p in points] == [
		("anna", date(2026, 1, 1), 2, D(70), None),
		("anna", date(2026, 3, 1), 1, D(90), D(20)),
		("boris", date(2026, 1, 1), 1, D(50), None),
	]
	assert c.trend(points) == {"anna": D(20), "boris": None}


def test_rollup_of_grouped_query_rows_merges_same_period():
	rows = [
		("anna", date(2026, 1, 1), D(150), 2),
		("anna", date(2026, 1, 1), D(90), 1),
		("x", date(2026, 1, 1), 0, 0),
	]
	points = c.rollup(rows)
	assert [(p.key, p.count, p.average) for p in points] == [("anna", 3, D(80))]


def test_rollup_average_rounds_half_up():
	points = c.rollup([("a", date(2026, 1, 1), D(200), 3)])
	assert points[0].average == D("66.67")


def test_rollup_empty():
	assert c.rollup([]) == [] and c.trend([]) == {}


def test_trend_down():
	points = c.rollup(
		[("a", date(2026, 1, 1), 90, 1), ("a", date(2026, 2, 1), 70, 1), ("a", date(2026, 3, 1), 60, 1)]
	)
	assert [p.change for p in points] == [None, D(-20), D(-10)]
	assert c.trend(points) == {"a": D(-30)}


def test_per_criterion_rollup_normalises_scales():
	reviews = [
		(date(2026, 1, 5), {"Greeting": 1, "Needs questions": 4}),
		(date(2026, 1, 9), {"Greeting": 0, "Needs questions": 2}),
		(date(2026, 2, 3), {"Greeting": 1, "Needs questions": 5, "Unknown": 3}),
	]
	points = c.rollup(c.criterion_rows(reviews, SCRIPT), "month")
	got = {(p.key, p.period): (p.average, p.change) for p in points}
	assert got[("Greeting", date(2026, 1, 1))] == (D(50), None)
	assert got[("Needs questions", date(2026, 1, 1))] == (D(60), None)
	assert got[("Needs questions", date(2026, 2, 1))] == (D(100), D(40))
	assert all(p.key != "Unknown" for p in points)


# ----------------------------------------------------------------------------- action items

TODAY = date(2026, 5, 20)


@pytest.mark.parametrize(
	"item, state",
	[
		(ActionItem("x", "u", TODAY - timedelta(days=1)), "Overdue"),
		(ActionItem("x", "u", TODAY), "Open"),
		(ActionItem("x", "u", TODAY + timedelta(days=3)), "Open"),
		(ActionItem("x", "u", TODAY - timedelta(days=9), "Done"), "Done"),
		(ActionItem("x", "u", TODAY - timedelta(days=9), "Cancelled"), "Cancelled"),
		(ActionItem("x", "u", None), "Open"),
	],
)
def test_item_state(item, state):
	assert c.item_state(item, TODAY) == state


def test_summary_counts_and_done_rate():
	items = [
		ActionItem("a", "u", TODAY - timedelta(days=2)),
		ActionItem("b", "u", TODAY + timedelta(days=2)),
		ActionItem("c", "u", TODAY - timedelta(days=2), "Done"),
		ActionItem("d", "u", TODAY, "Done"),
		ActionItem("e", "u", TODAY, "Cancelled"),
	]
	s = c.summarize_actions(items, TODAY)
	assert (s.total, s.open, s.done, s.overdue, s.cancelled) == (5, 1, 2, 1, 1)
	assert s.done_rate == D(50)
	assert c.summarize_actions([], TODAY).done_rate is None


def test_action_item_needs_owner_and_due_date():
	problems = c.validate_action_items([ActionItem("Call back", None, None), ActionItem("", "u", TODAY)])
	assert codes(problems) == [
		"action_item_no_owner",
		"action_item_no_due_date",
		"action_item_no_description",
	]
	assert problems[0].params == {"row": 1}
	assert problems[2].params == {"row": 2}


def test_action_item_due_before_session_and_bad_status():
	problems = c.validate_action_items([ActionItem("x", "u", TODAY - timedelta(days=1), "Maybe")], TODAY)
	assert codes(problems) == ["action_item_due_before_start", "action_item_status"]


# ----------------------------------------------------------------------------- sessions


def test_valid_session():
	assert c.validate_session(TODAY, TODAY + timedelta(days=14), "coach", ["lead"], "Onboarding") == []
	assert c.validate_session(TODAY, TODAY, "coach", ["m1", "m2"], "Problem Zone") == []


def test_follow_up_before_session():
	problems = c.validate_session(TODAY, TODAY - timedelta(days=1), "coach", ["lead"], "Strategic")
	assert codes(problems) == ["session_follow_up_before"]
	assert "before the session date" in problems[0].english()


def test_session_people_and_kind():
	problems = c.validate_session(TODAY, None, "coach", ["coach", "m", "m"], "Casual")
	assert codes(problems) == ["session_kind", "session_coached_twice", "session_coach_coached"]
	assert codes(c.validate_session(None, None, "coach", [], "Situational")) == [
		"session_no_date",
		"session_no_coached",
	]


def test_session_checks_its_action_items():
	problems = c.validate_session(
		TODAY, None, "coach", ["m"], "Qualification", [ActionItem("x", None, TODAY)]
	)
	assert codes(problems) == ["action_item_no_owner"]


def test_all_kinds_of_the_method_are_accepted():
	for kind in ("Onboarding", "Problem Zone", "Situational", "Strategic", "Qualification"):
		assert c.validate_session(TODAY, None, "c", ["m"], kind) == []


# ----------------------------------------------------------------------------- KPI before / after


def test_kpi_before_after_full_windows():
	coached = date(2026, 3, 1)
	values = {
		date(2026, 2, 1): (D(1000), 1),
		date(2026, 2, 28): (D(2000), 1),
		date(2026, 1, 30): (D(99999), 9),  # 30 days before is Jan 30 -> inside
		date(2026, 1, 29): (D(5), 5),  # outside
		date(2026, 3, 1): (D(3000), 2),
		date(2026, 3, 30): (D(3000), 1),
		date(2026, 3, 31): (D(7), 7),  # outside the 30-day after window
	}
	k = c.kpi_before_after(values, coached, today=date(2026, 6, 1), window=30)
	assert (k.before.start, k.before.end, k.before.days) == (date(2026, 1, 30), date(2026, 2, 28), 30)
	assert (k.before.amount, k.before.count) == (D(102999), 11)
	assert (k.after.start, k.after.end, k.after.days) == (date(2026, 3, 1), date(2026, 3, 30), 30)
	assert (k.after.amount, k.after.count) == (D(6000), 3)
	assert k.amount_change_pct == D("-94.17")


def test_kpi_after_window_is_cut_at_today_and_compared_by_daily_rate():
	coached = date(2026, 3, 1)
	values = {date(2026, 2, 10): (D(3000), 3), date(2026, 3, 2): (D(400), 1)}
	k = c.kpi_before_after(values, coached, today=date(2026, 3, 2), window=30)
	assert k.after.days == 2
	assert k.before.daily_amount == D(100)
	assert k.after.daily_amount == D(200)
	assert k.amount_change_pct == D(100)
	# count: 3/30 = 0.1 a day before, 1/2 = 0.5 after -> +400 %
	assert k.count_change_pct == D(400)


def test_kpi_from_zero_has_no_percentage_and_future_session_has_no_after():
	k = c.kpi_before_after({date(2026, 3, 5): (D(10), 1)}, date(2026, 3, 1), today=date(2026, 3, 10))
	assert k.before.amount == 0 and k.amount_change_pct is None
	future = c.kpi_before_after({}, date(2026, 3, 1), today=date(2026, 2, 1))
	assert future.after is None and future.amount_change_pct is None


def test_kpi_window_must_be_positive():
	with pytest.raises(ValueError):
		c.kpi_before_after({}, TODAY, TODAY, window=0)


# ----------------------------------------------------------------------------- sprints


def test_sprint_default_is_two_weeks():
	assert c.sprint_end(date(2026, 6, 1)) == date(2026, 6, 14)
	assert c.sprint_end(date(2026, 6, 1), 7) == date(2026, 6, 7)
	with pytest.raises(ValueError):
		c.sprint_end(date(2026, 6, 1), 0)


def test_sprint_validation():
	start, end = date(2026, 6, 1), date(2026, 6, 14)
	ok = SprintProcess("Daily planning", "lead", start, end, date(2026, 6, 5))
	assert c.validate_sprint(start, end, [ok] * 20) == []
	assert codes(c.validate_sprint(start, end, [ok] * 21)) == ["sprint_too_many"]
	assert codes(c.validate_sprint(end, start, [])) == ["sprint_end_before_start"]
	bad = [
		SprintProcess("", None),
		SprintProcess("x", "u", date(2026, 6, 10), date(2026, 6, 3)),
		SprintProcess("x", "u", date(2026, 5, 30), date(2026, 6, 3)),
		SprintProcess("x", "u", date(2026, 6, 2), date(2026, 6, 3), date(2026, 6, 9)),
	]
	assert codes(c.validate_sprint(start, end, bad)) == [
		"process_no_title",
		"process_no_owner",
		"process_end_before_start",
		"process_outside_sprint",
		"process_reminder",
	]


def test_reminders_due_today():
	ps = [
		SprintProcess("a", "u", reminder=TODAY),
		SprintProcess("b", "u", reminder=TODAY + timedelta(1)),
		SprintProcess("c", None, reminder=TODAY),
	]
	assert [p.title for p in c.reminders_due(ps, TODAY)] == ["a"]


# ----------------------------------------------------------------------------- feedback


def fb(**kw):
	base = dict(
		direction="Team Lead to Manager", anonymous=False, recipient="m", author="lead", what_worked="Calls"
	)
	return Feedback(**{**base, **kw})


def test_valid_feedback():
	assert c.validate_feedback(fb()) == []
	assert c.validate_feedback(fb(direction="Manager to Team Lead", anonymous=True, author=None)) == []
	assert c.validate_feedback(fb(what_worked="", ratings=[("Closing", 5)])) == []


def test_anonymous_feedback_addressed_to_nobody():
	problems = c.validate_feedback(fb(direction="Manager to Team Lead", anonymous=True, recipient=None))
	assert codes(problems) == ["feedback_anonymous_no_recipient"]
	assert "Anonymous feedback must be addressed" in problems[0].english()
	assert codes(c.validate_feedback(fb(recipient=""))) == ["feedback_no_recipient"]


def test_only_manager_to_team_lead_may_be_anonymous():
	assert codes(c.validate_feedback(fb(anonymous=True))) == ["feedback_anonymous_direction"]
	assert codes(c.validate_feedback(fb(direction="Coach to Team Lead", anonymous=True))) == [
		"feedback_anonymous_direction"
	]


def test_feedback_other_problems():
	assert codes(c.validate_feedback(fb(direction="Up"))) == ["feedback_direction"]
	assert codes(c.validate_feedback(fb(recipient="lead"))) == ["feedback_to_self"]
	assert codes(c.validate_feedback(fb(from_date=TODAY, to_date=TODAY - timedelta(1)))) == [
		"feedback_period"
	]
	assert codes(c.validate_feedback(fb(what_worked=" ", what_to_change=None))) == ["feedback_empty"]


@pytest.mark.parametrize("rating", [0, 6, D("4.5")])
def test_rating_out_of_scale(rating):
	assert codes(c.validate_feedback(fb(ratings=[("Closing", rating)]))) == ["rating_out_of_scale"]


def test_rating_without_skill():
	assert codes(c.validate_feedback(fb(ratings=[("", 3)]))) == ["rating_no_skill"]


# ----------------------------------------------------------------------------- templates


def test_every_problem_the_engine_can_report_has_a_template():
	import ast
	import inspect

	tree = ast.parse(inspect.getsource(c))
	used = {
		n.args[0].value
		for n in ast.walk(tree)
		if isinstance(n, ast.Call)
		and getattr(n.func, "id", None) == "Problem"
		and n.args
		and isinstance(n.args[0], ast.Constant)
	}
	assert used and used <= set(TEMPLATES)


def test_templates_format_with_the_params_given():
	p = Problem("review_score_out_of_scale", {"criterion": "Greeting", "score": 3, "scale_max": 1})
	assert p.english() == "Criterion Greeting: the score 3 is outside its scale from 0 to 1"
