# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Coaching Summary: aggregates only — the head of sales' view of coaching (METHOD.md §5).

One row per coached person (a user listed in a Coaching Session of the period):

- sessions in the period, the first and last session day;
- their action items (items they own in those sessions): done, open, overdue
  (open and past due, as of today) and the done rate;
- their call reviews in the period: count, average score, share of calls with
  every mandatory item done, and the trend (last month's average minus the
  first month's);
- the KPI before and after coaching, pivoting on their first session of the
  period: won deals = submitted Sales Invoices (returns excluded), credited to
  the person's Sales Person through the invoice's Sales Team
  (``allocated_percentage`` of ``base_net_total``) or, without a Sales Team, to
  the invoice's owner; ``kpi_window`` days before the session against as many
  days from the session on (cut at today), compared by daily rate
  (:func:`sales_drive.engine.coaching.kpi_before_after`).

No observation, comment, goal or note is read: every query is grouped and
returns counts, sums and dates. The queries deliberately do not apply the
row rules of the private doctypes — aggregates are what the head of sales is
meant to see.

Who sees whose rows (:func:`visible_users`): the head of sales (Sales Manager)
and System Manager everyone's; anyone else (a team lead, a coach) only the rows
of their own team (:mod:`sales_drive.permissions`), of the people they coached
or reviewed, and their own. The chart and the summary are computed from the
rows shown only, so a group average never holds the score of a person the
viewer may not see (with a narrow period an average can be one review).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import add_months, flt, getdate, nowdate

from sales_drive import permissions
from sales_drive.engine import coaching as engine


def execute(filters=None):
	filters = frappe._dict(filters or {})
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_months(to_date, -3))
	if from_date > to_date:
		frappe.throw(_("From Date must not be after To Date"), title=_("Invalid Filter"))
	window = int(filters.get("kpi_window") or 30)
	if window < 1:
		frappe.throw(_("The KPI window must be at least one day"), title=_("Invalid Filter"))
	today = getdate(nowdate())

	visible = visible_users(frappe.session.user)
	sessions = _only(session_counts(from_date, to_date), visible)
	people = list(sessions)
	items = _only(action_item_states(from_date, to_date, today), visible)
	review_points, passed = review_rollup(from_date, to_date)
	if visible is not None:
		review_points = [p for p in review_points if p.key in visible]
	trends = engine.trend(review_points)
	kpi = kpi_changes(sessions, filters.get("company"), window, today)

	reviews: dict[str, list] = defaultdict(lambda: [0, 0])  # count, weighted total
	for p in review_points:
		reviews[p.key][0] += p.count
		reviews[p.key][1] += p.average * p.count
	names = dict(
		frappe.get_all(
			"User",
			filters={"name": ["in", people + list(reviews) or [""]]},
			fields=["name", "full_name"],
			as_list=True,
		)
	)

	rows = []
	for user in sorted(set(people) | set(reviews), key=lambda u: (names.get(u) or u).lower()):
		s = sessions.get(user, {})
		a = items.get(user, engine.ActionSummary())
		count, total = reviews.get(user, (0, 0))
		k = kpi.get(user)
		rows.append(
			{
				"user": user,
				"sessions": s.get("sessions", 0),
				"first_session": s.get("first"),
				"last_session": s.get("last"),
				"items_done": a.done,
				"items_open": a.open,
				"items_overdue": a.overdue,
				"done_rate": _float(a.done_rate),
				"reviews": count,
				"average_score": flt(total / count, 2) if count else None,
				"passed_rate": flt(passed.get(user, 0) * 100.0 / count, 1) if count else None,
				"score_trend": _float(trends.get(user)),
				"won_before": _float(k.before.amount) if k else None,
				"won_after": _float(k.after.amount) if k and k.after else None,
				"won_change": _float(k.amount_change_pct) if k else None,
				"deals_before": k.before.count if k else None,
				"deals_after": k.after.count if k and k.after else None,
			}
		)
	return get_columns(window), rows, None, get_chart(review_points), get_summary(rows)


