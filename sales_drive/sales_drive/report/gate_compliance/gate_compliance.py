# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Gate Compliance: the moves and lead conversions Enforce would have refused, while a regulation is
observed or warned (METHOD.md §7: explain, support, analyse, correct, then hold to it).

By step (from -> to), missing criterion, person and week, or by any one of them: the would-be
refusals and the records they touched. One grouped query over the Sales Gate Observations
(indexed by regulation and time).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, getdate, nowdate

GROUPS = {
	"Step": ["regulation", "from_step", "to_step"],
	"Criterion": ["regulation", "criterion"],
	"Person": ["sales_person", "record_owner"],
	"Week": ["week"],
}
ALL = ["week", "regulation", "from_step", "to_step", "criterion", "sales_person", "record_owner"]


def execute(filters=None):
	filters = frappe._dict(filters or {})
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_days(to_date, -28))
	if from_date > to_date:
		frappe.throw(_("From Date must not be after To Date"), title=_("Invalid Filter"))
	group_by = filters.get("group_by") or ""
	if group_by and group_by not in GROUPS:
		frappe.throw(_("Unknown grouping {0}").format(group_by), title=_("Invalid Filter"))
	keys = GROUPS.get(group_by, ALL)
	conditions = ["occurred_on >= %(from_date)s", "occurred_on < %(to_date)s"]
	params = {"from_date": from_date, "to_date": add_days(to_date, 1)}
	for field in ("regulation", "sales_person"):
		if filters.get(field):
			conditions.append(f"{field} = %({field})s")
			params[field] = filters.get(field)
	cols = ", ".join(f"`{k}`" for k in keys)
	rows = frappe.db.sql(
		f"""select {cols}, count(*) as refusals, count(distinct reference_doctype, reference_name) as records,
			sum(kind = 'Conversion') as conversions
		from `tabSales Gate Observation`
		where {" and ".join(conditions)}
		group by {cols}
		order by refusals desc, {cols}""",
		params,
		as_dict=True,
	)
	for row in rows:
		row["refusals"] = int(row["refusals"])
		row["conversions"] = int(row["conversions"] or 0)
		if "criterion" in row:
			row["criterion_label"] = criterion_label(row["criterion"])
	return get_columns(keys), rows, None, get_chart(rows, keys), get_summary(rows)


def criterion_label(key: str | None) -> str:
	"""A translated label of a criterion key (``code: what``)."""
	if not key:
		return ""
	code, _sep, what = key.partition(": ")
	labels = {
		"missing_field": _("Field not filled"),
		"missing_document": _("Document missing"),
		"missing_checklist": _("Checklist item not ticked"),
		"missing_activity": _("Too few activities"),
		"missing_condition": _("Condition not met"),
		"cannot_skip": _("Step skipped"),
		"backward_not_allowed": _("Moved back"),
		"not_a_step": _("Not a step of the regulation"),
		"step_required": _("No step"),
		"lead_not_ready": _("Lead converted before its step"),
	}
	label = labels.get(code, code)
	return f"{label}: {_(what)}" if what else label


def get_columns(keys):
	spec = {
		"week": {"label": _("Week"), "fieldtype": "Date", "width": 100},
		"regulation": {"label": _("Regulation"), "fieldtype": "Link", "options": "Sales Pipeline Regulation", "width": 150},
		"from_step": {"label": _("From Step"), "fieldtype": "Data", "width": 140},
		"to_step": {"label": _("To Step"), "fieldtype": "Data", "width": 140},
		"criterion": {"label": _("Criterion"), "fieldtype": "Data", "width": 220, "fieldname": "criterion_label"},
		"sales_person": {"label": _("Sales Person"), "fieldtype": "Link", "options": "Sales Person", "width": 150},
		"record_owner": {"label": _("Record Owner"), "fieldtype": "Link", "options": "User", "width": 170},
	}
	columns = [{"fieldname": k, **spec[k]} for k in keys]
	return columns + [
		{"fieldname": "refusals", "label": _("Would Be Refused"), "fieldtype": "Int", "width": 130},
		{"fieldname": "records", "label": _("Records"), "fieldtype": "Int", "width": 90},
		{"fieldname": "conversions", "label": _("Of Them Lead Conversions"), "fieldtype": "Int", "width": 150},
	]


def get_chart(rows, keys):
	if not rows:
		return None
	top = rows[:10]
	label_key = "criterion_label" if "criterion" in keys else keys[-1]
	labels = [str(r.get(label_key) or r.get(keys[0]) or "-") for r in top]
	return {
		"data": {"labels": labels, "datasets": [{"name": _("Would Be Refused"), "values": [r["refusals"] for r in top]}]},
		"type": "bar",
	}


def get_summary(rows):
	total = sum(r["refusals"] for r in rows)
	return [{"value": total, "label": _("Would-be refusals"), "datatype": "Int", "indicator": "Orange" if total else "Green"}]
