# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

import hashlib

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate


def period_key(scheme, sales_person, from_date) -> str:
	"""The unique key of a live (draft or submitted) scorecard: one per scheme, person and period."""
	key = f"{scheme}|{sales_person}|{getdate(from_date)}"
	return key if len(key) <= 140 else hashlib.sha1(key.encode()).hexdigest()


class KPIScorecard(Document):
	def before_cancel(self):
		# a cancelled scorecard frees its key for the amendment or a recomputation
		self.period_key = None

	def validate(self):
		if self.docstatus < 2:
			# the unique index on period_key is the guard against concurrent computations;
			# the check below only gives the friendly message in the ordinary case
			self.period_key = period_key(self.kpi_scheme, self.sales_person, self.from_date)
		other = frappe.db.get_value(
			"KPI Scorecard",
			{
				"kpi_scheme": self.kpi_scheme,
				"sales_person": self.sales_person,
				"from_date": self.from_date,
				"docstatus": ["<", 2],
				"name": ["!=", self.name or ""],
			},
		)
		if other:
			frappe.throw(
				_("{0} already has scorecard {1} for this scheme and period").format(
					frappe.bold(self.sales_person), frappe.bold(other)
				),
				frappe.UniqueValidationError,
				title=_("Duplicate scorecard"),
			)
