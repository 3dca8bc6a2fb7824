"""Receivables adapter: overdue Sales Invoices of the managers' customers, and the collection KPI's facts.

**The manager's invoice.** An invoice belongs to the persons of its Sales Team
(each with their ``allocated_percentage``), as the plan's facts count it
(:mod:`sales_drive.plans`); an invoice without a Sales Team belongs to the
customer's account manager (Customer ``account_manager`` → Employee → Sales
Person), else to the Sales Person of the invoice's author.

**Overdue** on a day: submitted (docstatus 1), not a return, ``outstanding_amount``
> 0 and ``due_date`` before the day. The amount is ERPNext's outstanding amount in
the party account's currency. One query for everyone; the engine
(:mod:`sales_drive.engine.receivables`) ages and groups them.

**Collection (paid within terms).** Over the invoices whose (final) due date fell
in the period, up to today: the invoiced amount is the invoice's own row in the
Payment Ledger Entry less its credit notes, and the amount paid within terms is
every other non-delinked ledger row against it (Payment Entry, Journal Entry,
advances allocated) posted on or before the due date. All in company currency;
one grouped query.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import getdate, nowdate

from sales_drive.engine import receivables as engine
from sales_drive.queries import person_of_user

LIST_LIMIT = 100
PERSON = (
	f"coalesce(st.sales_person, {person_of_user('c.account_manager')}, {person_of_user('si.owner')})"
)
_FROM = """from `tabSales Invoice` si
	left join `tabSales Team` st on st.parent = si.name and st.parenttype = 'Sales Invoice'
	left join `tabCustomer` c on c.name = si.customer"""


def invoices(day, persons=None, company: str | None = None) -> list[engine.Invoice]:
	"""The invoices overdue on ``day`` of ``persons`` (``None``: everyone), one row per responsible person."""
	if persons is not None and not persons:
		return []
	where = "and x.sales_person in %(persons)s" if persons is not None else ""
	rows = frappe.db.sql(
		f"""select x.* from (
			select si.name, coalesce(nullif(si.customer_name, ''), si.customer) as customer, si.due_date,
				si.outstanding_amount, coalesce(nullif(si.party_account_currency, ''), si.currency) as currency,
				{PERSON} as sales_person, coalesce(st.allocated_percentage, 100) as share
			{_FROM}
			where si.docstatus = 1 and si.is_return = 0 and si.outstanding_amount > 0 and si.due_date < %(day)s
			and (%(company)s = '' or si.company = %(company)s)
		) x where 1 = 1 {where}""",
		{"day": getdate(day), "persons": list(persons or [""]), "company": company or ""},
		as_dict=True,
	)
	return [
		engine.Invoice(
			r.name,
			r.customer,
			r.sales_person or "",
			getdate(r.due_date),
			Decimal(str(r.outstanding_amount or 0)),
			Decimal(str(r.share or 0)),
			r.currency or "",
		)
		for r in rows
	]


def as_dict(ageing: engine.Ageing, limit: int = LIST_LIMIT) -> dict:
	"""The ageing for the desk: the longest overdue invoices first (up to ``limit``), the totals per bucket."""
	currencies = {line.currency for line in ageing.lines}
	return {
		"count": ageing.count,
		"total": ageing.total,
		"currency": currencies.pop() if len(currencies) == 1 else None,
		"buckets": [{"bucket": k, "amount": v} for k, v in ageing.buckets.items()],
		"invoices": [
			{
				"name": o.name,
				"customer": o.customer,
				"sales_person": o.owner,
				"due_date": o.due_date,
				"days_overdue": o.days_overdue,
				"bucket": o.bucket,
				"outstanding": o.outstanding,
				"amount": o.amount,
				"currency": o.currency,
			}
			for o in ageing.lines[:limit]
		],
	}


def ageing(rows: list[engine.Invoice], day, members=None) -> engine.Ageing:
	"""The morning report: the overdue invoices of ``members`` (``None``: everyone) on ``day``."""
	return engine.ageing(rows, getdate(day), members)


def of_person(person: str | None, day) -> dict | None:
	"""My Sales Day: the person's overdue invoices on ``day``."""
	if not person:
		return None
	day = getdate(day)
	return as_dict(engine.ageing(invoices(day, [person]), day, {person}))


def collection_facts(company: str, persons: list[str], start, end) -> dict[str, Decimal]:
	"""Person -> % of the invoiced amount paid within terms, over invoices due from ``start`` to ``end``
	(not after today: terms still running are not judged)."""
	if not persons:
		return {}
	end = min(getdate(end), getdate(nowdate()))
	if getdate(start) > end:
		return {}
	rows = frappe.db.sql(
		f"""select x.name, x.sales_person, x.share, x.invoiced, x.paid from (
			select si.name, {PERSON} as sales_person, coalesce(st.allocated_percentage, 100) as share,
				(select sum(p.amount) from `tabPayment Ledger Entry` p
					where p.against_voucher_type = 'Sales Invoice' and p.against_voucher_no = si.name
					and p.delinked = 0 and p.voucher_type = 'Sales Invoice') as invoiced,
				(select -sum(p.amount) from `tabPayment Ledger Entry` p
					where p.against_voucher_type = 'Sales Invoice' and p.against_voucher_no = si.name
					and p.delinked = 0 and p.voucher_type != 'Sales Invoice' and p.posting_date <= si.due_date) as paid
			{_FROM}
			where si.docstatus = 1 and si.is_return = 0 and si.company = %(company)s
			and si.due_date between %(start)s and %(end)s
		) x where x.sales_person in %(persons)s""",
		{"company": company, "start": getdate(start), "end": end, "persons": list(persons)},
		as_dict=True,
	)
	rates = engine.collection_rates(
		engine.Billed(
			r.name,
			r.sales_person,
			Decimal(str(r.invoiced or 0)),
			Decimal(str(r.paid or 0)),
			Decimal(str(r.share or 0)),
		)
		for r in rows
	)
	return {p: v for p, v in rates.items() if v is not None}
