# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SalesMeetingAttendee(Document):
	pass
