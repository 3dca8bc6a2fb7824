"""Repeat-sale selection for farmers: which customers a rule should call on.

A rule is one of:

- ``"No Order"``: customers whose last order is at least ``days`` days before
  ``today`` (customers who never ordered are not a farmer's clients and are
  left out);
- ``"Cross Sell"``: customers who bought from ``item_group`` but never from
  ``missing_item_group``;
- ``"Season"``: customers who ordered (from ``item_group`` when set) within
  the season window a year ago and have not ordered within it this year.

Any rule may also have a ``season`` (start and end as (month, day), wrapping
the year end when start > end) outside which it selects nobody — the "date"
part of the rule. A customer with an open opportunity of the same rule, or
in ``excluded`` (cooling), is skipped, so each run creates at most one open
opportunity per customer and rule.

A run creates at most ``maximum`` opportunities: :func:`run` raises
:class:`TooMany` (carrying the list) instead of returning more, and a dry run
returns the full list with ``over_limit`` set so the user sees it first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sales_drive.engine.problems import Problem

KINDS = ("No Order", "Cross Sell", "Season")


class RepeatSaleError(ValueError):
	pass


class TooMany(RepeatSaleError):
	def __init__(self, rule: str, candidates: list, maximum: int):
		self.rule = rule
		self.candidates = candidates
		self.maximum = maximum
		super().__init__(
			f"Rule {rule} would create {len(candidates)} opportunities, more than the maximum {maximum}"
		)


@dataclass(frozen=True)
class Rule:
	name: str
	kind: str
	days: int = 0
	item_group: str = ""
	missing_item_group: str = ""
	season: tuple[tuple[int, int], tuple[int, int]] | None = None
	maximum: int = 0  # 0: no maximum


@dataclass(frozen=True)
class Order:
	customer: str
	date: date
	item_group: str = ""


@dataclass(frozen=True)
class Candidate:
	customer: str
	farmer: str | None
	last_order: date | None
	days_since: int | None


@dataclass(frozen=True)
class Run:
	rule: str
	candidates: list[Candidate]
	skipped_open: list[str]
	skipped_excluded: list[str]
	over_limit: bool
	dry_run: bool

	@property
	def unassigned(self) -> list[str]:
		return [c.customer for c in self.candidates if not c.farmer]


# English sentence of each problem code (the Frappe adapter translates its own copy)
TEMPLATES = {
	"unknown_kind": "The rule has an unknown kind {kind}: choose No Order, Cross Sell or Season",
	"days": "Days without an order must be at least 1, not {days}",
	"item_groups": "A cross-sell rule needs both item groups: the one bought and the one missing",
	"same_item_groups": "The two item groups are the same ({item_group}): a cross-sell rule needs two different ones",
	"no_season": "A season rule needs a season: its start and end month and day",
	"not_a_date": "{month}/{day} is not a date",
	"negative_maximum": "The maximum per run cannot be negative, not {maximum}",
	"no_maximum": "Set a maximum per run of at least 1",
}


def problems(rule: Rule, maximum_required: bool = False) -> list[Problem]:
	"""Everything wrong with ``rule`` as codes and parameters, in form order."""
	found = []
	if rule.kind not in KINDS:
		found.append(Problem("unknown_kind", {"kind": rule.kind}))
	if rule.kind == "No Order" and rule.days < 1:
		found.append(Problem("days", {"days": rule.days}))
	if rule.kind == "Cross Sell":
		if not rule.item_group or not rule.missing_item_group:
			found.append(Problem("item_groups"))
		elif rule.item_group == rule.missing_item_group:
			found.append(Problem("same_item_groups", {"item_group": rule.item_group}))
	if rule.kind == "Season" and not rule.season:
		found.append(Problem("no_season"))
	for month, day in rule.season or ():
		if not _is_md(month, day):
			found.append(Problem("not_a_date", {"month": month, "day": day}))
	if rule.maximum < 0:
		found.append(Problem("negative_maximum", {"maximum": rule.maximum}))
	elif maximum_required and rule.maximum < 1:
		found.append(Problem("no_maximum"))
	return found


def validate(rule: Rule) -> None:
	found = problems(rule)
	if found:
		raise RepeatSaleError(f"Rule {rule.name}: " + TEMPLATES[found[0].code].format(**found[0].params))


def _is_md(month, day) -> bool:
	try:
		date(2024, month, day)  # 2024: a leap year accepts 29 February
	except (TypeError, ValueError):
		return False
	return True


def _md_date(year: int, month: int, day: int, rule: str = "") -> date:
	try:
		return date(year, month, day)
	except ValueError:
		if (month, day) == (2, 29):
			return date(year, 2, 28)
		raise RepeatSaleError(f"Rule {rule}: {month}/{day} is not a date") from None


def season_window(season, today: date, years_back: int = 0) -> tuple[date, date] | None:
	"""The season's dates around ``today`` (``years_back`` years earlier), or None when out of season."""
	(sm, sd), (em, ed) = season
	md = (today.month, today.day)
	if (sm, sd) <= (em, ed):
		if not (sm, sd) <= md <= (em, ed):
			return None
		start_year = end_year = today.year
	else:  # wraps the year end
		if (em, ed) < md < (sm, sd):
			return None
		start_year = today.year if md >= (sm, sd) else today.year - 1
		end_year = start_year + 1
	return _md_date(start_year - years_back, sm, sd), _md_date(end_year - years_back, em, ed)


