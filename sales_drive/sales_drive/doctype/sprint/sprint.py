# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A sprint: two weeks (by default) of team goals and running processes, closed by a retrospective
whose action items become ToDos and whose feedback is written as Sales Feedback."""

from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from sales_drive import coaching
from sales_drive.engine import coaching as engine


class Sprint(Document):
	def before_validate(self):
		if self.start_date and not self.end_date:
			self.end_date = engine.sprint_end(getdate(self.start_date))

	def validate(self):
		start = getdate(self.start_date) if self.start_date else None
		processes = [
			engine.SprintProcess(
				title=p.process_name,
				owner=p.responsible,
				start=getdate(p.start_date) if p.start_date else None,
				end=getdate(p.end_date) if p.end_date else None,
				reminder=getdate(p.reminder_date) if p.reminder_date else None,
			)
			for p in self.processes
		]
		problems = engine.validate_sprint(start, getdate(self.end_date) if self.end_date else None, processes)
		problems += engine.validate_action_items(coaching.action_items(self))
		coaching.throw(problems, _("Invalid Sprint"))
		coaching.stamp_items(self)

	def on_update(self):
		coaching.sync_todos(self)
		coaching.sync_reminders(self)
