"""Scheduled jobs."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from sales_drive import regulations
from sales_drive.integrations.pipeline import sales_person_of
from sales_drive.setup.custom_fields import OWNER_FIELD, STEP_FIELD

CLOSED = {"Opportunity": ("Lost", "Closed"), "Lead": ("Do Not Contact", "Lost Quotation", "Converted", "Opportunity", "Quotation")}


def notify_overdue_steps(today=None):
	"""Flag records whose step is past its limit and tell the owner and their manager, once per step.

	A step is overdue from the first day after its due date (``sd_step_due``:
	``max_days`` working days after the record entered the step). Each record
	is notified once per step it overstays: ``sd_overdue_notified`` is reset
	when the record enters another step.
	"""
	today = getdate(today or nowdate())
	settings = regulations.settings()
	notified = 0
	for doctype in ("Opportunity", "Lead"):
		if not regulations.active(doctype):
			continue
		owner_field, step_field = OWNER_FIELD[doctype], STEP_FIELD[doctype]
		rows = frappe.db.sql(
			f"""select name, `{owner_field}` as record_owner, owner, `{step_field}` as step, sd_step_due
			from `tab{doctype}`
			where sd_overdue_notified = 0 and sd_step_due < %(today)s and status not in %(closed)s
			and not exists (select 1 from `tabSales Stage Transition Log` won
				where won.reference_doctype = %(doctype)s and won.reference_name = `tab{doctype}`.name
				and won.kind = 'Won')""",
			{"today": today, "closed": CLOSED[doctype], "doctype": doctype},
			as_dict=True,
		)
		if not rows:
			continue
		frappe.db.sql(
			f"""update `tab{doctype}` set sd_overdue = 1, sd_overdue_notified = 1
			where name in %(names)s""",
			{"names": [r.name for r in rows]},
		)
		if settings.get("notify_overdue", 1):
			managers = _managers_of({r.record_owner or r.owner for r in rows})
			for r in rows:
				user = r.record_owner or r.owner
				for recipient in {user, managers.get(user)} - {None, "Administrator", "Guest"}:
					_notify(recipient, doctype, r, settings.get("email_overdue"))
					notified += 1
	return notified  # the scheduler commits a job that returns normally


def _managers_of(users):
	"""The user of each owner's parent Sales Person (their team lead or head)."""
	out = {}
	for user in users:
		_sp, parent = sales_person_of(user)
		if parent:
			out[user] = frappe.db.sql(
				"""select e.user_id from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
				where sp.name = %s""",
				parent,
			)
			out[user] = out[user][0][0] if out[user] else None
	return out


def _notify(user, doctype, row, email):
	subject = _("{0} {1} is overdue in step {2} (due {3})").format(
		_(doctype), row.name, _(row.step or ""), frappe.format(row.sd_step_due, {"fieldtype": "Date"})
	)
	log = frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"type": "Alert",
			"document_type": doctype,
			"document_name": row.name,
			"subject": subject,
			"from_user": "Administrator",
		}
	)
	log.flags.ignore_permissions = True
	if not email:
		log.flags.sd_no_email = True
	log.insert(ignore_permissions=True)
