"""doc_events of base cooling: refuse (or warn about) contact with cooling parties,
and turn refusals into coolings.

Contact is checked in ``validate`` of a *new* Lead, Opportunity, outgoing
Communication, Event or ToDo: every path that creates one — the form, REST,
Data Import, server code — runs it. The check is one indexed query over the
cooling keys of the record (:func:`sales_drive.base_cooling.active_coolings`).

Refusals are caught in ``on_update`` (a Lead set to Lost Quotation or Do Not
Contact, an Opportunity set to Lost) and ``on_update_after_submit`` of a
Quotation declared lost.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import formatdate, getdate, nowdate

from sales_drive import base_cooling
from sales_drive.base_cooling import CoolingError
from sales_drive.engine import cooling as engine


def _off() -> bool:
	return bool(frappe.flags.sd_cooling_off or frappe.flags.in_install or frappe.flags.in_migrate)


# --- enforcement ------------------------------------------------------------------------------


def lead_validate(doc, method=None):
	doc.sd_org_key = engine.normalise_company(doc.company_name) or None
	if doc.is_new():
		linked = (("Customer", doc.customer),) if doc.get("customer") else ()
		emails = (doc.email_id,) if doc.email_id else ()
		check(doc, [engine.Party("Lead", doc.name, doc.company_name, emails, linked)])


def opportunity_validate(doc, method=None):
	if doc.is_new():
		check(doc, [base_cooling.opportunity_party(doc)])


def communication_validate(doc, method=None):
	if not doc.is_new() or doc.sent_or_received != "Sent" or doc.communication_type != "Communication":
		return
	refs = [(doc.reference_doctype, doc.reference_name)]
	refs += [(link.link_doctype, link.link_name) for link in doc.get("timeline_links") or []]
	emails = engine.email_addresses(", ".join(filter(None, (doc.recipients, doc.cc, doc.bcc))))
	check(doc, _parties(refs, emails))


def event_validate(doc, method=None):
	if not doc.is_new():
		return
	refs = [(doc.get("reference_doctype"), doc.get("reference_docname"))]
	refs += [(p.reference_doctype, p.reference_docname) for p in doc.get("event_participants") or []]
	emails = [p.email for p in doc.get("event_participants") or [] if p.get("email")]
	check(doc, _parties(refs, emails))


def todo_validate(doc, method=None):
	if doc.is_new() and doc.reference_type and doc.reference_name:
		check(doc, _parties([(doc.reference_type, doc.reference_name)], []))


def _parties(refs, emails):
	parties = [base_cooling.party_of(dt, dn) for dt, dn in dict.fromkeys(refs) if dt and dn]
	if emails:
		parties.append(engine.Party("", "", None, tuple(emails)))
	return parties


def check(doc, parties):
	"""Throw (block mode) or warn (warn mode) when any party of ``doc`` is cooling."""
	if _off():
		return
	keys = set()
	for party in parties:
		if party is not None:
			keys |= engine.target_keys(party)
	if not keys:
		return
	today = getdate(nowdate())
	rows = base_cooling.active_coolings(keys, today)
	if not rows:
		return
	state = engine.state_on(base_cooling.windows_of(rows), today)
	strongest = [r for r in rows if r.mode == state.mode]
	row = max(strongest, key=lambda r: getdate(r.until_date))
	party = f"{_(row.party_type)} {frappe.bold(row.party_title or row.party)}"
	until = frappe.bold(formatdate(state.until))
	reason = row.reason or _("not given")
	if state.mode == engine.BLOCK:
		message = _(
			"{0} is cooling after a refusal (reason: {1}): it must not be contacted until {2}, inclusive. "
			"{3} cannot be created for it now. A Sales Manager can lift the cooling early with a reason."
		).format(party, reason, until, _(doc.doctype))
		frappe.throw(message, exc=CoolingError, title=_("Base Cooling"))
	if not doc.flags.get("sd_cooling_warned"):
		doc.flags.sd_cooling_warned = True
		frappe.msgprint(
			_("{0} is cooling after a refusal (reason: {1}) until {2}, inclusive. Contact it only if you must.").format(
				party, reason, until
			),
			title=_("Base Cooling"),
			indicator="orange",
		)


# --- refusals --------------------------------------------------------------------------------


def lead_on_update(doc, method=None):
	if _off() or doc.status not in base_cooling.LEAD_LOST_STATUSES:
		return
	before = doc.get_doc_before_save()
	if before and before.status in base_cooling.LEAD_LOST_STATUSES:
		return
	linked = (("Customer", doc.customer),) if doc.get("customer") else ()
	party = engine.Party("Lead", doc.name, doc.company_name, (doc.email_id,) if doc.email_id else (), linked)
	base_cooling.refused(doc, engine.LEAD_LOST, party, [doc.status])


def opportunity_on_update(doc, method=None):
	if _off() or doc.status != "Lost":
		return
	before = doc.get_doc_before_save()
	if before and before.status == "Lost":
		return
	reasons = [r.lost_reason for r in doc.get("lost_reasons") or []]
	base_cooling.refused(doc, engine.OPPORTUNITY_LOST, base_cooling.opportunity_party(doc), reasons)


def quotation_on_update_after_submit(doc, method=None):
	"""ERPNext sets a lost Quotation's status with db_set before saving it: look for our record instead."""
	if _off() or doc.status != "Lost":
		return
	if frappe.db.exists(base_cooling.RECORD, {"source_doctype": "Quotation", "source_name": doc.name}):
		return
	party = base_cooling.party_of(doc.quotation_to, doc.party_name)
	party = base_cooling.with_contact(party, doc.customer_name, doc.contact_email, doc.contact_person)
	reasons = [r.lost_reason for r in doc.get("lost_reasons") or []]
	base_cooling.refused(doc, engine.QUOTATION_LOST, party, reasons)
