# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A sales person's daily activity report: figures from the CRM, notes and the plan for tomorrow.

The logic is in :mod:`sales_drive.control`.
"""

from frappe.model.document import Document

from sales_drive import control


class SalesDailyReport(Document):
	def validate(self):
		control.validate_report(self)

	def before_submit(self):
		control.before_submit(self)
