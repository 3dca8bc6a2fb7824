"""Regular reports beyond the daily one (seed 001: «перечень и форму регулярных отчетов, регламент предоставления»;
seed 002: weekly results, monthly and quarterly reviews).

- **Sales Period Report**: a sales person's *Weekly Results*, *Monthly Review* or *Quarterly Review*. The
  period is the week (Monday–Sunday), calendar month or calendar quarter holding the chosen day; it can be
  made from the period's last day on. While it is a draft the server fills, on every save and at submission, whatever the client sends:
  the user and company (the Employee's), the period's plan (Sales Plan Day targets) against the fact (the
  plan's basis, as the KPI metric ``revenue`` counts it) and deals won, the funnel movement per step
  (Sales Stage Transition Log), the refusals with their reasons and the Deviation Firings of the period,
  and the deadline from the Report Regulation of the kind (:func:`sales_drive.engine.meetings.due_date`).
  The manager writes their comment and next steps (required to submit); the submission time against the
  deadline marks it late. Filed by the person, their team's lead or the head of sales (logged), one per
  person, kind and period. Rows are readable as pay and plans are (:mod:`sales_drive.permissions`).
- **Reminders** (daily job :func:`remind_due`): for each person a period-report regulation applies to, the
  last period's report not yet submitted is reminded from ``remind_days_before`` days before its due date,
  once (the Notification Log's link names the report, so a second run adds nothing).
- **Compliance**: due reports (due dates in the period, up to today) submitted on time, per person: the
  KPI metric ``period_report_compliance`` and the Report Compliance report.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate, now_datetime, nowdate

from sales_drive import control, regulations
from sales_drive.engine import digest as digest_engine
from sales_drive.engine import kpi as kpi_engine
from sales_drive.engine import meetings as engine
from sales_drive.period_schedule import DOCTYPE, KINDS, deadline

LOG = "`tabSales Stage Transition Log`"


def templates() -> dict[str, str]:
	return {
		"period_unknown_kind": _("Unknown kind of period report {kind}"),
		"period_not_over": _("The period {start} – {end} is not over yet: its report can be made from {next_day}"),
	}


def _show(value):
	if hasattr(value, "isoformat") and not isinstance(value, datetime):
		return frappe.bold(frappe.format(value, {"fieldtype": "Date"}))
	return frappe.bold(value)


def throw(problems, title, templates_=None):
	"""Translate the engine's problems (dates shown as dates) and stop the save: nothing is written."""
	if problems:
		t = templates_ or templates()
		frappe.throw("<br>".join(t[p.code].format(**{k: _show(v) for k, v in p.params.items()}) for p in problems),
			title=title)  # fmt: skip


# ----------------------------------------------------------------------------- figures of a period


def figures(company, persons: list[str], start, end) -> dict[str, dict]:
	"""person → {plan, fact, deals_plan, deals_won} of a period: plan from the Sales Plan Days, fact as the
	KPI metrics ``revenue`` and ``deals_won`` count it (one grouped query each)."""
	from sales_drive import deviation, kpi

	if not persons:
		return {}
	planned = deviation.planned(company, persons, start, end)
	facts = kpi.Facts(company, persons, start, end, kpi.plan_covering(company, start, end))
	revenue, won = facts.revenue(), facts.deals_won()
	return {
		p: {"sales_person": p, "plan": planned.get(p, (Decimal(0), Decimal(0)))[0], "fact": revenue.get(p, Decimal(0)),
			"deals_plan": planned.get(p, (Decimal(0), Decimal(0)))[1], "deals_won": int(won.get(p) or 0)}  # fmt: skip
		for p in persons
	}


