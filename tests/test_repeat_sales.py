from datetime import date

import pytest

from sales_drive.engine.repeat_sales import (
	TEMPLATES,
	Order,
	RepeatSaleError,
	Rule,
	TooMany,
	in_season,
	problems,
	run,
	season_window,
	select,
	validate,
)

TODAY = date(2026, 11, 25)

ORDERS = [
	Order("Alpha", date(2026, 5, 1), "Paint"),
	Order("Alpha", date(2026, 8, 1), "Paint"),
	Order("Beta", date(2026, 11, 20), "Paint"),
	Order("Beta", date(2026, 1, 10), "Brushes"),
	Order("Gamma", date(2025, 12, 1), "Brushes"),
	Order("Delta", date(2026, 10, 26), "Paint"),
]

NO_ORDER = Rule("Sleeping 60", "No Order", days=60)
CROSS = Rule("Paint no brushes", "Cross Sell", item_group="Paint", missing_item_group="Brushes")


def test_no_order_for_n_days():
	assert select(NO_ORDER, ORDERS, TODAY) == {"Alpha": date(2026, 8, 1), "Gamma": date(2025, 12, 1)}


def test_no_order_boundary_is_inclusive():
	rule = Rule("30", "No Order", days=30)
	assert "Delta" in select(rule, ORDERS, TODAY)  # exactly 30 days
	assert "Delta" not in select(Rule("31", "No Order", days=31), ORDERS, TODAY)


def test_future_orders_ignored():
	orders = [Order("X", date(2026, 1, 1)), Order("X", date(2026, 12, 31))]
	assert select(NO_ORDER, orders, TODAY) == {"X": date(2026, 1, 1)}


def test_cross_sell():
	assert set(select(CROSS, ORDERS, TODAY)) == {"Alpha", "Delta"}


def test_cross_sell_reverse():
	rule = Rule("Brushes no paint", "Cross Sell", item_group="Brushes", missing_item_group="Paint")
	assert set(select(rule, ORDERS, TODAY)) == {"Gamma"}


def test_season_rule_last_year_buyers_not_yet_this_year():
	rule = Rule("Spring", "Season", item_group="Paint", season=((3, 1), (5, 31)))
	orders = [
		Order("A", date(2025, 4, 1), "Paint"),
		Order("B", date(2025, 4, 1), "Paint"),
		Order("B", date(2026, 3, 5), "Paint"),
		Order("C", date(2025, 4, 1), "Brushes"),
		Order("D", date(2024, 4, 1), "Paint"),
	]
	assert select(rule, orders, date(2026, 3, 10)) == {"A": date(2025, 4, 1)}
	assert select(rule, orders, date(2026, 7, 1)) == {}  # out of season


def test_season_wrapping_year_end():
	rule = Rule("Winter", "Season", season=((12, 1), (2, 28)))
	orders = [Order("A", date(2025, 1, 15)), Order("B", date(2025, 12, 20)), Order("B", date(2024, 12, 20))]
	# 10 Jan 2026: this season is Dec 2025–Feb 2026, last season Dec 2024–Feb 2025
	assert select(rule, orders, date(2026, 1, 10)) == {"A": date(2025, 1, 15)}


def test_season_window():
	s = ((12, 1), (2, 28))
	assert season_window(s, date(2026, 12, 5)) == (date(2026, 12, 1), date(2027, 2, 28))
	assert season_window(s, date(2026, 1, 5)) == (date(2025, 12, 1), date(2026, 2, 28))
	assert season_window(s, date(2026, 1, 5), years_back=1) == (date(2024, 12, 1), date(2025, 2, 28))
	assert season_window(s, date(2026, 6, 1)) is None
	assert season_window(((3, 1), (3, 1)), date(2026, 3, 1)) == (date(2026, 3, 1), date(2026, 3, 1))


def test_feb_29_in_a_common_year():
	assert season_window(((2, 1), (2, 29)), date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))


def test_date_window_limits_any_rule():
	rule = Rule("Sleeping in December", "No Order", days=60, season=((12, 1), (12, 31)))
	assert not in_season(rule, TODAY)
	assert select(rule, ORDERS, TODAY) == {}
	assert set(select(rule, ORDERS, date(2026, 12, 1))) == {"Alpha", "Gamma"}


