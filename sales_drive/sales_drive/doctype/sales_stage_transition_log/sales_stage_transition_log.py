# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""The audit trail of stage moves: written by the server only (``pipeline.write_log``, in SQL), never edited,
deleted by System Manager alone.

The role permissions grant nobody write and only System Manager delete; these checks also hold where
permissions are not asked (a share with write, ``ignore_permissions`` in server code).
"""

import frappe
from frappe import _
from frappe.model.document import Document

from sales_drive import totals

DELETERS = frozenset({"System Manager"})


class SalesStageTransitionLog(Document):
	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("The Sales Stage Transition Log is an audit trail: its rows cannot be edited."),
				frappe.PermissionError,
				title=_("Not Permitted"),
			)

	def after_insert(self):
		# a row inserted as a document (tests, a System Manager's import) counts in the reports' totals
		totals.add([self.as_dict()])

	def on_trash(self):
		if not (set(frappe.get_roles()) & DELETERS):
			frappe.throw(
				_("Only a System Manager may delete rows of the Sales Stage Transition Log."),
				frappe.PermissionError,
				title=_("Not Permitted"),
			)
		stored = frappe.db.get_value(self.doctype, self.name, "*", as_dict=True)
		if stored:
			totals.add([stored], sign=-1)
		self.flags.sd_stored = stored

	def after_delete(self):
		# the record's outcome is recomputed from the rows left (sales_drive/totals.py)
		totals.removed([self.flags.sd_stored or self.as_dict()])
