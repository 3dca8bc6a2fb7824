# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A team lead's task for a manager, with a due date and a check-up date; the manager answers at the
check-up: Done, Not Done, Done Differently (with what was done) or Stuck on a Question (with the question)."""

from frappe.model.document import Document

from sales_drive import checkups


class SalesTask(Document):
	def validate(self):
		checkups.validate(self)

	def on_update(self):
		checkups.on_update(self)