def funnel(person: str, start, end) -> tuple[list, list[tuple[str, int]], int]:
	"""The person's funnel lines per pipeline, refusals by reason and the number of refusals of a period."""
	values = {"person": person, "start": f"{getdate(start)} 00:00:00", "end": f"{getdate(end)} 23:59:59.999999"}
	counts = defaultdict(list)
	for pipeline, from_step, to_step, kind, n in frappe.db.sql(
		f"""select reference_doctype, from_step, to_step, kind, count(*) from {LOG}
		where sales_person = %(person)s and transition_time between %(start)s and %(end)s
		group by 1, 2, 3, 4 order by null""",
		values,
	):
		counts[pipeline].append((person, from_step, to_step, kind, int(n)))
	lines = []
	for pipeline in ("Lead", "Opportunity"):
		active = regulations.active(pipeline)
		order = list(active.regulation.order()) if active else []
		if counts.get(pipeline):
			lines += [(pipeline, line) for line in digest_engine.funnel_lines(order, counts[pipeline])]
	reasons = frappe.db.sql(
		f"""select coalesce(nullif(d.lost_reason, ''), %(none)s), count(distinct l.name) from {LOG} l
		left join `tabOpportunity Lost Reason Detail` d
			on l.reference_doctype = 'Opportunity' and d.parent = l.reference_name and d.parenttype = 'Opportunity'
		where l.sales_person = %(person)s and l.kind = 'Lost' and l.transition_time between %(start)s and %(end)s
		group by 1 order by 2 desc, 1""",
		{**values, "none": _("No reason given")},
	)
	lost = sum(int(n) for _k, c in counts.items() for _p, _f, _t, kind, n in c if kind == "Lost")
	return lines, [(r, int(n)) for r, n in reasons], lost


def deviations(persons: list[str], start, end) -> list[frappe._dict]:
	return frappe.get_all(
		"Deviation Firing",
		filters={"sales_person": ["in", persons or [""]], "fired_on": ["between", [f"{start} 00:00:00", f"{end} 23:59:59"]]},
		fields=["name", "sales_person", "metric", "last_percent", "threshold_percent", "firing_status"],
		order_by="fired_on, name",
	)


# ----------------------------------------------------------------------------- Sales Period Report


def prefill(doc):
	"""The server's fields: user, company, period, deadline and the figures from the CRM and the plan."""
	doc.user, company = control.person_user_and_company(doc.sales_person)
	doc.company = company or doc.company
	start, end = getdate(doc.from_date), getdate(doc.to_date)
	_reg, _due, doc.due_by = deadline(doc.report_kind, doc.sales_person, doc.user, doc.company, end)
	f = figures(doc.company, [doc.sales_person], start, end)[doc.sales_person]
	doc.plan_amount, doc.fact_amount, doc.gap_amount = f["plan"], f["fact"], f["fact"] - f["plan"]
	doc.achieved_percent = kpi_engine.ratio_percent(f["fact"], f["plan"]) if f["plan"] > 0 else 0
	doc.plan_deals, doc.deals_won = f["deals_plan"], f["deals_won"]
	lines, reasons, lost = funnel(doc.sales_person, start, end)
	doc.entered = sum(line.entered for _p, line in lines)
	doc.advanced = sum(line.advanced for _p, line in lines)
	doc.lost = lost
	doc.funnel_summary = "\n".join(
		_("{0} / {1}: entered {2}, moved forward {3}, lost {4}, moved back {5}").format(
			_(pipeline), line.step, line.entered, line.advanced, line.lost, line.back)
		for pipeline, line in lines if line.entered or line.advanced or line.lost or line.back
	) or _("No stage moves in the period")  # fmt: skip
	doc.refusal_reasons = "\n".join(f"{reason}: {n}" for reason, n in reasons) or _("No refusals in the period")
	fired = deviations([doc.sales_person], start, end)
	doc.deviations_fired = len(fired)
	doc.deviation_summary = "\n".join(
		_("{0}: {1}% of target (threshold {2}%), {3}").format(
			_(d.metric, context="Deviation Rule"), kpi_engine.pct(d.last_percent or 0), kpi_engine.pct(d.threshold_percent or 0), _(d.firing_status, context="Deviation Firing"))
		for d in fired
	) or _("No deviations fired in the period")  # fmt: skip


