"""Key-account classification by share of revenue over a rolling period.

Customers are ranked by their revenue in the period (highest first; ties by
name). With ``basis="revenue"`` (the default) the key accounts are the
fewest top customers whose revenue together reaches ``threshold`` percent of
the total; with ``basis="customers"`` they are the top ``threshold`` percent
of the customers by count (rounded up). A customer tied in revenue with the
last one taken is taken too, so equal customers are never split. Customers
whose net revenue is zero or negative (returns) are never key accounts.

``threshold`` must be within 0–100: 0 makes nobody a key account, 100
everyone with revenue.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

BASES = ("revenue", "customers")


class KeyAccountError(ValueError):
	pass


@dataclass(frozen=True)
class Ranked:
	customer: str
	revenue: Decimal
	share: Decimal  # percent of the total, one decimal
	cumulative_share: Decimal
	key: bool


@dataclass(frozen=True)
class Classification:
	ranking: tuple[Ranked, ...]
	total: Decimal
	threshold: Decimal
	basis: str

	@property
	def key_accounts(self) -> list[str]:
		return [r.customer for r in self.ranking if r.key]

	@property
	def key_revenue(self) -> Decimal:
		return sum((r.revenue for r in self.ranking if r.key), Decimal(0))


@dataclass(frozen=True)
class Review:
	moved_in: list[str]
	moved_out: list[str]
	stayed: list[str]


def _decimal(value) -> Decimal:
	if isinstance(value, Decimal):
		return value
	if isinstance(value, float):
		return Decimal(str(value))
	return Decimal(value or 0)


def check_threshold(threshold) -> Decimal:
	try:
		t = _decimal(threshold)
	except Exception as e:  # noqa: BLE001 - any unparsable value is the same input error
		raise KeyAccountError(f"The key-account threshold {threshold!r} is not a number") from e
	if not t.is_finite() or t < 0 or t > 100:
		raise KeyAccountError(f"The key-account threshold must be within 0–100, not {threshold}")
	return t


def add_months(day: date, months: int) -> date:
	"""``day`` moved by ``months`` (negative: back), the day clamped to the month's end."""
	y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
	return date(y, m + 1, min(day.day, monthrange(y, m + 1)[1]))


def rolling_period(today: date, months: int) -> tuple[date, date]:
	"""The ``months`` months up to and including ``today``: (first day, today)."""
	if months < 1:
		raise KeyAccountError(f"The rolling period must be at least one month, not {months}")
	return add_months(today, -months) + _ONE_DAY, today


def totals(rows: Iterable[tuple]) -> dict[str, Decimal]:
	"""Revenue per customer from (customer, amount) rows."""
	out: dict[str, Decimal] = {}
	get = out.get
	for customer, amount in rows:
		if customer:
			out[customer] = get(customer, _ZERO) + _decimal(amount)
	return out


def classify(rows: Iterable[tuple], threshold, basis: str = "revenue") -> Classification:
	"""Rank customers from (customer, amount) rows and mark the key accounts."""
	if basis not in BASES:
		raise KeyAccountError(f"Unknown basis {basis!r}")
	t = check_threshold(threshold)
	revenue = totals(rows)
	ranked = sorted(((c, v) for c, v in revenue.items() if v > 0), key=lambda p: (-p[1], p[0]))
	total = sum((v for _, v in ranked), _ZERO)
	if basis == "revenue":
		goal = total * t / 100
		count = 0
		running = _ZERO
		while count < len(ranked) and running < goal:
			running += ranked[count][1]
			count += 1
	else:
		n = len(ranked) * t / 100
		count = int(n.to_integral_value(rounding=ROUND_CEILING))
	if count and count < len(ranked):
		last = ranked[count - 1][1]
		while count < len(ranked) and ranked[count][1] == last:
			count += 1
	out = []
	cumulative = _ZERO
	for i, (customer, value) in enumerate(ranked):
		cumulative += value
		out.append(Ranked(customer, value, _pct(value, total), _pct(cumulative, total), i < count))
	return Classification(tuple(out), total, t, basis)


def review(previous: Iterable[str], current: Iterable[str]) -> Review:
	"""Who moved in, who moved out and who stayed, each sorted by name."""
	before, now = set(previous), set(current)
	return Review(sorted(now - before), sorted(before - now), sorted(now & before))


def _pct(part: Decimal, whole: Decimal) -> Decimal:
	if not whole:
		return Decimal("0.0")
	return (part * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


_ZERO = Decimal(0)
_ONE_DAY = timedelta(days=1)
