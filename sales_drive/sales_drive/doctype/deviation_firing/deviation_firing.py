# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""One firing of a Deviation Rule for a sales person: recorded by the daily job, open while the deviation lasts."""

from frappe.model.document import Document


class DeviationFiring(Document):
	pass
