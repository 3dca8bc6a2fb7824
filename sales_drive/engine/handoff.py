"""Choosing who receives a record when it enters a hand-off step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

ROUND_ROBIN, LEAST_LOADED = "Round Robin", "Least Loaded"


def pick(
	candidates: Sequence[str],
	method: str,
	loads: Mapping[str, int] | None = None,
	last: str | None = None,
) -> str | None:
	"""The next assignee, or None when there is nobody to hand off to.

	Round robin: candidates in name order, the one after ``last`` (the person
	the previous hand-off to this step went to), wrapping around.
	Least loaded: the fewest open records (``loads``), ties by name.
	"""
	people = sorted(set(c for c in candidates if c))
	if not people:
		return None
	if method == LEAST_LOADED:
		loads = loads or {}
		return min(people, key=lambda p: (loads.get(p, 0), p))
	if last in people:
		return people[(people.index(last) + 1) % len(people)]
	return people[0]