def test_run_orders_longest_silence_first_and_assigns_farmer():
	r = run(NO_ORDER, ORDERS, TODAY, farmers={"Alpha": "farmer1"})
	assert [c.customer for c in r.candidates] == ["Gamma", "Alpha"]
	assert r.candidates[1].farmer == "farmer1"
	assert r.candidates[0].days_since == 359
	assert r.unassigned == ["Gamma"]


def test_run_at_most_one_open_per_customer_and_rule():
	r = run(NO_ORDER, ORDERS, TODAY, open_for_rule={"Gamma"})
	assert [c.customer for c in r.candidates] == ["Alpha"]
	assert r.skipped_open == ["Gamma"]


def test_run_skips_cooling():
	r = run(NO_ORDER, ORDERS, TODAY, excluded=["Alpha", "Gamma"], open_for_rule=["Gamma"])
	assert r.candidates == []
	assert r.skipped_excluded == ["Alpha"]
	assert r.skipped_open == ["Gamma"]


def test_run_over_maximum_raises_with_the_list():
	rule = Rule("Sleeping", "No Order", days=1, maximum=2)
	with pytest.raises(TooMany) as e:
		run(rule, ORDERS, TODAY)
	assert e.value.maximum == 2
	assert len(e.value.candidates) == 4


def test_dry_run_shows_full_list_over_maximum():
	rule = Rule("Sleeping", "No Order", days=1, maximum=2)
	r = run(rule, ORDERS, TODAY, dry_run=True)
	assert r.over_limit and r.dry_run
	assert len(r.candidates) == 4


def test_run_at_maximum_is_fine():
	rule = Rule("Sleeping", "No Order", days=60, maximum=2)
	r = run(rule, ORDERS, TODAY)
	assert not r.over_limit and len(r.candidates) == 2


def test_zero_maximum_means_no_limit():
	r = run(Rule("Sleeping", "No Order", days=1), ORDERS, TODAY)
	assert len(r.candidates) == 4 and not r.over_limit


@pytest.mark.parametrize(
	"rule, message",
	[
		(Rule("x", "Whatever"), "unknown kind"),
		(Rule("x", "No Order", days=0), "at least 1"),
		(Rule("x", "Cross Sell", item_group="Paint"), "both item groups"),
		(Rule("x", "Cross Sell", item_group="Paint", missing_item_group="Paint"), "the same"),
		(Rule("x", "Season"), "needs a season"),
		(Rule("x", "Season", season=((2, 30), (3, 1))), "not a date"),
		(Rule("x", "No Order", days=5, maximum=-1), "negative"),
	],
)
def test_invalid_rules(rule, message):
	with pytest.raises(RepeatSaleError, match=message):
		validate(rule)


def test_valid_leap_day_season():
	validate(Rule("x", "Season", season=((2, 29), (3, 1))))


def test_problems_lists_every_fault_with_its_parameters():
	rule = Rule(
		"x",
		"Cross Sell",
		item_group="Paint",
		missing_item_group="Paint",
		season=((2, 30), (13, 1)),
		maximum=-3,
	)
	found = [(p.code, p.params) for p in problems(rule)]
	assert found == [
		("same_item_groups", {"item_group": "Paint"}),
		("not_a_date", {"month": 2, "day": 30}),
		("not_a_date", {"month": 13, "day": 1}),
		("negative_maximum", {"maximum": -3}),
	]


def test_problem_templates_format_with_their_parameters():
	rule = Rule("x", "No Order", days=0, season=((0, 1), (1, 1)))
	for p in problems(rule, maximum_required=True):
		assert "{" not in TEMPLATES[p.code].format(**p.params)
	assert [p.code for p in problems(rule, maximum_required=True)] == ["days", "not_a_date", "no_maximum"]


def test_maximum_required_only_when_asked():
	rule = Rule("x", "No Order", days=30)
	assert problems(rule) == []
	assert [p.code for p in problems(rule, maximum_required=True)] == ["no_maximum"]
	assert problems(Rule("x", "No Order", days=30, maximum=1), maximum_required=True) == []
