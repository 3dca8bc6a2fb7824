"""The work-day plan (seed 002: «кто… в какое время принимает входящие звонки, кто делает исходящие»).

A roster is a list of slots: a person, a duty (inbound calls, inbound leads, outbound) and the
hours [start, end) of one day. This module checks a roster, finds who is on a duty at a moment,
the hours of the working day with nobody on an inbound duty (gaps) and the people booked on an
inbound and an outbound duty at the same time (conflicts), and the first response time of leads.
Plain data in, plain data out: the caller gives the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from sales_drive.engine.problems import Problem

INBOUND_CALLS, INBOUND_LEADS, OUTBOUND = "Inbound Calls", "Inbound Leads", "Outbound"
DUTIES = (INBOUND_CALLS, INBOUND_LEADS, OUTBOUND)
INBOUND = (INBOUND_CALLS, INBOUND_LEADS)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# the English sentence of each problem code (the adapter gives the translated ones)
TEMPLATES = {
	"roster_no_person": "Row {row}: choose the person on duty",
	"roster_unknown_duty": "Row {row}: unknown duty {duty}",
	"roster_no_hours": "Row {row}: set the hours from and to",
	"roster_end_before_start": "Row {row}: the slot must end after it starts ({start} to {end})",
	"roster_overlap": "Rows {row} and {other}: {person} is on duty {duty} twice at the same time",
	"roster_day_hours": "The working day must end after it starts ({start} to {end})",
}


@dataclass(frozen=True)
class Slot:
	person: str
	duty: str
	start: time
	end: time
	team: str = ""
	row: int = 0


@dataclass(frozen=True)
class Gap:
	"""Hours of the working day with nobody on an inbound duty."""

	team: str
	duty: str
	start: time
	end: time


@dataclass(frozen=True)
class Conflict:
	"""A person booked on an inbound duty and on outbound at the same time."""

	person: str
	start: time
	end: time
	duties: tuple[str, ...] = field(default=())


def _minutes(t: time) -> int:
	return t.hour * 60 + t.minute


def _time(minutes: int) -> time:
	return time(23, 59, 59) if minutes >= 24 * 60 else time(minutes // 60, minutes % 60)


def validate(slots: Sequence[Slot], day_start: time | None = None, day_end: time | None = None) -> list[Problem]:
	"""What is wrong with a roster's slots (and its working day): empty rows, an unknown duty, a slot
	that ends before it starts, the same person twice on the same duty at overlapping hours."""
	problems: list[Problem] = []
	if day_start is not None and day_end is not None and day_start >= day_end:
		problems.append(Problem("roster_day_hours", {"start": _hm(day_start), "end": _hm(day_end)}))
	good = []
	for s in slots:
		if not s.person:
			problems.append(Problem("roster_no_person", {"row": s.row}))
		elif s.duty not in DUTIES:
			problems.append(Problem("roster_unknown_duty", {"row": s.row, "duty": s.duty}))
		elif s.start is None or s.end is None:
			problems.append(Problem("roster_no_hours", {"row": s.row}))
		elif s.start >= s.end:
			problems.append(Problem("roster_end_before_start", {"row": s.row, "start": _hm(s.start), "end": _hm(s.end)}))
		else:
			good.append(s)
	by_key: dict[tuple[str, str], list[Slot]] = {}
	for s in good:
		by_key.setdefault((s.person, s.duty), []).append(s)
	for (person, duty), rows in by_key.items():
		rows.sort(key=lambda s: (s.start, s.row))
		for prev, cur in zip(rows, rows[1:]):
			if cur.start < prev.end:
				problems.append(
					Problem("roster_overlap", {"row": prev.row, "other": cur.row, "person": person, "duty": duty})
				)
	return problems


def _hm(t: time) -> str:
	return t.strftime("%H:%M")


def on_duty(slots: Iterable[Slot], duty: str, at: time) -> list[str]:
	"""The people on ``duty`` at ``at`` (a slot covers [start, end)), each once, in slot order."""
	out: list[str] = []
	for s in slots:
		if s.duty == duty and s.start <= at < s.end and s.person not in out:
			out.append(s.person)
	return out


def pick(candidates: Sequence[str], turn: int) -> str | None:
	"""Round robin over the people on duty: the ``turn``-th routing goes to candidate turn mod n."""
	people = sorted(set(c for c in candidates if c))
	return people[turn % len(people)] if people else None


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
	out: list[tuple[int, int]] = []
	for a, b in sorted(intervals):
		if out and a <= out[-1][1]:
			out[-1] = (out[-1][0], max(out[-1][1], b))
		else:
			out.append((a, b))
	return out


def gaps(
	slots: Iterable[Slot], day_start: time, day_end: time, team: str = "", duties: Sequence[str] = INBOUND
) -> list[Gap]:
	"""For each inbound duty, the hours of [day_start, day_end) nobody covers, in time order."""
	slots = list(slots)
	lo, hi = _minutes(day_start), _minutes(day_end)
	out: list[Gap] = []
	for duty in duties:
		covered = _merge(
			(max(_minutes(s.start), lo), min(_minutes(s.end), hi))
			for s in slots
			if s.duty == duty and s.start < s.end and _minutes(s.end) > lo and _minutes(s.start) < hi
		)
		cursor = lo
		for a, b in covered:
			if a > cursor:
				out.append(Gap(team, duty, _time(cursor), _time(a)))
			cursor = max(cursor, b)
		if cursor < hi:
			out.append(Gap(team, duty, _time(cursor), _time(hi)))
	return sorted(out, key=lambda g: (g.start, DUTIES.index(g.duty)))


def conflicts(slots: Iterable[Slot]) -> list[Conflict]:
	"""People booked on an inbound duty and on outbound at overlapping hours (across rosters too):
	one row per person and overlapping stretch, with the inbound duties involved."""
	by_person: dict[str, list[Slot]] = {}
	for s in slots:
		if s.start < s.end:
			by_person.setdefault(s.person, []).append(s)
	out: list[Conflict] = []
	for person, rows in by_person.items():
		outbound = [s for s in rows if s.duty == OUTBOUND]
		inbound = [s for s in rows if s.duty in INBOUND]
		pieces: list[tuple[int, int, str]] = []
		for o in outbound:
			for i in inbound:
				a, b = max(_minutes(o.start), _minutes(i.start)), min(_minutes(o.end), _minutes(i.end))
				if a < b:
					pieces.append((a, b, i.duty))
		for a, b in _merge((a, b) for a, b, _d in pieces):
			duties = tuple(d for d in INBOUND if any(pa < b and pb > a and pd == d for pa, pb, pd in pieces))
			out.append(Conflict(person, _time(a), _time(b), duties))
	return sorted(out, key=lambda c: (c.person, c.start))


def person_slots(slots: Iterable[Slot], person: str) -> list[Slot]:
	"""One person's slots of the day, in time order."""
	return sorted((s for s in slots if s.person == person), key=lambda s: (s.start, DUTIES.index(s.duty) if s.duty in DUTIES else 9))


