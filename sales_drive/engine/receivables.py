"""Receivables: overdue invoices with their ageing, and the collection rate (METHOD.md §8; seed 002:
«дебиторской задолженности», «контроль оплат»).

Pure Python (no frappe). The adapter (``sales_drive/receivables.py``) reads the
submitted Sales Invoices with one grouped query and hands plain rows here.

Definitions
-----------
- an invoice is **overdue** on ``day`` when something is still owed
  (outstanding > 0) and its due date is before ``day``; **days overdue** =
  ``day`` − due date (1 on the day after the due date);
- **ageing buckets** by days overdue, with upper bounds ``BOUNDS`` (30, 60, 90):
  1–30, 31–60, 61–90, over 90;
- an invoice is **the manager's** through its responsible person (the adapter
  picks the Sales Team, else the customer's account manager, else the
  invoice's author); an invoice split between several Sales Team persons
  appears for each of them with their share (``share`` %), and counts once
  in a total;
- the **collection rate** (paid within terms) of a person = Σ min(paid by the
  due date, invoiced) × share / Σ invoiced × share, in % to 0.1, over the
  invoices whose terms ended in the period. ``None`` when nothing was invoiced.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
BOUNDS = (30, 60, 90)


class ReceivablesError(ValueError):
	pass


@dataclass(frozen=True)
class Invoice:
	name: str
	customer: str
	owner: str  # the responsible Sales Person (or a user when none)
	due_date: date
	outstanding: Decimal  # the whole invoice's outstanding amount
	share: Decimal = HUNDRED  # the owner's share of the invoice, %
	currency: str = ""


@dataclass(frozen=True)
class OverdueInvoice:
	name: str
	customer: str
	owner: str
	due_date: date
	outstanding: Decimal
	amount: Decimal  # the owner's share of the outstanding amount
	days_overdue: int
	bucket: str
	currency: str = ""


@dataclass
class Ageing:
	day: date
	lines: list[OverdueInvoice]  # the longest overdue first
	buckets: dict[str, Decimal]  # bucket label -> amount (each invoice once)
	total: Decimal  # each invoice once
	count: int  # invoices, each once
	by_owner: dict[str, tuple[int, Decimal]] = field(default_factory=dict)  # owner -> (invoices, amount share)


def bucket_labels(bounds: Sequence[int] = BOUNDS) -> list[str]:
	"""'1-30', '31-60', '61-90', '90+' for the default bounds."""
	_check(bounds)
	labels, low = [], 1
	for b in bounds:
		labels.append(f"{low}-{b}")
		low = b + 1
	labels.append(f"{bounds[-1]}+" if bounds else "1+")
	return labels


def _check(bounds: Sequence[int]) -> None:
	if any(b < 1 for b in bounds) or list(bounds) != sorted(set(bounds)):
		raise ReceivablesError("Ageing bounds must be increasing positive day counts")


def bucket_of(days_overdue: int, bounds: Sequence[int] = BOUNDS) -> str:
	"""The ageing bucket of a number of days overdue (at least 1)."""
	if days_overdue < 1:
		raise ReceivablesError("An invoice that is not overdue has no ageing bucket")
	labels = bucket_labels(bounds)
	for label, bound in zip(labels, bounds, strict=False):
		if days_overdue <= bound:
			return label
	return labels[-1]


def _money(value) -> Decimal:
	return Decimal(str(value or 0))


def overdue(invoices: Iterable[Invoice], day: date, bounds: Sequence[int] = BOUNDS) -> list[OverdueInvoice]:
	"""The invoices overdue on ``day``, the longest overdue (then the largest) first."""
	out = []
	for inv in invoices:
		outstanding = _money(inv.outstanding)
		if outstanding <= 0 or inv.due_date is None or inv.due_date >= day:
			continue
		days = (day - inv.due_date).days
		share = _money(inv.share)
		out.append(
			OverdueInvoice(
				inv.name,
				inv.customer,
				inv.owner,
				inv.due_date,
				outstanding,
				(outstanding * share / HUNDRED).quantize(CENT, ROUND_HALF_UP),
				days,
				bucket_of(days, bounds),
				inv.currency,
			)
		)
	out.sort(key=lambda o: (-o.days_overdue, -o.outstanding, o.name, o.owner))
	return out


def ageing(
	invoices: Iterable[Invoice],
	day: date,
	members: Collection[str] | None = None,
	bounds: Sequence[int] = BOUNDS,
) -> Ageing:
	"""The overdue invoices of ``members`` (``None``: everyone) on ``day``, bucketed by age."""
	lines = [o for o in overdue(invoices, day, bounds) if members is None or o.owner in members]
	buckets = dict.fromkeys(bucket_labels(bounds), ZERO)
	seen: set[str] = set()
	by_owner: dict[str, list] = {}
	for o in lines:
		n_amount = by_owner.setdefault(o.owner, [0, ZERO])
		n_amount[0] += 1
		n_amount[1] += o.amount
		if o.name not in seen:
			seen.add(o.name)
			buckets[o.bucket] += o.outstanding
	owners = sorted(by_owner.items(), key=lambda kv: (-kv[1][1], kv[0]))
	return Ageing(
		day,
		lines,
		buckets,
		sum(buckets.values(), ZERO),
		len(seen),
		{owner: (n, amount) for owner, (n, amount) in owners},
	)


@dataclass(frozen=True)
class Billed:
	"""One invoice whose terms ended in the period, for one responsible person."""

	invoice: str
	person: str
	invoiced: Decimal  # the amount billed (company currency)
	paid_in_terms: Decimal  # paid on or before the due date (company currency)
	share: Decimal = HUNDRED


def collection_rates(rows: Iterable[Billed]) -> dict[str, Decimal | None]:
	"""Person -> % of the invoiced amount paid within terms (to 0.1); ``None`` when nothing was invoiced."""
	invoiced: dict[str, Decimal] = {}
	paid: dict[str, Decimal] = {}
	for r in rows:
		amount = max(ZERO, _money(r.invoiced))
		share = _money(r.share) / HUNDRED
		settled = min(max(ZERO, _money(r.paid_in_terms)), amount)
		invoiced[r.person] = invoiced.get(r.person, ZERO) + amount * share
		paid[r.person] = paid.get(r.person, ZERO) + settled * share
	return {
		p: (paid[p] * HUNDRED / total).quantize(Decimal("0.1"), ROUND_HALF_UP) if total > 0 else None
		for p, total in invoiced.items()
	}
