"""Step probabilities from history: the adapter over the transition log.

For each regulation and step: of the records whose last outcome (Won or
Lost, not reopened since) falls within the last N months, how many reached
the step and how many of those were won
(:mod:`sales_drive.engine.probabilities`). The log is aggregated in ONE
grouped query — the cohort (last outcome per record) joined to the steps its
records reached (a second one only in the rare case described at ``FAST``) — and :func:`sales_drive.engine.probabilities.from_counts`
turns the counts into percent, gap and low-sample rows, the same rules as
``historical()`` applies to raw rows.

Settings: ``probability_months`` (the window, default 12) and
``probability_min_sample`` (steps reached by fewer closed records are "low
sample", default 20) of Sales Drive Settings.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe import _
from frappe.utils import cint, getdate

from sales_drive import regulations
from sales_drive.engine import probabilities as engine
from sales_drive.engine.probabilities import StepProbability

ROLES = ("Sales Manager", "System Manager", "Sales Team Lead")
DEFAULT_MONTHS = 12
DEFAULT_MIN_SAMPLE = 20
LOG = "`tabSales Stage Transition Log`"

# ONE query. The cohort: each Won / Lost row within the window that no later Won / Lost /
# Reopen row of the same record follows (at the same moment Won > Reopen > Lost, as the
# engine orders them; the row name breaks exact ties), numbered so that distinct records
# are counted on an integer. Joined to every log row of those records, however old: each
# row names up to two reached steps (the step it leaves; the step it enters unless it is a
# Lost / Won / Reopen row), counted once per record.
#
# The grouping keys are CRC32 of the regulation and of the step, not the names: grouping
# ~500k joined rows on two utf8mb4 names costs a third more (benchmarks/step_probabilities.py).
# The names are found again from the regulations' own steps (see fetch_counts); a step the
# regulation no longer has, or two names with one CRC, take the EXACT query grouped by name.
COHORT = f"""
	select k.*, row_number() over () as rid from (
		select o.regulation, o.reference_doctype, o.reference_name, o.kind = 'Won' as won
		from {LOG} o
		where o.kind in ('Won', 'Lost') and o.transition_time >= %(since)s and o.transition_time < %(after)s
			{{regulation}}
			and not exists (
				select 1 from {LOG} n
				where n.reference_doctype = o.reference_doctype and n.reference_name = o.reference_name
					and n.regulation = o.regulation and n.kind in ('Won', 'Lost', 'Reopen')
					and (n.transition_time > o.transition_time or (n.transition_time = o.transition_time
						and (n.kind > o.kind or (n.kind = o.kind and n.name > o.name))))
			)
	) k
"""
STEP = "case when x.side = 1 then l.from_step when l.kind in %(into)s then l.to_step end"
REACHED = f"""
from ({COHORT}) c
join {LOG} l
	on l.reference_doctype = c.reference_doctype and l.reference_name = c.reference_name
	and l.regulation = c.regulation
