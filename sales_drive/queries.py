"""SQL fragments shared by the plan, the reports and the desk pages."""

from __future__ import annotations


def person_of_user(user_column: str) -> str:
	"""A scalar subquery: the Sales Person of the user in ``user_column``.

	The enabled, non-group Sales Person whose Employee has that ``user_id``,
	first in tree order, exactly as
	:func:`sales_drive.integrations.pipeline.sales_person_of` picks it.
	``user_column`` is a column expression written in our code, never user input.
	"""
	return f"""(select sp.name from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
	where e.user_id = {user_column} and sp.enabled = 1 and sp.is_group = 0 order by sp.lft limit 1)"""
