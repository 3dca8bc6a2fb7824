from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from sales_drive.engine.plan import (
	PlanError,
	allocate,
	base_targets,
	decompose,
	decompose_fixed,
	department_by_day,
	pace_forecast,
)
from sales_drive.engine.workdays import Calendar


def weekdays(start, n):
	out, d = [], start
	while len(out) < n:
		if d.weekday() < 5:
			out.append(d)
		d += timedelta(days=1)
	return out


FOUR = {f"M{i}": D(25) for i in range(1, 5)}
DAYS22 = weekdays(date(2026, 6, 1), 22)


def person_rows(rows, person):
	return [r for r in rows if r.sales_person == person]


def test_method_worked_example_next_day():
	facts = {(DAYS22[0], p): D(7500) for p in FOUR}
	rows = decompose(D(1_000_000), DAYS22, FOUR, facts, "next_day")
	dep = department_by_day(rows)
	# 1,000,000 / 22 = 45,454.55 a day (± a cent per person)
	assert abs(dep[DAYS22[0]]["target"] - D("45454.55")) <= D("0.04")
	assert dep[DAYS22[0]]["fact"] == D(30000)
	# day 2 = 45,454.55 + 15,454.55 = 60,909.09 (± a cent per person)
	assert abs(dep[DAYS22[1]]["target"] - D("60909.09")) <= D("0.04")
	assert abs(dep[DAYS22[1]]["carried_in"] - D("15454.55")) <= D("0.04")
	assert len(rows) == 22 * 4
	assert [r.date for r in rows] == sorted(r.date for r in rows)


def test_rows_have_the_contract_fields_as_attributes_and_keys():
	row = decompose(D(100), DAYS22[:2], {"A": D(100)})[0]
	for key in ("date", "sales_person", "target", "fact", "carried_in"):
		assert row[key] == getattr(row, key)


def test_base_targets_add_up_to_allocation_exactly():
	for total in (1, 99, 100_000_000, 25_000_000, 7):
		for n in (1, 3, 21, 22, 23):
			parts = base_targets(total, n)
			assert sum(parts) == total and max(parts) - min(parts) <= 1


def test_allocations_add_up_to_the_plan_to_the_kopeck():
	shares = {"A": D("33.33"), "B": D("33.33"), "C": D("33.34")}
	alloc = allocate(D("1000000.01"), shares)
	assert sum(alloc.values()) == D("1000000.01")
	three = allocate(D("100.00"), {"A": D(100) / 3, "B": D(100) / 3, "C": D(100) - 2 * (D(100) / 3)})
	assert sum(three.values()) == D("100.00")
	rows = decompose(D("1000000.01"), DAYS22, shares, {}, "none")
	for p, a in alloc.items():
		assert sum(r.target for r in person_rows(rows, p)) == a
		assert sum(r.base for r in person_rows(rows, p)) == a


def test_shares_must_sum_to_100():
	with pytest.raises(PlanError):
		decompose(D(100), DAYS22, {"A": D(60), "B": D(30)})


def test_no_working_days_and_negative_amounts_refused():
	with pytest.raises(PlanError):
		decompose(D(100), [], {"A": D(100)})
	with pytest.raises(PlanError):
		decompose(D(-1), DAYS22, {"A": D(100)})
	with pytest.raises(PlanError):
		decompose_fixed({"A": D(-5)}, DAYS22)
	with pytest.raises(PlanError):
		decompose(D(100), DAYS22, {"A": D(100)}, policy="weekly")


def test_none_policy_ignores_facts():
	rows = decompose(D(2200), DAYS22, {"A": D(100)}, {(DAYS22[0], "A"): D(0)}, "none")
	assert {r.target for r in rows} == {D(100)}
	assert {r.carried_in for r in rows} == {D(0)}


def test_next_day_carries_shortfall_then_catches_up():
	days = DAYS22[:4]
	rows = decompose(D(400), days, {"A": D(100)}, {(days[0], "A"): D(40), (days[1], "A"): D(160)}, "next_day")
	# day 3 sells nothing, so its 100 is carried into day 4
	assert [r.target for r in rows] == [D(100), D(160), D(100), D(200)]
	assert [r.carried_in for r in rows] == [D(0), D(60), D(0), D(100)]


