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
