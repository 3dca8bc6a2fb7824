"""Task check-ups: a team lead's tasks for managers, answered at the check-up (seed 004).

Pure Python: the Frappe layer hands in plain values (dates included, "today"
too) and gets plain values or :class:`~sales_drive.engine.problems.Problem`
codes back.

A task has a **due date** (when the work should be finished) and a
**check-up date** (when the team lead and the manager meet about it; it may be
before, on or after the due date). At the check-up the manager answers with
one of four outcomes:

* **Done**;
* **Not Done**;
* **Done Differently**: needs a note of what was done instead;
* **Stuck on a Question**: needs the question, so the team lead can answer it.

Until then the task is **Open**.

State on a day
--------------
A task is **stuck** on any day while its status is *Stuck on a Question*.
It is **overdue** on ``day`` when it is still *Open* and either its due date
or its check-up date is before ``day`` (the day after the due date, or the day
after a check-up that got no answer). An answered task (Done, Not Done, Done
Differently) is never overdue: the manager has said what happened.

The board
---------
:func:`board` aggregates plain task rows per manager: the count of each
status, how many are overdue and stuck on ``day``, and the total. A row may
stand for several tasks with the same values (``count``), as a grouped query
returns them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sales_drive.engine.problems import Problem

OPEN = "Open"
DONE = "Done"
NOT_DONE = "Not Done"
DONE_DIFFERENTLY = "Done Differently"
STUCK = "Stuck on a Question"
STATUSES = (OPEN, DONE, NOT_DONE, DONE_DIFFERENTLY, STUCK)
ANSWERS = (DONE, NOT_DONE, DONE_DIFFERENTLY, STUCK)

REASON_STUCK = "Stuck"
REASON_OVERDUE = "Overdue"

# the fields a manager (the task's assignee) may change: the answer
ANSWER_FIELDS = ("status", "answer_note", "question")

# English sentence of each problem code (the adapter translates them)
TEMPLATES = {
	"checkup_before_creation": "The check-up date {checkup_date} is before the task was created ({created})",
	"due_before_creation": "The due date {due_date} is before the task was created ({created})",
	"checkup_unknown_status": "Unknown status {status}",
	"checkup_needs_note": "Say what was done instead: a task Done Differently needs the note of what was done",
	"checkup_needs_question": "Write the question: a task Stuck on a Question needs the question",
	"checkup_fields_locked": "Only the team lead may change these fields of the task: {fields}",
}


def _blank(value) -> bool:
	return value is None or (isinstance(value, str) and not value.strip())


def validate_task(
	created: date,
	due_date: date | None,
	checkup_date: date | None,
	status: str | None,
	answer_note: str | None = None,
	question: str | None = None,
) -> list[Problem]:
	"""Problems of a task: dates not before its creation, a known status, the answer's required text."""
	problems: list[Problem] = []
	if checkup_date and checkup_date < created:
		problems.append(
			Problem("checkup_before_creation", {"checkup_date": checkup_date, "created": created})
		)
	if due_date and due_date < created:
		problems.append(Problem("due_before_creation", {"due_date": due_date, "created": created}))
	status = status or OPEN
	if status not in STATUSES:
		problems.append(Problem("checkup_unknown_status", {"status": status}))
	elif status == DONE_DIFFERENTLY and _blank(answer_note):
		problems.append(Problem("checkup_needs_note"))
	elif status == STUCK and _blank(question):
		problems.append(Problem("checkup_needs_question"))
	return problems


def locked_changes(
	before: Mapping[str, object], after: Mapping[str, object], allowed=ANSWER_FIELDS
) -> list[str]:
	"""The fields (in ``after``'s order) whose value changed although only ``allowed`` may change."""
	return [
		key for key, value in after.items() if key not in allowed and _norm(before.get(key)) != _norm(value)
	]


def _norm(value):
	return "" if value is None else str(value)


def is_stuck(status: str | None) -> bool:
	return status == STUCK


def is_overdue(status: str | None, due_date: date | None, checkup_date: date | None, day: date) -> bool:
	"""Still Open after the due date, or Open past the check-up date without an answer."""
	if (status or OPEN) != OPEN:
		return False
	return bool((due_date and due_date < day) or (checkup_date and checkup_date < day))


def reason(status: str | None, due_date: date | None, checkup_date: date | None, day: date) -> str | None:
	"""``"Stuck"``, ``"Overdue"`` or ``None`` (nothing to surface) on ``day``."""
	if is_stuck(status):
		return REASON_STUCK
	if is_overdue(status, due_date, checkup_date, day):
		return REASON_OVERDUE
	return None


def needs_reminder(status: str | None, checkup_date: date | None, reminded: bool, day: date) -> bool:
	"""Remind the manager once, from the check-up date on, while the task is unanswered."""
	return (status or OPEN) == OPEN and bool(checkup_date) and checkup_date <= day and not reminded


@dataclass(frozen=True)
class TaskRow:
	sales_person: str
	status: str
	due_date: date | None = None
	checkup_date: date | None = None
	count: int = 1  # rows pre-aggregated by a grouped query carry how many tasks they stand for


@dataclass
class BoardRow:
	sales_person: str
	counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
	overdue: int = 0
	stuck: int = 0
	total: int = 0

	@property
	def answered(self) -> int:
		return self.total - self.counts[OPEN]


def board(rows: Iterable[TaskRow], day: date) -> list[BoardRow]:
	"""One row per manager (sorted by name): tasks per status, overdue and stuck on ``day``, total."""
	out: dict[str, BoardRow] = {}
	for row in rows:
		line = out.get(row.sales_person)
		if line is None:
			line = out[row.sales_person] = BoardRow(row.sales_person)
		status = row.status or OPEN
		if status in line.counts:
			line.counts[status] += row.count
		line.total += row.count
		if is_stuck(status):
			line.stuck += row.count
		elif is_overdue(status, row.due_date, row.checkup_date, day):
			line.overdue += row.count
	return [out[k] for k in sorted(out)]


def totals(lines: Iterable[BoardRow]) -> BoardRow:
	"""The board's total line."""
	total = BoardRow("")
	for line in lines:
		for status, count in line.counts.items():
			total.counts[status] += count
		total.overdue += line.overdue
		total.stuck += line.stuck
		total.total += line.total
	return total
