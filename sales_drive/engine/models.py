"""Sales models: how the department's model shapes a regulation (METHOD.md §6).

A department grows through four models (seed 003). The model decides, for
every step of a regulation, three things an admin could also set by hand:

- ``specialisation`` — which specialisation owns the step;
- ``handoff_specialisation`` — where the record is handed to another level;
- ``assistant_allowed`` — whether an Assistant may do the step on a
  manager's records.

The rules, by the step's stage (a step without a stage takes the stage of
the step before it in process order; leading steps without one count as
Leads Development):

- **Full Cycle** — one manager does everything: every step is Full Cycle, no
  hand-offs, no assistant.
- **Cells** — a manager with an assistant: every step is Full Cycle, no
  hand-offs; the assistant may do the inbound and document work: the first
  step of the regulation (taking the inbound call, entering the
  qualification data), every Leads Generation step, and every step whose
  exit asks for a Quotation, Sales Order or Sales Invoice (preparing the
  proposal, the contract, the invoice).
- **Three-Level** — Leads Generation and Leads Development steps belong to
  hunters, Leads Conversion and Client Fulfillment (proposal to money) to
  closers, Account Management and Key Account Management to farmers; the
  record is handed off wherever the owner changes from the previous step
  (to the closers at the first closer step, to the farmers at the first
  farmer step). A regulation of farmers only (repeat sales) has no hand-off.
- **Key Accounts** — as Three-Level, plus a separate KAM unit: every step of
  a key-account regulation (``key_account=True``, or one with a Key Account
  Management step when the flag is not given) and every Key Account
  Management step belongs to key account managers; a key-account
  regulation has no internal hand-off.

Hand-offs to a *role* (``handoff_role``) and everything else in a step are
the admin's and never touched. :func:`plan_change` says what would change,
:func:`apply` changes it; both are pure and deterministic, and applying a
plan makes the regulation a fixed point of its model (planning again gives
nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .regulation import Regulation, Step

FULL_CYCLE = "Full Cycle"
CELLS = "Cells"
THREE_LEVEL = "Three-Level"
KEY_ACCOUNTS = "Key Accounts"
MODELS = (FULL_CYCLE, CELLS, THREE_LEVEL, KEY_ACCOUNTS)

HUNTER, CLOSER, FARMER, KAM = "Hunter", "Closer", "Farmer", "Key Account Manager"
FIELDS = ("specialisation", "handoff_specialisation", "assistant_allowed")
DEFAULT_STAGE = "Leads Development"
KEY_ACCOUNT_STAGE = "Key Account Management"
LEVEL_OF_STAGE = {
	"Leads Generation": HUNTER,
	"Leads Development": HUNTER,
	"Leads Conversion": CLOSER,
	"Client Fulfillment": CLOSER,
	"Account Management": FARMER,
	KEY_ACCOUNT_STAGE: FARMER,
}
# the documents an assistant prepares (a step whose exit asks for one is document work)
ASSISTANT_DOCUMENTS = ("Quotation", "Sales Order", "Sales Invoice")


class ModelError(ValueError):
	pass


@dataclass(frozen=True)
class Change:
	step: str
	field: str
	old: str | bool
	new: str | bool


@dataclass(frozen=True)
class Shape:
	"""What a model wants of one step."""

	specialisation: str
	handoff_specialisation: str
	assistant_allowed: bool


def check_model(model: str) -> str:
	if model not in MODELS:
		raise ModelError(f"unknown sales model {model!r}; expected one of {', '.join(MODELS)}")
	return model


def is_key_account_regulation(regulation: Regulation, key_account: bool | None = None) -> bool:
	if key_account is not None:
		return key_account
	return any(s.stage == KEY_ACCOUNT_STAGE for s in regulation.steps)


def _ordered(regulation: Regulation) -> list[Step]:
	return [regulation.step(name) for name in regulation.order()]


def _stages(steps: Sequence[Step]) -> list[str]:
	"""Each step's effective stage: its own, else the one before it, else the default."""
	out: list[str] = []
	last = ""
	for s in steps:
		last = s.stage or last
		out.append(last or DEFAULT_STAGE)
	return out


def _is_document_step(regulation: Regulation, step: str) -> bool:
	return any(
		c.kind == "Document" and c.document_type in ASSISTANT_DOCUMENTS for c in regulation.criteria_of(step)
	)


def shapes(regulation: Regulation, model: str, key_account: bool | None = None) -> dict[str, Shape]:
	"""Step name -> what ``model`` wants of it."""
	check_model(model)
	steps = _ordered(regulation)
	stages = _stages(steps)
	if model in (FULL_CYCLE, CELLS):
		out = {}
		for i, (s, stage) in enumerate(zip(steps, stages, strict=True)):
			assistant = model == CELLS and (
				i == 0 or stage == "Leads Generation" or _is_document_step(regulation, s.name)
			)
			out[s.name] = Shape(FULL_CYCLE, "", assistant)
		return out

	if model == KEY_ACCOUNTS and is_key_account_regulation(regulation, key_account):
		owners = [KAM] * len(steps)
	else:
		owners = [
			KAM if model == KEY_ACCOUNTS and stage == KEY_ACCOUNT_STAGE else LEVEL_OF_STAGE.get(stage, CLOSER)
			for stage in stages
		]
	out = {}
	for i, s in enumerate(steps):
		handoff = owners[i] if i and owners[i] != owners[i - 1] else ""
		out[s.name] = Shape(owners[i], handoff, False)
	return out