def visible_users(user: str) -> set[str] | None:
	"""The users whose rows ``user`` may see; ``None``: everyone (the head of sales, System Manager)."""
	team = permissions.allowed_users(user)
	if team is None:
		return None
	coached = frappe.db.sql_list(
		"""select p.user from `tabCoaching Session` s
		join `tabCoaching Participant` p on p.parent = s.name and p.parenttype = 'Coaching Session'
		where s.coach = %(user)s
		union select manager from `tabCall Review` where reviewer = %(user)s""",
		{"user": user},
	)
	return team | {u for u in coached if u}


def _only(per_user: dict, visible: set[str] | None) -> dict:
	return per_user if visible is None else {u: v for u, v in per_user.items() if u in visible}


def _float(value):
	return None if value is None else flt(value)


def session_counts(from_date, to_date) -> dict[str, dict]:
	rows = frappe.db.sql(
		"""select p.user, count(distinct s.name), min(s.session_date), max(s.session_date)
		from `tabCoaching Session` s
		join `tabCoaching Participant` p on p.parent = s.name and p.parenttype = 'Coaching Session'
		where s.session_date between %(from_date)s and %(to_date)s
		group by p.user""",
		{"from_date": from_date, "to_date": to_date},
	)
	return {user: {"sessions": n, "first": first, "last": last} for user, n, first, last in rows}


def action_item_states(from_date, to_date, today) -> dict[str, engine.ActionSummary]:
	"""Items of the period's sessions and sprints, per owner, grouped by status and due date."""
	rows = frappe.db.sql(
		"""select i.responsible, i.status, i.due_date, count(*)
		from `tabCoaching Action Item` i
		left join `tabCoaching Session` s on i.parenttype = 'Coaching Session' and s.name = i.parent
		left join `tabSprint` sp on i.parenttype = 'Sprint' and sp.name = i.parent
		where ifnull(i.responsible, '') != ''
		and coalesce(s.session_date, sp.start_date) between %(from_date)s and %(to_date)s
		group by i.responsible, i.status, i.due_date""",
		{"from_date": from_date, "to_date": to_date},
	)
	per_user: dict[str, list] = defaultdict(list)
	for user, status, due, n in rows:
		per_user[user].extend(
			[engine.ActionItem("", user, getdate(due) if due else None, status or "Open")] * int(n)
		)
	return {user: engine.summarize_actions(items, today) for user, items in per_user.items()}


def review_rollup(from_date, to_date):
	rows = frappe.db.sql(
		"""select manager, date_format(review_date, '%%Y-%%m-01') as period, sum(score), count(*), sum(passed)
		from `tabCall Review`
		where review_date between %(from_date)s and %(to_date)s
		group by manager, period""",
		{"from_date": from_date, "to_date": to_date},
	)
	passed: dict[str, int] = defaultdict(int)
	for manager, _period, _total, _n, ok in rows:
		passed[manager] += int(ok or 0)
	points = engine.rollup(
		(manager, getdate(period), flt(total, 2), int(n)) for manager, period, total, n, _ok in rows
	)
	return points, passed


# the won-deal KPI, per user and day: split by Sales Team, or the owner's when there is none
_WON = """
	select e.user_id as user, si.posting_date as day,
		sum(si.base_net_total * st.allocated_percentage / 100) as amount, count(distinct si.name) as deals
	from `tabSales Invoice` si
	join `tabSales Team` st on st.parent = si.name and st.parenttype = 'Sales Invoice'
	join `tabSales Person` sp on sp.name = st.sales_person
	join `tabEmployee` e on e.name = sp.employee
	where si.docstatus = 1 and si.is_return = 0 and si.posting_date between %(start)s and %(end)s
	and e.user_id in %(users)s {company}
	group by e.user_id, si.posting_date
	union all
	select si.owner as user, si.posting_date as day, sum(si.base_net_total) as amount, count(*) as deals
	from `tabSales Invoice` si
	where si.docstatus = 1 and si.is_return = 0 and si.posting_date between %(start)s and %(end)s
	and si.owner in %(users)s {company}
	and not exists (select 1 from `tabSales Team` st where st.parent = si.name and st.parenttype = 'Sales Invoice')
	group by si.owner, si.posting_date
"""


