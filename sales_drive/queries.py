"""SQL fragments and lookups shared by the plan, the reports, the desk pages and the jobs."""

from __future__ import annotations

import frappe


def person_of_user(user_column: str) -> str:
	"""A scalar subquery: the Sales Person of the user in ``user_column``.

	The enabled, non-group Sales Person whose Employee has that ``user_id``,
	first in tree order, exactly as
	:func:`sales_drive.people.sales_person_of` picks it.
	``user_column`` is a column expression written in our code, never user input.
	"""
	return f"""(select sp.name from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
	where e.user_id = {user_column} and sp.enabled = 1 and sp.is_group = 0 order by sp.lft limit 1)"""


def users_of(persons) -> dict[str, str]:
	"""Sales Person -> the user of its Employee, one query."""
	if not persons:
		return {}
	return dict(
		frappe.db.sql(
			"""select sp.name, e.user_id from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
			where sp.name in %(persons)s and ifnull(e.user_id, '') != ''""",
			{"persons": list(persons)},
		)
	)


def persons_of_users(users) -> dict[str, tuple[str, str | None]]:
	"""User -> (Sales Person, its parent) for many users in one query: the enabled, non-group Sales Person of
	the user's Employee, first in tree order (:func:`sales_drive.people.sales_person_of` caches it per user)."""
	users = [u for u in users if u]
	if not users:
		return {}
	rows = frappe.db.sql(
		"""select e.user_id, sp.name, sp.parent_sales_person from `tabSales Person` sp
		join `tabEmployee` e on e.name = sp.employee
		where e.user_id in %(users)s and sp.enabled = 1 and sp.is_group = 0
		order by sp.lft desc""",
		{"users": users},
	)
	# tree order descending: the first in tree order is written last and wins
	return {user: (sp, parent) for user, sp, parent in rows}


def candidates_for(role: str | None, specialisation: str | None) -> list[str]:
	"""Enabled users who hold the role and/or whose Sales Person has the specialisation."""
	users = None
	if role:
		users = set(
			frappe.db.sql_list(
				"""select distinct hr.parent from `tabHas Role` hr join `tabUser` u on u.name = hr.parent
				where hr.role = %s and hr.parenttype = 'User' and u.enabled = 1
				and u.name not in ('Administrator', 'Guest')""",
				role,
			)
		)
	if specialisation:
		spec_users = set(
			frappe.db.sql_list(
				"""select distinct e.user_id from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
				join `tabUser` u on u.name = e.user_id
				where sp.sd_specialisation = %s and sp.enabled = 1 and u.enabled = 1""",
				specialisation,
			)
		)
		users = spec_users if users is None else users & spec_users
	return sorted(users or [])


# ----------------------------------------------------------------------------- open pipeline

# Statuses after which a record is no longer open pipeline. Opportunity (ERPNext 15): Converted is won
# (ERPNext sets it when a Sales Order is submitted from the opportunity's Quotation), Lost and Closed are
# closed. Quotation means a quotation was made: still open, unless that quotation was ordered (below).
# Lead: it left the lead pipeline when it was made into an Opportunity or Quotation, converted or lost.
NOT_OPEN = {
	"Opportunity": ("Converted", "Lost", "Closed"),
	"Lead": ("Do Not Contact", "Lost Quotation", "Converted", "Opportunity", "Quotation"),
}
# a Quotation of the opportunity that was (partly) ordered: the deal is won though its status says Quotation
ORDERED_QUOTATION = ("Ordered", "Partially Ordered")


def open_condition(doctype: str, table: str) -> str:
	"""SQL that holds for an OPEN record of ``doctype`` in ``table`` (a table name or alias of our code).

	The one definition of "open pipeline" every report, digest and job uses: not in a closed status
	(:data:`NOT_OPEN`), not logged Won by Sales Drive (a payment completed its last step, or a lead made
	into an Opportunity), and, for an Opportunity whose status is Quotation, no submitted Quotation of it
	that was ordered. Indexes: ``sd_log_doctype_name`` on the log, ``sd_quotation_opportunity`` on Quotation.
	"""
	statuses = ", ".join(frappe.db.escape(s) for s in NOT_OPEN[doctype])
	condition = f"""{table}.status not in ({statuses})
		and not exists (select 1 from `tabSales Stage Transition Log` sd_won
			where sd_won.reference_doctype = {frappe.db.escape(doctype)} and sd_won.reference_name = {table}.name
			and sd_won.kind = 'Won' and sd_won.record_deleted = 0)"""
	if doctype == "Opportunity":
		ordered = ", ".join(frappe.db.escape(s) for s in ORDERED_QUOTATION)
		condition += f"""
		and not ({table}.status = 'Quotation' and exists (select 1 from `tabQuotation` sd_q
			where sd_q.opportunity = {table}.name and sd_q.docstatus = 1 and sd_q.status in ({ordered})))"""
	return f"({condition})"


def is_open(doctype: str, name: str) -> bool:
	"""Whether one record is open pipeline (:func:`open_condition`): one query by primary key."""
	return bool(
		frappe.db.sql(f"select 1 from `tab{doctype}` t where t.name = %s and {open_condition(doctype, 't')}", name)
	)
