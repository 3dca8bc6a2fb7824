# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class CoolingRecordKey(Document):
	def validate(self):
		"""Runs only when a key row is saved on its own (``PUT /api/resource/Cooling Record Key/...``):
		the keys say what a cooling covers, and only the app writes them, with their record."""
		frappe.throw(_("The keys of a Cooling Record cannot be edited"), frappe.PermissionError)
