# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SalesGateObservation(Document):
	"""Written in bulk by the gate (sales_drive/integrations/pipeline.py), never by hand."""

	pass