def in_season(rule: Rule, today: date) -> bool:
	return rule.season is None or season_window(rule.season, today) is not None


def select(rule: Rule, orders: Iterable[Order], today: date) -> dict[str, date | None]:
	"""Customers the rule applies to, with their last order date."""
	validate(rule)
	if not in_season(rule, today):
		return {}
	last: dict[str, date] = {}
	groups: dict[str, set[str]] = {}
	orders = [o for o in orders if o.date <= today]
	for o in orders:
		if o.customer not in last or o.date > last[o.customer]:
			last[o.customer] = o.date
		groups.setdefault(o.customer, set()).add(o.item_group)
	if rule.kind == "No Order":
		return {c: d for c, d in last.items() if (today - d).days >= rule.days}
	if rule.kind == "Cross Sell":
		return {
			c: last[c] for c, g in groups.items() if rule.item_group in g and rule.missing_item_group not in g
		}
	# Season
	this_start, this_end = season_window(rule.season, today)
	then_start, then_end = season_window(rule.season, today, years_back=1)
	bought_then, bought_now = set(), set()
	for o in orders:
		if rule.item_group and o.item_group != rule.item_group:
			continue
		if then_start <= o.date <= then_end:
			bought_then.add(o.customer)
		elif this_start <= o.date <= this_end:
			bought_now.add(o.customer)
	return {c: last[c] for c in bought_then - bought_now}


def run(
	rule: Rule,
	orders: Iterable[Order],
	today: date,
	farmers: Mapping[str, str | None] | None = None,
	open_for_rule: Collection[str] = (),
	excluded: Collection[str] = (),
	dry_run: bool = False,
) -> Run:
	"""The opportunities a run creates: longest without an order first, then by name.

	``open_for_rule``: customers with an open opportunity of this rule;
	``excluded``: customers not to call now (cooling); ``farmers``: customer
	-> farmer (missing: unassigned).
	"""
	selected = select(rule, orders, today)
	open_set, excluded_set = set(open_for_rule), set(excluded)
	skipped_open = sorted(c for c in selected if c in open_set)
	skipped_excluded = sorted(c for c in selected if c in excluded_set and c not in open_set)
	farmers = farmers or {}
	candidates = [
		Candidate(c, farmers.get(c), d, (today - d).days if d else None)
		for c, d in selected.items()
		if c not in open_set and c not in excluded_set
	]
	candidates.sort(key=lambda c: (-(c.days_since or 0), c.customer))
	over = bool(rule.maximum) and len(candidates) > rule.maximum
	if over and not dry_run:
		raise TooMany(rule.name, candidates, rule.maximum)
	return Run(rule.name, candidates, skipped_open, skipped_excluded, over, dry_run)
