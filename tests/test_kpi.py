"""KPI engine: metrics registry, payout curves, thresholds and caps, team pool, best result, ranking,
pro-rating, validation; and the deviation rules' decision logic."""

from datetime import date
from decimal import Decimal as D

import pytest

from sales_drive.engine import deviation as dv
from sales_drive.engine import kpi as k
from sales_drive.engine.kpi import Component, Scheme
from sales_drive.engine.problems import TEMPLATES


def codes(problems):
	return [p.code for p in problems]


def scheme(*components, base="50000", variable="30000"):
	return Scheme("S", D(base), D(variable), list(components))


# ----------------------------------------------------------------------------- registry


def test_every_metric_of_the_issue_is_registered_once_with_a_direction():
	expected = {
		"revenue", "deals_won", "new_customers", "average_deal", "conversion", "median_days", "calls",
		"meetings", "emails", "proposals", "refusals", "burn_rate", "overdue_steps", "report_compliance", "period_report_compliance",
		"handoff_hours", "collection", "first_response_hours",
	}  # fmt: skip
	assert set(k.METRICS) == expected
	assert all(m.direction in (k.HIGHER, k.LOWER) for m in k.METRICS.values())
	lower = {key for key, m in k.METRICS.items() if m.direction == k.LOWER}
	assert lower == {"refusals", "burn_rate", "median_days", "overdue_steps", "handoff_hours", "first_response_hours"}
	assert k.METRICS["conversion"].needs_steps == 2 and k.METRICS["median_days"].needs_steps == 1


def test_problem_templates_exist_for_kpi_codes():
	for code in ("kpi_weights_sum", "kpi_threshold_above_cap", "kpi_no_plan", "kpi_overlap", "kpi_unknown_metric"):
		assert code in TEMPLATES


# ----------------------------------------------------------------------------- % achieved


def test_achieved_higher_is_better():
	assert k.achieved(k.HIGHER, D(120), D(100)) == D("120.00")
	assert k.achieved(k.HIGHER, D(1), D(3)) == D("33.33")


def test_achieved_lower_is_better_inverts_the_ratio():
	# 10 refusals allowed, 5 made: twice as good
	assert k.achieved(k.LOWER, D(5), D(10)) == D("200.00")
	assert k.achieved(k.LOWER, D(20), D(10)) == D("50.00")
	# none at all: the cap, or 200 % without a cap
	assert k.achieved(k.LOWER, D(0), D(10)) == D(200)
	assert k.achieved(k.LOWER, D(0), D(10), cap=D(150)) == D(150)


def test_zero_target_gives_zero_percent():
	assert k.achieved(k.HIGHER, D(50), D(0)) == 0


# ----------------------------------------------------------------------------- curves, thresholds, caps


def test_linear_curve_pays_the_percentage():
	c = Component("revenue", D(100), D(1000))
	line = k.evaluate_component(c, D(800), D(1000), D(30000))
	assert (line.achieved, line.payout_percent, line.payout) == (D("80.00"), D("80.00"), D("24000.00"))


def test_threshold_pays_nothing_below_it_and_everything_from_it():
	c = Component("revenue", D(100), D(1000), threshold=D(70))
	below = k.evaluate_component(c, D("699.99"), D(1000), D(10000))
	assert below.payout == 0 and below.below_threshold
	at = k.evaluate_component(c, D(700), D(1000), D(10000))
	assert at.payout == D("7000.00") and not at.below_threshold


def test_cap_limits_the_counted_percentage():
	c = Component("revenue", D(100), D(1000), cap=D(150))
	line = k.evaluate_component(c, D(2500), D(1000), D(10000))
	assert line.achieved == D("250.00") and line.counted == D(150) and line.payout == D("15000.00")


