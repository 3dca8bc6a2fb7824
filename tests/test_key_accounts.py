from datetime import date
from decimal import Decimal as D

import pytest

from sales_drive.engine.key_accounts import (
	KeyAccountError,
	add_months,
	check_threshold,
	classify,
	review,
	rolling_period,
	totals,
)

ROWS = [("A", D("500")), ("B", D("300")), ("C", D("100")), ("D", D("60")), ("E", D("40"))]


def test_totals_sum_per_customer():
	assert totals([("A", 1), ("B", "2.5"), ("A", D("3")), ("", 9), (None, 9)]) == {"A": D(4), "B": D("2.5")}


def test_float_amounts_are_exact():
	assert totals([("A", 0.1), ("A", 0.2)]) == {"A": D("0.3")}


def test_revenue_basis_takes_fewest_reaching_the_share():
	c = classify(ROWS, 80)
	assert c.key_accounts == ["A", "B"]
	assert c.total == D(1000)
	assert c.key_revenue == D(800)


def test_revenue_basis_just_above_boundary():
	assert classify(ROWS, D("80.1")).key_accounts == ["A", "B", "C"]


def test_small_share_takes_the_top_customer():
	assert classify(ROWS, 20).key_accounts == ["A"]


def test_zero_threshold_nobody():
	assert classify(ROWS, 0).key_accounts == []


def test_hundred_threshold_everyone_with_revenue():
	rows = ROWS + [("F", D("-10")), ("G", 0)]
	assert classify(rows, 100).key_accounts == ["A", "B", "C", "D", "E"]


def test_customers_basis_top_percent_by_count_rounded_up():
	assert classify(ROWS, 20, basis="customers").key_accounts == ["A"]
	assert classify(ROWS, 21, basis="customers").key_accounts == ["A", "B"]
	assert classify(ROWS, 0, basis="customers").key_accounts == []


def test_ties_at_boundary_are_all_taken():
	rows = [("A", 100), ("B", 50), ("C", 50), ("D", 10)]
	assert classify(rows, 47).key_accounts == ["A"]
	assert classify(rows, 60).key_accounts == ["A", "B", "C"]
	assert classify(rows, 25, basis="customers").key_accounts == ["A"]
	assert classify(rows, 50, basis="customers").key_accounts == ["A", "B", "C"]


def test_ranking_order_and_shares():
	rows = [("Z", 10), ("A", 10), ("M", 30)]
	c = classify(rows, 50)
	assert [r.customer for r in c.ranking] == ["M", "A", "Z"]
	assert [r.share for r in c.ranking] == [D("60.0"), D("20.0"), D("20.0")]
	assert c.ranking[-1].cumulative_share == D("100.0")
	assert [r.key for r in c.ranking] == [True, False, False]


def test_returns_net_off_and_negative_customers_excluded():
	rows = [("A", 100), ("A", -100), ("B", 10), ("C", -5)]
	c = classify(rows, 100)
	assert [r.customer for r in c.ranking] == ["B"]
	assert c.key_accounts == ["B"]


def test_no_rows():
	c = classify([], 20)
	assert c.key_accounts == []
	assert c.total == 0
	assert c.ranking == ()


@pytest.mark.parametrize("bad", [-1, D("100.01"), 101, "abc", "NaN", float("inf")])
def test_threshold_outside_range(bad):
	with pytest.raises(KeyAccountError):
		classify(ROWS, bad)


@pytest.mark.parametrize("ok", [0, 100, "20", 20.5, D("99.9")])
def test_threshold_inside_range(ok):
	assert 0 <= check_threshold(ok) <= 100


def test_unknown_basis():
	with pytest.raises(KeyAccountError, match="basis"):
		classify(ROWS, 20, basis="profit")


def test_review_moved_in_and_out():
	r = review(["A", "B", "C"], ["B", "C", "D", "E"])
	assert r.moved_in == ["D", "E"]
	assert r.moved_out == ["A"]
	assert r.stayed == ["B", "C"]


def test_review_first_classification():
	r = review([], ["B", "A"])
	assert r.moved_in == ["A", "B"] and r.moved_out == [] and r.stayed == []


def test_monthly_review_from_two_classifications():
	before = classify([("A", 90), ("B", 10)], 80).key_accounts
	after = classify([("A", 10), ("B", 90)], 80).key_accounts
	r = review(before, after)
	assert (r.moved_in, r.moved_out) == (["B"], ["A"])


def test_add_months_clamps():
	assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
	assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
	assert add_months(date(2026, 1, 15), -12) == date(2025, 1, 15)
	assert add_months(date(2026, 11, 30), 2) == date(2027, 1, 30)


def test_rolling_period():
	assert rolling_period(date(2026, 11, 25), 12) == (date(2025, 11, 26), date(2026, 11, 25))
	assert rolling_period(date(2026, 3, 31), 1) == (date(2026, 3, 1), date(2026, 3, 31))
	with pytest.raises(KeyAccountError):
		rolling_period(date(2026, 1, 1), 0)


def test_200k_invoices_classify():
	# volume only: speed is measured by a benchmark script, never by a timed test
	rows = [(f"C{i % 5000:05d}", D(i % 997) + D("0.01")) for i in range(200_000)]
	c = classify(rows, 80)
	assert c.key_accounts
	assert len(c.key_accounts) < 5000
