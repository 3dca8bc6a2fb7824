"""Figures of the head of sales' morning report and the director's weekly.

Built from the same engine figures as the reports: the decomposed plan rows
of :mod:`.plan` (target with carry-over, fact) and the funnel of
:mod:`.funnel` over the day's transition counts. The adapter gathers the
inputs, renders and sends; :func:`period_key` names what was sent so a
period's report goes out once, never twice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .funnel import funnel
from .plan import PlanRow, pace_forecast

ZERO = Decimal(0)
CADENCES = ("daily", "weekly")


class DigestError(ValueError):
	pass


@dataclass(frozen=True)
class PlanLine:
	sales_person: str | None  # None: the total
	target: Decimal
	fact: Decimal
	carried_in: Decimal
	gap: Decimal  # fact − target; negative: short
	percent: Decimal | None
	to_date_target: Decimal
	to_date_fact: Decimal


@dataclass(frozen=True)
class FunnelLine:
	step: str
	entered: int
	advanced: int
	lost: int
	back: int


@dataclass(frozen=True)
class Overdue:
	reference: str
	step: str
	owner: str
	days_over: int


@dataclass
class MorningDigest:
	day: date
	working_day: bool
	plan: list[PlanLine]
	total: PlanLine
	funnel: list[FunnelLine]
	overdue: dict[str, list[Overdue]] = field(default_factory=dict)
	refusals: int = 0
	deviations: list = field(default_factory=list)

	@property
	def short(self) -> list[str]:
		"""People whose fact fell short of their target that day."""
		return [p.sales_person for p in self.plan if p.gap < 0]


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
	if not whole:
		return None
	return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _line(person, target, fact, carried, cum_target, cum_fact) -> PlanLine:
	return PlanLine(person, target, fact, carried, fact - target, percent(fact, target), cum_target, cum_fact)


def plan_lines(
	rows: Sequence[PlanRow], day: date, members: Collection[str] | None = None
) -> tuple[list[PlanLine], PlanLine, bool]:
	"""Each person's line for ``day`` (sorted by name) and the total; False when ``day`` has no plan rows.

	``members`` limits the lines to a team. On a day off the lines show the
	figures to date (through the last working day before it) with zero day
	figures.
	"""
	mine = [r for r in rows if members is None or r.sales_person in members]
	today = [r for r in mine if r.date == day]
	working = bool(today)
	if not working:
		last: dict[str, PlanRow] = {}
		for r in mine:
			if r.date < day:
				last[r.sales_person] = r
		lines = [_line(p, ZERO, ZERO, ZERO, r.cumulative_target, r.cumulative_fact) for p, r in last.items()]
	else:
		lines = [
			_line(r.sales_person, r.target, r.fact, r.carried_in, r.cumulative_target, r.cumulative_fact)
			for r in today
		]
	lines.sort(key=lambda ln: str(ln.sales_person))
	total = _line(
		None,
		sum((ln.target for ln in lines), ZERO),
		sum((ln.fact for ln in lines), ZERO),
		sum((ln.carried_in for ln in lines), ZERO),
		sum((ln.to_date_target for ln in lines), ZERO),
		sum((ln.to_date_fact for ln in lines), ZERO),
	)
	return lines, total, working


def funnel_lines(order: Sequence[str], counts: Iterable[tuple]) -> list[FunnelLine]:
	"""Entered, advanced, lost and moved back per step, from one day's ``(group, from, to, kind, n)`` counts.

	Groups are summed: the digest's funnel is the team's. A quiet day still
	lists every step, with zeros.
	"""
	rows = funnel(order, [(None, f, t, k, n) for _g, f, t, k, n in counts])
	if not rows:
		return [FunnelLine(s, 0, 0, 0, 0) for s in order]
	return [FunnelLine(r.step, r.entered, r.forward, r.lost, r.back) for r in rows]


def overdue_by_owner(
	rows: Iterable[tuple], members: Collection[str] | None = None
) -> dict[str, list[Overdue]]:
	"""``(reference, step, owner, days_over)`` rows grouped per owner, the longest overdue first."""
	out: dict[str, list[Overdue]] = {}
	for reference, step, owner, days_over in rows:
		if members is not None and owner not in members:
			continue
		out.setdefault(owner or "", []).append(Overdue(reference, step, owner or "", int(days_over)))
	for items in out.values():
		items.sort(key=lambda o: (-o.days_over, o.reference))
	return dict(sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def morning(
	day: date,
	plan_rows: Sequence[PlanRow],
	order: Sequence[str] = (),
	counts: Iterable[tuple] = (),
	overdue: Iterable[tuple] = (),
	refusals: int = 0,
	deviations: Iterable = (),
	members: Collection[str] | None = None,
) -> MorningDigest:
	"""The morning report's figures for ``day`` (yesterday, passed in), for everyone or a team."""
	lines, total, working = plan_lines(plan_rows, day, members)
	return MorningDigest(
		day,
		working,
		lines,
		total,
		funnel_lines(order, counts),
		overdue_by_owner(overdue, members),
		int(refusals),
		list(deviations),
	)