def plan_change(regulation: Regulation, model: str, key_account: bool | None = None) -> list[Change]:
	"""What switching ``regulation`` to ``model`` changes, step by step in process order.

	``key_account``: whether this is the key-account regulation (the
	regulation's segment flag); None infers it from a Key Account Management
	step.
	"""
	wanted = shapes(regulation, model, key_account)
	changes = []
	for s in _ordered(regulation):
		shape = wanted[s.name]
		for field in FIELDS:
			old, new = getattr(s, field), getattr(shape, field)
			if field == "assistant_allowed":
				old = bool(old)
			else:
				old = old or ""
			if old != new:
				changes.append(Change(s.name, field, old, new))
	return changes


def apply(regulation: Regulation, changes: Iterable[Change]) -> Regulation:
	"""The regulation with ``changes`` made; a change to an unknown step or field,
	or one whose ``old`` no longer matches (a stale plan), is an error."""
	steps = {s.name: s for s in regulation.steps}
	for c in changes:
		if c.field not in FIELDS:
			raise ModelError(f"a sales model does not change {c.field!r}")
		step = steps.get(c.step)
		if step is None:
			raise ModelError(f"no step {c.step!r} in regulation {regulation.name!r}")
		current = getattr(step, c.field)
		current = bool(current) if c.field == "assistant_allowed" else (current or "")
		if current != c.old:
			raise ModelError(f"step {c.step!r}: {c.field} is {current!r}, not {c.old!r} (the plan is stale)")
		steps[c.step] = replace(step, **{c.field: c.new})
	return replace(regulation, steps=tuple(steps[s.name] for s in regulation.steps))


# --- KPI suggestions ---------------------------------------------------------


@dataclass(frozen=True)
class KpiLine:
	metric: str  # a key of engine.kpi.METRICS
	from_step: str = ""
	to_step: str = ""
	handoff: bool = False  # a KPI of the hand-off between levels


@dataclass(frozen=True)
class KpiSuggestion:
	specialisation: str
	lines: tuple[KpiLine, ...]


def kpi_suggestions(
	regulation: Regulation, model: str, key_account: bool | None = None
) -> list[KpiSuggestion]:
	"""KPI schemes to propose per level (Three-Level and Key Accounts), for the
	opportunity ``regulation`` shaped by ``model``: every level gets its own
	KPIs and the level that gives a record away is measured on the hand-off
	(the share of its records that reach the receiving step); the receiver on
	the speed of the first contact. Nothing for Full Cycle and Cells (one
	manager, one scheme)."""
	check_model(model)
	if model not in (THREE_LEVEL, KEY_ACCOUNTS):
		return []
	wanted = shapes(regulation, model, key_account)
	order = regulation.order()
	levels: dict[str, list[str]] = {}
	for name in order:
		levels.setdefault(wanted[name].specialisation, []).append(name)
	handoffs = {}  # giver -> the step it hands the record to
	received: dict[str, str] = {}  # receiver -> the step it receives the record at
	for i, name in enumerate(order):
		target = wanted[name].handoff_specialisation
		if target:
			handoffs.setdefault(wanted[order[i - 1]].specialisation, name)
			received.setdefault(target, name)
	# farmers keep the customers (and KAMs the key accounts) even when this
	# regulation has no step of theirs: they are levels of the model anyway
	present = set(levels) | {FARMER} | ({KAM} if model == KEY_ACCOUNTS else set())

	base = {
		HUNTER: (KpiLine("calls"), KpiLine("meetings"), KpiLine("refusals")),
		CLOSER: (KpiLine("revenue"), KpiLine("deals_won"), KpiLine("proposals")),
		FARMER: (KpiLine("revenue"), KpiLine("deals_won"), KpiLine("overdue_steps")),
		KAM: (KpiLine("revenue"), KpiLine("average_deal"), KpiLine("deals_won")),
	}
	out = []
	for spec in (HUNTER, CLOSER, FARMER, KAM):
		if spec not in present:
			continue
		steps = levels.get(spec, [])
		lines = list(base[spec])
		if spec in handoffs:
			lines.append(KpiLine("conversion", steps[0], handoffs[spec], handoff=True))
		elif len(steps) > 1:
			lines.append(KpiLine("conversion", steps[0], steps[-1]))
		if spec in received:  # measured from the hand-off into its step (KPI Scheme Component: From Step)
			lines.append(KpiLine("handoff_hours", received[spec], handoff=True))
		out.append(KpiSuggestion(spec, tuple(lines)))
	return out
