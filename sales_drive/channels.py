"""Lead channels and refusals: the refusal reason of a Lead, and the data of the Lead Channels and
Refusals reports (METHOD.md §1, §8; seed 002: «причины отказов», «конверсия по разным площадкам»).

**A refused lead needs its reason.** A Lead is refused when its status becomes one of
:data:`sales_drive.integrations.pipeline.LOST_STATUSES` (Do Not Contact, Lost Quotation), the
statuses the regulation logs as Lost. The user must then give a Lead Lost Reason
(``sd_lost_reason``); without it the save is refused, whatever the path (form, REST, import).
ERPNext sets Lost Quotation itself on a lead whose Quotation was declared lost (the Quotation
carries its own lost reasons): that one needs no Lead Lost Reason. A lead refused before this
rule keeps saving.

**Who sees what.** Both reports follow the issue-14 rules (:mod:`sales_drive.permissions`): a
manager sees their own leads and refusals, a team lead the team's, the head of sales
(Sales Manager) everyone's. Leads count for their owner (``lead_owner``, else the author);
refusals for the transition log's row rule.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import getdate

from sales_drive import permissions, regulations
from sales_drive.engine import channels as engine
from sales_drive.integrations.pipeline import LOST_STATUSES

REFUSED = LOST_STATUSES["Lead"]
LOG = "`tabSales Stage Transition Log`"
GROUP_BY = {
	"Source": ("coalesce(l.source, '')", "''"),
	"Campaign": ("''", "coalesce(l.campaign_name, '')"),
	"Source and Campaign": ("coalesce(l.source, '')", "coalesce(l.campaign_name, '')"),
}
LEAD_OWNER = "coalesce(nullif(l.lead_owner, ''), l.owner)"


# ----------------------------------------------------------------------------- the refusal reason


def lead_validate(doc, method=None):
	"""Lead.validate: a lead the user refuses (status into Do Not Contact / Lost Quotation) needs a reason."""
	if doc.status not in REFUSED or doc.get("sd_lost_reason"):
		return
	before = None if doc.is_new() else (doc.get_doc_before_save() or frappe.db.get_value("Lead", doc.name, "status", as_dict=True))
	if before and before.get("status") in REFUSED:
		return  # refused already (before this rule, or a move between the two refused statuses)
	if doc.status == "Lost Quotation" and not doc.is_new() and doc.has_lost_quotation():
		return  # ERPNext's own status: the lost Quotation holds the reasons
	frappe.throw(
		_("Choose a Lost Reason to set the lead to {0}: the Refusals report counts why leads refuse.").format(
			frappe.bold(_(doc.status))
		),
		frappe.MandatoryError,
		title=_("Lost Reason Required"),
	)


# ----------------------------------------------------------------------------- scope


def _lead_scope(user: str | None = None) -> tuple[str, dict]:
	"""SQL on the Lead ``l`` the user may count: every lead, or those owned by the allowed users."""
	users = permissions.allowed_users(user)
	if users is None:
		return "", {}
	return f"and {LEAD_OWNER} in %(scope_users)s", {"scope_users": sorted(users) or [""]}


def _period(filters) -> dict:
	start, end = getdate(filters.get("from_date")), getdate(filters.get("to_date"))
	if start > end:
		frappe.throw(_("From Date must be on or before To Date."), frappe.ValidationError, title=_("Invalid Period"))
	return {"start": start, "end": end + timedelta(days=1)}


# ----------------------------------------------------------------------------- the channel funnel

def channel_rows(filters) -> list[engine.ChannelRow]:
	"""The channel funnel of the leads created in the period, grouped as ``filters.group_by`` says.

	Three grouped queries: the leads per channel; the leads with an opportunity per channel; and,
	driven by the Won moves since the period's start (a lead cannot win before it exists; the log's
	``(reference_doctype, kind, transition_time)`` index), per channel and number of days from the
	lead to its first win: the won leads and the won amount (each opportunity once: its largest Won
	amount, its first win).
	"""
	values = _period(filters)
	source, campaign = GROUP_BY.get(filters.get("group_by") or "Source", GROUP_BY["Source"])
	scope, scope_values = _lead_scope()
	company = "and l.company = %(company)s" if filters.get("company") else ""
	values.update(scope_values, company=filters.get("company"))
	where = f"l.creation >= %(start)s and l.creation < %(end)s {scope} {company}"
	leads = frappe.db.sql(f"select {source}, {campaign}, count(*) from `tabLead` l where {where} group by 1, 2", values)
	converted = {
		(src, cmp): n
		for src, cmp, n in frappe.db.sql(
			f"""select {source}, {campaign}, count(distinct l.name) from `tabLead` l
			join `tabOpportunity` o on o.party_name = l.name and o.opportunity_from = 'Lead'
			where {where} group by 1, 2""",
			values,
		)
	}
	won: dict[tuple, list] = {}
	durations = []
	for src, cmp, days, n, amount in frappe.db.sql(
		f"""select src, cmp, days, count(*), sum(amount) from (
			select {source} as src, {campaign} as cmp, greatest(0, datediff(min(x.won_at), l.creation)) as days,
				sum(x.amount) as amount
			from (
				select w.reference_name as opp, max(w.amount) as amount, min(w.transition_time) as won_at
				from {LOG} w
				where w.reference_doctype = 'Opportunity' and w.kind = 'Won' and w.record_deleted = 0
				and w.transition_time >= %(start)s
				group by w.reference_name
			) x
			join `tabOpportunity` o on o.name = x.opp and o.opportunity_from = 'Lead'
			join `tabLead` l on l.name = o.party_name
			where {where}
			group by l.name
		) t group by 1, 2, 3""",
		values,
	):
		w = won.setdefault((src, cmp), [0, 0])
		w[0] += n
		w[1] += amount or 0
		durations.append((src, cmp, days, n))
	counts = [(src, cmp, n, converted.get((src, cmp), 0), *won.get((src, cmp), (0, 0))) for src, cmp, n in leads]
	return engine.channel_funnel(counts, durations)


# ----------------------------------------------------------------------------- refusals


def refusal_rows(filters) -> tuple[list[str], list[engine.RefusalRow], dict[str, int]]:
	"""Steps, the reason × step matrix, and the number of refusals per pipeline in the period.

	A refusal is a Lost move in the transition log; its step is the step it was lost at. A Lead's
	reason is its Lead Lost Reason; an Opportunity's are its Lost Reasons (one with two reasons
	counts under each).
	"""
	values = _period(filters)
	pipelines = [filters["pipeline"]] if filters.get("pipeline") else ["Lead", "Opportunity"]
	where = "l.kind = 'Lost' and l.record_deleted = 0 and l.transition_time >= %(start)s and l.transition_time < %(end)s"
	if not permissions.sees_everyone():
		where += " and " + permissions.condition("Sales Stage Transition Log", frappe.session.user, "l")
	if filters.get("sales_person"):
		where += " and l.sales_person = %(sales_person)s"
		values["sales_person"] = filters["sales_person"]
	parts = {
		"Lead": f"""select 'Lead', coalesce(r.sd_lost_reason, ''), l.from_step, count(*)
			from {LOG} l left join `tabLead` r on r.name = l.reference_name
			where l.reference_doctype = 'Lead' and {where} group by 2, 3""",
		"Opportunity": f"""select 'Opportunity', coalesce(d.lost_reason, ''), l.from_step, count(distinct l.name)
			from {LOG} l left join `tabOpportunity Lost Reason Detail` d
				on d.parent = l.reference_name and d.parenttype = 'Opportunity'
			where l.reference_doctype = 'Opportunity' and {where} group by 2, 3""",
	}
	rows = frappe.db.sql(" union all ".join(parts[p] for p in pipelines if p in parts), values)
	totals = dict(
		frappe.db.sql(
			f"""select l.reference_doctype, count(*) from {LOG} l
			where l.reference_doctype in %(pipelines)s and {where} group by 1""",
			{**values, "pipelines": pipelines},
		)
	)
	order = {}
	for p in pipelines:
		active = regulations.active(p)
		order[p] = list(active.regulation.order()) if active else []
	steps, matrix = engine.refusal_matrix(rows, order)
	return steps, matrix, totals
