# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A review of one call against a call script: per-criterion scores, the weighted score, comments.

Who may read it (the reviewer, the manager, the manager's team lead) is decided by
:mod:`sales_drive.coaching_permissions`.
"""

import frappe
from frappe import _
from frappe.model.document import Document

from sales_drive import coaching
from sales_drive.engine import coaching as engine


class CallReview(Document):
	def validate(self):
		script = frappe.get_doc("Call Script", self.call_script)
		criteria = coaching.criteria_of(script)
		if not self.scores:
			for c in criteria:
				self.append(
					"scores",
					{
						"criterion": c.name,
						"weight": c.weight,
						"scale_max": c.scale_max,
						"mandatory": int(c.mandatory),
					},
				)
		scores = {row.criterion: row.score for row in self.scores}
		problems = engine.validate_review(criteria, scores)
		coaching.throw(problems, _("Invalid Call Review"))
		result = engine.score_review(criteria, scores, coaching.cap_of(script))
		by_name = {c.name: c for c in criteria}
		for row in self.scores:
			c = by_name[row.criterion]
			row.weight, row.scale_max, row.mandatory = float(c.weight), c.scale_max, int(c.mandatory)
			row.percent = float(result.by_criterion[row.criterion])
		self.score = float(result.score)
		self.raw_score = float(result.raw)
		self.passed = int(result.passed)
		self.missed_items = "\n".join(result.missed)
