"""Planning meetings, one-on-ones and the regular period reports (METHOD.md §3, seeds 001, 002).

Pure Python (no frappe, no clock): the adapters (``sales_drive/meetings.py``,
``sales_drive/period_reports.py``) fetch plain rows with grouped queries and
hand them here.

Agenda of a planning meeting (планёрка) or a one-on-one (тет-а-тет)
--------------------------------------------------------------------
:func:`agenda` orders what the app already knows into sections, in this order:

1. ``figures`` — the manager's fact against plan (one-on-one only);
2. ``digest`` — yesterday's morning report (Sales Digest) of the team;
3. ``deviation`` — Deviation Firings still open, the worst % of target first;
4. ``task`` — check-up tasks stuck on a question (first) or overdue, the oldest first;
5. ``overdue_step`` — Leads and Opportunities over their step's time limit, the longest first.

Only the rows of the given ``members`` (Sales Persons; ``None``: everyone) are
kept, each reference once, at most ``limit`` per section (the rest are
counted in one ``more`` item, so nothing is hidden without a trace).

Decisions and agreed actions (:func:`decision_problems`) need a text, an
owner (a Sales Person) and a due date not before the meeting; each becomes a
Sales Task checked up as tasks are.

Regular period reports
----------------------
Weekly results cover a Monday–Sunday week and are due on a weekday of the
following week; the monthly review covers a calendar month and the quarterly
review a calendar quarter, both due on a day of the following month
(:func:`due_date`). A report can be made from its period's last day. A reminder
goes out from ``remind_days_before`` days before the due date (at the earliest
on the period's last day) while the report is missing, once per report (the
adapter records it). :func:`compliance` is the share of due reports submitted on time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .kpi import ratio_percent
from .problems import Problem

FIGURES, DIGEST, DEVIATION, TASK, OVERDUE_STEP = "figures", "digest", "deviation", "task", "overdue_step"
SECTIONS = (FIGURES, DIGEST, DEVIATION, TASK, OVERDUE_STEP)
STUCK = "Stuck"
DEFAULT_LIMIT = 20

WEEKLY, MONTHLY, QUARTERLY = "Weekly Results", "Monthly Review", "Quarterly Review"
PERIOD_KINDS = (WEEKLY, MONTHLY, QUARTERLY)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

TEMPLATES = {
	"decision_needs_text": "Decision {row}: write what was decided",
	"decision_needs_owner": "Decision {row}: choose who does it (a Sales Person)",
	"decision_needs_due": "Decision {row}: set the due date",
	"decision_due_before_meeting": "Decision {row}: the due date {due_date} is before the meeting ({day})",
	"period_unknown_kind": "Unknown kind of period report {kind}",
	"period_not_over": "The period {start} – {end} is not over yet: its report can be made from {next_day}",
}


@dataclass(frozen=True)
class AgendaItem:
	section: str
	reference_doctype: str = ""
	reference_name: str = ""
	sales_person: str | None = None
	params: Mapping[str, Any] = field(default_factory=dict)


def _members(members: Collection[str] | None):
	return None if members is None else set(members)


def _mine(rows: Iterable[Mapping], members: set[str] | None) -> list[Mapping]:
	return [r for r in rows if members is None or r.get("sales_person") in members]


def _capped(section: str, items: list[AgendaItem], limit: int) -> list[AgendaItem]:
	if len(items) <= limit:
		return items
	return items[:limit] + [AgendaItem(section, params={"more": len(items) - limit})]


def agenda(
	*,
	digest: Mapping | None = None,
	deviations: Iterable[Mapping] = (),
	tasks: Iterable[Mapping] = (),
	overdue: Iterable[Mapping] = (),
	figures: Mapping | None = None,
	members: Collection[str] | None = None,
	limit: int = DEFAULT_LIMIT,
) -> list[AgendaItem]:
	"""The agenda, section by section (see the module's doc).

	- ``digest``: ``{name, report_date, scope}`` of the morning report, or None;
	- ``deviations``: ``{name, sales_person, metric, last_percent, threshold_percent}``;
	- ``tasks``: ``{name, title, sales_person, reason ("Stuck"/"Overdue"), due_date, question}``;
	- ``overdue``: ``{doctype, name, title, step, sales_person, days_over}``;
	- ``figures``: ``{sales_person, plan, fact, deals_plan, deals_won}`` (a one-on-one).
	"""
	members = _members(members)
	out: list[AgendaItem] = []
	if figures is not None:
		plan, fact = Decimal(figures.get("plan") or 0), Decimal(figures.get("fact") or 0)
		out.append(
			AgendaItem(
				FIGURES,
				sales_person=figures.get("sales_person"),
				params={
					"plan": plan,
					"fact": fact,
					"percent": ratio_percent(fact, plan) if plan > 0 else None,
					"deals_plan": Decimal(figures.get("deals_plan") or 0),
					"deals_won": int(figures.get("deals_won") or 0),
				},
			)
		)
	if digest:
		out.append(
			AgendaItem(DIGEST, "Sales Digest", digest["name"], None,
				{"report_date": digest.get("report_date"), "scope": digest.get("scope")})  # fmt: skip
		)

	seen: set[tuple[str, str]] = set()

	def first(doctype: str, name: str) -> bool:
		key = (doctype, name)
		if key in seen:
			return False
		seen.add(key)
		return True

	devs = sorted(
		_mine(deviations, members),
		key=lambda d: (Decimal(d.get("last_percent") or 0), str(d.get("sales_person") or ""), d["name"]),
	)
	out += _capped(DEVIATION, [
		AgendaItem(DEVIATION, "Deviation Firing", d["name"], d.get("sales_person"),
			{"metric": d.get("metric") or "", "percent": Decimal(d.get("last_percent") or 0),
				"threshold": Decimal(d.get("threshold_percent") or 0)})
		for d in devs if first("Deviation Firing", d["name"])
	], limit)  # fmt: skip

	far = date.max
	tsk = sorted(
		_mine(tasks, members),
		key=lambda t: (t.get("reason") != STUCK, t.get("due_date") or far, t["name"]),
	)
	out += _capped(TASK, [
		AgendaItem(TASK, "Sales Task", t["name"], t.get("sales_person"),
			{"title": t.get("title") or "", "stuck": t.get("reason") == STUCK, "due_date": t.get("due_date"),
				"question": t.get("question") or ""})
		for t in tsk if first("Sales Task", t["name"])
	], limit)  # fmt: skip

	steps = sorted(
		_mine(overdue, members),
		key=lambda r: (-int(r.get("days_over") or 0), r.get("doctype") or "", r["name"]),
	)
	out += _capped(OVERDUE_STEP, [
		AgendaItem(OVERDUE_STEP, r["doctype"], r["name"], r.get("sales_person"),
			{"title": r.get("title") or r["name"], "step": r.get("step") or "", "days_over": int(r.get("days_over") or 0)})
		for r in steps if first(r["doctype"], r["name"])
	], limit)  # fmt: skip
	return out


def decision_problems(decisions: Iterable[Mapping], day: date) -> list[Problem]:
	"""What is wrong with the decisions (agreed actions) of a meeting held on ``day``."""
	problems = []
	for i, d in enumerate(decisions, start=1):
		if not (d.get("decision") or "").strip():
			problems.append(Problem("decision_needs_text", {"row": i}))
		if not d.get("sales_person"):
			problems.append(Problem("decision_needs_owner", {"row": i}))
		due = d.get("due_date")
		if not due:
			problems.append(Problem("decision_needs_due", {"row": i}))
		elif due < day:
			problems.append(Problem("decision_due_before_meeting", {"row": i, "due_date": due, "day": day}))
	return problems


# ----------------------------------------------------------------------------- period reports


def period_bounds(kind: str, day: date) -> tuple[date, date]:
	"""The week (Monday–Sunday), calendar month or calendar quarter holding ``day``."""
	if kind == WEEKLY:
		start = day - timedelta(days=day.weekday())
		return start, start + timedelta(days=6)
	if kind == MONTHLY:
		start = day.replace(day=1)
	elif kind == QUARTERLY:
		start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
	else:
		raise ValueError(kind)
	months = 1 if kind == MONTHLY else 3
	year, month = divmod(start.month - 1 + months, 12)
	return start, date(start.year + year, month + 1, 1) - timedelta(days=1)


def previous_period(kind: str, day: date) -> tuple[date, date]:
	"""The last period that ended before ``day``."""
	start, _end = period_bounds(kind, day)
	return period_bounds(kind, start - timedelta(days=1))


def due_date(kind: str, end: date, weekday: str | None = None, day_of_month: int | None = None) -> date:
	"""When the report of a period ending ``end`` is due: a weekday of the following week, or a day of
	the following month."""
	if kind == WEEKLY:
		monday = end + timedelta(days=7 - end.weekday())
		return monday + timedelta(days=WEEKDAYS.index(weekday) if weekday in WEEKDAYS else 0)
	following = end + timedelta(days=1)
	return following.replace(day=min(max(int(day_of_month or 1), 1), 28))


def period_problems(kind: str, start: date, end: date, today: date) -> list[Problem]:
	"""A period's report can be made from the period's last day on (``next_day``: that day)."""
	if kind not in PERIOD_KINDS:
		return [Problem("period_unknown_kind", {"kind": kind})]
	if end > today:
		return [Problem("period_not_over", {"start": start, "end": end, "next_day": end})]
	return []


def reminder_periods(kind: str, today: date) -> list[tuple[date, date]]:
	"""The periods whose reports may be reminded of on ``today``: the last one that is over and, on its
	last day, the current one (a report can be made from then on)."""
	out = [previous_period(kind, today)]
	current = period_bounds(kind, today)
	if current[1] == today:
		out.append(current)
	return out


def reminder_due(today: date, due: date, days_before: int) -> bool:
	"""A reminder is due from ``days_before`` days before the due date on (and after it, while missing)."""
	return today >= due - timedelta(days=max(int(days_before or 0), 0))


def periods_due(kind: str, start: date, end: date, today: date, weekday=None, day_of_month=None) -> list[tuple]:
	"""``(period start, period end, due date)`` of the reports of ``kind`` whose due date falls in
	[start, end] and is not after ``today`` (only those can be late or missing yet)."""
	out = []
	last = min(end, today)
	p_start, p_end = previous_period(kind, start)
	for _ in range(500):
		due = due_date(kind, p_end, weekday, day_of_month)
		if due > last:
			break
		if due >= start:
			out.append((p_start, p_end, due))
		p_start, p_end = period_bounds(kind, p_end + timedelta(days=1))
	return out


def compliance(due: int, on_time: int) -> Decimal | None:
	"""% of the due reports submitted on time; None when nothing was due."""
	return ratio_percent(on_time, due) if due else None
