"""Sales funnel figures from grouped rows of the transition log.

The report runs two grouped queries over the log and hands their rows here:

- counts: ``(group, from_step, to_step, kind, n)`` — how many transitions of
  each kind went from one step to another, per group (an owner, or None);
- durations: ``(group, step, days, n)`` — how many records left ``step``
  after ``days`` working days in it.

Definitions over the period: *entered* a step = transitions into it of kind
Enter, Forward or Skip; *left forward* = transitions out of it of kind
Forward, Skip or Won; *lost* = Lost from it; *moved back* = Backward from it.
*Conversion* is the entered count of the next step over this step's entered
count; *pass rate* is left forward over everything that left the step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ENTERING = ("Enter", "Forward", "Skip")
FORWARD = ("Forward", "Skip", "Won")


@dataclass
class FunnelRow:
	group: str | None
	step: str
	entered: int = 0
	forward: int = 0
	lost: int = 0
	back: int = 0
	conversion: Decimal | None = None
	pass_rate: Decimal | None = None
	median_days: Decimal | None = None


def median_from_histogram(pairs: Iterable[tuple[float | Decimal, int]]) -> Decimal | None:
	"""The median of values given as (value, count) pairs."""
	items = sorted((Decimal(str(v)), int(n)) for v, n in pairs if n)
	total = sum(n for _, n in items)
	if not total:
		return None
	lo_rank, hi_rank = (total - 1) // 2, total // 2
	lo = hi = None
	seen = 0
	for value, n in items:
		if lo is None and seen + n > lo_rank:
			lo = value
		if seen + n > hi_rank:
			hi = value
			break
		seen += n
	return ((lo + hi) / 2).quantize(Decimal("0.01"), ROUND_HALF_UP)


# The duration histogram of the aggregates (sales_drive/aggregates.py): working days are kept exactly
# below EXACT_DAYS; from there on, in 8 buckets per doubling (64-71, 72-79, ..., 120-127, 128-143, ...).
# A bucket stands for its midpoint, so a median read from the buckets is exact below EXACT_DAYS and
# otherwise off by at most (width - 1) / 2 <= value / 16 working days (6.25 %): see median_error_bound.
EXACT_DAYS = 64
SUB_BUCKETS = 8  # per doubling


def days_bucket(days: int) -> int:
	"""The lowest value of the histogram bucket that holds ``days`` (a whole number of working days)."""
	days = int(days)
	if days < EXACT_DAYS:
		return days
	width = 1 << (days.bit_length() - 1 - SUB_BUCKETS.bit_length() + 1)
	return days - days % width


def bucket_width(low: int) -> int:
	low = int(low)
	if low < EXACT_DAYS:
		return 1
	return 1 << (low.bit_length() - 1 - SUB_BUCKETS.bit_length() + 1)


def bucket_value(low: int) -> Decimal:
	"""The value a bucket stands for: its midpoint (the value itself below EXACT_DAYS)."""
	return Decimal(int(low)) + Decimal(bucket_width(low) - 1) / 2


def bucket_sql(column: str, top_bits: int = 40) -> str:
	"""The same bucketing as :func:`days_bucket`, as an SQL expression over ``column`` (our code's)."""
	parts = [f"when {column} < {EXACT_DAYS} then {column}"]
	for bits in range(EXACT_DAYS.bit_length(), top_bits + 1):
		width = 1 << (bits - 1 - SUB_BUCKETS.bit_length() + 1)
		parts.append(f"when {column} < {1 << bits} then {column} - mod({column}, {width})")
	return f"(case {' '.join(parts)} else {column} end)"


def median_error_bound(shown: Decimal | float | int) -> Decimal:
	"""How far a median read from the buckets (``shown``) may be from the exact median, in working days.

	Each value moves to its bucket's midpoint, by at most (width - 1) / 2 < value / 16, and the mapping
	keeps the order, so the median moves by less than m / 16 (m the exact median), which is at most
	shown / 15. Below EXACT_DAYS / 2 both middle values are below EXACT_DAYS (a value from EXACT_DAYS up
	stands for at least 67.5, which would lift the median to 33.75 or more), so the median is exact.
	"""
	m = Decimal(str(shown))
	if m < EXACT_DAYS / 2:
		return Decimal(0)
	return m / 15


def _pct(num: int, den: int) -> Decimal | None:
	if not den:
		return None
	return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def funnel(
	order: Sequence[str],
	counts: Iterable[tuple],
	durations: Iterable[tuple] = (),
) -> list[FunnelRow]:
	"""One row per (group, step) in group order then step order."""
	rows: dict[tuple, FunnelRow] = {}
	groups: list = []

	def row(group, step) -> FunnelRow:
		key = (group, step)
		if key not in rows:
			if group not in groups:
				groups.append(group)
				for s in order:
					rows[(group, s)] = FunnelRow(group, s)
			if key not in rows:  # a step outside the regulation's order
				rows[key] = FunnelRow(group, step)
		return rows[key]

	for group, from_step, to_step, kind, n in counts:
		n = int(n or 0)
		if kind in ENTERING and to_step:
			row(group, to_step).entered += n
		if from_step:
			r = row(group, from_step)
			if kind in FORWARD:
				r.forward += n
			elif kind == "Lost":
				r.lost += n
			elif kind == "Backward":
				r.back += n

	hist: dict[tuple, list] = defaultdict(list)
	for group, step, days, n in durations:
		if step:
			row(group, step)
			hist[(group, step)].append((days, n))

	out: list[FunnelRow] = []
	for group in sorted(groups, key=lambda g: (g is None, str(g))):
		steps = [s for s in order] + sorted(s for (g, s) in rows if g == group and s not in order)
		for idx, step in enumerate(steps):
			r = rows[(group, step)]
			if step in order and idx + 1 < len(order):
				r.conversion = _pct(rows[(group, order[idx + 1])].entered, r.entered)
			r.pass_rate = _pct(r.forward, r.forward + r.lost + r.back)
			r.median_days = median_from_histogram(hist.get((group, step), ()))
			out.append(r)
	return out
