"""The schedule of the regular period reports (weekly results, monthly and quarterly reviews) and their
compliance: which report is due from whom and by when (Report Regulation), and the share submitted on time,
for the KPI metric ``period_report_compliance`` and the Report Compliance report. The reports themselves:
:mod:`sales_drive.period_reports`."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import getdate, nowdate

from sales_drive import control
from sales_drive.engine import meetings as engine

DOCTYPE = "Sales Period Report"
KINDS = engine.PERIOD_KINDS
DEFAULT_WEEKDAY, DEFAULT_DAY_OF_MONTH = "Monday", 3


# ----------------------------------------------------------------------------- regulation and deadline


def deadline(kind: str, person: str, user: str | None, company: str, end):
	"""(regulation or None, due date, due datetime) of the report of a period ending ``end``."""
	reg = control.daily_regulation(person, user, company, kind=kind)
	due = engine.due_date(kind, getdate(end), (reg and reg.due_weekday) or DEFAULT_WEEKDAY,
		(reg and reg.due_day_of_month) or DEFAULT_DAY_OF_MONTH)  # fmt: skip
	return reg, due, control.due_by(due, reg)


# ----------------------------------------------------------------------------- compliance


def counts(company, persons: list[str], start, end, today=None) -> dict[str, tuple[int, int, int]]:
	"""person → (period reports due, submitted on time, submitted late) whose due dates fall in [start, end]
	up to today, over every period-report kind whose regulation applies to them. One query per kind."""
	today = getdate(today or nowdate())
	out: dict[str, list[int]] = {p: [0, 0, 0] for p in persons}
	if not persons:
		return {}
	for kind in KINDS:
		due_persons = [p for p in control.persons_due(company, kind=kind) if p in out]
		if not due_persons:
			continue
		# the schedule of the first applicable regulation (team rows first), per person
		schedule = {}
		for p in due_persons:
			user, _c = control.person_user_and_company(p)
			reg = control.daily_regulation(p, user, company, kind=kind)
			schedule[p] = ((reg and reg.due_weekday) or DEFAULT_WEEKDAY, (reg and reg.due_day_of_month) or DEFAULT_DAY_OF_MONTH)
		filed = {}
		for p, from_date, late in frappe.db.sql(
			f"""select sales_person, from_date, min(late) from `tab{DOCTYPE}` where docstatus = 1 and report_kind = %(kind)s
			and sales_person in %(persons)s group by sales_person, from_date""",
			{"kind": kind, "persons": due_persons},
		):
			filed[(p, getdate(from_date))] = int(late)
		for p in due_persons:
			weekday, day_of_month = schedule[p]
			for p_start, _p_end, _due in engine.periods_due(kind, getdate(start), getdate(end), today, weekday, day_of_month):
				out[p][0] += 1
				late = filed.get((p, p_start))
				if late == 0:
					out[p][1] += 1
				elif late == 1:
					out[p][2] += 1
	return {p: tuple(v) for p, v in out.items()}


def compliance(company, persons, start, end) -> dict[str, Decimal]:
	"""person → % of the period reports due in [start, end] (so far) submitted on time (KPI metric)."""
	return {p: engine.compliance(due, on_time) for p, (due, on_time, _late) in counts(company, persons, start, end).items()
		if due}  # fmt: skip


def persons_due(company, team=None) -> list[str]:
	"""Sales persons any period-report regulation applies to."""
	seen = []
	for kind in KINDS:
		seen += [p for p in control.persons_due(company, team, kind=kind) if p not in seen]
	return seen

