"""Sales Plan adapter: working days, facts per person and day, stored daily figures.

Facts come from one grouped query per basis:

- Sales Invoice / Sales Order: ``base_net_total`` split by the document's
  Sales Team (``allocated_percentage``); a document without a Sales Team
  counts for its owner's Sales Person (User → Employee → Sales Person).
- Payment Entry (received from a customer): each reference to a Sales
  Invoice or Sales Order counts ``allocated_amount`` (in company currency)
  split by that document's Sales Team; a payment with no references counts
  ``base_received_amount`` for its owner's Sales Person.

Only submitted documents count (docstatus 1): a cancelled one stops counting,
and an amendment is a new document, so nothing is counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe.utils import getdate, now_datetime, nowdate

from sales_drive import regulations
from sales_drive.engine import plan as engine
from sales_drive.jobs import isolated
from sales_drive.queries import person_of_user

BASES = ("Sales Invoice", "Sales Order", "Payment Entry")
DATE_FIELD = {"Sales Invoice": "posting_date", "Sales Order": "transaction_date", "Payment Entry": "posting_date"}

_OWNER_PERSON = person_of_user("t.owner")


def _team_query(doctype: str) -> str:
	"""One pass over the documents: the Sales Team split, or the owner's person when there is none.

	GROUP BY goes by position: MariaDB would match the alias ``sales_person``
	against a table column first.
	"""
	date_field = DATE_FIELD[doctype]
	return f"""
		select t.{date_field} as day, coalesce(st.sales_person, {_OWNER_PERSON}) as sales_person,
			sum(t.base_net_total * coalesce(st.allocated_percentage, 100) / 100) as amount
		from `tab{doctype}` t
		left join `tabSales Team` st on st.parent = t.name and st.parenttype = '{doctype}'
		where t.docstatus = 1 and t.company = %(company)s and t.{date_field} between %(from_date)s and %(to_date)s
		group by 1, 2
	"""


_PAYMENT_QUERY = f"""
	select t.posting_date as day, st.sales_person,
		sum(per.allocated_amount * per.exchange_rate * st.allocated_percentage / 100) as amount
	from `tabPayment Entry` t
	join `tabPayment Entry Reference` per on per.parent = t.name
	join `tabSales Team` st on st.parent = per.reference_name and st.parenttype = per.reference_doctype
	where t.docstatus = 1 and t.payment_type = 'Receive' and t.party_type = 'Customer'
	and t.company = %(company)s and t.posting_date between %(from_date)s and %(to_date)s
	and per.reference_doctype in ('Sales Invoice', 'Sales Order')
	group by t.posting_date, st.sales_person
	union all
	select t.posting_date as day, {_OWNER_PERSON} as sales_person, sum(t.base_received_amount) as amount
	from `tabPayment Entry` t
	where t.docstatus = 1 and t.payment_type = 'Receive' and t.party_type = 'Customer'
	and t.company = %(company)s and t.posting_date between %(from_date)s and %(to_date)s
	and not exists (select 1 from `tabPayment Entry Reference` per where per.parent = t.name)
	group by t.posting_date, sales_person
"""


def fact_rows(basis: str, company: str, from_date, to_date) -> list[tuple[date, str, Decimal]]:
	"""(day, sales person, amount) for every person with a fact in the period."""
	if basis not in BASES:
		frappe.throw(frappe._("Unknown fact basis {0}").format(basis))
	query = _PAYMENT_QUERY if basis == "Payment Entry" else _team_query(basis)
	rows = frappe.db.sql(query, {"company": company, "from_date": from_date, "to_date": to_date})
	return [(getdate(day), person, Decimal(str(amount or 0))) for day, person, amount in rows if person]


def facts_for(plan, to_date=None, persons=None) -> dict[tuple[date, str], Decimal]:
	"""(day, person) -> fact of the plan's people (or ``persons``) from its start to its end (or ``to_date``)."""
	persons = persons if persons is not None else {a.sales_person for a in plan.allocations}
	facts: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
	for day, person, amount in fact_rows(plan.basis, plan.company, plan.from_date, to_date or plan.to_date):
		if person in persons:
			facts[(day, person)] += amount
	return facts


def calendar_of(plan):
	holiday_list = plan.holiday_list or regulations.holiday_list_for(None, plan.company)
	return regulations.calendar(holiday_list)


