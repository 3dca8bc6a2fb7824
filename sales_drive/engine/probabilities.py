"""Step probabilities from history: how many records that reached a step were won.

Input is the transition log as rows ``(reference, kind, from_step, to_step,
time)`` (kinds as in :mod:`.funnel`: Enter, Forward, Skip, Backward, Won,
Lost, Reopen). A record's *outcome* is its last Won or Lost row; records
whose outcome falls within the window ``[since, until]`` form the cohort —
still open records are not counted (they would pull every probability down),
and neither is a record reopened after its last outcome (it is open again).
Of rows at the same moment, Won counts after Reopen, Reopen after Lost. A
record *reached* a step when a row enters it (Enter, Forward, Skip, Backward
into it) or leaves it; a skipped step was not reached.

For each step: ``reached`` (cohort records that reached it), ``won`` (of
them, those won), ``historical`` = won / reached in percent with one
decimal, ``configured`` (the regulation's probability) and ``gap`` =
historical − configured in percentage points. ``low_sample`` marks steps
reached by fewer than ``min_sample`` records, whose figure is not to be
trusted yet.

:func:`historical` does it all from the rows; :func:`from_counts` turns
per-step counts aggregated elsewhere (one grouped SQL query over the log)
into the same rows, so the percent, gap and low-sample rules live in one
place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .key_accounts import add_months

OUTCOMES = ("Won", "Lost")
REOPEN = "Reopen"
CLOSING = (*OUTCOMES, REOPEN)  # the kinds of rows that close a record or reopen it
INTO = ("Enter", "Forward", "Skip", "Backward")


class ProbabilityError(ValueError):
	pass


@dataclass(frozen=True)
class StepProbability:
	step: str
	reached: int
	won: int
	historical: Decimal | None
	configured: Decimal | None
	gap: Decimal | None
	low_sample: bool


def _day(value) -> date:
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	if isinstance(value, str):
		return date.fromisoformat(value[:10])
	raise ProbabilityError(f"Not a date or time: {value!r}")


def window(today: date, months: int) -> tuple[date, date]:
	"""The last ``months`` months up to and including ``today``: (first day, today).

	The same window as :func:`.key_accounts.rolling_period`.
	"""
	if months < 1:
		raise ProbabilityError(f"The window must be at least one month, not {months}")
	return add_months(today, -months) + timedelta(days=1), today


def historical(
	rows: Iterable[tuple],
	order: Sequence[str],
	since: date,
	until: date,
	configured: Mapping[str, int | Decimal | None] | None = None,
	min_sample: int = 0,
) -> list[StepProbability]:
	"""One row per step of ``order`` (then any other step seen, by name)."""
	if since > until:
		raise ProbabilityError("The window starts after it ends")
	reached: dict[str, set[str]] = {}
	last: dict[str, tuple] = {}
	for reference, kind, from_step, to_step, time in rows:
		steps = reached.setdefault(reference, set())
		if from_step:
			steps.add(from_step)
		if to_step and kind in INTO:
			steps.add(to_step)
		if kind in OUTCOMES or kind == REOPEN:
			key = (_as_sort_key(time), kind)
			if reference not in last or key >= last[reference]:
				last[reference] = key
	cohort = {r: k == "Won" for r, (t, k) in last.items() if k in OUTCOMES and since <= _day(t) <= until}
	counts: dict[str, list[int]] = {}
	for reference, won in cohort.items():
		for step in reached.get(reference, ()):
			c = counts.setdefault(step, [0, 0])
			c[0] += 1
			c[1] += won
	return from_counts(((step, n, w) for step, (n, w) in counts.items()), order, configured, min_sample)


@dataclass(frozen=True)
class Outcome:
	"""A closed record's outcome: its last Won or Lost row (``kind``, ``time``, log row ``row``) and the
	steps it reached (see the module docstring)."""

	kind: str
	time: datetime
	row: str
	steps: frozenset[str]


def reached_steps(rows: Iterable[tuple]) -> frozenset[str]:
	"""The steps a record reached, from its rows ``(kind, from_step, to_step, ...)``."""
	steps = set()
	for kind, from_step, to_step, *_rest in rows:
		if from_step:
			steps.add(from_step)
		if to_step and kind in INTO:
			steps.add(to_step)
	return frozenset(steps)


def record_outcome(rows: Iterable[tuple]) -> Outcome | None:
	"""The outcome of ONE record under one regulation from all its log rows ``(kind, from_step, to_step,
	time, row name)``, or None while it is open (no Won / Lost row, or reopened since the last one).

	The last of its Won / Lost / Reopen rows decides, ordered by time, then kind (at the same moment Won
	after Reopen after Lost, as :func:`historical` orders them), then row name (exact ties).
	"""
	rows = list(rows)
	last = None
	for kind, _from, _to, time, name in rows:
		if kind in OUTCOMES or kind == REOPEN:
			key = (_as_sort_key(time), kind, name or "")
			if last is None or key > last:
				last = key
	if last is None or last[1] not in OUTCOMES:
		return None
	return Outcome(last[1], last[0], last[2], reached_steps(rows))


def outcome_cells(outcome: Outcome | None) -> dict[tuple[date, str, str], int]:
	"""What a record adds to the outcome totals: (day of the outcome, Won / Lost, step) -> 1 per step."""
	if outcome is None:
		return {}
	return {(outcome.time.date(), outcome.kind, step): 1 for step in outcome.steps}


def from_counts(
	counts: Iterable[tuple[str, int, int]],
	order: Sequence[str],
	configured: Mapping[str, int | Decimal | None] | None = None,
	min_sample: int = 0,
) -> list[StepProbability]:
	"""The rows of :func:`historical` from ``(step, reached, won)`` counts already aggregated.

	One row per step of ``order`` (then any other counted step, by name); a
	step counted twice has its counts added.
	"""
	totals: dict[str, list[int]] = {s: [0, 0] for s in order}
	for step, n, won in counts:
		if not step:
			continue
		if int(won) > int(n) or int(won) < 0:
			raise ProbabilityError(f"Step {step!r}: {won} won of {n} reached")
		c = totals.setdefault(step, [0, 0])
		c[0] += int(n)
		c[1] += int(won)
	configured = configured or {}
	steps = list(order) + sorted(s for s in totals if s not in order)
	out = []
	for step in steps:
		n, won = totals[step]
		hist = _pct(won, n)
		conf = configured.get(step)
		conf = None if conf is None else Decimal(conf)
		gap = None if hist is None or conf is None else hist - conf
		out.append(StepProbability(step, n, won, hist, conf, gap, n < min_sample))
	return out


def by_regulation(rows: Iterable[tuple]) -> dict[str, list[tuple]]:
	"""Split rows ``(regulation, reference, kind, from_step, to_step, time)`` per regulation."""
	out: dict[str, list[tuple]] = {}
	for regulation, *rest in rows:
		out.setdefault(regulation, []).append(tuple(rest))
	return out


def _as_sort_key(time):
	"""Times of one log compare as datetimes; a bare date sorts as its midnight."""
	if isinstance(time, datetime):
		return time
	if isinstance(time, date):
		return datetime(time.year, time.month, time.day)
	if isinstance(time, str):
		return datetime.fromisoformat(time)
	raise ProbabilityError(f"Not a date or time: {time!r}")


def _pct(num: int, den: int) -> Decimal | None:
	if not den:
		return None
	return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"), ROUND_HALF_UP)
