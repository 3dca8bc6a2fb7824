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