def working_days(plan) -> list[date]:
	return calendar_of(plan).working_days(getdate(plan.from_date), getdate(plan.to_date))


def percent_of(part, whole) -> Decimal | None:
	"""``part`` in % of ``whole``, to 0.1 (half up); None when there is no whole."""
	if not whole:
		return None
	return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def allocation_amounts(plan) -> dict[str, Decimal]:
	return {a.sales_person: Decimal(str(a.amount or 0)) for a in plan.allocations}


def compute(plan, facts=None, persons=None) -> list[engine.PlanRow]:
	"""The engine's daily rows for a plan (optionally for some persons only)."""
	amounts = allocation_amounts(plan)
	if persons is not None:
		amounts = {p: a for p, a in amounts.items() if p in persons}
	return engine.decompose_fixed(
		amounts, working_days(plan), facts if facts is not None else facts_for(plan), plan.carry_over
	)


def store(plan, persons=None):
	"""Replace the stored daily figures of a plan (or of some of its persons)."""
	rows = compute(plan, persons=persons)
	filters = {"sales_plan": plan.name}
	if persons is not None:
		filters["sales_person"] = ["in", list(persons) or [""]]
	frappe.db.delete("Sales Plan Day", filters)
	now = now_datetime()
	user = frappe.session.user
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "sales_plan", "date",
		"sales_person", "company", "currency", "base", "carried_in", "target", "fact"]
	values = [
		[frappe.generate_hash(length=12), now, now, user, user, 0, 0, plan.name, r.date, r.sales_person,
			plan.company, plan.currency, r.base, r.carried_in, r.target, r.fact]
		for r in rows
	]
	frappe.db.bulk_insert("Sales Plan Day", fields, values, chunk_size=5000)


def submitted_plan(name: str, not_submitted: str):
	"""The submitted Sales Plan a report compares with, readable by the user.

	``not_submitted``: the caller's translated message, ``{0}`` standing for the plan.
	"""
	if not name:
		frappe.throw(frappe._("Choose a Sales Plan"), title=frappe._("Invalid Filter"))
	if not frappe.db.exists("Sales Plan", name):
		frappe.throw(
			frappe._("Sales Plan {0} does not exist").format(frappe.bold(name)), title=frappe._("Invalid Filter")
		)
	plan = frappe.get_doc("Sales Plan", name)
	plan.check_permission("read")
	if plan.docstatus != 1:
		frappe.throw(not_submitted.format(frappe.bold(name)), title=frappe._("Invalid Filter"))
	return plan


def plans_covering(basis: str, company: str, day) -> list[str]:
	return frappe.get_all(
		"Sales Plan",
		filters={"docstatus": 1, "basis": basis, "company": company, "from_date": ["<=", day], "to_date": [">=", day]},
		pluck="name",
	)


def on_document_change(doc, method=None):
	"""A counted document was submitted or cancelled: refresh the plans it falls in, in the background."""
	if doc.doctype == "Payment Entry" and (doc.payment_type != "Receive" or doc.party_type != "Customer"):
		return
	day = doc.get(DATE_FIELD[doc.doctype])
	if not plans_covering(doc.doctype, doc.company, day):
		return
	frappe.enqueue(
		"sales_drive.plans.refresh_plans",
		queue="short",
		basis=doc.doctype,
		company=doc.company,
		day=str(day),
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
	)


def refresh_plans(basis: str, company: str, day: str):
	"""Recompute the stored figures of the plans a document's date falls in.

	Only the persons of each plan are recomputed, from one grouped fact query
	per plan; the request that submitted the document does not wait for it.
	"""
	for name in plans_covering(basis, company, day):
		store(frappe.get_doc("Sales Plan", name))


def reconcile():
	"""Nightly: recompute every submitted plan that is running or just ended; a plan that fails
	is logged and keeps its figures, the others are recomputed."""
	today = getdate(nowdate())
	for name in frappe.get_all(
		"Sales Plan", filters={"docstatus": 1, "to_date": [">=", frappe.utils.add_days(today, -3)]}, pluck="name"
	):
		with isolated("Sales Plan", name, frappe._("Sales plan {0} not reconciled").format(name)):
			store(frappe.get_doc("Sales Plan", name))