join (select 1 as side union all select 2) x
where ifnull({STEP}, '') != ''
"""
FAST = f"""
select crc32(c.regulation) as regulation, crc32({STEP}) as step,
	count(distinct c.rid) as reached, count(distinct case when c.won then c.rid end) as won
{REACHED}
group by 1, 2
order by null
"""
EXACT = f"""
select c.regulation, {STEP} as step,
	count(distinct c.rid) as reached, count(distinct case when c.won then c.rid end) as won
{REACHED}
group by 1, 2
order by null
"""


@dataclass
class Result:
	since: date
	until: date
	months: int
	min_sample: int
	# regulation -> rows in step order
	rows: dict[str, list[StepProbability]] = field(default_factory=dict)
	# regulation -> step -> stage
	stages: dict[str, dict[str, str]] = field(default_factory=dict)


def settings() -> tuple[int, int]:
	"""(months, minimum sample) from Sales Drive Settings, with the defaults for empty values."""
	values = frappe.db.get_singles_dict("Sales Drive Settings")
	months = cint(values.get("probability_months")) or DEFAULT_MONTHS
	min_sample = values.get("probability_min_sample")
	min_sample = DEFAULT_MIN_SAMPLE if min_sample in (None, "") else cint(min_sample)
	return months, min_sample


def regulation_names(regulation: str | None = None, pipeline: str | None = None) -> list[str]:
	if regulation:
		if not frappe.db.exists("Sales Pipeline Regulation", regulation):
			frappe.throw(
				_("Regulation {0} does not exist").format(frappe.bold(regulation)), title=_("Invalid Filter")
			)
		return [regulation]
	filters = {"pipeline": pipeline} if pipeline else {}
	return frappe.get_all("Sales Pipeline Regulation", filters, pluck="name", order_by="pipeline desc, name")


def compute(
	regulation: str | None = None,
	pipeline: str | None = None,
	months: int | None = None,
	min_sample: int | None = None,
	today: date | None = None,
) -> Result:
	"""Historical vs configured probability per step of one regulation, or of all (of a pipeline)."""
	default_months, default_min = settings()
	months = default_months if months is None else cint(months)
	min_sample = default_min if min_sample is None else cint(min_sample)
	if months < 1:
		frappe.throw(_("The period must be at least one month"), title=_("Invalid Filter"))
	if min_sample < 0:
		frappe.throw(_("The minimum sample must not be negative"), title=_("Invalid Filter"))
	since, until = engine.window(getdate(today) if today else getdate(), months)
	names = regulation_names(regulation, pipeline)
	loaded = {n: regulations.from_doc(frappe.get_doc("Sales Pipeline Regulation", n)) for n in names}
	steps = {n: [s.name for s in reg.steps] for n, reg in loaded.items()}
	counts = fetch_counts(since, until, steps, restrict=bool(regulation or pipeline))
	result = Result(since, until, months, min_sample)
	for name, reg in loaded.items():
		configured = {s.name: s.probability for s in reg.steps}
		result.rows[name] = engine.from_counts(counts.get(name, ()), reg.order(), configured, min_sample)
		result.stages[name] = {s.name: s.stage for s in reg.steps}
	return result


def fetch_counts(
	since: date, until: date, steps: dict[str, list[str]], restrict: bool = True
) -> dict[str, list[tuple]]:
	"""regulation -> [(step, reached, won)] for the regulations of ``steps`` (name -> its steps).

	``restrict``: read only those regulations' records (else every record, the others' rows
	dropped). One query, by CRC32; a second, by name, only when a CRC is not one of the
	regulations' own step names (a step since renamed or removed) or two names share a CRC.
	"""
	if not steps:
		return {}
	values = {
		"since": since,
		"after": (until + timedelta(days=1)).isoformat(),
		"into": engine.INTO,
	}
	where = ""
	if restrict:
		where = "and o.regulation in %(names)s"
		values["names"] = tuple(steps)
	regulation_of = {_crc(n): n for n in steps}
	step_of = {n: {_crc(s): s for s in names} for n, names in steps.items()}
	exact = len(regulation_of) < len(steps) or any(len(step_of[n]) < len(set(steps[n])) for n in steps)
	out: dict[str, list[tuple]] = {}
	if not exact:
		for reg, step, reached, won in frappe.db.sql(FAST.replace("{regulation}", where), values):
			name = regulation_of.get(reg)
			if name is None:
				continue  # a regulation not asked about
			if step not in step_of[name]:
				exact = True
				break
			out.setdefault(name, []).append((step_of[name][step], int(reached), int(won or 0)))
	if exact:
		out = {}
		for reg, step, reached, won in frappe.db.sql(EXACT.replace("{regulation}", where), values):
			if reg in steps:
				out.setdefault(reg, []).append((step, int(reached), int(won or 0)))
	return out


def _crc(text: str) -> int:
	"""MariaDB's CRC32() of a utf8mb4 string."""
	return zlib.crc32(text.encode("utf-8"))


