"""SQL fragments and lookups shared by the plan, the reports, the desk pages and the jobs."""

from __future__ import annotations

import frappe


def person_of_user(user_column: str) -> str:
	"""A scalar subquery: the Sales Person of the user in ``user_column``.

	The enabled, non-group Sales Person whose Employee has that ``user_id``,
	first in tree order, exactly as
	:func:`sales_drive.integrations.pipeline.sales_person_of` picks it.
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
	"""User -> (Sales Person, its parent) for many users in one query, picked as
	:func:`sales_drive.integrations.pipeline.sales_person_of` picks one (first in tree order)."""
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
