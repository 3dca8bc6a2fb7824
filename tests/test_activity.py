"""Parties worked in a period from additive cells (sales_drive.engine.activity): the decomposition
equals a distinct count of the records over every kind of period."""

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from sales_drive.engine.activity import DAY, MONTH, Part, appended_cells, cells, chain_cells, count, parts

START = date(2024, 11, 20)


def distinct(chains, a, b):
	return sum(1 for days in chains if any(a <= d <= b for d in days))


def kept(chains):
	out = Counter()
	for days in chains:
		out.update(cells(days))
	return out


def test_a_chain_keeps_each_row_with_its_previous_day():
	d1, d2 = date(2025, 1, 31), date(2025, 2, 1)
	assert chain_cells([d2, d1, d2]) == [(d1, None), (d2, d1), (d2, d2)]
	assert cells([d1, d2]) == Counter({(DAY, d1, None): 1, (DAY, d2, d1): 1, (MONTH, date(2025, 1, 1), None): 1,
		(MONTH, date(2025, 2, 1), date(2025, 1, 1)): 1})  # fmt: skip


def test_parts_of_a_period():
	assert parts(date(2025, 3, 5), date(2025, 3, 5)) == [Part(DAY, date(2025, 3, 5), date(2025, 3, 6), None, date(2025, 3, 5))]
	assert parts(date(2025, 3, 1), date(2025, 4, 30)) == [Part(MONTH, date(2025, 3, 1), date(2025, 5, 1), None, date(2025, 3, 1))]
	assert len(parts(date(2024, 12, 3), date(2026, 12, 3))) == 4
	assert parts(date(2025, 3, 2), date(2025, 3, 1)) == []


def test_counts_equal_a_distinct_count_over_random_periods():
	rng = random.Random(15)
	chains = []
	for _ in range(400):
		first = START + timedelta(days=rng.randrange(500))
		days = [first]
		for _ in range(rng.randrange(8)):
			days.append(days[-1] + timedelta(days=rng.choice([0, 0, 1, 3, 12, 30, 45, 200])))
		rng.shuffle(days)
		chains.append(days)
	cells_kept = kept(chains)
	periods = [(date(2025, 1, 1), date(2025, 1, 31)), (date(2025, 1, 15), date(2025, 2, 14)),
		(date(2025, 2, 28), date(2025, 2, 28)), (date(2024, 12, 3), date(2026, 12, 3)), (date(2025, 3, 1), date(2025, 3, 1)),
		(date(2025, 1, 31), date(2025, 2, 1)), (date(2025, 12, 31), date(2026, 1, 1))]  # fmt: skip
	for _ in range(300):
		a = START + timedelta(days=rng.randrange(-20, 700))
		periods.append((a, a + timedelta(days=rng.choice([0, 1, 15, 30, 31, 59, 90, 400, 730]))))
	for a, b in periods:
		assert count(cells_kept, a, b) == distinct(chains, a, b), (a, b)


def test_appended_cells_are_the_difference_of_the_chain_cells():
	"""A row on the chain's last day or after adds exactly appended_cells(last, day), whatever came before."""
	rng = random.Random(11)
	base = date(2024, 12, 20)
	for _ in range(300):
		days = [base + timedelta(days=rng.randint(0, 60)) for _ in range(rng.randint(0, 5))]
		last = max(days) if days else None
		for day in ((last or base) + timedelta(days=k) for k in (0, 1, 12, 40)):
			expected = cells(days + [day])
			expected.subtract(cells(days))
			assert appended_cells(last, day) == +expected, (days, day)
	with pytest.raises(ValueError):
		appended_cells(date(2025, 1, 2), date(2025, 1, 1))