def test_steps_curve_pays_the_highest_step_reached():
	c = Component("calls", D(100), D(100), curve=k.STEPS, steps=[(D(100), D(100)), (D(80), D(50)), (D(120), D(150))])
	pay = {fact: k.evaluate_component(c, D(fact), D(100), D(1000)).payout for fact in (79, 80, 99, 100, 119, 130)}
	assert pay == {79: 0, 80: D(500), 99: D(500), 100: D(1000), 119: D(1000), 130: D(1500)}


def test_accelerator_pays_more_above_100_percent():
	c = Component("revenue", D(100), D(1000), curve=k.ACCELERATOR, accelerator=D(2))
	assert k.evaluate_component(c, D(900), D(1000), D(1000)).payout == D("900.00")  # linear below 100
	assert k.evaluate_component(c, D(1000), D(1000), D(1000)).payout == D("1000.00")
	# 120 % achieved: 100 + 20 × 2 = 140 %
	assert k.evaluate_component(c, D(1200), D(1000), D(1000)).payout == D("1400.00")


def test_accelerator_with_cap():
	c = Component("revenue", D(100), D(1000), curve=k.ACCELERATOR, accelerator=D("1.5"), cap=D(130))
	line = k.evaluate_component(c, D(2000), D(1000), D(1000))
	assert line.counted == D(130) and line.payout_percent == D("145.00") and line.payout == D("1450.00")


def test_lower_is_better_component_pays_for_fewer_refusals():
	c = Component("refusals", D(100), D(10), cap=D(120), threshold=D(80))
	assert k.evaluate_component(c, D(5), D(10), D(1000)).payout == D("1200.00")  # 200 % capped at 120
	assert k.evaluate_component(c, D(12), D(10), D(1000)).payout == D("833.33")  # 10 / 12 = 83.33 %
	assert k.evaluate_component(c, D(13), D(10), D(1000)).payout == 0  # 76.92 % below the 80 % threshold


# ----------------------------------------------------------------------------- scheme total


def test_scheme_total_base_plus_weighted_components():
	s = scheme(
		Component("revenue", D(60), D(1_000_000), curve=k.ACCELERATOR, accelerator=D(2)),
		Component("calls", D(25), D(400), threshold=D(50)),
		Component("burn_rate", D(15), D(10), cap=D(150)),
	)
	assert k.validate(s) == []
	r = k.evaluate(s, "p1", {0: D(1_100_000), 1: D(100), 2: D(8)})
	# revenue: 110 % → 120 % of 18,000 = 21,600; calls: 25 % < 50 % threshold → 0; burn: 10/8 = 125 % of 4,500 = 5,625
	assert [line.payout for line in r.lines] == [D("21600.00"), D(0), D("5625.00")]
	assert r.variable == D("27225.00")
	assert r.total == D("77225.00")
	# score: (60×110 + 25×25 + 15×125) / 100
	assert r.score == D("91.00")


def test_plan_target_comes_from_the_caller():
	s = scheme(Component("revenue", D(100), None, target_source=k.PLAN))
	assert k.validate(s) == []
	r = k.evaluate(s, "p1", {0: D(500)}, plan_targets={0: D(1000)})
	assert r.lines[0].target == D(1000) and r.variable == D("15000.00")


# ----------------------------------------------------------------------------- pro-rating


def test_person_joining_mid_period_is_prorated():
	s = scheme(
		Component("revenue", D(50), D(100_000)),
		Component("conversion", D(50), D(20), from_step="SQL", to_step="Proposal"),
		base="40000",
		variable="20000",
	)
	factor = k.prorate_factor(11, 22)  # joined for the second half of the month's working days
	assert factor == D("0.5")
	r = k.evaluate(s, "new", {0: D(50_000), 1: D(20)}, factor=factor)
	assert r.base_pay == D("20000.00")
	# the revenue target is halved (additive), the conversion target is not (a ratio)
	assert [line.target for line in r.lines] == [D("50000.0"), D(20)]
	assert [line.achieved for line in r.lines] == [D("100.00"), D("100.00")]
	assert r.variable == D("10000.00") and r.total == D("30000.00")