def test_next_day_surplus_is_a_credit_never_below_zero():
	days = DAYS22[:4]
	rows = decompose(D(400), days, {"A": D(100)}, {(days[0], "A"): D(250)}, "next_day")
	# 150 surplus: day 2 target 0 (100 of the credit used), day 3 gets the other 50 off;
	# days 2 and 3 then sell nothing, and that shortfall carries on as usual
	assert [r.target for r in rows] == [D(100), D(0), D(50), D(150)]
	assert rows[1].carried_in == D(-100)


def test_spread_divides_what_remains_over_days_left():
	days = DAYS22[:4]
	facts = {(days[0], "A"): D(40), (days[1], "A"): D(120), (days[2], "A"): D(120)}
	rows = decompose(D(400), days, {"A": D(100)}, facts, "spread")
	assert [r.target for r in rows] == [D(100), D(120), D(120), D(120)]
	rows = decompose(D(400), days, {"A": D(100)}, {(days[0], "A"): D(40)}, "spread")
	assert [r.target for r in rows] == [D(100), D(120), D(180), D(360)]
	rows = decompose(D(400), days, {"A": D(100)}, {(days[0], "A"): D(500)}, "spread")
	assert [r.target for r in rows][1:] == [D(0), D(0), D(0)]


def test_spread_last_day_takes_the_exact_remainder():
	days = DAYS22[:3]
	facts = {(days[0], "A"): D("0.01"), (days[1], "A"): D("49.99")}
	rows = decompose(D("100.00"), days, {"A": D(100)}, facts, "spread")
	assert rows[1].target == D("50.00")  # 99.99 / 2 rounded half up
	assert rows[2].target == D("100.00") - D("0.01") - D("49.99")


def test_holidays_and_plan_starting_mid_month():
	holidays = {date(2026, 6, 12)}  # Russia Day
	cal = Calendar.of(holidays)
	days = cal.working_days(date(2026, 6, 15), date(2026, 6, 30))
	assert len(days) == 12 and date(2026, 6, 12) not in days
	rows = decompose(D(1200), days, {"A": D(100)})
	assert rows[0].date == date(2026, 6, 15) and rows[0].target == D(100)
	assert sum(r.base for r in rows) == D(1200)
	assert rows[-1].target == D(1200)  # nothing sold: the whole plan is due on the last day


def test_weekend_and_out_of_period_facts_count_on_the_nearest_working_day():
	days = weekdays(date(2026, 6, 1), 10)  # 1-12 June
	facts = {(date(2026, 6, 6), "A"): D(10), (date(2026, 7, 1), "A"): D(5), (date(2026, 5, 1), "A"): D(1)}
	rows = decompose(D(1000), days, {"A": D(100)}, facts, "next_day")
	by_day = {r.date: r.fact for r in rows}
	assert by_day[date(2026, 6, 8)] == D(10)  # Saturday -> Monday
	assert by_day[days[-1]] == D(5)
	assert by_day[days[0]] == D(1)


def test_backdated_and_cancelled_facts_move_the_past():
	days = DAYS22[:5]
	before = decompose(D(500), days, {"A": D(100)}, {(days[0], "A"): D(100)}, "next_day")
	# a cancelled invoice: the fact of day 1 is gone -> the shortfall carries into day 2 on recompute
	after = decompose(D(500), days, {"A": D(100)}, {}, "next_day")
	assert before[1].target == D(100) and after[1].target == D(200)
	# a backdated order on day 2 lowers day 3
	back = decompose(D(500), days, {"A": D(100)}, {(days[1], "A"): D(250)}, "next_day")
	assert [r.target for r in back] == [D(100), D(200), D(50), D(150), D(250)]


def test_fixed_amounts_per_person():
	rows = decompose_fixed({"A": D("1000.00"), "B": D("10.01")}, DAYS22[:3], {}, "none")
	assert sum(r.target for r in person_rows(rows, "A")) == D("1000.00")
	assert [r.target for r in person_rows(rows, "B")] == [D("3.34"), D("3.34"), D("3.33")]


def test_cumulative_columns_and_pace_forecast():
	days = DAYS22[:4]
	rows = decompose(D(400), days, {"A": D(100)}, {(days[0], "A"): D(50), (days[1], "A"): D(50)}, "next_day")
	assert [r.cumulative_target for r in rows] == [D(100), D(200), D(300), D(400)]
	assert [r.cumulative_fact for r in rows] == [D(50), D(100), D(100), D(100)]
	assert pace_forecast(D(100), 2, 4) == D(200)
	assert pace_forecast(D(100), 0, 4) == D(0)
