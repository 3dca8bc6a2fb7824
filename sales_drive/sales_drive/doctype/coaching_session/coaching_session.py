# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A coaching session: who coached whom, when, with what result and which action items.

Who may read it is decided by :mod:`sales_drive.coaching_permissions` (the
coach, the coached people and the managers' team lead), not by this controller.
"""

from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from sales_drive import coaching
from sales_drive.engine import coaching as engine


class CoachingSession(Document):
	def validate(self):
		problems = engine.validate_session(
			getdate(self.session_date) if self.session_date else None,
			getdate(self.follow_up_date) if self.follow_up_date else None,
			self.coach,
			[p.user for p in self.participants],
			self.kind,
			coaching.action_items(self),
		)
		coaching.throw(problems, _("Invalid Coaching Session"))
		persons = coaching.sales_persons_of([p.user for p in self.participants])
		for p in self.participants:
			p.sales_person = persons.get(p.user)
		coaching.keep_todo_links(self)
		coaching.stamp_items(self)
		# a title the user typed is kept; an empty one is made in the user's language
		if not (self.title or "").strip():
			self.title = _("{0}: {1}").format(
				_(self.kind), ", ".join(p.full_name or p.user for p in self.participants)
			)

	def on_update(self):
		coaching.sync_todos(self)
