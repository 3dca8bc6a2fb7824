"""KPI schemes: metrics, components, payouts, team pool, best result, ranking.

Pure Python (no frappe): the adapter (``sales_drive/kpi.py``) fetches one grouped
fact per metric for every person of a period and hands plain values here.

Definitions
-----------
- **% achieved** of a component (``achieved``):

  higher is better: ``fact / target × 100``;
  lower is better: ``target / fact × 100`` (half the refusals of the target is
  200 %); a fact of 0 where lower is better is the best possible result and
  counts as the cap, or ``LOWER_ZERO_PERCENT`` (200 %) when there is no cap.
  A target of 0 or less gives 0 % (nothing to measure against).
- **counted %**: the achieved % limited to the cap (when a cap is set).
- **threshold**: a counted % below the threshold pays nothing.
- **payout curve** turns the counted % into a payout %:

  ``Linear`` — the payout % is the counted %;
  ``Steps`` — the payout % of the highest step whose "from %" the counted %
  reaches (no step reached: 0);
  ``Accelerator`` — up to 100 % as linear; every % above 100 pays
  ``accelerator`` times (1.5: 120 % achieved pays 130 %).
- the component's **payout** is its amount at target (the scheme's variable pay
  at target × weight / 100) × payout % / 100, rounded to the cent.
- **weighted score** of a person: Σ weight × counted % / Σ weight — used for
  ranking; it ignores thresholds, so a near miss still ranks above a far miss.
- **joining mid-period (pro-rating)**: a person active for only part of the
  period gets ``factor = working days active / working days in the period``.
  The base pay and every component's amount at target are multiplied by the
  factor; a *fixed* target of an additive metric (revenue, deals, calls …) is
  multiplied too, so that the same daily pace gives the same %. Ratios
  (average deal, conversion, median days, burn rate, compliance, hand-off
  time) keep their target, and a target taken from the Sales Plan is never
  scaled: the plan's allocation already covers the person's days.
- **team pool**: paid only when the department plan is met; split in
  proportion to each person's contribution (negative contributions count as
  0; when nobody contributed it is split equally); cents by largest remainder,
  so the shares add up to the pool exactly.
- **best result**: the bonus goes to the best value of the chosen metric
  (highest, or lowest when lower is better); a tie splits it equally.
- **trend** in a ranking: the score minus the average of the previous
  periods' scores; ``up``/``down`` beyond ``TREND_TOLERANCE`` points, else
  ``flat``; ``new`` when there is no previous score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sales_drive.engine.problems import Problem

HIGHER = "higher"
LOWER = "lower"

LINEAR = "Linear"
STEPS = "Steps"
ACCELERATOR = "Accelerator"
CURVES = (LINEAR, STEPS, ACCELERATOR)

FIXED = "Fixed"
PLAN = "Sales Plan"
TARGET_SOURCES = (FIXED, PLAN)

PERIODS = ("Week", "Month", "Quarter")

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
LOWER_ZERO_PERCENT = Decimal(200)
TREND_TOLERANCE = Decimal("0.5")


@dataclass(frozen=True)
class Metric:
	key: str
	label: str
	direction: str  # HIGHER or LOWER
	unit: str  # money, count, percent, days, hours
	additive: bool  # sums over days: a fixed target is pro-rated
	needs_steps: int = 0  # 1: a step; 2: from step and to step
	plan_target: bool = False  # the Sales Plan can give the target
	source: str = ""  # the doctype a drill-down opens


METRICS: dict[str, Metric] = {
	m.key: m
	for m in (
		Metric("revenue", "Revenue", HIGHER, "money", True, plan_target=True, source="Sales Invoice"),
		Metric("deals_won", "Deals Won", HIGHER, "count", True, plan_target=True, source="Opportunity"),
		Metric("new_customers", "New Customers", HIGHER, "count", True, source="Customer"),
		Metric("average_deal", "Average Deal", HIGHER, "money", False, source="Opportunity"),
		Metric("conversion", "Conversion Between Steps", HIGHER, "percent", False, 2, source="Sales Stage Transition Log"),
		Metric("median_days", "Median Days in Step", LOWER, "days", False, 1, source="Sales Stage Transition Log"),
		Metric("calls", "Calls", HIGHER, "count", True, source="Communication"),
		Metric("meetings", "Meetings", HIGHER, "count", True, source="Event"),
		Metric("emails", "Emails Sent", HIGHER, "count", True, source="Communication"),
		Metric("proposals", "Proposals Sent", HIGHER, "count", True, source="Quotation"),
		Metric("refusals", "Refusals", LOWER, "count", True, source="Cooling Record"),
		Metric("burn_rate", "Base Burn Rate", LOWER, "percent", False, source="Cooling Record"),
		Metric("overdue_steps", "Overdue Steps", LOWER, "count", True, source="Opportunity"),
		Metric("report_compliance", "Daily Report Compliance", HIGHER, "percent", False, source="Sales Daily Report"),
		Metric("period_report_compliance", "Period Report Compliance", HIGHER, "percent", False, source="Sales Period Report"),
		Metric("handoff_hours", "Hand-off Time (Hours)", LOWER, "hours", False, source="Sales Stage Transition Log"),
		Metric("first_response_hours", "First Response Time (Hours)", LOWER, "hours", False, source="Lead"),
		Metric("collection", "Paid Within Terms", HIGHER, "percent", False, source="Sales Invoice"),
	)
}


@dataclass
class Component:
	metric: str
	weight: Decimal
	target: Decimal | None = None  # None: taken from the Sales Plan (target_source PLAN)
	target_source: str = FIXED
	threshold: Decimal = Decimal(0)
	cap: Decimal | None = None
	curve: str = LINEAR
	steps: Sequence[tuple[Decimal, Decimal]] = ()  # (from achieved %, payout %)
	accelerator: Decimal = Decimal(1)
	from_step: str = ""
	to_step: str = ""
	row: int = 0


@dataclass
class Scheme:
	name: str
	base_pay: Decimal
	variable_pay: Decimal  # paid in full when every component is at 100 % (linear)
	components: list[Component]
	period: str = "Month"


@dataclass
class Line:
	metric: str
	direction: str
	weight: Decimal
	target: Decimal
	fact: Decimal
	achieved: Decimal  # % achieved, before the cap
	counted: Decimal  # % after the cap
	payout_percent: Decimal
	amount: Decimal  # the component's amount at target (pro-rated)
	payout: Decimal
	below_threshold: bool


@dataclass
class Result:
	person: str
	base_pay: Decimal
	lines: list[Line]
	variable: Decimal
	score: Decimal
	factor: Decimal
	team_bonus: Decimal = Decimal(0)
	best_bonus: Decimal = Decimal(0)

	@property
	def total(self) -> Decimal:
		return self.base_pay + self.variable + self.team_bonus + self.best_bonus


def D(value) -> Decimal:
	if value is None or value == "":
		return Decimal(0)
	return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Decimal) -> Decimal:
	return D(value).quantize(CENT, rounding=ROUND_HALF_UP)


def pct(value: Decimal) -> Decimal:
	return D(value).quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------- validation


def validate(scheme: Scheme) -> list[Problem]:
	problems: list[Problem] = []
	if not scheme.components:
		problems.append(Problem("kpi_no_components"))
	if scheme.period not in PERIODS:
		problems.append(Problem("kpi_unknown_period", {"period": scheme.period}))
	if D(scheme.base_pay) < 0 or D(scheme.variable_pay) < 0:
		problems.append(Problem("kpi_negative_pay"))
	total = Decimal(0)
	for c in scheme.components:
		row = c.row
		total += D(c.weight)
		metric = METRICS.get(c.metric)
		if metric is None:
			problems.append(Problem("kpi_unknown_metric", {"metric": c.metric, "row": row}))
		if D(c.weight) <= 0:
			problems.append(Problem("kpi_weight", {"row": row, "weight": c.weight}))
		if c.target_source not in TARGET_SOURCES:
			problems.append(Problem("kpi_unknown_target_source", {"row": row, "source": c.target_source}))
		elif c.target_source == PLAN:
			if metric is not None and not metric.plan_target:
				problems.append(Problem("kpi_plan_target_metric", {"row": row, "metric": c.metric}))
		elif D(c.target) <= 0:
			problems.append(Problem("kpi_target", {"row": row}))
		if D(c.threshold) < 0:
			problems.append(Problem("kpi_threshold_negative", {"row": row}))
		if c.cap is not None and D(c.cap) > 0 and D(c.threshold) > D(c.cap):
			problems.append(Problem("kpi_threshold_above_cap", {"row": row, "threshold": c.threshold, "cap": c.cap}))
		if c.curve not in CURVES:
			problems.append(Problem("kpi_unknown_curve", {"row": row, "curve": c.curve}))
		elif c.curve == STEPS:
			if not c.steps:
				problems.append(Problem("kpi_no_steps", {"row": row}))
			elif any(D(a) < 0 or D(p) < 0 for a, p in c.steps):
				problems.append(Problem("kpi_step_negative", {"row": row}))
		elif c.curve == ACCELERATOR and D(c.accelerator) < 1:
			problems.append(Problem("kpi_accelerator", {"row": row, "value": c.accelerator}))
		if metric is not None and metric.needs_steps and not c.from_step:
			problems.append(Problem("kpi_step_required", {"row": row, "metric": c.metric}))
		if metric is not None and metric.needs_steps == 2 and not c.to_step:
			problems.append(Problem("kpi_step_required", {"row": row, "metric": c.metric}))
	if scheme.components and total != HUNDRED:
		problems.append(Problem("kpi_weights_sum", {"total": _plain(total)}))
	return problems


def _plain(value: Decimal) -> str:
	text = format(D(value).normalize(), "f")
	return text


def overlaps(
	schemes: Iterable[tuple[str, date, date, Iterable[str]]],
) -> list[Problem]:
	"""Two schemes covering one person in overlapping periods: (scheme, from, to, persons)."""
	seen: dict[str, list[tuple[str, date, date]]] = {}
	problems = []
	for name, start, end, persons in schemes:
		for person in sorted(set(persons)):
			for other, o_start, o_end in seen.get(person, []):
				if start <= o_end and o_start <= end and other != name:
					problems.append(Problem("kpi_overlap", {"person": person, "scheme": name, "other": other}))
			seen.setdefault(person, []).append((name, start, end))
	return problems


# ----------------------------------------------------------------------------- evaluation


def exact_achieved(direction: str, fact: Decimal, target: Decimal, cap: Decimal | None = None) -> Decimal:
	"""% achieved, unrounded: thresholds compare against this (69.999 % is below 70 %)."""
	fact, target = D(fact), D(target)
	if target <= 0:
		return Decimal(0)
	if direction == LOWER:
		if fact <= 0:
			return D(cap) if cap else LOWER_ZERO_PERCENT
		return target / fact * HUNDRED
	return fact / target * HUNDRED


def achieved(direction: str, fact: Decimal, target: Decimal, cap: Decimal | None = None) -> Decimal:
	"""% achieved, rounded to 0.01 for display."""
	return pct(exact_achieved(direction, fact, target, cap))


def payout_percent(component: Component, counted: Decimal) -> Decimal:
	counted = D(counted)
	if counted < D(component.threshold):
		return Decimal(0)
	if component.curve == STEPS:
		best = Decimal(0)
		for at, pays in sorted(((D(a), D(p)) for a, p in component.steps), key=lambda s: s[0]):
			if counted >= at:
				best = pays
		return best
	if component.curve == ACCELERATOR and counted > HUNDRED:
		return HUNDRED + (counted - HUNDRED) * D(component.accelerator)
	return counted


def evaluate_component(
	component: Component, fact, target, amount: Decimal
) -> Line:
	metric = METRICS[component.metric]
	target = D(target)
	cap = D(component.cap) if component.cap is not None and D(component.cap) > 0 else None
	got = exact_achieved(metric.direction, fact, target, cap)
	counted = min(got, cap) if cap is not None else got
	pays = payout_percent(component, counted)
	return Line(
		metric=component.metric,
		direction=metric.direction,
		weight=D(component.weight),
		target=target,
		fact=D(fact),
		achieved=pct(got),
		counted=pct(counted),
		payout_percent=pct(pays),
		amount=money(amount),
		payout=money(D(amount) * pays / HUNDRED),
		below_threshold=counted < D(component.threshold),
	)


def prorate_factor(active_days: int, period_days: int) -> Decimal:
	"""Working days the person was active over the working days of the period, 0..1."""
	if period_days <= 0:
		return Decimal(1)
	active = max(0, min(active_days, period_days))
	return Decimal(active) / Decimal(period_days)


def target_for(component: Component, plan_target=None, factor: Decimal = Decimal(1)) -> Decimal:
	if component.target_source == PLAN:
		return D(plan_target)
	target = D(component.target)
	if METRICS[component.metric].additive:
		target = target * factor
	return target


def evaluate(
	scheme: Scheme,
	person: str,
	facts: Mapping[int, Decimal],
	plan_targets: Mapping[int, Decimal] | None = None,
	factor: Decimal = Decimal(1),
) -> Result:
	"""One person's scorecard: facts and plan targets keyed by component index."""
	plan_targets = plan_targets or {}
	factor = D(factor)
	lines = []
	weights = Decimal(0)
	weighted = Decimal(0)
	for i, c in enumerate(scheme.components):
		amount = D(scheme.variable_pay) * D(c.weight) / HUNDRED * factor
		line = evaluate_component(c, facts.get(i, 0), target_for(c, plan_targets.get(i), factor), amount)
		lines.append(line)
		weights += line.weight
		weighted += line.weight * line.counted
	return Result(
		person=person,
		base_pay=money(D(scheme.base_pay) * factor),
		lines=lines,
		variable=sum((line.payout for line in lines), Decimal(0)),
		score=pct(weighted / weights) if weights else Decimal(0),
		factor=factor,
	)


