"""Gathering the facts a gate needs, with one small query per kind of fact."""

from __future__ import annotations

from collections.abc import Mapping

import frappe

from sales_drive import calls
from sales_drive.engine.gates import Facts, Needs

# Submitted documents linked to an Opportunity, through ERPNext's own chain:
# Quotation.opportunity -> Sales Order Item.prevdoc_docname -> Sales Invoice
# Item.sales_order -> Payment Entry Reference (to the invoice or the order).
_QUOTATIONS = "select q.name from `tabQuotation` q where q.opportunity = %(name)s and q.docstatus = 1"
_ORDERS = f"""select soi.parent from `tabSales Order Item` soi
	where soi.docstatus = 1 and soi.prevdoc_docname in ({_QUOTATIONS})"""
_INVOICES = f"""select sii.parent from `tabSales Invoice Item` sii
	where sii.docstatus = 1 and sii.sales_order in ({_ORDERS})"""

LINKED_COUNT = {
	("Opportunity", "Quotation"): f"select count(*) from ({_QUOTATIONS}) t",
	("Opportunity", "Sales Order"): f"select count(distinct parent) from ({_ORDERS}) t",
	("Opportunity", "Sales Invoice"): f"select count(distinct parent) from ({_INVOICES}) t",
	("Opportunity", "Payment Entry"): f"""select count(distinct per.parent) from `tabPayment Entry Reference` per
		where per.docstatus = 1 and (
			(per.reference_doctype = 'Sales Invoice' and per.reference_name in ({_INVOICES}))
			or (per.reference_doctype = 'Sales Order' and per.reference_name in ({_ORDERS})))""",
	("Lead", "Opportunity"): """select count(*) from `tabOpportunity`
		where opportunity_from = 'Lead' and party_name = %(name)s""",
	("Lead", "Customer"): "select count(*) from `tabCustomer` where lead_name = %(name)s",
	("Lead", "Quotation"): """select count(*) from `tabQuotation`
		where quotation_to = 'Lead' and party_name = %(name)s and docstatus = 1""",
}

ACTIVITY_COUNT = """select
	(select count(*) from `tabCommunication`
		where reference_doctype = %(doctype)s and reference_name = %(name)s
		and communication_type = 'Communication' and creation >= %(since)s)
	+ (select count(*) from `tabEvent Participants` ep join `tabEvent` e on e.name = ep.parent
		where ep.reference_doctype = %(doctype)s and ep.reference_docname = %(name)s
		and e.creation >= %(since)s)"""


class DocValues(Mapping):
	"""A read-only mapping view of a document's fields (no copy)."""

	def __init__(self, doc):
		self._doc = doc

	def __getitem__(self, key):
		return self._doc.get(key)

	def get(self, key, default=None):
		value = self._doc.get(key)
		return default if value is None else value

	def __iter__(self):
		return iter(self._doc.as_dict(no_default_fields=True))

	def __len__(self):
		return len(self._doc.as_dict(no_default_fields=True))


def linked_count(doctype: str, name: str, document_type: str) -> int:
	query = LINKED_COUNT.get((doctype, document_type))
	if not query or not name:
		return 0
	return int(frappe.db.sql(query, {"name": name})[0][0] or 0)


def activity_count(doctype: str, name: str, since) -> int:
	if not name:
		return 0
	return int(frappe.db.sql(ACTIVITY_COUNT, {"doctype": doctype, "name": name, "since": since})[0][0] or 0)


def gather(doc, needs: Needs) -> Facts:
	name = None if doc.is_new() else doc.name
	documents = {dt: linked_count(doc.doctype, name, dt) for dt in needs.document_types}
	activities = 0
	if needs.activities:
		since = doc.get("sd_step_entered_on") or doc.get("creation") or "1900-01-01"
		links = calls.links_of(doc)
		if name and links:
			# the record's activities and its calls from ERPNext's Call Log (telephony, each call once:
			# sales_drive/calls.py), added up in ONE statement (a round trip less on every gated save)
			query, values = calls.record_count_query(doc.doctype, name, links, since)
			activities = int(frappe.db.sql(f"select ({ACTIVITY_COUNT}) + ({query})", values)[0][0] or 0)
		else:
			activities = activity_count(doc.doctype, name, since)
	checklist = {(r.step, r.item) for r in (doc.get("sd_checklist") or []) if r.done}
	return Facts(values=DocValues(doc), documents=documents, checklist=checklist, activities=activities)
