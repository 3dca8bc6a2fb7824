# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""A morning report or a director's weekly as sent: named by its period key, so one per period and recipient.

Made only by :mod:`sales_drive.digests`; who may read it is decided there
(:func:`sales_drive.digests.has_permission`).
"""

from frappe.model.document import Document


class SalesDigest(Document):
	pass
