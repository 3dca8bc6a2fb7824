# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A sales person's weekly results, monthly or quarterly review: figures from the CRM and the plan, the
manager's comment and next steps. The logic is in :mod:`sales_drive.period_reports`."""

from frappe.model.document import Document

from sales_drive import period_reports


class SalesPeriodReport(Document):
	def validate(self):
		period_reports.validate_report(self)

	def before_submit(self):
		period_reports.before_submit(self)