# ----------------------------------------------------------------------------- team and best


def split(amount: Decimal, shares: Mapping[str, Decimal]) -> dict[str, Decimal]:
	"""Split money by shares to the cent (largest remainder); equal when all shares are 0."""
	amount = money(amount)
	persons = sorted(shares)
	if not persons or amount <= 0:
		return {p: Decimal(0) for p in persons}
	weights = {p: max(D(shares[p]), Decimal(0)) for p in persons}
	total = sum(weights.values(), Decimal(0))
	if total <= 0:
		weights = {p: Decimal(1) for p in persons}
		total = Decimal(len(persons))
	cents = int(amount * 100)
	exact = {p: Decimal(cents) * weights[p] / total for p in persons}
	floor = {p: int(exact[p]) for p in persons}
	left = cents - sum(floor.values())
	for p in sorted(persons, key=lambda p: (-(exact[p] - floor[p]), persons.index(p)))[:left]:
		floor[p] += 1
	return {p: Decimal(floor[p]) / 100 for p in persons}


def team_pool(pool: Decimal, plan_met: bool, contributions: Mapping[str, Decimal]) -> dict[str, Decimal]:
	if not plan_met:
		return {p: Decimal(0) for p in contributions}
	return split(pool, contributions)


def best(values: Mapping[str, Decimal], direction: str = HIGHER) -> list[str]:
	"""The persons with the best value (ties: all of them), sorted by name."""
	if not values:
		return []
	pick = min if direction == LOWER else max
	top = pick(D(v) for v in values.values())
	return sorted(p for p, v in values.items() if D(v) == top)


