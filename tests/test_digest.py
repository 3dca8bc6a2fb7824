from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from sales_drive.engine.digest import (
	DigestError,
	due,
	funnel_lines,
	morning,
	overdue_by_owner,
	percent,
	period_key,
	plan_lines,
	team_work,
	weekly,
)
from sales_drive.engine.plan import decompose_fixed

DAYS = [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)]
AMOUNTS = {"ann": D("500"), "bob": D("1000")}
FACTS = {
	(date(2026, 11, 23), "ann"): D("60"),
	(date(2026, 11, 23), "bob"): D("250"),
	(date(2026, 11, 24), "ann"): D("100"),
	(date(2026, 11, 24), "bob"): D("150"),
}
ROWS = decompose_fixed(AMOUNTS, DAYS, FACTS)
ORDER = ["Qualify", "Proposal", "Contract"]


def test_yesterday_fact_against_target_with_carry_over():
	lines, total, working = plan_lines(ROWS, date(2026, 11, 24))
	ann, bob = lines
	assert working
	assert (ann.sales_person, ann.target, ann.fact, ann.carried_in) == (
		"ann",
		D("140.00"),
		D("100.00"),
		D("40.00"),
	)
	assert ann.gap == D("-40.00") and ann.percent == D("71.4")
	assert (bob.target, bob.carried_in, bob.gap) == (D("150.00"), D("-50.00"), D("0.00"))
	assert total.target == D("290.00") and total.fact == D("250.00")
	assert (total.to_date_target, total.to_date_fact) == (D("600.00"), D("560.00"))


def test_team_filter():
	lines, total, _ = plan_lines(ROWS, date(2026, 11, 24), members={"bob"})
	assert [ln.sales_person for ln in lines] == ["bob"]
	assert total.fact == D("150.00")


def test_day_off_shows_figures_to_date():
	lines, total, working = plan_lines(ROWS, date(2026, 11, 29))
	assert not working
	assert total.target == 0 and total.fact == 0
	assert total.to_date_target == D("1500.00")
	assert total.percent is None


def test_day_before_period_is_empty():
	lines, total, working = plan_lines(ROWS, date(2026, 11, 1))
	assert lines == [] and not working and total.to_date_target == 0


def test_funnel_movement_per_step():
	counts = [
		("u1", "", "Qualify", "Enter", 5),
		("u2", "", "Qualify", "Enter", 2),
		("u1", "Qualify", "Proposal", "Forward", 3),
		("u1", "Qualify", "", "Lost", 1),
		("u2", "Proposal", "Qualify", "Backward", 1),
		("u2", "Proposal", "Contract", "Skip", 1),
		("u2", "Contract", "", "Won", 1),
	]
	lines = {ln.step: ln for ln in funnel_lines(ORDER, counts)}
	assert (lines["Qualify"].entered, lines["Qualify"].advanced, lines["Qualify"].lost) == (7, 3, 1)
	assert (lines["Proposal"].entered, lines["Proposal"].advanced, lines["Proposal"].back) == (3, 1, 1)
	assert (lines["Contract"].entered, lines["Contract"].advanced) == (1, 1)


def test_funnel_empty_day_lists_every_step():
	assert [(ln.step, ln.entered, ln.advanced, ln.lost) for ln in funnel_lines(ORDER, [])] == [
		("Qualify", 0, 0, 0),
		("Proposal", 0, 0, 0),
		("Contract", 0, 0, 0),
	]
	assert funnel_lines([], []) == []


def test_overdue_grouped_longest_first():
	rows = [
		("o1", "Qualify", "ann", 2),
		("o2", "Proposal", "ann", 5),
		("o3", "Qualify", "bob", 1),
		("o4", "Qualify", None, 3),
	]
	out = overdue_by_owner(rows)
	assert list(out) == ["ann", "", "bob"]
	assert [o.reference for o in out["ann"]] == ["o2", "o1"]
	assert list(overdue_by_owner(rows, members={"bob"})) == ["bob"]


def test_morning_digest_assembles():
	d = morning(
		date(2026, 11, 24),
		ROWS,
		ORDER,
		[("u1", "", "Qualify", "Enter", 1)],
		[("o1", "Qualify", "ann", 2)],
		refusals=3,
		deviations=["plan behind"],
	)
	assert d.working_day
	assert d.short == ["ann"]
	assert d.funnel[0].entered == 1
	assert d.overdue["ann"][0].days_over == 2
	assert d.refusals == 3 and d.deviations == ["plan behind"]


def test_morning_digest_for_a_team():
	d = morning(date(2026, 11, 24), ROWS, overdue=[("o1", "Qualify", "ann", 2)], members={"bob"})
	assert [ln.sales_person for ln in d.plan] == ["bob"]
	assert d.overdue == {}
	assert d.short == []


def test_weekly_money_percent_and_outlook():
	w = weekly(ROWS, date(2026, 11, 23), date(2026, 11, 24))
	assert w.fact == D("560.00")
	assert w.period_plan == D("1500.00")
	assert w.period_fact == D("560.00")
	assert w.percent_of_plan == D("37.3")
	assert w.forecast == D("1400.00")


def test_weekly_bad_range():
	with pytest.raises(DigestError):
		weekly(ROWS, date(2026, 11, 24), date(2026, 11, 23))


def test_percent():
	assert percent(D(1), D(3)) == D("33.3")
	assert percent(D(1), D(0)) is None


def test_period_keys_once_per_period():
	monday, sunday = date(2026, 11, 23), date(2026, 11, 29)
	assert period_key("morning", "head@x", monday) == "morning:head@x:2026-11-23"
	assert period_key("weekly", "dir@x", monday, "weekly") == period_key("weekly", "dir@x", sunday, "weekly")
	assert period_key("weekly", "dir@x", monday, "weekly") == "weekly:dir@x:2026-W48"
	sent = {period_key("morning", "head@x", monday)}
	assert not due(sent, "morning", "head@x", monday)
	assert due(sent, "morning", "head@x", monday + timedelta(days=1))
	assert due(sent, "morning", "lead@x", monday)
	with pytest.raises(DigestError):
		period_key("morning", "x", monday, "hourly")


def test_500_managers():
	days = [date(2026, 11, 2) + timedelta(days=i) for i in range(30)]
	people = {f"m{i:03d}": D("100000") for i in range(500)}
	facts = {(d, p): D("3000") for d in days[:22] for p in people}
	rows = decompose_fixed(people, days, facts)
	# volume only: speed is measured by a benchmark script, never by a timed test
	d = morning(days[21], rows, ORDER, [("m001", "", "Qualify", "Enter", 4)])
	assert len(d.plan) == 500


def test_team_work_ranks_money_then_moves():
	counts = [
		("ann", "Forward", 3),
		("ann", "Skip", 1),
		("ann", "Lost", 2),
		("bob", "Won", 1),
		("cid", "Enter", 4),
		(None, "Enter", 9),
	]
	lines = team_work(counts, {"bob": D("500"), "dan": D("100"), "eve": D("0")})
	assert [(w.sales_person, w.moves, w.advanced, w.won, w.lost, w.fact) for w in lines] == [
		("bob", 1, 0, 1, 0, D("500")),
		("dan", 0, 0, 0, 0, D("100")),
		("ann", 6, 4, 0, 2, D("0")),
		("cid", 4, 0, 0, 0, D("0")),
	]
