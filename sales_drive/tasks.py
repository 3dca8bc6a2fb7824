"""Scheduled jobs."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, get_url_to_form, getdate, nowdate

from sales_drive import regulations
from sales_drive.people import sales_person_of
from sales_drive.jobs import isolated
from sales_drive.queries import open_condition
from sales_drive.setup.custom_fields import OWNER_FIELD, STEP_FIELD


def notify_overdue_steps(today=None):
	"""Flag records whose step is past its limit and tell the owner and their manager, once per step.

	A step is overdue from the first day after its due date (``sd_step_due``:
	``max_days`` working days after the record entered the step). Each record
	is notified once per step it overstays: ``sd_overdue_notified`` is reset
	when the record enters another step. Only open records are chased
	(:func:`sales_drive.queries.open_condition`): a won (Converted, logged Won, its Quotation
	ordered), lost or closed record has left its steps, and its overdue flag is cleared.

	Sales Drive Settings: ``notify_overdue`` turns the notices on (a Notification Log,
	type Alert, which Frappe never e-mails), ``email_overdue`` also e-mails them (when an
	outgoing Email Account is set up; without one only the notices are made). A user
	who turned notifications off in their Notification Settings gets no notice, and one
	who turned e-mail notifications off gets no e-mail.

	A record whose notices fail is logged (Error Log with the record) and left unnotified,
	so the next run tries again; the other records are notified.
	"""
	today = getdate(today or nowdate())
	settings = regulations.settings()
	notified = 0
	for doctype in ("Opportunity", "Lead"):
		if not regulations.active(doctype):
			continue
		owner_field, step_field = OWNER_FIELD[doctype], STEP_FIELD[doctype]
		# a record that stopped being open (ERPNext sets Converted without a save, a Quotation is ordered...)
		# is no longer overdue: its red flag goes; reopened and still late, it is flagged and told again
		frappe.db.sql(
			f"""update `tab{doctype}` t set t.sd_overdue = 0, t.sd_overdue_notified = 0
			where t.sd_overdue = 1 and not {open_condition(doctype, "t")}"""
		)
		rows = frappe.db.sql(
			f"""select t.name, t.`{owner_field}` as record_owner, t.owner, t.`{step_field}` as step, t.sd_step_due
			from `tab{doctype}` t
			where t.sd_overdue_notified = 0 and t.sd_step_due < %(today)s and {open_condition(doctype, "t")}""",
			{"today": today},
			as_dict=True,
		)
		if not rows:
			continue
		frappe.db.sql(
			f"""update `tab{doctype}` set sd_overdue = 1, sd_overdue_notified = 1
			where name in %(names)s""",
			{"names": [r.name for r in rows]},
		)
		if not cint(settings.get("notify_overdue", 1)):
			continue
		managers = _managers_of({r.record_owner or r.owner for r in rows})
		recipients = {r.name: {r.record_owner or r.owner, managers.get(r.record_owner or r.owner)} - {None, "Administrator", "Guest"}
			for r in rows}  # fmt: skip
		wanted = notice_settings(set().union(*recipients.values()))
		email_on = bool(cint(settings.get("email_overdue"))) and can_email()
		failed = []
		for r in rows:
			ok = False
			with isolated(doctype, r.name, _("Overdue notice for {0} {1} not sent").format(_(doctype), r.name)):
				for recipient in sorted(recipients[r.name]):
					notify, email = wanted.get(recipient, (True, True))
					if notify:
						_notify(recipient, doctype, r, email_on and email)
						notified += 1
				ok = True
			if not ok:
				failed.append(r.name)
		if failed:  # tried again on the next run
			frappe.db.sql(f"update `tab{doctype}` set sd_overdue_notified = 0 where name in %(names)s", {"names": failed})
	return notified  # the scheduler commits a job that returns normally


def notice_settings(users) -> dict[str, tuple[bool, bool]]:
	"""user → (notifications on, e-mail notifications on) from their Notification Settings: one query.

	A user without Notification Settings gets both, as in Frappe.
	"""
	if not users:
		return {}
	rows = frappe.db.sql(
		"""select name, enabled, enable_email_notifications from `tabNotification Settings` where name in %(users)s""",
		{"users": sorted(users)},
	)
	return {user: (bool(cint(enabled)), bool(cint(enabled)) and bool(cint(email))) for user, enabled, email in rows}


def can_email(match_by_doctype=None) -> bool:
	"""Whether frappe.sendmail can queue a mail: a real outgoing Email Account with an address.

	With e-mails muted and no account Frappe hands out a dummy account without an address,
	on which ``sendmail`` fails.
	"""
	from frappe.email.doctype.email_account.email_account import EmailAccount

	account = EmailAccount.find_outgoing(match_by_doctype=match_by_doctype)
	return bool(account and account.get("email_id"))


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
	"""A Notification Log (Alert) for ``user`` and, with ``email``, the same notice by e-mail.

	Frappe never e-mails Alert notifications itself, so the e-mail is queued here.
	"""
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
	log.insert(ignore_permissions=True)
	if email:
		_email(user, subject, doctype, row.name)


def _email(user, subject, doctype, name):
	address = frappe.db.get_value("User", {"name": user, "enabled": 1}, "email")
	if not address:
		return
	link = get_url_to_form(doctype, name)
	frappe.sendmail(
		recipients=[address],
		subject=subject,
		message=f'<p>{frappe.utils.escape_html(subject)}</p><p><a href="{link}">{frappe.utils.escape_html(name)}</a></p>',
		reference_doctype=doctype,
		reference_name=name,
	)
