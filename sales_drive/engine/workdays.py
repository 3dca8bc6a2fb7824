"""Working-day arithmetic over a set of holidays.

ERPNext's Holiday List already contains the weekly offs as holiday rows, so a
caller that has a holiday list passes ``weekly_off=()``; without a holiday list
the weekend (Saturday, Sunday) is the default.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEKEND = (5, 6)  # Saturday, Sunday


def _as_date(value: date | datetime) -> date:
	return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Calendar:
	"""Which days are worked: not a holiday and not a weekly off."""

	holidays: frozenset[date] = frozenset()
	weekly_off: tuple[int, ...] = WEEKEND

	@classmethod
	def of(cls, holidays: Iterable[date] = (), weekly_off: Iterable[int] | None = None) -> Calendar:
		return cls(frozenset(holidays), tuple(WEEKEND if weekly_off is None else weekly_off))

	def is_working(self, day: date) -> bool:
		return day.weekday() not in self.weekly_off and day not in self.holidays

	def working_days(self, start: date, end: date) -> list[date]:
		"""Working days in [start, end], both inclusive, in order."""
		out = []
		day = start
		while day <= end:
			if self.is_working(day):
				out.append(day)
			day += timedelta(days=1)
		return out

	def days_between(self, start: date | datetime, end: date | datetime) -> int:
		"""Whole working days elapsed after ``start`` up to and including ``end``.

		Entering a step on Friday and looking on Monday is one working day
		(Monday) when the weekend is off. ``end`` before ``start`` gives 0.
		"""
		start, end = _as_date(start), _as_date(end)
		if end <= start:
			return 0
		return sum(1 for _ in self._iter_working(start + timedelta(days=1), end))

	def add_working_days(self, start: date | datetime, days: int) -> date:
		"""The date on which ``days`` working days after ``start`` have passed."""
		day = _as_date(start)
		if days <= 0:
			return day
		left = days
		while left:
			day += timedelta(days=1)
			if self.is_working(day):
				left -= 1
		return day

	def _iter_working(self, start: date, end: date):
		day = start
		while day <= end:
			if self.is_working(day):
				yield day
			day += timedelta(days=1)


class WorkdayIndex:
	"""O(1) working-day counts for many records over one calendar window.

	Reports that compute "days in step" for thousands of open records build
	one index over the window and look every record up in it.
	"""

	def __init__(self, calendar: Calendar, start: date, end: date):
		self.start = start
		self.end = end
		self._days = calendar.working_days(start, end)
		self._calendar = calendar

	def count_until(self, day: date) -> int:
		"""Number of working days in [start, day]."""
		return bisect_left(self._days, day + timedelta(days=1))

	def days_between(self, start: date | datetime, end: date | datetime) -> int:
		start, end = _as_date(start), _as_date(end)
		if end <= start:
			return 0
		if start < self.start or end > self.end:
			return self._calendar.days_between(start, end)
		return self.count_until(end) - self.count_until(start)
