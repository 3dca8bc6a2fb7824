# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from sales_drive import messages, regulations
from sales_drive.engine import regulation as engine
from sales_drive.integrations.pipeline import candidates_for


class SalesPipelineRegulation(Document):
	def validate(self):
		for row in self.steps:
			row.step = (row.step or "").strip()
		reg = regulations.from_doc(self)
		fieldnames = {df.fieldname for df in frappe.get_meta(self.pipeline).fields}
		fieldnames |= {"name", "owner", "creation", "modified", "status", "docstatus"}
		problems = engine.validate(reg, fieldnames=fieldnames, holders=self._holders(reg))
		if problems:
			frappe.throw(
				"<br>".join(f"• {line}" for line in messages.render_all(problems)),
				title=_("Invalid regulation"),
			)
		self._validate_single_active()

	def on_update(self):
		regulations.clear_cache()
		if self.pipeline == "Opportunity":
			self._ensure_sales_stages()
		else:
			self._update_lead_step_options()
		if self.is_active:
			from sales_drive.workflows.sync import sync_workflow

			sync_workflow(self)

	def on_trash(self):
		regulations.clear_cache()

	def _holders(self, reg):
		holders = {}
		for step in reg.steps:
			if step.handoff_role or step.handoff_specialisation:
				n = len(candidates_for(step.handoff_role, step.handoff_specialisation))
				for target in (step.handoff_role, step.handoff_specialisation):
					if target:
						holders[target] = min(holders.get(target, n), n) if target in holders else n
		return holders

	def _validate_single_active(self):
		if not self.is_active:
			return
		other = frappe.db.get_value(
			"Sales Pipeline Regulation",
			{"pipeline": self.pipeline, "is_active": 1, "name": ["!=", self.name or ""]},
			"name",
		)
		if other:
			frappe.throw(
				_("Regulation {0} is already active for {1}. Deactivate it first.").format(
					frappe.bold(other), _(self.pipeline)
				),
				title=_("Invalid regulation"),
			)

	def _ensure_sales_stages(self):
		for row in self.steps:
			if row.step and not frappe.db.exists("Sales Stage", row.step):
				frappe.get_doc({"doctype": "Sales Stage", "stage_name": row.step}).insert(ignore_permissions=True)

	def _update_lead_step_options(self):
		options = "\n" + "\n".join(regulations.from_doc(self).order())
		name = frappe.db.get_value("Custom Field", {"dt": "Lead", "fieldname": "sd_step"})
		if name and frappe.db.get_value("Custom Field", name, "options") != options:
			frappe.db.set_value("Custom Field", name, "options", options)
			frappe.clear_cache(doctype="Lead")