def test_plan_target_is_never_prorated():
	s = scheme(Component("revenue", D(100), None, target_source=k.PLAN))
	r = k.evaluate(s, "new", {0: D(300)}, plan_targets={0: D(600)}, factor=D("0.5"))
	assert r.lines[0].target == D(600) and r.lines[0].achieved == D("50.00")


def test_prorate_factor_bounds():
	assert k.prorate_factor(0, 20) == 0
	assert k.prorate_factor(30, 20) == 1
	assert k.prorate_factor(5, 0) == 1


# ----------------------------------------------------------------------------- team pool and best result


def test_team_pool_split_in_proportion_to_contribution_adds_up_exactly():
	shares = k.team_pool(D(100000), True, {"a": D(500000), "b": D(300000), "c": D(200000)})
	assert shares == {"a": D(50000), "b": D(30000), "c": D(20000)}
	odd = k.team_pool(D(100), True, {"a": D(1), "b": D(1), "c": D(1)})
	assert sum(odd.values()) == D(100) and sorted(odd.values()) == [D("33.33"), D("33.33"), D("33.34")]


def test_team_pool_not_paid_when_the_plan_is_missed():
	assert k.team_pool(D(100000), False, {"a": D(5), "b": D(5)}) == {"a": 0, "b": 0}


def test_team_pool_with_no_contribution_is_split_equally_and_negatives_count_as_zero():
	assert k.team_pool(D(90), True, {"a": D(0), "b": D(0), "c": D(0)}) == {"a": 30, "b": 30, "c": 30}
	assert k.team_pool(D(90), True, {"a": D(-50), "b": D(30)}) == {"a": 0, "b": D(90)}


def test_best_result_bonus_goes_to_the_best_and_ties_split():
	assert k.best_bonus(D(10000), {"a": D(5), "b": D(9), "c": D(7)}) == {"b": D(10000)}
	tie = k.best_bonus(D(10000), {"a": D(9), "b": D(9), "c": D(7), "d": D(9)})
	assert set(tie) == {"a", "b", "d"} and sum(tie.values()) == D(10000)
	assert sorted(tie.values()) == [D("3333.33"), D("3333.33"), D("3333.34")]


def test_best_result_for_lower_is_better():
	assert k.best({"a": D(3), "b": D(1), "c": D(1)}, k.LOWER) == ["b", "c"]
	assert k.best_bonus(D(100), {}, k.LOWER) == {}


# ----------------------------------------------------------------------------- ranking


def test_ranking_by_score_with_ties_and_trend():
	ranks = k.rank(
		{"a": D(90), "b": D(110), "c": D(90), "d": D(50)},
		{"a": [D(80), D(100)], "b": [D(110)], "c": [D(95)]},
	)
	assert [(r.person, r.rank) for r in ranks] == [("b", 1), ("a", 2), ("c", 2), ("d", 4)]
	trend = {r.person: r.trend for r in ranks}
	assert trend == {"a": "flat", "b": "flat", "c": "down", "d": "new"}
	assert k.rank({"a": D(60)}, {"a": [D(50)]})[0].trend == "up"


def test_weighted_score_ignores_metrics_without_weight():
	assert k.weighted_score({"calls": D(100), "revenue": D(50), "x": D(999)}, {"calls": D(25), "revenue": D(75)}) == D("62.50")


# ----------------------------------------------------------------------------- validation


def test_weights_must_sum_to_100():
	s = scheme(Component("revenue", D(60), D(1)), Component("calls", D(30), D(1)))
	assert codes(k.validate(s)) == ["kpi_weights_sum"]
	assert k.validate(s)[0].english() == "The weights of the components add up to 90, not 100"


def test_threshold_above_cap_is_refused():
	s = scheme(Component("revenue", D(100), D(1), threshold=D(120), cap=D(110), row=1))
	assert codes(k.validate(s)) == ["kpi_threshold_above_cap"]


