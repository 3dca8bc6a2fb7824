# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

import frappe
from frappe.model import no_value_fields, table_fields
from frappe.model.document import Document


class CoolingRecord(Document):
	"""One cooling of one party, made by the app from a refusal.

	Every field is owned by the server: a save of an existing record (form, REST, import, any
	role) gets the stored values back, whatever was sent. A record changes only through the
	app: lifting early (:func:`sales_drive.base_cooling.lift_records`: a Sales Manager or System
	Manager, with a reason, logged) and the daily return; a repeat refusal makes a new record.
	"""

	def validate(self):
		if self.is_new() or self.flags.sd_cooling_server:
			return
		before = self.get_doc_before_save()
		if before is None:
			return
		for df in self.meta.fields:
			if df.fieldtype in table_fields:
				self.set(df.fieldname, [row.as_dict() for row in before.get(df.fieldname) or []])
			elif df.fieldtype not in no_value_fields:
				self.set(df.fieldname, before.get(df.fieldname))

	@frappe.whitelist(methods=["POST"])
	def lift(self, reason=None):
		from sales_drive.base_cooling import lift_records

		lift_records([self.name], reason)
