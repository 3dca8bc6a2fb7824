# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from sales_drive import messages, regulations
from sales_drive.engine import regulation as engine
from sales_drive.engine import segments
from sales_drive.queries import candidates_for


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
		self._validate_segment()
		self._validate_mapping(reg)

	def _validate_mapping(self, reg):
		"""Each ERPNext value maps once, to a step of this regulation."""
		steps = set(reg.order())
		before = self.get_doc_before_save()
		had = {(r.erpnext_value, r.step) for r in (before.get("stage_mapping") or [])} if before else set()
		seen, dropped, keep = set(), [], []
		for row in self.get("stage_mapping") or []:
			row.erpnext_value = (row.erpnext_value or "").strip()
			row.step = (row.step or "").strip()
			if row.step not in steps:
				if self.is_new() or (row.erpnext_value, row.step) in had:
					# its step was removed from the regulation (or from the copy this one was made from)
					dropped.append(row.erpnext_value)
					continue
				frappe.throw(
					_("Stage Mapping row {0}: {1} is not a step of this regulation.").format(row.idx, row.step),
					title=_("Invalid regulation"),
				)
			keep.append(row)
			if row.erpnext_value in seen:
				frappe.throw(
					_("Stage Mapping: {0} is mapped more than once.").format(row.erpnext_value),
					title=_("Invalid regulation"),
				)
			seen.add(row.erpnext_value)
		if dropped:
			self.set("stage_mapping", keep)
			frappe.msgprint(
				_("The Stage Mapping rows of {0} were removed with the steps they pointed to.").format(", ".join(dropped)),
				indicator="orange",
			)

	def on_update(self):
		regulations.clear_cache()
		if self.pipeline == "Opportunity":
			self._ensure_sales_stages()
		else:
			self._update_lead_step_options()
		# one Workflow per doctype: it mirrors the pipeline's default regulation
		if self.is_active and regulations.segment_rule(self).is_default:
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

	def _validate_segment(self):
		"""Segment conditions that fit the pipeline; among the active regulations of a pipeline one
		default (no conditions) and no two that can match the same records with the same priority."""
		for table in ("customer_groups", "opportunity_types"):
			if self.pipeline == "Lead" and self.get(table):
				frappe.throw(
					_("A Lead regulation cannot be chosen by {0}: leads have no such field.").format(
						_(self.meta.get_label(table))
					),
					title=_("Invalid regulation"),
				)
		rule = regulations.segment_rule(self)
		try:
			segments.validate([rule])
		except segments.SegmentError:
			frappe.throw(_("Invalid segment conditions."), title=_("Invalid regulation"))
		if not self.is_active:
			if self._is_the_only_default():
				frappe.throw(
					_("{0} is the default regulation of {1} and other regulations are active: "
					"make another one the default (no segment conditions) before deactivating it.").format(
						frappe.bold(self.name), _(self.pipeline)
					),
					title=_("Invalid regulation"),
				)
			return
		others = [
			regulations.segment_rule(frappe.get_doc("Sales Pipeline Regulation", name))
			for name in frappe.get_all(
				"Sales Pipeline Regulation",
				{"pipeline": self.pipeline, "is_active": 1, "name": ["!=", self.name or ""]},
				pluck="name",
			)
		]
		everyone = others + [rule]
		defaults = [r.label for r in everyone if r.is_default]
		if len(defaults) > 1:
			frappe.throw(
				_("Regulations {0} are all active for {1} without segment conditions: only one can be the "
				"default. Give the others segment conditions or deactivate them.").format(
					", ".join(frappe.bold(d) for d in defaults), _(self.pipeline)
				),
				title=_("Invalid regulation"),
			)
		if others and not defaults:
			frappe.throw(
				_("No default regulation for {0}: keep one active regulation without segment conditions, "
				"so that records matching no segment still get a regulation.").format(_(self.pipeline)),
				title=_("Invalid regulation"),
			)
		pairs = segments.overlaps(everyone, regulations.tree_parents())
		if pairs:
			lines = "<br>".join(
				"• " + _("{0} and {1}").format(frappe.bold(a), frappe.bold(b)) for a, b in pairs
			)
			frappe.throw(
				_("These regulations can match the same records with the same priority:") + "<br>" + lines
				+ "<br><br>" + _("Give one of them a higher priority or make their segments disjoint."),
				title=_("Overlapping segments"),
			)

	def _is_the_only_default(self):
		if self.is_new() or not frappe.db.get_value("Sales Pipeline Regulation", self.name, "is_active"):
			return False
		if not regulations.segment_rule(self).is_default:
			return False
		others = frappe.get_all(
			"Sales Pipeline Regulation",
			{"pipeline": self.pipeline, "is_active": 1, "name": ["!=", self.name]},
			pluck="name",
		)
		return bool(others) and not any(
			regulations.segment_rule(frappe.get_doc("Sales Pipeline Regulation", n)).is_default for n in others
		)

	def _ensure_sales_stages(self):
		for row in self.steps:
			if row.step and not frappe.db.exists("Sales Stage", row.step):
				frappe.get_doc({"doctype": "Sales Stage", "stage_name": row.step}).insert(ignore_permissions=True)

	def _update_lead_step_options(self):
		"""The Lead step field offers the steps of every active Lead regulation (and this one)."""
		steps = list(regulations.from_doc(self).order())
		for name in frappe.get_all(
			"Sales Pipeline Regulation", {"pipeline": "Lead", "is_active": 1, "name": ["!=", self.name]}, pluck="name"
		):
			steps += [s for s in regulations.from_doc(frappe.get_doc("Sales Pipeline Regulation", name)).order() if s not in steps]
		options = "\n" + "\n".join(steps)
		name = frappe.db.get_value("Custom Field", {"dt": "Lead", "fieldname": "sd_step"})
		if name and frappe.db.get_value("Custom Field", name, "options") != options:
			frappe.db.set_value("Custom Field", name, "options", options)
			frappe.clear_cache(doctype="Lead")
