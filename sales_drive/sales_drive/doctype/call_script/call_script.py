# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A call script: criteria with weights adding up to 100, a scale each, some mandatory."""

from frappe import _
from frappe.model.document import Document

from sales_drive import coaching
from sales_drive.engine import coaching as engine


class CallScript(Document):
	def validate(self):
		criteria = coaching.criteria_of(self)
		coaching.throw(engine.validate_script(criteria, coaching.cap_of(self)), _("Invalid Call Script"))
		self.total_weight = float(sum(c.weight for c in criteria))