def effective(day: date, dated: Mapping[date, object] | None, weekly: Mapping[str, object] | None):
	"""The roster of a day: the one made for that date, else the weekly template of its weekday."""
	if dated and day in dated:
		return dated[day]
	return (weekly or {}).get(WEEKDAYS[day.weekday()])


def call_schedule(slots: Iterable[Slot], duty: str = INBOUND_CALLS) -> list[tuple[time, time, tuple[str, ...]]]:
	"""The day cut into stretches with the same people on ``duty``, without overlaps — the shape of
	ERPNext's Incoming Call Handling Schedule (one agent group per row, no overlapping rows a day):
	(start, end, people) in time order, adjacent stretches with the same people merged."""
	mine = [s for s in slots if s.duty == duty and s.start < s.end]
	cuts = sorted({_minutes(s.start) for s in mine} | {_minutes(s.end) for s in mine})
	out: list[tuple[int, int, tuple[str, ...]]] = []
	for a, b in zip(cuts, cuts[1:]):
		people = tuple(sorted({s.person for s in mine if _minutes(s.start) <= a and _minutes(s.end) >= b}))
		if not people:
			continue
		if out and out[-1][1] == a and out[-1][2] == people:
			out[-1] = (out[-1][0], b, people)
		else:
			out.append((a, b, people))
	return [(_time(a), _time(b), people) for a, b, people in out]


# ----------------------------------------------------------------------------- first response


HOUR = Decimal(3600)


def first_response_hours(created: datetime, touches: Iterable[datetime], as_of: datetime) -> Decimal | None:
	"""Hours from a lead's creation to its first call or e-mail (at or after creation).

	A lead nobody has answered yet counts with the time elapsed up to ``as_of`` (the end of the
	period or now, whichever is earlier), so leaving leads unanswered never improves the figure.
	None when the lead was created after ``as_of``.
	"""
	if created > as_of:
		return None
	after = [t for t in touches if t is not None and t >= created]
	end = min(after) if after else as_of
	seconds = Decimal(int((end - created).total_seconds()))
	return (seconds / HOUR).quantize(Decimal("0.01"))


def average_first_response(
	leads: Iterable[tuple[str, datetime, Sequence[datetime]]], as_of: datetime
) -> dict[str, Decimal]:
	"""person → the average first-response hours of their leads ((person, created, touches) rows)."""
	sums: dict[str, list[Decimal]] = {}
	for person, created, touches in leads:
		hours = first_response_hours(created, touches, as_of)
		if person and hours is not None:
			sums.setdefault(person, []).append(hours)
	return {p: (sum(v) / len(v)).quantize(Decimal("0.01")) for p, v in sums.items()}
