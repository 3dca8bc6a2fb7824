"""The stage regulation as plain data, and its validation.

A regulation is an ordered path of steps. The order is the row order unless a
step names its ``next_step`` explicitly (a step without one goes on to the next
row not yet visited); following the path from the first row must visit every
step exactly once: a pointer back to a visited step is a cycle, a step the
path never reaches is an error.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property

from . import condition
from .problems import Problem

CRITERION_KINDS = ("Field", "Document", "Checklist", "Activity", "Condition")
HANDOFF_METHODS = ("Round Robin", "Least Loaded")
STAGES = (
	"Leads Generation",
	"Leads Development",
	"Leads Conversion",
	"Client Fulfillment",
	"Account Management",
	"Key Account Management",
)
SPECIALISATIONS = ("Full Cycle", "Hunter", "Closer", "Farmer", "Key Account Manager")

# Which linked documents a pipeline's "document" criterion may ask for.
DOCUMENT_TYPES = {
	"Opportunity": ("Quotation", "Sales Order", "Sales Invoice", "Payment Entry"),
	"Lead": ("Opportunity", "Customer", "Quotation"),
}


@dataclass(frozen=True)
class Criterion:
	step: str
	kind: str
	fieldname: str = ""
	document_type: str = ""
	min_count: int = 1
	item: str = ""
	expression: str = ""
	description: str = ""


@dataclass(frozen=True)
class Step:
	name: str
	stage: str = ""
	responsible_role: str = ""
	specialisation: str = ""
	max_days: int = 0
	allow_skip: bool = False
	next_step: str = ""
	handoff_role: str = ""
	handoff_specialisation: str = ""
	handoff_method: str = "Round Robin"
	allows_conversion: bool = False
	probability: int | None = None
	assistant_allowed: bool = False  # an Assistant may do this step on a manager's records
	tasks: str = ""
	actions: str = ""
	key_success_factor: str = ""
	crm_requirements: str = ""


@dataclass(frozen=True)
class Regulation:
	name: str
	doctype: str
	steps: tuple[Step, ...]
	criteria: tuple[Criterion, ...] = ()
	allow_backward: bool = True

	def order(self) -> list[str]:
		"""Step names in process order (pointers followed from the first row); a new list each call."""
		return list(self._order)

	@cached_property
	def _order(self) -> tuple[str, ...]:
		# walked once per Regulation object (the gate asks for the order several times a save)
		path, problems = _walk(self.steps)
		return tuple(path if not problems else [s.name for s in self.steps])

	def step(self, name: str) -> Step | None:
		for s in self.steps:
			if s.name == name:
				return s
		return None

	def criteria_of(self, step: str) -> list[Criterion]:
		return [c for c in self.criteria if c.step == step]

	def first_step(self) -> str:
		order = self.order()
		return order[0] if order else ""

	def last_step(self) -> str:
		order = self.order()
		return order[-1] if order else ""


def _walk(steps: tuple[Step, ...]) -> tuple[list[str], list[Problem]]:
	if not steps:
		return [], [Problem("no_steps")]
	names = [s.name for s in steps]
	by_name = {s.name: s for s in steps}
	position = {name: i for i, name in enumerate(names)}
	path: list[str] = []
	seen: set[str] = set()
	current = steps[0].name
	while current:
		if current in seen:
			loop = path[path.index(current) :] + [current]
			return path, [Problem("cycle", {"path": " → ".join(loop)})]
		seen.add(current)
		path.append(current)
		step = by_name[current]
		if step.next_step:
			if step.next_step not in by_name:
				return path, [Problem("unknown_next_step", {"step": current, "next_step": step.next_step})]
			current = step.next_step
		else:
			# no pointer: the next row not yet visited ends the walk or goes on
			i = position[current] + 1
			while i < len(names) and names[i] in seen:
				i += 1
			current = names[i] if i < len(names) else ""
	return path, []


def validate(
	reg: Regulation,
	fieldnames: Collection[str] | None = None,
	holders: Mapping[str, int] | None = None,
) -> list[Problem]:
	"""Everything wrong with a regulation, in row order.

	``fieldnames``: the fields of the pipeline doctype (None skips the check).
	``holders``: how many enabled people hold each hand-off target (a role, or
	a specialisation); None skips the check.
	"""
	problems: list[Problem] = []
	if not reg.steps:
		return [Problem("no_steps")]

	names = [s.name for s in reg.steps]
	dupes = sorted({n for n in names if names.count(n) > 1})
	for name in dupes:
		problems.append(Problem("duplicate_step", {"step": name}))

	if not dupes:
		path, walk_problems = _walk(reg.steps)
		problems.extend(walk_problems)
		if not walk_problems:
			missing = [n for n in names if n not in path]
			if missing:
				problems.append(Problem("unreachable", {"steps": ", ".join(missing)}))

	for step in reg.steps:
		if step.max_days is None or step.max_days < 1:
			problems.append(Problem("max_days", {"step": step.name, "value": step.max_days}))
		if step.handoff_method and step.handoff_method not in HANDOFF_METHODS:
			problems.append(Problem("bad_handoff_method", {"step": step.name, "method": step.handoff_method}))
		if holders is not None:
			for target in (step.handoff_role, step.handoff_specialisation):
				if target and not holders.get(target):
					problems.append(Problem("handoff_nobody", {"step": step.name, "target": target}))

	allowed_docs = DOCUMENT_TYPES.get(reg.doctype, ())
	for c in reg.criteria:
		if c.step not in names:
			problems.append(Problem("criterion_unknown_step", {"step": c.step}))
			continue
		if c.kind not in CRITERION_KINDS:
			problems.append(Problem("unknown_kind", {"step": c.step, "kind": c.kind}))
		elif c.kind == "Field":
			if not c.fieldname:
				problems.append(Problem("field_required", {"step": c.step}))
			elif fieldnames is not None and c.fieldname not in fieldnames:
				problems.append(
					Problem("unknown_field", {"step": c.step, "field": c.fieldname, "doctype": reg.doctype})
				)
		elif c.kind == "Document":
			if c.document_type not in allowed_docs:
				problems.append(
					Problem(
						"unknown_document_type",
						{"step": c.step, "document_type": c.document_type or "-", "doctype": reg.doctype},
					)
				)
			if (c.min_count or 0) < 1:
				problems.append(Problem("min_count", {"step": c.step}))
		elif c.kind == "Checklist":
			if not (c.item or "").strip():
				problems.append(Problem("checklist_item_missing", {"step": c.step}))
		elif c.kind == "Activity":
			if (c.min_count or 0) < 1:
				problems.append(Problem("min_count", {"step": c.step}))
		elif c.kind == "Condition":
			try:
				used = condition.fields_used(c.expression or "")
			except condition.ConditionError as e:
				problems.append(Problem("invalid_condition", {"step": c.step, "error": str(e)}))
				continue
			if fieldnames is not None:
				for f in sorted(used - set(fieldnames)):
					problems.append(Problem("unknown_field", {"step": c.step, "field": f, "doctype": reg.doctype}))
	return problems