def test_unknown_metric_and_curve_and_missing_steps():
	s = scheme(
		Component("happiness", D(40), D(1)),
		Component("calls", D(30), D(1), curve="Exponential"),
		Component("meetings", D(20), D(1), curve=k.STEPS),
		Component("conversion", D(10), D(1), from_step="SQL"),
	)
	assert codes(k.validate(s)) == ["kpi_unknown_metric", "kpi_unknown_curve", "kpi_no_steps", "kpi_step_required"]


def test_plan_target_only_for_plan_metrics_and_fixed_needs_a_target():
	s = scheme(Component("calls", D(50), None, target_source=k.PLAN), Component("meetings", D(50), D(0)))
	assert codes(k.validate(s)) == ["kpi_plan_target_metric", "kpi_target"]


def test_accelerator_below_one_and_empty_scheme():
	assert codes(k.validate(scheme(Component("revenue", D(100), D(1), curve=k.ACCELERATOR, accelerator=D("0.5"))))) == ["kpi_accelerator"]
	assert codes(k.validate(scheme())) == ["kpi_no_components"]


def test_two_schemes_covering_one_person_in_one_period():
	found = k.overlaps(
		[
			("A", date(2026, 10, 1), date(2026, 10, 31), ["p1", "p2"]),
			("B", date(2026, 10, 15), date(2026, 11, 15), ["p2", "p3"]),
			("C", date(2026, 11, 16), date(2026, 11, 30), ["p2"]),
		]
	)
	assert [(p.params["person"], p.params["scheme"], p.params["other"]) for p in found] == [("p2", "B", "A")]


# ----------------------------------------------------------------------------- helpers


def test_median_and_ratio():
	assert k.median([3, 1, 2]) == 2
	assert k.median([4, 1, 2, 3]) == D("2.5")
	assert k.median([]) == 0
	assert k.ratio_percent(1, 3) == D("33.33") and k.ratio_percent(1, 0) == 0


def test_split_adds_up_for_many_persons():
	shares = k.split(D("1000.00"), {f"p{i}": D(i + 1) for i in range(7)})
	assert sum(shares.values()) == D("1000.00")


# ----------------------------------------------------------------------------- deviation rules


def test_deviation_holds_only_for_n_consecutive_breaches():
	assert dv.holds([D(90), D(70), D(60)], dv.BELOW, D(80), 2)
	assert not dv.holds([D(70), D(90), D(60)], dv.BELOW, D(80), 2)
	assert not dv.holds([D(60)], dv.BELOW, D(80), 2)
	assert not dv.holds([D(60), None], dv.BELOW, D(80), 2)
	assert dv.holds([D(25)], dv.ABOVE, D(20), 1)


def test_deviation_fires_once_while_the_condition_persists():
	open_ = False
	fired = []
	for day, condition in enumerate([False, True, True, True, False, True]):
		verdict = dv.decide(condition, open_)
		if verdict == dv.FIRE:
			fired.append(day)
		open_ = verdict in (dv.FIRE, dv.HOLD)
	assert fired == [1, 5]


def test_deviation_rule_validation():
	assert codes(dv.validate("revenue", dv.BELOW, 2, ["todo"])) == []
	assert codes(dv.validate("vibes", "Sideways", 0, [])) == [
		"deviation_unknown_metric", "deviation_operator", "deviation_periods", "deviation_no_action"
	]  # fmt: skip
	assert codes(dv.validate("calls", dv.BELOW, 1, ["notify"], threshold=0)) == ["deviation_threshold"]
	assert codes(dv.validate("calls", dv.BELOW, 1, ["notify"], threshold=D("0.5"))) == []


@pytest.mark.parametrize("code", [c for c in TEMPLATES if c.startswith(("kpi_", "deviation_"))])
def test_templates_format_with_their_params(code):
	import string

	names = {f[1] for f in string.Formatter().parse(TEMPLATES[code]) if f[1]}
	assert TEMPLATES[code].format(**{n: "x" for n in names})