def best_bonus(amount: Decimal, values: Mapping[str, Decimal], direction: str = HIGHER) -> dict[str, Decimal]:
	winners = best(values, direction)
	return split(amount, {p: Decimal(1) for p in winners}) if winners else {}


# ----------------------------------------------------------------------------- ranking


@dataclass
class Rank:
	person: str
	score: Decimal
	rank: int
	previous: Decimal | None
	delta: Decimal | None
	trend: str
	history: list[Decimal] = field(default_factory=list)


def weighted_score(percents: Mapping[str, Decimal], weights: Mapping[str, Decimal]) -> Decimal:
	"""Σ weight × % / Σ weight over the metrics that have a weight."""
	total = sum((D(w) for k, w in weights.items() if k in percents), Decimal(0))
	if total <= 0:
		return Decimal(0)
	return pct(sum(D(weights[k]) * D(percents[k]) for k in percents if k in weights) / total)


def rank(scores: Mapping[str, Decimal], history: Mapping[str, Sequence[Decimal]] | None = None) -> list[Rank]:
	"""Competition ranking (1, 1, 3) by score, highest first; trend against previous periods' average."""
	history = history or {}
	ordered = sorted(scores.items(), key=lambda kv: (-D(kv[1]), kv[0]))
	out = []
	for i, (person, score) in enumerate(ordered):
		score = D(score)
		position = out[-1].rank if out and out[-1].score == score else i + 1
		past = [D(v) for v in history.get(person, ()) if v is not None]
		previous = pct(sum(past, Decimal(0)) / len(past)) if past else None
		delta = None if previous is None else score - previous
		if delta is None:
			trend = "new"
		elif delta > TREND_TOLERANCE:
			trend = "up"
		elif delta < -TREND_TOLERANCE:
			trend = "down"
		else:
			trend = "flat"
		out.append(Rank(person, score, position, previous, delta, trend, past))
	return out


# ----------------------------------------------------------------------------- metric helpers


def median(values: Sequence) -> Decimal:
	data = sorted(D(v) for v in values)
	if not data:
		return Decimal(0)
	mid = len(data) // 2
	if len(data) % 2:
		return data[mid]
	return (data[mid - 1] + data[mid]) / 2


def ratio_percent(part, whole) -> Decimal:
	whole = D(whole)
	return pct(D(part) / whole * HUNDRED) if whole > 0 else Decimal(0)