def validate_report(doc):
	title = _("Invalid Sales Period Report")
	if doc.report_kind not in KINDS or not doc.from_date:
		throw(engine.period_problems(doc.report_kind, getdate(nowdate()), getdate(nowdate()), getdate(nowdate())), title)
	start, end = engine.period_bounds(doc.report_kind, getdate(doc.from_date))
	throw(engine.period_problems(doc.report_kind, start, end, getdate(nowdate())), title)
	doc.from_date, doc.to_date = start, end
	prefill(doc)
	control.check_filer(doc, _("You can file a period report only for your own Sales Person or, as a team lead, for your team; not for {0}"))
	others = frappe.get_all(DOCTYPE, filters={"sales_person": doc.sales_person, "report_kind": doc.report_kind,
		"from_date": start, "docstatus": ["<", 2]}, pluck="name")  # fmt: skip
	other = next((n for n in others if (doc.is_new() or n != doc.name) and n != doc.amended_from), None)
	if other:
		frappe.throw(_("{0} already has report {1} ({2}) for the period from {3}").format(
			frappe.bold(doc.sales_person), frappe.bold(other), _(doc.report_kind, context="Report Regulation"), start), title=title)  # fmt: skip
	stored = None if doc.is_new() else frappe.db.get_value(DOCTYPE, doc.name, "filed_by")
	doc.filed_by = frappe.session.user if doc.user != frappe.session.user else stored
	doc.submitted_on, doc.late = None, 0  # set at submission only


def before_submit(doc):
	if not (doc.next_steps or "").strip():
		frappe.throw(_("Fill in the next steps before submitting the report"), title=_("Invalid Sales Period Report"))
	doc.submitted_on = now_datetime()
	doc.late = int(get_datetime(doc.submitted_on) > get_datetime(doc.due_by))
	if doc.user != frappe.session.user:
		doc.add_comment("Info", _("Filed by {0} for {1}").format(frappe.session.user, doc.sales_person))


# ----------------------------------------------------------------------------- reminders (daily job)


def report_link(kind: str, person: str, start) -> str:
	"""The new report's form, prefilled: the reminder opens it (and names the report it reminds of)."""
	return "/app/sales-period-report/new?" + urlencode(
		{"report_kind": kind, "sales_person": person, "from_date": str(start)}
	)


def remind_due(today=None) -> int:
	"""Daily: remind each person of the last period's report not yet submitted, once, from the regulation's
	``remind_days_before`` days before it is due."""
	from sales_drive.jobs import isolated

	today = getdate(today or nowdate())
	companies = frappe.get_all("Report Regulation", filters={"enabled": 1, "report_kind": ["in", KINDS]},
		fields=["company", "report_kind"], distinct=True)  # fmt: skip
	sent = 0
	for row in companies:
		kind = row.report_kind
		persons = control.persons_due(row.company, kind=kind)
		if not persons:
			continue
		users = dict(frappe.db.sql(
			"""select sp.name, e.user_id from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
			where sp.name in %(persons)s and ifnull(e.user_id, '') != ''""", {"persons": persons}))  # fmt: skip
		for start, end in engine.reminder_periods(kind, today):
			submitted = set(frappe.get_all(DOCTYPE, filters={"report_kind": kind, "from_date": start, "docstatus": 1,
				"sales_person": ["in", persons]}, pluck="sales_person"))  # fmt: skip
			for person in persons:
				user = users.get(person)
				if person in submitted or not user:
					continue
				with isolated("Sales Person", person, f"Period report reminder: {person}"):
					sent += remind(kind, person, user, row.company, start, end, today)
	return sent


def remind(kind, person, user, company, start, end, today) -> int:
	reg, due, due_at = deadline(kind, person, user, company, end)
	if not engine.reminder_due(today, due, (reg.remind_days_before if reg else 1) or 0):
		return 0
	link = report_link(kind, person, start)
	if frappe.db.exists("Notification Log", {"for_user": user, "link": link}):
		return 0
	from sales_drive.digests import language_of

	with language_of(user):
		subject = _("{0} for {1} – {2} is due by {3}: fill it in and submit it").format(
			_(kind, context="Report Regulation"), frappe.format(start, {"fieldtype": "Date"}), frappe.format(end, {"fieldtype": "Date"}),
			frappe.format(due_at, {"fieldtype": "Datetime"}))  # fmt: skip
	frappe.get_doc({"doctype": "Notification Log", "for_user": user, "type": "Alert", "subject": subject,
		"link": link, "document_type": "Report Regulation", "document_name": reg.name if reg else None}).insert(
		ignore_permissions=True)  # fmt: skip
	return 1
