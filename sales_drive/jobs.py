"""One bad record never stops a scheduled job.

A job runs in one transaction that the scheduler commits when the job returns. Each item
of a job (a rule, a plan, a recipient, a record) runs inside :func:`isolated`: a failure
rolls back that item's writes to a savepoint, is logged as an Error Log naming the record
(``reference_doctype`` / ``reference_name``), and the job goes on with the next item;
the earlier items' writes stay.
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe


@contextmanager
def isolated(reference_doctype: str, reference_name: str, title: str):
	"""Run one item of a job; on failure roll back its writes, log the error, and carry on."""
	savepoint = f"sd_item_{frappe.generate_hash(length=10)}"
	frappe.db.savepoint(savepoint)
	try:
		yield
	except Exception as e:
		try:
			frappe.db.rollback(save_point=savepoint)
		except Exception:
			# the item committed (and so released the savepoint) before it failed:
			# what it committed stays, the open rest is dropped
			frappe.db.rollback()
		if isinstance(e, frappe.ValidationError):
			frappe.clear_last_message()  # its message box is for the Error Log, not for a user
		frappe.log_error(title=title[:140], reference_doctype=reference_doctype, reference_name=reference_name)
