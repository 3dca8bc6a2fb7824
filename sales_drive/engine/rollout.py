"""Introducing a regulation on a live ERPNext (METHOD.md §7): rollout modes and adopting records.

A regulation is introduced in steps: explain it, support people for two or
three weeks, analyse, correct, then hold to it. The software follows that
loop with a **rollout mode** per regulation:

- ``Observe``: nothing is refused and no ERPNext field is rewritten; every
  move (and lead conversion) that Enforce would refuse is recorded with the
  criteria it misses, for the Gate Compliance report;
- ``Warn``: the save goes through, the user is shown what is missing, and the
  miss is recorded;
- ``Enforce``: the gate refuses what the regulation does not allow.

Existing records are **adopted**: each ERPNext value of the step field (an
Opportunity's Sales Stage, a Lead's status) maps to a step, and the stage
history found in the record's Version rows becomes transition history.

Nothing here reads the database or the clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .problems import Problem

OBSERVE, WARN, ENFORCE = "Observe", "Warn", "Enforce"
MODES = (OBSERVE, WARN, ENFORCE)
# a fresh install starts by watching; a regulation is enforced once the head of sales says so
DEFAULT_MODE = OBSERVE

# ERPNext's eight standard Sales Stages -> the default Opportunity regulation's steps
DEFAULT_STAGE_MAP = {
	"Prospecting": "Qualification",
	"Qualification": "Qualification",
	"Needs Analysis": "Needs Assessment",
	"Value Proposition": "Presentation",
	"Identifying Decision Makers": "Needs Assessment",
	"Perception Analysis": "Presentation",
	"Proposal/Price Quote": "Proposal Preparation",
	"Negotiation/Review": "Proposal Approval",
}
# ERPNext's Lead statuses -> the default Lead regulation's steps
DEFAULT_LEAD_STATUS_MAP = {
	"Lead": "New Lead",
	"Open": "New Lead",
	"Replied": "MQL",
	"Interested": "MQL",
	"Opportunity": "SQL",
	"Quotation": "SQL",
	"Converted": "SQL",
	"Lost Quotation": "SQL",
	"Do Not Contact": "New Lead",
}


def default_mapping(pipeline: str, steps: Iterable[str]) -> dict[str, str]:
	"""The default mapping of a pipeline, kept to the steps the regulation has."""
	source = DEFAULT_STAGE_MAP if pipeline == "Opportunity" else DEFAULT_LEAD_STATUS_MAP
	names = set(steps)
	return {value: step for value, step in source.items() if step in names}


@dataclass(frozen=True)
class Outcome:
	"""What a mode makes of a gate decision."""

	refuse: bool
	warn: bool
	record: bool


def outcome(mode: str, allowed: bool) -> Outcome:
	"""Refuse (Enforce), show (Warn) or only record (Observe) a move the gate would refuse.

	An unknown mode is treated as Enforce: a regulation never stops being
	enforced by a typo.
	"""
	if allowed:
		return Outcome(refuse=False, warn=False, record=False)
	if mode == OBSERVE:
		return Outcome(refuse=False, warn=False, record=True)
	if mode == WARN:
		return Outcome(refuse=False, warn=True, record=True)
	return Outcome(refuse=True, warn=False, record=False)


def rewrites_fields(mode: str) -> bool:
	"""Whether the regulation may write ERPNext's own fields (the step, the owner on hand-off)."""
	return mode in (WARN, ENFORCE) or mode not in MODES


def criterion_key(problem: Problem) -> str:
	"""A short, stable key of a missing criterion, for grouping (``kind: what``)."""
	p = problem.params
	what = (
		p.get("field")
		or p.get("item")
		or p.get("document_type")
		or p.get("step")
		or p.get("description")
		or p.get("to_step")
		or ""
	)
	return f"{problem.code}: {what}" if what else problem.code


def resolve_step(value: str | None, steps: Sequence[str], mapping: Mapping[str, str]) -> str | None:
	"""The regulation's step for a value of the step field: the step itself, else its mapping."""
	if not value:
		return None
	if value in steps:
		return value
	mapped = mapping.get(value)
	return mapped if mapped in steps else None


# --- adopting existing records ----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
	"""One change of the step field found in a record's history."""

	when: datetime
	old: str | None
	new: str | None


def changes_of(version_data: str | Mapping, fieldname: str) -> list[tuple[str | None, str | None]]:
	"""The (old, new) values of ``fieldname`` in one Version row's ``data`` (JSON or parsed)."""
	if isinstance(version_data, str):
		try:
			data = json.loads(version_data)
		except ValueError:
			return []
	else:
		data = version_data
	out = []
	for row in (data or {}).get("changed") or []:
		if isinstance(row, (list, tuple)) and len(row) >= 3 and row[0] == fieldname:
			out.append((row[1] or None, row[2] or None))
	return out


def history(versions: Iterable[tuple[datetime, str]], fieldname: str) -> list[Change]:
	"""The step-field changes of one record, oldest first, from its Version rows ``(creation, data)``."""
	out = []
	for when, data in sorted(versions, key=lambda v: v[0]):
		for old, new in changes_of(data, fieldname):
			if old != new:
				out.append(Change(when, old, new))
	return out


@dataclass
class Adoption:
	"""How one record is bound: its step, since when, and the history rows to log."""

	step: str
	entered_on: datetime
	transitions: list[tuple[str, str, datetime]] = field(default_factory=list)  # (from, to, when)


def adopt(
	value: str | None,
	created: datetime,
	modified: datetime,
	changes: Sequence[Change],
	order: Sequence[str],
	mapping: Mapping[str, str],
) -> Adoption:
	"""Bind one existing record to a regulation.

	- Its step is its current value resolved through the mapping; a value the
	  mapping does not know puts it in the first step.
	- It entered that step when its history last changed the field into a
	  value of that step; with no such change, at its creation when the record
	  was never changed, else at its last modification (the best that is known).
	- Each recorded change between two different steps becomes a transition,
	  the record's first step entered at its creation.
	"""
	if not order:
		raise ValueError("a regulation without steps adopts nothing")
	step = resolve_step(value, order, mapping) or order[0]
	transitions: list[tuple[str, str, datetime]] = []
	entered_on = None
	if changes:
		first = resolve_step(changes[0].old, order, mapping)
		if first:
			transitions.append(("", first, created))
			entered_on = created if first == step else None
		current = first
		for ch in changes:
			target = resolve_step(ch.new, order, mapping)
			if not target or target == current:
				continue
			transitions.append((current or "", target, ch.when))
			current = target
			entered_on = ch.when if target == step else entered_on
		if current != step:
			# the history does not end where the record is (edited outside the versioned path)
			transitions.append((current or "", step, modified))
			entered_on = modified
	if entered_on is None:
		entered_on = created if not changes and created == modified else modified
	return Adoption(step=step, entered_on=entered_on, transitions=transitions)


def transition_kind(order: Sequence[str], from_step: str, to_step: str) -> str:
	"""Enter / Forward / Skip / Backward for a historical move (history is not judged, only kept)."""
	if not from_step or from_step not in order:
		return "Enter"
	i, j = order.index(from_step), order.index(to_step)
	if j == i + 1:
		return "Forward"
	return "Skip" if j > i else "Backward"
