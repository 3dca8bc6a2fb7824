import random
from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest

from sales_drive.engine.probabilities import (
	ProbabilityError,
	by_regulation,
	from_counts,
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


# --- reopened records, from_counts, and the grouped-SQL shape of the same figures


def test_reopened_after_last_outcome_is_open():
	rows = path("r", ["Qualify"], "Lost", datetime(2026, 7, 1)) + [
		("r", "Reopen", "", "Qualify", datetime(2026, 7, 2))
	]
	assert by_step(historical(rows, ORDER, SINCE, UNTIL))["Qualify"].reached == 0
	# lost again after the reopen: closed, counted once
	rows.append(("r", "Lost", "Qualify", "", datetime(2026, 7, 3)))
	r = by_step(historical(rows, ORDER, SINCE, UNTIL))["Qualify"]
	assert (r.reached, r.won) == (1, 0)


def test_from_counts_same_rules_as_historical():
	counts = [("Qualify", 4, 1), ("Proposal", 3, 1), ("Contract", 2, 1)]
	conf = {"Qualify": 10, "Proposal": 40}
	assert from_counts(counts, ORDER, conf, 3) == historical(ROWS, ORDER, SINCE, UNTIL, conf, 3)


def test_from_counts_adds_repeated_steps_and_lists_unknown_after():
	r = from_counts([("Proposal", 2, 1), ("Proposal", 1, 1), ("Gone", 1, 0), ("", 5, 5)], ORDER)
	assert [(x.step, x.reached, x.won, x.historical) for x in r] == [
		("Qualify", 0, 0, None),
		("Proposal", 3, 2, D("66.7")),
		("Contract", 0, 0, None),
		("Gone", 1, 0, D("0.0")),
	]


def test_from_counts_refuses_more_won_than_reached():
	with pytest.raises(ProbabilityError):
		from_counts([("Qualify", 1, 2)], ORDER)


INTO = ("Enter", "Forward", "Skip", "Backward")


def sql_style(rows, since, until):
	"""What the adapter's grouped query does, step by step, over (regulation, ...) rows.

	Cohort: per (regulation, reference) the last Won / Lost / Reopen row by (time, kind) — the
	greatest ``str(time) + kind`` — kept when it is a Won / Lost row from ``since`` to before
	``until`` + 1 day. Then
	the distinct (regulation, reference, step) pairs named by any row of those records (the
	step left; the step entered, for Enter / Forward / Skip / Backward), grouped by step.
	"""
	last = {}
	for reg, ref, kind, _f, _t, time in rows:
		if kind in ("Won", "Lost", "Reopen") and time >= datetime.combine(since, datetime.min.time()):
			key = (reg, ref)
			event = time.isoformat(" ", "microseconds") + kind
			last[key] = max(last.get(key, ""), event)
	after = (until + timedelta(days=1)).isoformat()
	cohort = {k: e.endswith("Won") for k, e in last.items() if e < after and not e.endswith("Reopen")}
	pairs = set()
	for reg, ref, kind, from_step, to_step, _time in rows:
		if (reg, ref) in cohort:
			for step in (from_step, to_step if kind in INTO else None):
				if step:
					pairs.add((reg, ref, step))
	grouped = {}
	for reg, ref, step in pairs:
		c = grouped.setdefault(reg, {}).setdefault(step, [0, 0])
		c[0] += 1
		c[1] += cohort[(reg, ref)]
	return {reg: [(s, n, w) for s, (n, w) in steps.items()] for reg, steps in grouped.items()}


def random_log(seed, records=300):
	rnd = random.Random(seed)
	steps = ORDER + ["Old Step"]
	rows = []
	for i in range(records):
		reg = rnd.choice(["R1", "R2"])
		ref = f"r{i}"
		t = datetime(2026, rnd.randint(1, 11), rnd.randint(1, 28), rnd.randint(0, 23), rnd.choice([0, 59]))
		step = rnd.choice(steps)
		rows.append((reg, ref, "Enter", "", step, t))
		for _ in range(rnd.randint(0, 6)):
			t += timedelta(hours=rnd.choice([0, 1, 30, 400]))  # 0: two rows at the same moment
			kind = rnd.choice(["Forward", "Skip", "Backward", "Won", "Lost", "Lost", "Reopen"])
			if kind in ("Won", "Lost"):
				rows.append((reg, ref, kind, step, "", t))
			elif kind == "Reopen":
				rows.append((reg, ref, kind, "", step, t))
			else:
				new = rnd.choice(steps)
				rows.append((reg, ref, kind, step, new, t))
				step = new
		if rnd.random() < 0.1:  # moved to the other regulation: its rows there have no outcome
			rows.append(("R2" if reg == "R1" else "R1", ref, "Enter", "", rnd.choice(steps), t))
	return rows


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("months", [1, 4, 12])
def test_sql_style_aggregation_equals_historical(seed, months):
	rows = random_log(seed)
	since, until = window(date(2026, 9, 30), months)
	conf = {"Qualify": 20, "Proposal": 50}
	split = by_regulation(rows)
	counts = sql_style(rows, since, until)
	for reg in ("R1", "R2"):
		expected = historical(split.get(reg, []), ORDER, since, until, conf, 5)
		assert from_counts(counts.get(reg, []), ORDER, conf, 5) == expected
	# the data exercise what they should: closed, won, reopened, outside the window
	assert any(r.won for reg in ("R1", "R2") for r in historical(split[reg], ORDER, since, until))


def test_record_outcome_agrees_with_historical_on_random_histories():
	"""Per record (record_outcome + outcome_cells) summed = the cohort historical() computes from all rows."""
	import random
	from collections import Counter
	from datetime import datetime, timedelta

	from sales_drive.engine.probabilities import outcome_cells, record_outcome

	rng = random.Random(7)
	steps = ["A", "B", "C", "D"]
	kinds = ["Enter", "Forward", "Skip", "Backward", "Won", "Lost", "Reopen"]
	start = datetime(2025, 1, 1, 9)
	rows, per_record = [], {}
	n = 0
	for r in range(60):
		for _ in range(rng.randint(1, 8)):
			n += 1
			kind = rng.choice(kinds)
			# few distinct times, so ties at one moment happen
			when = start + timedelta(hours=rng.randint(0, 12) * 6)
			row = (kind, rng.choice(steps + [""]), rng.choice(steps + [""]), when, f"row{n:05d}")
			rows.append((f"rec{r}", *row[:4]))
			per_record.setdefault(f"rec{r}", []).append(row)
	# historical() breaks a tie of time and kind by the later row, record_outcome by the greater name:
	# the names grow in the rows' order, so both pick the same row
	expected = {p.step: (p.reached, p.won) for p in historical(rows, steps, date(2025, 1, 1), date(2025, 1, 4))}
	got = Counter()
	won = Counter()
	for history in per_record.values():
		for (_day, kind, step), k in outcome_cells(record_outcome(history)).items():
			got[step] += k
			won[step] += k if kind == "Won" else 0
	assert {s: (got[s], won[s]) for s in expected} == expected
	assert sum(got.values()) > 20  # the data has closed records at all
