"""Plan decomposition: a period's target split into daily targets per person.

Money is handled as integer minor units (kopecks, cents) inside and returned
as ``Decimal``: rounding never creates or loses money.

- ``allocate``: the plan amount split by shares (largest remainder), so the
  allocations add up to the plan exactly.
- base daily targets: a person's allocation split evenly over the working
  days; the leftover minor units go one each to the earliest days, so the
  base targets add up to the allocation exactly.
- policies:

  ``next_day`` (the method's rule) — what a person fell short of on a day is
  added to their next working day. A **surplus** is carried the same way, as a
  credit: it lowers the next day's target, never below zero, and what does
  not fit is carried on. In closed form: the target of day *d* is
  ``max(0, base targets through d − fact through d−1)``.

  ``spread`` — each day's target is what remains of the person's allocation
  (allocation − fact so far) divided by the working days left, today
  included; never below zero.

  ``none`` — the base target every day; nothing is carried.

  ``carried_in`` is the target minus the base target: positive when a
  shortfall was carried in, negative when a surplus lowered it.
- facts on a day that is not a working day (a Saturday sale) count on the
  next working day; facts after the last working day count on the last one,
  facts before the first on the first.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

POLICIES = ("next_day", "spread", "none")
CENT = Decimal("0.01")


class PlanError(ValueError):
	pass


class PlanRow:
	"""One (working day, sales person) of a decomposed plan.

	``base``, ``target``, ``fact`` and ``carried_in`` are Decimals. The running
	totals ``cumulative_target`` (base targets so far: the plan's pace, without
	carry-over) and ``cumulative_fact`` are kept in minor units and turned into
	Decimals when read: most callers never read them.
	"""

	__slots__ = ("date", "sales_person", "base", "target", "fact", "carried_in", "_cum_target", "_cum_fact")

	def __init__(self, date, sales_person, base, target, fact, carried_in, cum_target_cents, cum_fact_cents):
		self.date = date
		self.sales_person = sales_person
		self.base = base
		self.target = target
		self.fact = fact
		self.carried_in = carried_in
		self._cum_target = cum_target_cents
		self._cum_fact = cum_fact_cents

	@property
	def cumulative_target(self) -> Decimal:
		return from_cents(self._cum_target)

	@property
	def cumulative_fact(self) -> Decimal:
		return from_cents(self._cum_fact)

	def __getitem__(self, key):
		return getattr(self, key)

	def __repr__(self):
		return (
			f"PlanRow(date={self.date!r}, sales_person={self.sales_person!r}, base={self.base}, "
			f"target={self.target}, fact={self.fact}, carried_in={self.carried_in})"
		)


_ONE = Decimal(1)


def to_cents(value) -> int:
	return int((Decimal(value) * 100).quantize(_ONE, ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
	return Decimal(cents).scaleb(-2)


def allocate(amount: Decimal, shares: Mapping[str, Decimal]) -> dict[str, Decimal]:
	"""Split ``amount`` by percentage shares (summing to 100); exact to the minor unit."""
	cents = _allocate_cents(to_cents(amount), shares)
	return {person: from_cents(c) for person, c in cents.items()}


def _allocate_cents(total: int, shares: Mapping[str, Decimal]) -> dict[str, int]:
	if not shares:
		raise PlanError("No allocations")
	share_sum = sum(Decimal(s) for s in shares.values())
	if share_sum != 100:
		raise PlanError(f"Shares add up to {share_sum}, not 100")
	if any(Decimal(s) < 0 for s in shares.values()):
		raise PlanError("A share is negative")
	exact = {p: Decimal(total) * Decimal(s) / 100 for p, s in shares.items()}
	floors = {p: int(v) for p, v in exact.items()}
	left = total - sum(floors.values())
	# largest remainder first; ties in the order given
	position = {p: i for i, p in enumerate(shares)}
	order = sorted(shares, key=lambda p: (-(exact[p] - floors[p]), position[p]))
	for p in order[:left]:
		floors[p] += 1
	return floors


def base_targets(allocation_cents: int, days: int) -> list[int]:
	"""An allocation split over ``days``; leftover units go to the earliest days."""
	if days <= 0:
		raise PlanError("The period has no working days")
	base, left = divmod(allocation_cents, days)
	return [base + 1 if i < left else base for i in range(days)]


def _facts_by_day(
	working_days: Sequence[date], facts: Mapping[tuple[date, str], Decimal]
) -> dict[str, list[int]]:
	out: dict[str, list[int]] = {}
	n = len(working_days)
	index: dict[date, int] = {}
	for (day, person), value in facts.items():
		i = index.get(day)
		if i is None:
			i = index[day] = min(bisect_left(working_days, day), n - 1)
		row = out.get(person)
		if row is None:
			row = out[person] = [0] * n
		row[i] += to_cents(value)
	return out


def decompose(
	amount: Decimal,
	working_days: Sequence[date],
	allocations: Mapping[str, Decimal],
	facts: Mapping[tuple[date, str], Decimal] | None = None,
	policy: str = "next_day",
) -> list[PlanRow]:
	"""Daily targets per (working day, sales person), in date order.

	``allocations`` maps each sales person to a share in percent (summing to
	100). See the module docstring for the policies.
	"""
	if Decimal(amount) < 0:
		raise PlanError("The plan amount is negative")
	return decompose_cents(
		_allocate_cents(to_cents(amount), allocations), working_days, facts or {}, policy
	)


def decompose_fixed(
	amounts: Mapping[str, Decimal],
	working_days: Sequence[date],
	facts: Mapping[tuple[date, str], Decimal] | None = None,
	policy: str = "next_day",
) -> list[PlanRow]:
	"""Like :func:`decompose` with a fixed amount per person instead of shares."""
	if any(Decimal(a) < 0 for a in amounts.values()):
		raise PlanError("An allocation is negative")
	return decompose_cents({p: to_cents(a) for p, a in amounts.items()}, working_days, facts or {}, policy)


def decompose_cents(
	allocation_cents: Mapping[str, int],
	working_days: Sequence[date],
	facts: Mapping[tuple[date, str], Decimal],
	policy: str,
) -> list[PlanRow]:
	if policy not in POLICIES:
		raise PlanError(f"Unknown carry-over policy {policy!r}")
	days = list(working_days)
	if not days:
		raise PlanError("The period has no working days")
	if days != sorted(set(days)):
		raise PlanError("Working days must be distinct and in order")
	n = len(days)
	fact_days = _facts_by_day(days, facts)
	zero = [0] * n
	columns: dict[str, tuple[list[int], list[int], list[int]]] = {}
	for person, alloc in allocation_cents.items():
		base = base_targets(alloc, n)
		fact = fact_days.get(person, zero)
		target = [0] * n
		cum_base = cum_fact = 0
		for i in range(n):
			cum_base += base[i]
			if policy == "next_day":
				target[i] = max(0, cum_base - cum_fact)
			elif policy == "spread":
				remaining = alloc - cum_fact
				if remaining <= 0:
					target[i] = 0
				else:
					target[i] = (remaining + (n - i) // 2) // (n - i)  # round half up
			else:
				target[i] = base[i]
			cum_fact += fact[i]
		columns[person] = (base, target, fact)

	dec = _Cents()
	per_person = []
	for person, (base, target, fact) in columns.items():
		cum_base = list(accumulate(base))
		cum_fact = list(accumulate(fact))
		per_person.append((person, [dec[c] for c in base], [dec[c] for c in target], [dec[c] for c in fact],
			[dec[t - b] for t, b in zip(target, base)], cum_base, cum_fact))
	rows: list[PlanRow] = []
	append = rows.append
	for i, day in enumerate(days):
		for person, b, t, f, ci, cb, cf in per_person:
			append(PlanRow(day, person, b[i], t[i], f[i], ci[i], cb[i], cf[i]))
	return rows


class _Cents(dict):
	"""cents -> Decimal, memoised: a hit is a plain dict lookup."""

	def __missing__(self, cents: int) -> Decimal:
		value = self[cents] = Decimal(cents).scaleb(-2)
		return value


def department_by_day(rows: Sequence[PlanRow]) -> dict[date, dict[str, Decimal]]:
	"""Sum the rows of every person per day: target, fact, carried_in, base."""
	out: dict[date, dict[str, Decimal]] = {}
	for r in rows:
		d = out.setdefault(r.date, {"base": Decimal(0), "target": Decimal(0), "fact": Decimal(0), "carried_in": Decimal(0)})
		d["base"] += r.base
		d["target"] += r.target
		d["fact"] += r.fact
		d["carried_in"] += r.carried_in
	return out


def pace_forecast(fact_to_date: Decimal, days_done: int, days_total: int) -> Decimal:
	"""Fact at the period's end if the pace so far continues."""
	if days_done <= 0:
		return Decimal(0)
	return (Decimal(fact_to_date) * days_total / days_done).quantize(CENT, ROUND_HALF_UP)
