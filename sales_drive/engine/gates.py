"""Stage gates: may a record move from one step to another, and if not, why.

The adapter gathers the *facts* the criteria need (see :func:`needed_facts`)
with a few set-based queries and calls :func:`evaluate`; :func:`decide` then
applies an override request. Nothing here reads the database or the clock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from . import condition
from .problems import Problem
from .regulation import Criterion, Regulation
from .workdays import Calendar

ENTER, FORWARD, SKIP, BACKWARD, SAME = "Enter", "Forward", "Skip", "Backward", "Same"


@dataclass
class Facts:
	"""What is known about the record when it tries to leave its step."""

	values: Mapping[str, Any] = field(default_factory=dict)
	documents: Mapping[str, int] = field(default_factory=dict)
	checklist: Collection[tuple[str, str]] = ()
	activities: int = 0


@dataclass(frozen=True)
class Needs:
	"""Which facts the adapter has to fetch for one gate check."""

	document_types: frozenset[str] = frozenset()
	activities: bool = False
	checklist: bool = False


@dataclass
class Verdict:
	kind: str
	from_step: str
	to_step: str
	missing: list[Problem] = field(default_factory=list)

	@property
	def allowed(self) -> bool:
		return not self.missing


@dataclass
class Decision:
	verdict: Verdict
	allowed: bool
	overridden: bool = False
	errors: list[Problem] = field(default_factory=list)


def _is_empty(value: Any) -> bool:
	if value is None:
		return True
	if isinstance(value, str):
		return not value.strip()
	if isinstance(value, (list, tuple, set, dict)):
		return not value
	if isinstance(value, bool):
		return not value
	if isinstance(value, (int, float)):
		return value == 0
	try:  # Decimal and friends
		return value == 0
	except Exception:
		return False


def exit_criteria_missing(
	reg: Regulation, step: str, facts: Facts, labels: Mapping[str, str] | None = None
) -> list[Problem]:
	"""The exit criteria of ``step`` that the facts do not meet."""
	labels = labels or {}
	out: list[Problem] = []
	for c in reg.criteria_of(step):
		problem = _check(c, facts, labels)
		if problem:
			out.append(problem)
	return out


def _check(c: Criterion, facts: Facts, labels: Mapping[str, str]) -> Problem | None:
	if c.kind == "Field":
		if _is_empty(facts.values.get(c.fieldname)):
			return Problem("missing_field", {"field": c.fieldname, "label": labels.get(c.fieldname, c.fieldname)})
	elif c.kind == "Document":
		required = max(c.min_count or 1, 1)
		found = int(facts.documents.get(c.document_type, 0) or 0)
		if found < required:
			return Problem(
				"missing_document", {"document_type": c.document_type, "found": found, "required": required}
			)
	elif c.kind == "Checklist":
		if (c.step, c.item) not in set(facts.checklist):
			return Problem("missing_checklist", {"item": c.item})
	elif c.kind == "Activity":
		required = max(c.min_count or 1, 1)
		if facts.activities < required:
			return Problem("missing_activity", {"found": facts.activities, "required": required})
	elif c.kind == "Condition":
		ok = False
		try:
			ok = condition.evaluate(c.expression, facts.values)
		except condition.ConditionError:
			ok = False
		if not ok:
			return Problem("missing_condition", {"description": c.description or c.expression})
	return None


def classify(reg: Regulation, from_step: str | None, to_step: str | None) -> str:
	order = reg.order()
	if (from_step or "") == (to_step or ""):
		return SAME
	if not from_step or from_step not in order:
		return ENTER
	if to_step not in order:
		return FORWARD
	i, j = order.index(from_step), order.index(to_step)
	if j == i + 1:
		return FORWARD
	return SKIP if j > i else BACKWARD


def needed_facts(reg: Regulation, from_step: str | None, to_step: str | None) -> Needs:
	"""What the adapter must fetch before calling :func:`evaluate` for this move."""
	kind = classify(reg, from_step, to_step)
	if kind in (SAME, BACKWARD, ENTER) or to_step not in reg.order():
		return Needs()
	return needs_to_leave(reg, from_step)


def needs_to_leave(reg: Regulation, step: str) -> Needs:
	"""The facts needed to check every exit criterion of ``step``."""
	crit = reg.criteria_of(step)
	return Needs(
		document_types=frozenset(c.document_type for c in crit if c.kind == "Document"),
		activities=any(c.kind == "Activity" for c in crit),
		checklist=any(c.kind == "Checklist" for c in crit),
	)


def evaluate(
	reg: Regulation,
	from_step: str | None,
	to_step: str | None,
	facts: Facts,
	labels: Mapping[str, str] | None = None,
) -> Verdict:
	"""The verdict on moving a record from ``from_step`` to ``to_step``.

	- Same step: nothing to check.
	- Entering the regulation (a new record, or one whose step is not part of
	  the regulation): every step before the target must be skippable.
	- Forward: the exit criteria of the current step must be met; every step
	  jumped over must be skippable (a skipped step's own criteria are not
	  asked for: skipping it is what the regulation allows).
	- Backward: allowed unless the regulation forbids it; nothing else asked.
	- A target that is not a step of the regulation is refused.
	"""
	order = reg.order()
	from_step, to_step = from_step or "", to_step or ""
	kind = classify(reg, from_step, to_step)
	verdict = Verdict(kind, from_step, to_step)
	if kind == SAME:
		return verdict
	if not to_step:
		verdict.missing.append(Problem("step_required", {"regulation": reg.name}))
		return verdict
	if to_step not in order:
		verdict.missing.append(Problem("not_a_step", {"to_step": to_step, "regulation": reg.name}))
		return verdict
	j = order.index(to_step)
	if kind == ENTER:
		for name in order[:j]:
			if not reg.step(name).allow_skip:
				verdict.missing.append(Problem("cannot_skip", {"step": name}))
		return verdict
	i = order.index(from_step)
	if kind == BACKWARD:
		if not reg.allow_backward:
			verdict.missing.append(
				Problem(
					"backward_not_allowed",
					{"regulation": reg.name, "from_step": from_step, "to_step": to_step},
				)
			)
		return verdict
	verdict.missing.extend(exit_criteria_missing(reg, from_step, facts, labels))
	for name in order[i + 1 : j]:
		if not reg.step(name).allow_skip:
			verdict.missing.append(Problem("cannot_skip", {"step": name}))
	return verdict


def decide(verdict: Verdict, override: bool, reason: str | None, may_override: bool) -> Decision:
	"""Apply an override request to a verdict.

	An override is only considered when the gate fails: a passing move is
	simply allowed (and the override request is not logged as one). A failing
	move with an override needs a reason and a permitted user.
	"""
	if verdict.allowed:
		return Decision(verdict, allowed=True)
	if not override:
		return Decision(verdict, allowed=False, errors=list(verdict.missing))
	errors = []
	if not may_override:
		errors.append(Problem("override_not_permitted"))
	if not (reason or "").strip():
		errors.append(Problem("override_reason"))
	if errors:
		return Decision(verdict, allowed=False, errors=errors + list(verdict.missing))
	return Decision(verdict, allowed=True, overridden=True)


def conversion_problem(lead_reg: Regulation, lead: str, lead_step: str | None) -> Problem | None:
	"""Why an Opportunity may not be made from a lead in ``lead_step`` (None if it may).

	The first step flagged ``allows_conversion`` and every step after it allow
	it; a regulation without such a flag allows it from the last step only.
	"""
	order = lead_reg.order()
	if not order:
		return None
	flagged = [name for name in order if lead_reg.step(name).allows_conversion]
	first_ok = flagged[0] if flagged else order[-1]
	if lead_step in order and order.index(lead_step) >= order.index(first_ok):
		return None
	return Problem("lead_not_ready", {"lead": lead, "step": first_ok, "current": lead_step or "-"})


@dataclass(frozen=True)
class StepClock:
	entered_on: date
	max_days: int
	days_in_step: int
	due_date: date
	days_left: int
	overdue: bool


def step_clock(entered_on: date | datetime, max_days: int, today: date, calendar: Calendar) -> StepClock:
	"""Working days spent in a step and whether its limit is exceeded.

	The limit is ``max_days`` working days after the day the record entered
	the step: it is overdue from the next working day after the due date.
	"""
	entered = entered_on.date() if isinstance(entered_on, datetime) else entered_on
	spent = calendar.days_between(entered, today)
	due = calendar.add_working_days(entered, max_days)
	return StepClock(
		entered_on=entered,
		max_days=max_days,
		days_in_step=spent,
		due_date=due,
		days_left=max_days - spent,
		overdue=spent > max_days,
	)