def historical_table(result: Result) -> dict[str, dict[str, Decimal]]:
	"""regulation -> step -> the probability the bottom-up plan should use: the historical one,
	the configured one where the sample is too small (or nothing was closed)."""
	out = {}
	for name, rows in result.rows.items():
		table = {}
		for r in rows:
			# a historical 0 % is a real figure; a configured one is None when the step sets none
			value = r.configured if r.low_sample or r.historical is None else r.historical
			if value is not None:
				table[r.step] = value
		out[name] = table
	return out


def fallbacks(result: Result) -> list[tuple[str, str]]:
	"""(regulation, step) whose historical figure is not used: low sample or nothing closed."""
	return [
		(n, r.step) for n, rows in result.rows.items() for r in rows if r.low_sample or r.historical is None
	]


def as_dicts(result: Result, regulation: str) -> list[dict]:
	stages = result.stages.get(regulation, {})
	return [
		{
			"step": r.step,
			"stage": stages.get(r.step) or "",
			"configured": _float(r.configured),
			"historical": _float(r.historical),
			"gap": _float(r.gap),
			"reached": r.reached,
			"won": r.won,
			"low_sample": int(r.low_sample),
			"proposed": proposed(r),
		}
		for r in rows_of(result, regulation)
	]


def rows_of(result: Result, regulation: str) -> list[StepProbability]:
	return result.rows.get(regulation, [])


def proposed(row: StepProbability) -> int | None:
	"""The whole percent "Use Historical" writes, or None when the step keeps its own.

	A step's probability is a whole percent and 0 means "not set" (the deal's own probability
	counts), so a historical 0 % (rounded) cannot be written and is left alone.
	"""
	if row.low_sample or row.historical is None:
		return None
	value = int(row.historical.quantize(Decimal(1), ROUND_HALF_UP))
	return value or None


def _float(value):
	return None if value is None else float(value)


def _check_roles():
	# not frappe.only_for: it lets everybody through while tests run
	if set(ROLES).isdisjoint(frappe.get_roles()):
		frappe.throw(
			_("Only a Sales Manager, Sales Team Lead or System Manager may see probabilities from history"),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


# ----------------------------------------------------------------------------- whitelisted


@frappe.whitelist()
def step_probabilities(regulation: str):
	"""The regulation form's dialog: configured vs historical per step."""
	_check_roles()
	frappe.has_permission("Sales Pipeline Regulation", "read", regulation, throw=True)
	result = compute(regulation)
	return {
		"regulation": regulation,
		"since": str(result.since),
		"until": str(result.until),
		"months": result.months,
		"min_sample": result.min_sample,
		"rows": as_dicts(result, regulation),
	}


@frappe.whitelist(methods=["POST"])
def use_historical(regulation: str):
	"""Write the historical probability into each step with enough closed records; a normal save."""
	_check_roles()
	doc = frappe.get_doc("Sales Pipeline Regulation", regulation)
	doc.check_permission("write")
	result = compute(regulation)
	new = {r.step: proposed(r) for r in rows_of(result, regulation)}
	changed = []
	for row in doc.steps:
		value = new.get((row.step or "").strip())
		if value is not None and cint(row.probability) != value:
			changed.append({"step": row.step, "old": cint(row.probability), "new": value})
			row.probability = value
	if changed:
		doc.save()
	return {"changed": changed, "since": str(result.since), "until": str(result.until)}


@frappe.whitelist()
def report_defaults():
	"""The Step Probabilities report's starting filters: the default Opportunity regulation and the settings."""
	_check_roles()
	active = regulations.active("Opportunity")
	months, min_sample = settings()
	return {
		"regulation": active.regulation.name if active else None,
		"months": months,
		"min_sample": min_sample,
	}
