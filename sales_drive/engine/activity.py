"""Parties worked in a period as a sum of additive cells (Base Burn's "worked"; pure, no frappe).

"Worked" is a DISTINCT count: the records with at least one transition-log row on a day of the period
[a, b]. Distinct counts do not add up over days, but this does: a record counts once for [a, b] exactly
when it has a row on a day t in [a, b] whose PREVIOUS row of the same record is on a day before a (or
that has no previous row). Each log row is therefore kept as a cell (t, previous day), counted:

- ``Day`` cells: (day of the row, day of the previous row or None);
- ``Month`` cells: the same pair, both days taken to the first of their month.

:func:`parts` splits a period into a few ranges of cells whose sum is the count (months the period
covers whole from Month cells, the edges from Day cells); :func:`count` evaluates them over a mapping of
cells (the reference the SQL in ``sales_drive.activity`` follows). Only days matter, so a chain's cells
depend on the multiset of its rows' days alone (:func:`cells`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

DAY, MONTH = "Day", "Month"


class Part(NamedTuple):
	"""Cells of ``grain`` with start <= period < end and, when ``previous_from`` is None, no previous row
	or one before ``previous_to``; else ``previous_from`` <= previous < ``previous_to``."""

	grain: str
	start: date
	end: date
	previous_from: date | None
	previous_to: date


def month_start(day: date | None) -> date | None:
	return day.replace(day=1) if day else None


def next_month(day: date) -> date:
	return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def chain_cells(days: Iterable[date]) -> list[tuple[date, date | None]]:
	"""(day, previous day or None) for each row of one record, given the days of its rows."""
	out, previous = [], None
	for day in sorted(days):
		out.append((day, previous))
		previous = day
	return out


def cells(days: Iterable[date]) -> Counter:
	"""The cells of one record's rows: (grain, period, previous) -> rows."""
	out: Counter = Counter()
	for day, previous in chain_cells(days):
		out[(DAY, day, previous)] += 1
		out[(MONTH, month_start(day), month_start(previous))] += 1
	return out


def appended_cells(last: date | None, day: date) -> Counter:
	"""The cells a row on ``day`` adds to a chain whose latest row is on ``last`` (None: no row), when it
	is the chain's latest (``day >= last``): ``cells(days + [day]) - cells(days)`` for any such ``days``,
	without them. The gate's save knows ``last`` without reading the record's rows."""
	if last is not None and day < last:
		raise ValueError("appended_cells: the row is earlier than the chain's latest row")
	return Counter({(DAY, day, last): 1, (MONTH, month_start(day), month_start(last)): 1})


def parts(from_date: date, to_date: date) -> list[Part]:
	"""The ranges of cells whose sum is the number of records worked in [from_date, to_date] (whole days)."""
	if from_date > to_date:
		return []
	after = to_date + timedelta(days=1)
	first = from_date if from_date.day == 1 else next_month(from_date)  # the first whole month
	end = month_start(after)  # the end of the last whole month
	if first >= end:  # no whole month: the days themselves
		return [Part(DAY, from_date, after, None, from_date)]
	# rows in the whole months whose previous row is before the start month: the Month cells; rows whose
	# previous row is in the start month before from_date: Day cells of those months
	out = [Part(MONTH, first, end, None, month_start(from_date))]
	if from_date < first:
		out.append(Part(DAY, from_date, first, None, from_date))
		out.append(Part(DAY, first, end, month_start(from_date), from_date))
	if end < after:
		out.append(Part(DAY, end, after, None, from_date))
	return out


def in_part(part: Part, grain: str, period: date, previous: date | None) -> bool:
	if grain != part.grain or not (part.start <= period < part.end):
		return False
	if part.previous_from is None:
		return previous is None or previous < part.previous_to
	return previous is not None and part.previous_from <= previous < part.previous_to


def count(kept: Mapping[tuple, int], from_date: date, to_date: date) -> int:
	"""Records worked in the period, from cells (grain, period, previous) -> rows."""
	return sum(n for key, n in kept.items() for part in parts(from_date, to_date) if in_part(part, *key))
