"""Deviation rules — the decision algorithms of the control system (METHOD.md §3).

A rule watches one value per period (a metric's fact, or its % of plan/KPI)
for a person or a team. It *holds* when the value is beyond the threshold
(``Below`` or ``Above``) in each of the last N periods. A period with no value
does not count as a breach.

A rule fires once when it starts to hold; while it keeps holding it stays
quiet (the firing stays open); when it stops holding the firing closes, and
the next breach fires again.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sales_drive.engine.kpi import METRICS, D
from sales_drive.engine.problems import Problem

BELOW = "Below"
ABOVE = "Above"
OPERATORS = (BELOW, ABOVE)
ACTIONS = ("notify", "todo", "coaching", "escalate")

FIRE = "fire"
HOLD = "hold"
CLOSE = "close"
NOTHING = "nothing"


def breached(value, operator: str, threshold) -> bool:
	if value is None:
		return False
	return D(value) < D(threshold) if operator == BELOW else D(value) > D(threshold)


def holds(values: Sequence[Decimal | None], operator: str, threshold, periods: int) -> bool:
	"""``values`` oldest first; true when each of the last ``periods`` values is breached."""
	periods = max(1, int(periods or 1))
	if len(values) < periods:
		return False
	return all(breached(v, operator, threshold) for v in values[-periods:])


def decide(condition: bool, open_firing: bool) -> str:
	if condition:
		return HOLD if open_firing else FIRE
	return CLOSE if open_firing else NOTHING


def validate(metric: str, operator: str, periods: int, actions: Sequence[str], threshold=None) -> list[Problem]:
	"""``threshold``: the % of target below which a period is a breach; must be above 0 when given."""
	problems = []
	if metric not in METRICS:
		problems.append(Problem("deviation_unknown_metric", {"metric": metric}))
	if threshold is not None and D(threshold) <= 0:
		problems.append(Problem("deviation_threshold", {"value": threshold}))
	if operator not in OPERATORS:
		problems.append(Problem("deviation_operator", {"operator": operator}))
	if int(periods or 0) < 1:
		problems.append(Problem("deviation_periods", {"value": periods}))
	if not [a for a in actions if a in ACTIONS]:
		problems.append(Problem("deviation_no_action"))
	return problems
