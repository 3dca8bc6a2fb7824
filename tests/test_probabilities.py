from datetime import date, datetime
from decimal import Decimal as D

import pytest

from sales_drive.engine.probabilities import (
	ProbabilityError,
	by_regulation,
	historical,
	window,
)

ORDER = ["Qualify", "Proposal", "Contract"]
SINCE, UNTIL = date(2026, 5, 25), date(2026, 11, 25)


def path(ref, steps, outcome, when, start=datetime(2026, 6, 1, 9)):
	rows = [(ref, "Enter", "", steps[0], start)]
	for a, b in zip(steps, steps[1:], strict=False):
		rows.append((ref, "Forward", a, b, start))
	if outcome:
		rows.append((ref, outcome, steps[-1], "", when))
	return rows


def by_step(result):
	return {r.step: r for r in result}


ROWS = (
	path("o1", ["Qualify", "Proposal", "Contract"], "Won", datetime(2026, 7, 1))
	+ path("o2", ["Qualify", "Proposal", "Contract"], "Lost", datetime(2026, 7, 2))
	+ path("o3", ["Qualify", "Proposal"], "Lost", datetime(2026, 7, 3))
	+ path("o4", ["Qualify"], "Lost", datetime(2026, 7, 4))
	+ path("o5", ["Qualify", "Proposal"], None, None)  # still open
)


def test_shares_per_step():
	r = by_step(historical(ROWS, ORDER, SINCE, UNTIL))
	assert (r["Qualify"].reached, r["Qualify"].won, r["Qualify"].historical) == (4, 1, D("25.0"))
	assert (r["Proposal"].reached, r["Proposal"].won, r["Proposal"].historical) == (3, 1, D("33.3"))
	assert (r["Contract"].reached, r["Contract"].won, r["Contract"].historical) == (2, 1, D("50.0"))


def test_steps_in_regulation_order():
	assert [r.step for r in historical(ROWS, ORDER, SINCE, UNTIL)] == ORDER


def test_gap_against_configured():
	r = by_step(
		historical(
			ROWS, ORDER, SINCE, UNTIL, configured={"Qualify": 10, "Proposal": D("40"), "Contract": None}
		)
	)
	assert r["Qualify"].gap == D("15.0")
	assert r["Proposal"].gap == D("-6.7")
	assert r["Contract"].configured is None and r["Contract"].gap is None


def test_open_records_not_counted():
	r = by_step(historical(path("x", ["Qualify"], None, None), ORDER, SINCE, UNTIL))
	assert r["Qualify"].reached == 0 and r["Qualify"].historical is None


def test_outcomes_outside_window_ignored():
	rows = path("old", ["Qualify"], "Won", datetime(2026, 1, 1)) + path(
		"new", ["Qualify"], "Lost", datetime(2026, 11, 25, 18)
	)
	r = by_step(historical(rows, ORDER, SINCE, UNTIL))
	assert (r["Qualify"].reached, r["Qualify"].won) == (1, 0)


def test_last_outcome_counts_after_reopen():
	rows = path("o", ["Qualify"], "Lost", datetime(2026, 7, 1)) + [
		("o", "Won", "Qualify", "", datetime(2026, 8, 1))
	]
	assert by_step(historical(rows, ORDER, SINCE, UNTIL))["Qualify"].won == 1


def test_skipped_step_not_reached():
	rows = [
		("s", "Enter", "", "Qualify", datetime(2026, 6, 1)),
		("s", "Skip", "Qualify", "Contract", datetime(2026, 6, 2)),
		("s", "Won", "Contract", "", datetime(2026, 6, 3)),
	]
	r = by_step(historical(rows, ORDER, SINCE, UNTIL))
	assert r["Proposal"].reached == 0
	assert r["Qualify"].historical == D("100.0") and r["Contract"].historical == D("100.0")


def test_backward_counts_as_reaching():
	rows = [
		("b", "Enter", "", "Proposal", datetime(2026, 6, 1)),
		("b", "Backward", "Proposal", "Qualify", datetime(2026, 6, 2)),
		("b", "Lost", "Qualify", "", datetime(2026, 6, 3)),
	]
	r = by_step(historical(rows, ORDER, SINCE, UNTIL))
	assert r["Qualify"].reached == 1 and r["Proposal"].reached == 1


def test_steps_outside_order_listed_after():
	rows = [
		("z", "Enter", "", "Old Step", datetime(2026, 6, 1)),
		("z", "Won", "Old Step", "", datetime(2026, 6, 2)),
	]
	assert [r.step for r in historical(rows, ORDER, SINCE, UNTIL)] == ORDER + ["Old Step"]


def test_low_sample_flag():
	r = by_step(historical(ROWS, ORDER, SINCE, UNTIL, min_sample=3))
	assert not r["Qualify"].low_sample and not r["Proposal"].low_sample and r["Contract"].low_sample


def test_date_and_string_times():
	rows = [
		("d", "Enter", "", "Qualify", date(2026, 6, 1)),
		("d", "Won", "Qualify", "", "2026-06-02 10:00:00"),
	]
	assert by_step(historical(rows, ORDER, SINCE, UNTIL))["Qualify"].won == 1


def test_bad_time():
	with pytest.raises(ProbabilityError):
		historical([("d", "Won", "Qualify", "", 123)], ORDER, SINCE, UNTIL)


def test_window_months():
	assert window(date(2026, 11, 25), 6) == (date(2026, 5, 26), date(2026, 11, 25))
	assert window(date(2026, 8, 31), 6) == (date(2026, 3, 1), date(2026, 8, 31))
	with pytest.raises(ProbabilityError):
		window(date(2026, 1, 1), 0)


def test_inverted_window():
	with pytest.raises(ProbabilityError):
		historical([], ORDER, UNTIL, SINCE)


def test_empty_log():
	r = historical([], ORDER, SINCE, UNTIL)
	assert [(x.reached, x.historical, x.gap) for x in r] == [(0, None, None)] * 3


def test_by_regulation():
	rows = [("R1", "a", "Won", "S", "", date(2026, 6, 1)), ("R2", "b", "Lost", "S", "", date(2026, 6, 1))]
	split = by_regulation(rows)
	assert split == {
		"R1": [("a", "Won", "S", "", date(2026, 6, 1))],
		"R2": [("b", "Lost", "S", "", date(2026, 6, 1))],
	}
