# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Lead Channels (seed 002: «Из каких источников приходит трафик», «конверсия по разным площадкам»).

The leads created in the period, per lead source, campaign, or both: leads in, how many became
an Opportunity and how many won, the won amount and the median days from the lead to its first
won deal. Two grouped queries (:func:`sales_drive.channels.channel_rows`); the engine
(:mod:`sales_drive.engine.channels`) computes the conversions. A manager counts their own leads,
a team lead the team's, the head of sales everyone's.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_months, nowdate

from sales_drive import channels


def execute(filters=None):
	filters = frappe._dict(filters or {})
	filters.to_date = filters.get("to_date") or nowdate()
	filters.from_date = filters.get("from_date") or add_months(filters.to_date, -3)
	group_by = filters.get("group_by") or "Source"
	if group_by not in channels.GROUP_BY:
		frappe.throw(_("Unknown grouping {0}").format(group_by), frappe.ValidationError, title=_("Invalid Filter"))
	filters.group_by = group_by
	rows = channels.channel_rows(filters)
	currency = frappe.get_cached_value("Company", filters.company, "default_currency") if filters.get("company") else None
	currency = currency or frappe.db.get_default("currency")
	data = [
		{
			"source": _("Total") if r.total else r.source or None,
			"campaign": None if r.total else r.campaign or None,
			"is_total": int(r.total),
			"leads": r.leads,
			"opportunities": r.opportunities,
			"to_opportunity": r.to_opportunity,
			"won": r.won,
			"to_won": r.to_won,
			"won_amount": r.won_amount,
			"median_days": r.median_days,
			"currency": currency,
		}
		for r in rows
	]
	chart = None
	channel_rows = [r for r in rows if not r.total]
	if channel_rows:
		chart = {
			"data": {
				"labels": [_label(r, group_by) for r in channel_rows[:20]],
				"datasets": [
					{"name": _("Leads"), "values": [r.leads for r in channel_rows[:20]]},
					{"name": _("Opportunities"), "values": [r.opportunities for r in channel_rows[:20]]},
					{"name": _("Won"), "values": [r.won for r in channel_rows[:20]]},
				],
			},
			"type": "bar",
		}
	return columns(group_by), data, None, chart


def _label(r, group_by) -> str:
	parts = [r.source or _("Not Set")] if group_by != "Campaign" else []
	if group_by != "Source":
		parts.append(r.campaign or _("Not Set"))
	return " / ".join(parts)


def columns(group_by: str) -> list[dict]:
	cols = []
	if group_by != "Campaign":
		cols.append({"fieldname": "source", "label": _("Source"), "fieldtype": "Link", "options": "Lead Source", "width": 180})
	if group_by != "Source":
		cols.append({"fieldname": "campaign", "label": _("Campaign"), "fieldtype": "Link", "options": "Campaign", "width": 180})
	return cols + [
		{"fieldname": "leads", "label": _("Leads"), "fieldtype": "Int", "width": 90},
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int", "width": 110},
		{"fieldname": "to_opportunity", "label": _("To Opportunity %"), "fieldtype": "Percent", "precision": 1, "width": 130},
		{"fieldname": "won", "label": _("Won"), "fieldtype": "Int", "width": 80},
		{"fieldname": "to_won", "label": _("To Won %"), "fieldtype": "Percent", "precision": 1, "width": 100},
		{"fieldname": "won_amount", "label": _("Won Amount"), "fieldtype": "Currency", "options": "currency", "width": 130},
		{"fieldname": "median_days", "label": _("Median Days to Won"), "fieldtype": "Float", "precision": 1, "width": 140},
	]
