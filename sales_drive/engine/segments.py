"""Choosing a regulation for a record by its segment.

A doctype (Opportunity, Lead) may have several regulations; each is chosen by
a :class:`SegmentRule` — conditions on the record's customer group,
territory, opportunity type, source and key-account flag — with one default
rule (no conditions) for what nothing else matches.

- A condition is a set of allowed values for a field; a field without one
  matches anything. ``key_account`` is ``True``, ``False`` or ``None`` (any).
- Customer groups and territories are trees in ERPNext: pass ``parents``
  (field -> {node: parent}) and a rule naming a group matches every group
  below it too.
- Among the rules that match, the highest ``priority`` wins (``None`` counts
  as 0); the default rule is used only when nothing else matches.
- Two rules whose conditions can match the same record and that have the same
  priority are ambiguous: :func:`overlaps` returns such pairs so the adapter
  refuses to save them.

A record keeps the regulation it started under; :func:`suggest_move` only
says which regulation its current segment would choose, for an explicit,
logged move.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

FIELDS = ("customer_group", "territory", "opportunity_type", "source")
TREE_FIELDS = ("customer_group", "territory")


class SegmentError(ValueError):
	pass


@dataclass(frozen=True)
class SegmentRule:
	regulation: str
	conditions: Mapping[str, Collection[str]] = field(default_factory=dict)
	key_account: bool | None = None
	priority: int | None = None
	is_default: bool = False
	name: str = ""

	@property
	def label(self) -> str:
		return self.name or self.regulation

	def allowed(self, fieldname: str) -> frozenset[str]:
		values = self.conditions.get(fieldname) or ()
		return frozenset(v for v in values if v not in (None, ""))

	@property
	def rank(self) -> int:
		return self.priority or 0


Parents = Mapping[str, Mapping[str, str | None]]


def lineage(fieldname: str, value: str | None, parents: Parents | None = None) -> list[str]:
	"""``value`` and its ancestors, nearest first (a cycle in the tree stops the walk)."""
	if value in (None, ""):
		return []
	tree = (parents or {}).get(fieldname) or {}
	out, seen = [], set()
	node = value
	while node not in (None, "") and node not in seen:
		out.append(node)
		seen.add(node)
		node = tree.get(node)
	return out


def validate(rules: Sequence[SegmentRule]) -> None:
	"""Raise :class:`SegmentError` for an unknown field, a default with conditions, two defaults."""
	defaults = [r for r in rules if r.is_default]
	if len(defaults) > 1:
		raise SegmentError("More than one default rule: " + ", ".join(r.label for r in defaults))
	for r in rules:
		unknown = sorted(set(r.conditions) - set(FIELDS))
		if unknown:
			raise SegmentError(f"Rule {r.label}: unknown condition field(s) {', '.join(unknown)}")
		if r.is_default and (any(r.allowed(f) for f in FIELDS) or r.key_account is not None):
			raise SegmentError(f"Rule {r.label}: the default rule cannot have conditions")
		if not r.regulation:
			raise SegmentError(f"Rule {r.label}: no regulation")


def matches(rule: SegmentRule, record: Mapping, parents: Parents | None = None) -> bool:
	if rule.key_account is not None and bool(record.get("key_account")) != rule.key_account:
		return False
	for f in FIELDS:
		allowed = rule.allowed(f)
		if not allowed:
			continue
		values = lineage(f, record.get(f), parents) if f in TREE_FIELDS else [record.get(f)]
		if not allowed.intersection(values):
			return False
	return True


def matching(
	rules: Sequence[SegmentRule], record: Mapping, parents: Parents | None = None
) -> list[SegmentRule]:
	"""Non-default rules matching ``record``, best first (priority, then the order given)."""
	found = [(i, r) for i, r in enumerate(rules) if not r.is_default and matches(r, record, parents)]
	found.sort(key=lambda p: (-p[1].rank, p[0]))
	return [r for _, r in found]


def choose(
	rules: Sequence[SegmentRule], record: Mapping, parents: Parents | None = None
) -> SegmentRule | None:
	"""The rule that picks ``record``'s regulation: the best match, else the default, else None."""
	found = matching(rules, record, parents)
	if found:
		return found[0]
	return next((r for r in rules if r.is_default), None)


def choose_regulation(
	rules: Sequence[SegmentRule], record: Mapping, parents: Parents | None = None
) -> str | None:
	rule = choose(rules, record, parents)
	return rule.regulation if rule else None


def suggest_move(
	current: str | None, rules: Sequence[SegmentRule], record: Mapping, parents: Parents | None = None
) -> str | None:
	"""The regulation the record's segment now chooses, when it differs from ``current``."""
	target = choose_regulation(rules, record, parents)
	return target if target and target != current else None


def _related(fieldname: str, a: str, b: str, parents: Parents | None) -> bool:
	if a == b:
		return True
	if fieldname not in TREE_FIELDS:
		return False
	return a in lineage(fieldname, b, parents) or b in lineage(fieldname, a, parents)


def can_overlap(a: SegmentRule, b: SegmentRule, parents: Parents | None = None) -> bool:
	"""Whether some record could match both rules."""
	if a.key_account is not None and b.key_account is not None and a.key_account != b.key_account:
		return False
	for f in FIELDS:
		va, vb = a.allowed(f), b.allowed(f)
		if va and vb and not any(_related(f, x, y, parents) for x in va for y in vb):
			return False
	return True


def overlaps(rules: Iterable[SegmentRule], parents: Parents | None = None) -> list[tuple[str, str]]:
	"""Pairs of rule labels that can match the same record with the same priority.

	The default rule never overlaps (it is only the fallback), nor do two rules
	choosing the same regulation; a pair is listed once, in the order given.
	"""
	active = [r for r in rules if not r.is_default]
	out = []
	for i, a in enumerate(active):
		for b in active[i + 1 :]:
			if a.regulation != b.regulation and a.rank == b.rank and can_overlap(a, b, parents):
				out.append((a.label, b.label))
	return out