def kpi_changes(sessions: dict[str, dict], company, window: int, today) -> dict[str, engine.KpiChange]:
	if not sessions:
		return {}
	pivots = {user: getdate(s["first"]) for user, s in sessions.items()}
	values = {
		"start": min(pivots.values()) - timedelta(days=window),
		"end": max(pivots.values()) + timedelta(days=window),
		"users": list(pivots),
		"company": company,
	}
	query = _WON.format(company="and si.company = %(company)s" if company else "")
	daily: dict[str, dict] = defaultdict(dict)
	for user, day, amount, deals in frappe.db.sql(query, values):
		a, n = daily[user].get(day, (0, 0))
		daily[user][day] = (flt(a) + flt(amount), n + int(deals))
	return {
		user: engine.kpi_before_after(
			{d: (Decimal(str(a)), n) for d, (a, n) in daily.get(user, {}).items()}, pivot, today, window
		)
		for user, pivot in pivots.items()
	}


def get_columns(window: int):
	return [
		{"fieldname": "user", "label": _("Person"), "fieldtype": "Link", "options": "User", "width": 180},
		{"fieldname": "sessions", "label": _("Sessions"), "fieldtype": "Int", "width": 90},
		{"fieldname": "first_session", "label": _("First Session"), "fieldtype": "Date", "width": 105},
		{"fieldname": "last_session", "label": _("Last Session"), "fieldtype": "Date", "width": 105},
		{"fieldname": "items_done", "label": _("Action Items Done"), "fieldtype": "Int", "width": 100},
		{"fieldname": "items_open", "label": _("Action Items Open"), "fieldtype": "Int", "width": 100},
		{"fieldname": "items_overdue", "label": _("Action Items Overdue"), "fieldtype": "Int", "width": 110},
		{"fieldname": "done_rate", "label": _("Done %"), "fieldtype": "Percent", "precision": 1, "width": 80},
		{"fieldname": "reviews", "label": _("Call Reviews"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "average_score",
			"label": _("Average Call Score"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 110,
		},
		{
			"fieldname": "passed_rate",
			"label": _("Mandatory Items Done %"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 110,
		},
		{
			"fieldname": "score_trend",
			"label": _("Score Trend"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 95,
		},
		{
			"fieldname": "won_before",
			"label": _("Won before Coaching ({0} days)").format(window),
			"fieldtype": "Currency",
			"width": 140,
		},
		{"fieldname": "won_after", "label": _("Won after Coaching"), "fieldtype": "Currency", "width": 130},
		{
			"fieldname": "won_change",
			"label": _("Won Daily Rate Change %"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 120,
		},
		{"fieldname": "deals_before", "label": _("Deals before"), "fieldtype": "Int", "width": 90},
		{"fieldname": "deals_after", "label": _("Deals after"), "fieldtype": "Int", "width": 90},
	]


def get_chart(points):
	if not points:
		return None
	by_period: dict = defaultdict(lambda: [0.0, 0])
	for p in points:
		by_period[p.period][0] += float(p.average) * p.count
		by_period[p.period][1] += p.count
	periods = sorted(by_period)
	return {
		"data": {
			"labels": [frappe.format(p, "Date") for p in periods],
			"datasets": [
				{
					"name": _("Average Call Score"),
					"values": [flt(t / n, 2) for t, n in (by_period[p] for p in periods)],
				}
			],
		},
		# a line needs two points: with one, frappe-charts draws a broken path
		"type": "line" if len(periods) > 1 else "bar",
		"colors": ["#2490ef"],
		"fieldtype": "Float",
	}


def get_summary(rows):
	sessions = sum(r["sessions"] for r in rows)
	reviews = sum(r["reviews"] for r in rows)
	weighted = sum((r["average_score"] or 0) * r["reviews"] for r in rows)
	overdue = sum(r["items_overdue"] for r in rows)
	return [
		{"value": sessions, "label": _("Sessions"), "datatype": "Int", "indicator": "Blue"},
		{
			"value": sum(r["items_done"] for r in rows),
			"label": _("Action Items Done"),
			"datatype": "Int",
			"indicator": "Green",
		},
		{
			"value": overdue,
			"label": _("Action Items Overdue"),
			"datatype": "Int",
			"indicator": "Red" if overdue else "Grey",
		},
		{
			"value": flt(weighted / reviews, 2) if reviews else 0,
			"label": _("Average Call Score"),
			"datatype": "Float",
			"indicator": "Blue",
		},
	]
