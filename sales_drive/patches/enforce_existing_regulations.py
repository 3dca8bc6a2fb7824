"""Upgrade: regulations made before rollout modes were enforced; they stay enforced.

The new Rollout Mode column comes with the default Observe (what a fresh install
starts with). A site that ran an earlier version had its gates enforced, so its
regulations are set to Enforce, and each gets the default stage mapping if it
has none. A fresh install marks this patch as done without running it.
"""

import frappe

from sales_drive import regulations
from sales_drive.engine import rollout


def execute():
	for name in frappe.get_all("Sales Pipeline Regulation", pluck="name"):
		doc = frappe.get_doc("Sales Pipeline Regulation", name)
		frappe.db.set_value("Sales Pipeline Regulation", name, "rollout_mode", rollout.ENFORCE, update_modified=False)
		if doc.get("stage_mapping"):
			continue
		mapping = rollout.default_mapping(doc.pipeline, [row.step for row in doc.steps])
		for idx, (value, step) in enumerate(mapping.items(), start=1):
			frappe.get_doc(
				{
					"doctype": "Sales Regulation Stage Mapping",
					"parent": name,
					"parenttype": "Sales Pipeline Regulation",
					"parentfield": "stage_mapping",
					"idx": idx,
					"erpnext_value": value,
					"step": step,
				}
			).db_insert()
	regulations.clear_cache()
