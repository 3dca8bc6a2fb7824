# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A stored key-account review: made by :mod:`sales_drive.key_accounts`, read-only."""

from frappe.model.document import Document


class KeyAccountReview(Document):
	pass