@dataclass(frozen=True)
class Weekly:
	start: date
	end: date
	fact: Decimal  # money this week
	period_plan: Decimal
	period_fact: Decimal  # to the week's end
	percent_of_plan: Decimal | None
	forecast: Decimal  # the period's fact at its end if the pace goes on


def weekly(rows: Sequence[PlanRow], start: date, end: date) -> Weekly:
	"""The director's weekly figures from the period's plan rows."""
	if start > end:
		raise DigestError("The week starts after it ends")
	days = sorted({r.date for r in rows})
	week = [r for r in rows if start <= r.date <= end]
	to_date = [r for r in rows if r.date <= end]
	plan_total = sum((r.base for r in rows), ZERO)
	fact_to_date = sum((r.fact for r in to_date), ZERO)
	done = len([d for d in days if d <= end])
	return Weekly(
		start,
		end,
		sum((r.fact for r in week), ZERO),
		plan_total,
		fact_to_date,
		percent(fact_to_date, plan_total),
		pace_forecast(fact_to_date, done, len(days)),
	)


@dataclass(frozen=True)
class WorkLine:
	sales_person: str
	moves: int  # every stage move
	advanced: int  # Forward and Skip
	won: int
	lost: int
	fact: Decimal


def team_work(counts: Iterable[tuple], facts: Mapping[str, Decimal] | None = None) -> list[WorkLine]:
	"""The team's work over a period, one line per manager: the most money first, then the most moves.

	``counts``: ``(sales_person, kind, n)`` from the transition log; ``facts``:
	money per sales person. A person with money and no moves still has a line.
	"""
	facts = facts or {}
	moves: dict[str, dict[str, int]] = {}
	for person, kind, n in counts:
		if person:
			by_kind = moves.setdefault(person, {})
			by_kind[kind] = by_kind.get(kind, 0) + int(n or 0)
	lines = []
	for person in set(moves) | {p for p, f in facts.items() if f}:
		k = moves.get(person, {})
		lines.append(
			WorkLine(
				person,
				sum(k.values()),
				k.get("Forward", 0) + k.get("Skip", 0),
				k.get("Won", 0),
				k.get("Lost", 0),
				Decimal(facts.get(person, ZERO)),
			)
		)
	lines.sort(key=lambda w: (-w.fact, -w.moves, w.sales_person))
	return lines


def period_key(report: str, recipient: str, day: date, cadence: str = "daily") -> str:
	"""The name of one period's report to one recipient: a day, or an ISO week."""
	if cadence not in CADENCES:
		raise DigestError(f"Unknown cadence {cadence!r}")
	if cadence == "daily":
		period = day.isoformat()
	else:
		y, w, _ = day.isocalendar()
		period = f"{y}-W{w:02d}"
	return f"{report}:{recipient}:{period}"


def due(sent: Collection[str], report: str, recipient: str, day: date, cadence: str = "daily") -> bool:
	"""Whether this period's report has not been sent to ``recipient`` yet."""
	return period_key(report, recipient, day, cadence) not in sent
