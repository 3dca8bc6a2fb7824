# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Structured feedback between team lead, manager and coach, per sprint or period.

Anonymous feedback (manager to team lead only) keeps its recipient and drops its
author: ``author`` stays empty, and ``owner`` / ``modified_by`` of the record and
its rows are written as Guest, so neither the form, the list, the REST API nor
the realtime list update says who wrote it. Track changes is off for the same
reason. The author cannot open it again afterwards.
"""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from sales_drive import coaching
from sales_drive.engine import coaching as engine

NOBODY = "Guest"


class SalesFeedback(Document):
	def before_validate(self):
		if self.sprint and not (self.from_date or self.to_date):
			self.from_date, self.to_date = frappe.db.get_value(
				"Sprint", self.sprint, ["start_date", "end_date"]
			)
		if self.is_new():
			self.author = None if self.anonymous else frappe.session.user
		elif self.anonymous != (self.get_doc_before_save() or self).anonymous:
			frappe.throw(_("Whether feedback is anonymous cannot be changed after it is written"))

	def validate(self):
		fb = engine.Feedback(
			direction=self.direction,
			anonymous=bool(self.anonymous),
			recipient=self.recipient,
			author=self.author,
			what_worked=self.what_worked,
			what_to_change=self.what_to_change,
			ratings=[(r.skill, r.rating) for r in self.ratings],
			from_date=getdate(self.from_date) if self.from_date else None,
			to_date=getdate(self.to_date) if self.to_date else None,
		)
		coaching.throw(engine.validate_feedback(fb), _("Invalid Sales Feedback"))
		if self.anonymous:
			self.author = None
			for d in (self, *self.get_all_children()):
				d.owner = d.modified_by = NOBODY

	def after_insert(self):
		if self.anonymous:
			frappe.msgprint(
				_(
					"Your anonymous feedback was sent to {0}. It does not record you as its author, so you cannot open it again."
				).format(frappe.bold(frappe.utils.get_fullname(self.recipient))),
				alert=True,
			)

	def notify_update(self):
		if not self.anonymous:
			return super().notify_update()
		# the standard list_update message carries the session user: leave it out
		frappe.publish_realtime(
			"doc_update",
			{"modified": self.modified, "doctype": self.doctype, "name": self.name},
			doctype=self.doctype,
			docname=self.name,
			after_commit=True,
		)
		frappe.publish_realtime(
			"list_update", {"doctype": self.doctype, "name": self.name}, after_commit=True
		)
