"""doc_events of base cooling: refuse (or warn about) contact with cooling parties,
and turn refusals into coolings.

Contact is checked in ``validate`` of a *new* Lead, Opportunity, Quotation,
Sales Order, outgoing Communication, Event or ToDo: every path that creates one
— the form, REST, Data Import, server code — runs it. An existing Lead or
Opportunity is checked again when it is reopened after a refusal, and an existing
Lead, Opportunity, Quotation or Sales Order when its party or e-mail changes to
one a cooling covers (that the stored party was not covered by already). The
check is one indexed query over the cooling keys of the record
(:func:`sales_drive.base_cooling.active_coolings`); a rule in Block mode refuses,
one in Warn mode warns and lets the save go through.

An ERPNext Email Campaign step is a bulk mail with no one at the desk: a
recipient under a blocking cooling is dropped from it (logged on the campaign),
and the others get it.

Refusals are caught in ``on_update`` (a Lead set to Lost Quotation or Do Not
Contact, an Opportunity set to Lost) and ``on_update_after_submit`` of a
Quotation declared lost.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import formatdate, getdate, nowdate, split_emails

from sales_drive import base_cooling
from sales_drive.base_cooling import CoolingError
from sales_drive.engine import cooling as engine


def _off() -> bool:
	return bool(frappe.flags.sd_cooling_off or frappe.flags.in_install or frappe.flags.in_migrate)


# --- enforcement ------------------------------------------------------------------------------

CREATE, REOPEN, CHANGE = "create", "reopen", "change"
# the fields that say who a record is about: a change of any of them is checked
LEAD_PARTY_FIELDS = ("company_name", "email_id", "customer")
OPPORTUNITY_PARTY_FIELDS = ("opportunity_from", "party_name", "customer_name", "contact_email", "contact_person")
QUOTATION_PARTY_FIELDS = ("quotation_to", "party_name", "customer_name", "contact_email", "contact_person")
SALES_ORDER_PARTY_FIELDS = ("customer", "customer_name", "contact_email", "contact_person")


def _lead_party(doc):
	linked = (("Customer", doc.customer),) if doc.get("customer") else ()
	emails = (doc.email_id,) if doc.get("email_id") else ()
	return engine.Party("Lead", doc.name, doc.get("company_name"), emails, linked)


def _quotation_party(doc):
	party = base_cooling.party_of(doc.get("quotation_to"), doc.get("party_name"))
	return base_cooling.with_contact(party, doc.get("customer_name"), doc.get("contact_email"), doc.get("contact_person"))


def _sales_order_party(doc):
	party = base_cooling.party_of("Customer", doc.get("customer"))
	return base_cooling.with_contact(party, doc.get("customer_name"), doc.get("contact_email"), doc.get("contact_person"))


def _changed(before, doc, fields) -> bool:
	return any((before.get(f) or None) != (doc.get(f) or None) for f in fields)


def _guard(doc, party_of, fields, refused_statuses=()):
	"""New: check the party. Reopened after a refusal: check it again (its own cooling included).
	Party or e-mail changed: check what the change brings in beyond what already covered the record."""
	if doc.is_new():
		check(doc, [party_of(doc)])
		return
	before = doc.get_doc_before_save()
	if before is None:
		return
	if refused_statuses and before.get("status") in refused_statuses and doc.get("status") not in refused_statuses:
		check(doc, [party_of(doc)], action=REOPEN)
	elif _changed(before, doc, fields):
		check(doc, [party_of(doc)], action=CHANGE, besides=[party_of(before)])


def lead_validate(doc, method=None):
	doc.sd_org_key = engine.normalise_company(doc.company_name) or None
	_guard(doc, _lead_party, LEAD_PARTY_FIELDS, base_cooling.LEAD_LOST_STATUSES)


def opportunity_validate(doc, method=None):
	_guard(doc, base_cooling.opportunity_party, OPPORTUNITY_PARTY_FIELDS, ("Lost",))


def quotation_validate(doc, method=None):
	_guard(doc, _quotation_party, QUOTATION_PARTY_FIELDS)


def sales_order_validate(doc, method=None):
	_guard(doc, _sales_order_party, SALES_ORDER_PARTY_FIELDS)


def communication_validate(doc, method=None):
	if not doc.is_new() or doc.sent_or_received != "Sent" or doc.communication_type != "Communication":
		return
	if doc.reference_doctype == "Email Campaign" and doc.reference_name and doc.communication_medium == "Email":
		drop_cooling_recipients(doc)
		return
	refs = [(doc.reference_doctype, doc.reference_name)]
	refs += [(link.link_doctype, link.link_name) for link in doc.get("timeline_links") or []]
	emails = engine.email_addresses(", ".join(filter(None, (doc.recipients, doc.cc, doc.bcc))))
	check(doc, _parties(refs, emails))


def drop_cooling_recipients(doc):
	"""An Email Campaign step: drop each recipient under a blocking cooling, send to the others.

	ERPNext sends a step once, on its day, to all its recipients in one Communication: refusing
	it would withhold the mail from everyone and never retry. Each address is looked up by its
	own keys (and, for a Lead or Contact campaign, by the recipient's); the drop is logged as a
	comment on the campaign. A Warn-mode cooling does not drop (as for any contact).
	"""
	if _off():
		return
	owner = None
	campaign = frappe.db.get_value("Email Campaign", doc.reference_name, ["email_campaign_for", "recipient"], as_dict=True)
	if campaign and campaign.email_campaign_for in ("Lead", "Contact"):
		owner = base_cooling.party_of(campaign.email_campaign_for, campaign.recipient)
	owner_keys = engine.target_keys(owner) if owner else frozenset()
	fields = {f: split_emails(doc.get(f)) for f in ("recipients", "cc", "bcc") if doc.get(f)}
	keys_of = {}
	for entries in fields.values():
		for entry in entries:
			address = engine.email_address(entry)
			keys_of[entry] = (engine.target_keys(engine.Party("", "", None, (address,))) if address else frozenset()) | owner_keys
	today = getdate(nowdate())
	by_key = base_cooling.coolings_by_key(set().union(*keys_of.values()) if keys_of else (), today)
	if not by_key:
		return
	dropped = {}
	for entry, keys in keys_of.items():
		rows = {r.name: r for k in keys for r in by_key.get(k, ())}
		if not rows:
			continue
		state = engine.state_on(base_cooling.windows_of(rows.values()), today)
		if state.cooling and state.mode == engine.BLOCK:
			dropped[entry] = state.until
	if not dropped:
		return
	for field, entries in fields.items():
		doc.set(field, ", ".join(e for e in entries if e not in dropped) or None)
	# the timeline follows the recipients who get the mail
	doc.set("timeline_links", [])
	doc.set_timeline_links()
	doc.deduplicate_timeline_links()
	lines = "<br>".join(
		_("{0}: cooling until {1}, inclusive").format(frappe.utils.escape_html(e), formatdate(u)) for e, u in dropped.items()
	)
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Info",
			"reference_doctype": "Email Campaign",
			"reference_name": doc.reference_name,
			"content": _("Not sent to recipients under a base cooling ({0}):").format(frappe.utils.escape_html(doc.subject or ""))
			+ "<br>"
			+ lines,
		}
	).insert(ignore_permissions=True)


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


def _keys(parties):
	keys = set()
	for party in parties:
		if party is not None:
			keys |= engine.target_keys(party)
	return keys


def _refusal(action, party, reason, until, doc):
	if action == REOPEN:
		return _(
			"{0} is cooling after a refusal (reason: {1}): it must not be contacted until {2}, inclusive. "
			"{3} {4} cannot be reopened now. A Sales Manager can lift the cooling early with a reason."
		).format(party, reason, until, _(doc.doctype), frappe.bold(doc.name))
	if action == CHANGE:
		return _(
			"{0} is cooling after a refusal (reason: {1}): it must not be contacted until {2}, inclusive. "
			"{3} {4} cannot be changed over to it now. A Sales Manager can lift the cooling early with a reason."
		).format(party, reason, until, _(doc.doctype), frappe.bold(doc.name))
	return _(
		"{0} is cooling after a refusal (reason: {1}): it must not be contacted until {2}, inclusive. "
		"{3} cannot be created for it now. A Sales Manager can lift the cooling early with a reason."
	).format(party, reason, until, _(doc.doctype))


def check(doc, parties, action=CREATE, besides=()):
	"""Throw (block mode) or warn (warn mode) when any party of ``doc`` is cooling.

	Coolings that already cover the ``besides`` parties (what the record was about before an
	edit) are not counted: editing a record is not contacting a party it was already about.
	"""
	if _off():
		return
	keys = _keys(parties)
	if not keys:
		return
	today = getdate(nowdate())
	rows = base_cooling.active_coolings(keys, today)
	if rows and besides:
		known = {r.name for r in base_cooling.active_coolings(_keys(besides), today)}
		rows = [r for r in rows if r.name not in known]
	if not rows:
		return
	state = engine.state_on(base_cooling.windows_of(rows), today)
	strongest = [r for r in rows if r.mode == state.mode]
	row = max(strongest, key=lambda r: getdate(r.until_date))
	party = f"{_(row.party_type)} {frappe.bold(row.party_title or row.party)}"
	until = frappe.bold(formatdate(state.until))
	reason = row.reason or _("not given")
	if state.mode == engine.BLOCK:
		frappe.throw(_refusal(action, party, reason, until, doc), exc=CoolingError, title=_("Base Cooling"))
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
