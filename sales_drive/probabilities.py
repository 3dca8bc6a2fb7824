"""Step probabilities from history: the adapter over the transition log.

For each regulation and step: of the records whose last outcome (Won or
Lost, not reopened since) falls within the last N months, how many reached
the step and how many of those were won
(:mod:`sales_drive.engine.probabilities`). The counts come from the outcome
totals kept as the log is written (:mod:`sales_drive.outcomes`: per day of
the outcome, regulation, Won / Lost and step, how many closed records reached
the step): one read of a few hundred aggregate rows over the window, however
long the log. :func:`sales_drive.engine.probabilities.from_counts` turns the
counts into percent, gap and low-sample rows, the same rules as
``historical()`` applies to raw rows.

Settings: ``probability_months`` (the window, default 12) and
``probability_min_sample`` (steps reached by fewer closed records are "low
sample", default 20) of Sales Drive Settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe import _
from frappe.utils import cint, getdate

from sales_drive import outcomes, regulations
from sales_drive.engine import probabilities as engine
from sales_drive.engine.probabilities import StepProbability

ROLES = ("Sales Manager", "System Manager", "Sales Team Lead")
DEFAULT_MONTHS = 12
DEFAULT_MIN_SAMPLE = 20
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
	"""regulation -> [(step, reached, won)] for the regulations of ``steps`` (name -> its steps), from the
	outcome totals :mod:`sales_drive.outcomes` keeps (``restrict`` is kept for callers: only the
	regulations asked about are read either way)."""
	if not steps:
		return {}
	out: dict[str, list[tuple]] = {}
	for regulation, step, reached, won in outcomes.counts(since, until, list(steps)):
		if regulation in steps:
			out.setdefault(regulation, []).append((step, reached, won))
	return out


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
