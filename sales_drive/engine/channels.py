"""Lead channels and refusals (METHOD.md §8; seed 002: «Из каких источников приходит трафик»,
«конверсия по разным площадкам», «причины отказов»).

Pure Python (no frappe). The adapter (``sales_drive/channels.py``) runs grouped
queries and hands their rows here.

Channel funnel
--------------
A **channel** is a lead source, a campaign, or the pair (the adapter groups by
what the user chose; an empty value is "not set"). Over the leads created in
the period (a cohort):

- *leads* — leads created;
- *opportunities* — those leads with at least one Opportunity made from them;
- *won* — those leads with at least one won Opportunity (a Won move in the
  transition log), and *won amount* — the won deals' amounts;
- *conversion to opportunity* = opportunities / leads; *to won* = won / leads
  (in %, to 0.1; ``None`` without leads);
- *median days* — from the lead's creation to its first won deal, over the
  won leads (a histogram of whole days, as :mod:`.funnel` takes durations).

Refusals
--------
``(pipeline, reason, step, n)`` rows — refusals (Lost moves) per reason and the
step the record was lost at — become a matrix: one row per pipeline and reason,
one column per step (the regulation's order first), with totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .funnel import median_from_histogram

ZERO = Decimal(0)


@dataclass
class ChannelRow:
	source: str
	campaign: str
	leads: int = 0
	opportunities: int = 0
	won: int = 0
	won_amount: Decimal = ZERO
	to_opportunity: Decimal | None = None
	to_won: Decimal | None = None
	median_days: Decimal | None = None
	total: bool = False


def percent(part: int, whole: int) -> Decimal | None:
	if not whole:
		return None
	return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _key(source, campaign) -> tuple[str, str]:
	return (source or "", campaign or "")


def channel_funnel(counts: Iterable[tuple], durations: Iterable[tuple] = ()) -> list[ChannelRow]:
	"""One row per channel, the most leads first, then the total row.

	``counts``: ``(source, campaign, leads, opportunities, won, won_amount)`` per channel;
	``durations``: ``(source, campaign, days, n)`` — ``n`` won leads took ``days`` days.
	A channel listed twice is summed.
	"""
	rows: dict[tuple[str, str], ChannelRow] = {}
	for source, campaign, leads, opportunities, won, amount in counts:
		key = _key(source, campaign)
		r = rows.setdefault(key, ChannelRow(*key))
		r.leads += int(leads or 0)
		r.opportunities += int(opportunities or 0)
		r.won += int(won or 0)
		r.won_amount += Decimal(str(amount or 0))
	hist: dict[tuple[str, str], list] = {}
	for source, campaign, days, n in durations:
		key = _key(source, campaign)
		rows.setdefault(key, ChannelRow(*key))
		hist.setdefault(key, []).append((days, n))

	out = sorted(rows.values(), key=lambda r: (-r.leads, -r.won, r.source, r.campaign))
	total = ChannelRow("", "", total=True)
	for r in out:
		r.to_opportunity = percent(r.opportunities, r.leads)
		r.to_won = percent(r.won, r.leads)
		r.median_days = median_from_histogram(hist.get((r.source, r.campaign), ()))
		total.leads += r.leads
		total.opportunities += r.opportunities
		total.won += r.won
		total.won_amount += r.won_amount
	total.to_opportunity = percent(total.opportunities, total.leads)
	total.to_won = percent(total.won, total.leads)
	total.median_days = median_from_histogram(pair for pairs in hist.values() for pair in pairs)
	return [*out, total] if out else []


@dataclass
class RefusalRow:
	pipeline: str
	reason: str  # "" when none was given
	by_step: dict[str, int] = field(default_factory=dict)
	total: int = 0


def refusal_matrix(
	rows: Iterable[tuple], order: Mapping[str, Sequence[str]] | None = None
) -> tuple[list[str], list[RefusalRow]]:
	"""The steps (columns) and one row per (pipeline, reason), the most refusals first.

	``rows``: ``(pipeline, reason, step, n)``. Steps follow ``order`` (per pipeline, the
	regulation's order), then any other step alphabetically; a refusal without a step counts
	under "".
	"""
	order = order or {}
	out: dict[tuple[str, str], RefusalRow] = {}
	seen: set[str] = set()
	for pipeline, reason, step, n in rows:
		n = int(n or 0)
		if not n:
			continue
		step = step or ""
		r = out.setdefault((pipeline, reason or ""), RefusalRow(pipeline, reason or ""))
		r.by_step[step] = r.by_step.get(step, 0) + n
		r.total += n
		seen.add(step)
	steps: list[str] = []
	for pipeline_steps in order.values():
		steps += [s for s in pipeline_steps if s in seen and s not in steps]
	steps += sorted(s for s in seen if s not in steps and s)
	if "" in seen:
		steps.append("")
	matrix = sorted(out.values(), key=lambda r: (-r.total, r.pipeline, r.reason == "", r.reason))
	return steps, matrix
