"""Coaching: call-script scoring, roll-ups, action items, KPI before/after, sprints, feedback.

Pure Python (METHOD.md §5): the Frappe layer hands in plain values and gets plain
values or :class:`~sales_drive.engine.problems.Problem` codes back. Dates are
passed in ("today" included); scores and money are ``Decimal``.

Call-script scoring
-------------------
A script is a list of criteria. Each criterion has a **weight** (the weights
of a script add up to exactly 100), a **scale** ``0..scale_max`` (``scale_max``
≥ 1: 1 is a yes/no item, 5 a five-point scale) and may be **mandatory**.

A review gives every criterion a whole score within its scale. The review's
**raw score** is ``Σ weight × score / scale_max``: 0 to 100, rounded half-up
to two decimals (once, at the end).

A mandatory criterion scored **0** is *missed*. A review that misses any
mandatory item **fails the script**: it is flagged (``passed`` is false,
``missed`` names the items) and its score is **capped** at the script's cap
(``DEFAULT_MANDATORY_CAP`` = 50 unless the script sets another value from 0 to
100). A partly done mandatory item (score above 0) is not missed; it just
scores lower. So a call that skipped a mandatory step can never look better
than the cap, however well the rest went.

Roll-ups
--------
Reviews are rolled up per key (a manager, or a criterion) and per period
(week starting Monday, month, quarter): count, average, and the change against
the previous period of the same key that has reviews. Per criterion the score
is first normalised to a percentage of its scale, so a yes/no item and a
five-point item are comparable. The roll-up takes pre-aggregated
``(key, period start, total, count)`` rows, as one grouped SQL query returns
them, as well as single reviews.

Action items
------------
An item needs a description, an owner and a due date. Its state on a given
day: ``Done`` or ``Cancelled`` when so recorded; ``Overdue`` when still open
and the due date is before today; otherwise ``Open``.

KPI before / after coaching
---------------------------
Given the daily values of a KPI (amount and count of won deals) and the date of
the coaching, the *before* window is the ``window`` days before the coaching
day; the *after* window starts on the coaching day and runs ``window`` days,
cut at today. Windows of different lengths are compared by their daily rate;
the change is the after rate against the before rate, in percent (``None``
when the before rate is zero).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sales_drive.engine.problems import Problem

HUNDRED = Decimal(100)
TWO_PLACES = Decimal("0.01")
DEFAULT_MANDATORY_CAP = Decimal(50)
SKILL_SCALE = 5  # skill ratings in feedback: 1..5
MAX_SPRINT_PROCESSES = 20  # the method runs up to 15-20 processes at once
DEFAULT_SPRINT_DAYS = 14

SESSION_KINDS = ("Onboarding", "Problem Zone", "Situational", "Strategic", "Qualification")
ACTION_STATUSES = ("Open", "Done", "Cancelled")
DIRECTIONS = ("Team Lead to Manager", "Manager to Team Lead", "Coach to Team Lead")
ANONYMOUS_DIRECTIONS = ("Manager to Team Lead",)
GRANULARITIES = ("week", "month", "quarter")


def _dec(value) -> Decimal:
	if isinstance(value, Decimal):
		return value
	if isinstance(value, float):
		return Decimal(str(value))
	return Decimal(value if value not in (None, "") else 0)


def _plain(value: Decimal) -> str:
	"""A number for a message: 90, 99.5, -20 (never 9E+1)."""
	return format(value.normalize(), "f")


def _round(value: Decimal) -> Decimal:
	return value.quantize(TWO_PLACES, ROUND_HALF_UP)


# ----------------------------------------------------------------------------- call scripts


@dataclass(frozen=True)
class Criterion:
	name: str
	weight: Decimal
	scale_max: int = 1
	mandatory: bool = False


def validate_script(criteria: Sequence[Criterion], mandatory_cap=DEFAULT_MANDATORY_CAP) -> list[Problem]:
	"""Problems of a call script: criteria named once, positive weights adding up to 100, scales ≥ 1."""
	problems: list[Problem] = []
	if not criteria:
		return [Problem("script_no_criteria")]
	seen: set[str] = set()
	for i, c in enumerate(criteria, 1):
		name = (c.name or "").strip()
		if not name:
			problems.append(Problem("criterion_no_name", {"row": i}))
		elif name.casefold() in seen:
			problems.append(Problem("criterion_duplicate", {"criterion": name}))
		seen.add(name.casefold())
		if _dec(c.weight) <= 0:
			problems.append(
				Problem("criterion_weight", {"criterion": name or i, "weight": _plain(_dec(c.weight))})
			)
		if int(c.scale_max or 0) < 1:
			problems.append(Problem("criterion_scale", {"criterion": name or i, "scale_max": c.scale_max}))
	total = sum((_dec(c.weight) for c in criteria), Decimal(0))
	if total != HUNDRED:
		problems.append(Problem("script_weights_sum", {"total": _plain(total)}))
	cap = _dec(mandatory_cap)
	if not 0 <= cap <= HUNDRED:
		problems.append(Problem("script_cap_range", {"cap": _plain(cap)}))
	return problems


@dataclass(frozen=True)
class ReviewScore:
	raw: Decimal  # 0..100 before the cap
	score: Decimal  # 0..100 after the cap
	passed: bool  # no mandatory item missed
	missed: tuple[str, ...]  # mandatory criteria scored 0
	by_criterion: dict[str, Decimal]  # each criterion as a percentage of its scale


def validate_review(criteria: Sequence[Criterion], scores: Mapping[str, object]) -> list[Problem]:
	"""Every criterion of the script scored once, as a whole number within 0..scale_max; nothing else."""
	problems: list[Problem] = []
	by_name = {c.name: c for c in criteria}
	for name in scores:
		if name not in by_name:
			problems.append(Problem("review_unknown_criterion", {"criterion": name}))
	for c in criteria:
		value = scores.get(c.name)
		if value is None or value == "":
			problems.append(Problem("review_not_scored", {"criterion": c.name}))
			continue
		number = _dec(value)
		if number != number.to_integral_value() or not 0 <= number <= int(c.scale_max):
			problems.append(
				Problem(
					"review_score_out_of_scale",
					{"criterion": c.name, "score": _plain(number), "scale_max": c.scale_max},
				)
			)
	return problems


def score_review(
	criteria: Sequence[Criterion], scores: Mapping[str, object], mandatory_cap=DEFAULT_MANDATORY_CAP
) -> ReviewScore:
	"""The weighted score of a review (see the module docstring). Validate first: invalid input raises."""
	problems = validate_review(criteria, scores)
	if problems:
		raise ValueError(problems[0].english())
	raw = Decimal(0)
	by_criterion: dict[str, Decimal] = {}
	missed = []
	for c in criteria:
		value = _dec(scores[c.name])
		scale = Decimal(int(c.scale_max))
		raw += _dec(c.weight) * value / scale
		by_criterion[c.name] = _round(value * HUNDRED / scale)
		if c.mandatory and value == 0:
			missed.append(c.name)
	raw = _round(raw)
	cap = _dec(mandatory_cap)
	score = min(raw, _round(cap)) if missed else raw
	return ReviewScore(
		raw=raw, score=score, passed=not missed, missed=tuple(missed), by_criterion=by_criterion
	)


# ----------------------------------------------------------------------------- roll-ups


def period_start(day: date, granularity: str = "month") -> date:
	"""The first day of the week (Monday), month or quarter holding ``day``."""
	if granularity == "week":
		return day - timedelta(days=day.weekday())
	if granularity == "month":
		return day.replace(day=1)
	if granularity == "quarter":
		return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
	raise ValueError(f"unknown granularity {granularity!r}; use one of {GRANULARITIES}")


@dataclass(frozen=True)
class TrendPoint:
	key: str
	period: date
	count: int
	average: Decimal
	change: Decimal | None  # against the previous period of this key that has reviews


def rollup(rows: Iterable[tuple[str, date, object, int]], granularity: str | None = None) -> list[TrendPoint]:
	"""``(key, day or period start, total score, count)`` rows → one point per key and period.

	With ``granularity`` the dates are first bucketed with :func:`period_start`
	(so single reviews can be passed as ``(key, day, score, 1)``); without it
	they are taken as period starts already. Points come sorted by key, then period.
	"""
	totals: dict[tuple[str, date], list] = defaultdict(lambda: [Decimal(0), 0])
	for key, day, total, count in rows:
		if not count:
			continue
		period = period_start(day, granularity) if granularity else day
		acc = totals[(key, period)]
		acc[0] += _dec(total)
		acc[1] += int(count)
	points: list[TrendPoint] = []
	previous: dict[str, Decimal] = {}
	for (key, period), (total, count) in sorted(totals.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
		average = _round(total / count)
		before = previous.get(key)
		points.append(TrendPoint(key, period, count, average, None if before is None else average - before))
		previous[key] = average
	return points


def trend(points: Sequence[TrendPoint]) -> dict[str, Decimal | None]:
	"""Per key: last period's average minus the first period's (``None`` with a single period)."""
	first: dict[str, Decimal] = {}
	last: dict[str, Decimal] = {}
	periods: dict[str, int] = defaultdict(int)
	for p in sorted(points, key=lambda p: (p.key, p.period)):
		first.setdefault(p.key, p.average)
		last[p.key] = p.average
		periods[p.key] += 1
	return {k: (last[k] - first[k]) if periods[k] > 1 else None for k in first}


def criterion_rows(
	reviews: Iterable[tuple[date, Mapping[str, object]]], criteria: Sequence[Criterion]
) -> list[tuple[str, date, Decimal, int]]:
	"""Per-criterion roll-up input from single reviews: each score as a percentage of its scale."""
	scale = {c.name: int(c.scale_max) for c in criteria}
	out = []
	for day, scores in reviews:
		for name, value in scores.items():
			if name in scale and value not in (None, ""):
				out.append((name, day, _dec(value) * HUNDRED / scale[name], 1))
	return out


# ----------------------------------------------------------------------------- action items


@dataclass(frozen=True)
class ActionItem:
	description: str
	owner: str | None
	due_date: date | None
	status: str = "Open"


def validate_action_items(items: Sequence[ActionItem], start: date | None = None) -> list[Problem]:
	"""Each item has a description, an owner and a due date not before ``start`` (the session day)."""
	problems: list[Problem] = []
	for i, item in enumerate(items, 1):
		if not (item.description or "").strip():
			problems.append(Problem("action_item_no_description", {"row": i}))
		if not item.owner:
			problems.append(Problem("action_item_no_owner", {"row": i}))
		if not item.due_date:
			problems.append(Problem("action_item_no_due_date", {"row": i}))
		elif start and item.due_date < start:
			problems.append(
				Problem("action_item_due_before_start", {"row": i, "due_date": item.due_date, "start": start})
			)
		if item.status not in ACTION_STATUSES:
			problems.append(Problem("action_item_status", {"row": i, "status": item.status}))
	return problems


def item_state(item: ActionItem, today: date) -> str:
	if item.status in ("Done", "Cancelled"):
		return item.status
	if item.due_date and item.due_date < today:
		return "Overdue"
	return "Open"


@dataclass(frozen=True)
class ActionSummary:
	total: int = 0
	open: int = 0
	done: int = 0
	overdue: int = 0
	cancelled: int = 0

	@property
	def done_rate(self) -> Decimal | None:
		"""Done items as a percentage of the items not cancelled."""
		base = self.total - self.cancelled
		return _round(Decimal(self.done) * HUNDRED / base) if base else None


def summarize_actions(items: Iterable[ActionItem], today: date) -> ActionSummary:
	counts = defaultdict(int)
	for item in items:
		counts[item_state(item, today)] += 1
	return ActionSummary(
		total=sum(counts.values()),
		open=counts["Open"],
		done=counts["Done"],
		overdue=counts["Overdue"],
		cancelled=counts["Cancelled"],
	)


# ----------------------------------------------------------------------------- sessions


def validate_session(
	session_date: date | None,
	follow_up: date | None,
	coach: str | None,
	coached: Sequence[str],
	kind: str | None,
	items: Sequence[ActionItem] = (),
) -> list[Problem]:
	problems: list[Problem] = []
	if not session_date:
		problems.append(Problem("session_no_date"))
	if follow_up and session_date and follow_up < session_date:
		problems.append(Problem("session_follow_up_before", {"follow_up": follow_up, "date": session_date}))
	if kind not in SESSION_KINDS:
		problems.append(Problem("session_kind", {"kind": kind or ""}))
	people = [p for p in coached if p]
	if not people:
		problems.append(Problem("session_no_coached"))
	for person in sorted({p for p in people if people.count(p) > 1}):
		problems.append(Problem("session_coached_twice", {"person": person}))
	if coach and coach in people:
		problems.append(Problem("session_coach_coached", {"person": coach}))
	problems += validate_action_items(items, session_date)
	return problems


# ----------------------------------------------------------------------------- KPI before / after


@dataclass(frozen=True)
class KpiWindow:
	start: date
	end: date  # inclusive
	days: int
	amount: Decimal
	count: int

	@property
	def daily_amount(self) -> Decimal | None:
		return _round(self.amount / self.days) if self.days else None


@dataclass(frozen=True)
class KpiChange:
	before: KpiWindow
	after: KpiWindow | None  # None when the coaching day is after today
	amount_change_pct: Decimal | None
	count_change_pct: Decimal | None


def _window(values: Mapping[date, tuple[object, int]], start: date, end: date) -> KpiWindow:
	amount, count = Decimal(0), 0
	for day, (a, n) in values.items():
		if start <= day <= end:
			amount += _dec(a)
			count += int(n or 0)
	return KpiWindow(start, end, (end - start).days + 1, amount, count)


def _change_pct(before: Decimal, after: Decimal) -> Decimal | None:
	if before == 0:
		return None
	return _round((after - before) * HUNDRED / before)


def kpi_before_after(
	values: Mapping[date, tuple[object, int]], coached_on: date, today: date, window: int = 30
) -> KpiChange:
	"""``values``: day → (won amount, won count). See the module docstring for the windows."""
	if window < 1:
		raise ValueError("window must be at least one day")
	before = _window(values, coached_on - timedelta(days=window), coached_on - timedelta(days=1))
	end = min(coached_on + timedelta(days=window - 1), today)
	if end < coached_on:
		return KpiChange(before, None, None, None)
	after = _window(values, coached_on, end)
	amount_pct = _change_pct(before.amount / before.days, after.amount / after.days)
	count_pct = _change_pct(Decimal(before.count) / before.days, Decimal(after.count) / after.days)
	return KpiChange(before, after, amount_pct, count_pct)


# ----------------------------------------------------------------------------- sprints


@dataclass(frozen=True)
class SprintProcess:
	title: str
	owner: str | None
	start: date | None = None
	end: date | None = None
	reminder: date | None = None


def sprint_end(start: date, days: int = DEFAULT_SPRINT_DAYS) -> date:
	"""The last day of a sprint of ``days`` calendar days (two weeks by default)."""
	if days < 1:
		raise ValueError("a sprint lasts at least one day")
	return start + timedelta(days=days - 1)


def validate_sprint(
	start: date | None, end: date | None, processes: Sequence[SprintProcess]
) -> list[Problem]:
	problems: list[Problem] = []
	if start and end and end < start:
		problems.append(Problem("sprint_end_before_start", {"start": start, "end": end}))
	if len(processes) > MAX_SPRINT_PROCESSES:
		problems.append(Problem("sprint_too_many", {"count": len(processes), "max": MAX_SPRINT_PROCESSES}))
	for i, p in enumerate(processes, 1):
		if not (p.title or "").strip():
			problems.append(Problem("process_no_title", {"row": i}))
		if not p.owner:
			problems.append(Problem("process_no_owner", {"row": i}))
		if p.start and p.end and p.end < p.start:
			problems.append(Problem("process_end_before_start", {"row": i}))
		if (
			start
			and end
			and ((p.start and not start <= p.start <= end) or (p.end and not start <= p.end <= end))
		):
			problems.append(Problem("process_outside_sprint", {"row": i}))
		if p.reminder and ((p.start and p.reminder < p.start) or (p.end and p.reminder > p.end)):
			problems.append(Problem("process_reminder", {"row": i}))
	return problems


def reminders_due(processes: Sequence[SprintProcess], today: date) -> list[SprintProcess]:
	"""Processes whose reminder day is today."""
	return [p for p in processes if p.reminder == today and p.owner]


# ----------------------------------------------------------------------------- feedback


@dataclass(frozen=True)
class Feedback:
	direction: str | None
	anonymous: bool
	recipient: str | None
	author: str | None = None
	what_worked: str | None = None
	what_to_change: str | None = None
	ratings: Sequence[tuple[str, object]] = field(default_factory=tuple)  # (skill, 1..SKILL_SCALE)
	from_date: date | None = None
	to_date: date | None = None


def validate_feedback(fb: Feedback) -> list[Problem]:
	problems: list[Problem] = []
	if fb.direction not in DIRECTIONS:
		problems.append(Problem("feedback_direction", {"direction": fb.direction or ""}))
	if fb.anonymous and fb.direction in DIRECTIONS and fb.direction not in ANONYMOUS_DIRECTIONS:
		problems.append(Problem("feedback_anonymous_direction", {"direction": fb.direction}))
	if not fb.recipient:
		problems.append(
			Problem("feedback_anonymous_no_recipient" if fb.anonymous else "feedback_no_recipient")
		)
	elif not fb.anonymous and fb.author and fb.author == fb.recipient:
		problems.append(Problem("feedback_to_self"))
	if fb.from_date and fb.to_date and fb.to_date < fb.from_date:
		problems.append(Problem("feedback_period", {"from_date": fb.from_date, "to_date": fb.to_date}))
	for i, (skill, rating) in enumerate(fb.ratings, 1):
		if not (skill or "").strip():
			problems.append(Problem("rating_no_skill", {"row": i}))
		value = _dec(rating)
		if value != value.to_integral_value() or not 1 <= value <= SKILL_SCALE:
			problems.append(
				Problem(
					"rating_out_of_scale",
					{"skill": skill or i, "rating": _plain(value), "scale_max": SKILL_SCALE},
				)
			)
	if not ((fb.what_worked or "").strip() or (fb.what_to_change or "").strip() or fb.ratings):
		problems.append(Problem("feedback_empty"))
	return problems
