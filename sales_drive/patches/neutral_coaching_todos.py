"""Upgrade: coaching text out of ToDos and assignment comments (System Manager reads both).

The ToDo of a Coaching Session's action item used to carry the item's text, and
Frappe copied it into the "Assigned" comment on the session. Both now carry a
neutral description with a link to the session (see
:func:`sales_drive.coaching.todo_description`); the text stays in the session,
under its row rules. Idempotent.
"""

import frappe

from sales_drive.coaching import todo_description

DOCTYPE = "Coaching Session"


def execute():
	sessions = frappe.db.sql_list(
		"select distinct reference_name from `tabToDo` where reference_type = %s and ifnull(reference_name, '') != ''",
		DOCTYPE,
	)
	sessions += frappe.db.sql_list(
		"""select distinct reference_name from `tabComment`
		where reference_doctype = %s and comment_type = 'Assigned' and ifnull(reference_name, '') != ''""",
		DOCTYPE,
	)
	for name in sorted(set(sessions)):
		text = todo_description(frappe._dict(doctype=DOCTYPE, name=name), None)
		frappe.db.sql(
			"update `tabToDo` set description = %s where reference_type = %s and reference_name = %s",
			(text, DOCTYPE, name),
		)
		frappe.db.sql(
			"""update `tabComment` set content = %s
			where reference_doctype = %s and reference_name = %s and comment_type = 'Assigned'""",
			(text, DOCTYPE, name),
		)
