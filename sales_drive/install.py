"""Install and uninstall: custom fields, roles, defaults; and removing them all."""

from __future__ import annotations

import json

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from sales_drive import regulations
from sales_drive.engine import defaults, rollout
from sales_drive.engine.regulation import Regulation
from sales_drive.setup.custom_fields import CUSTOM_FIELDS, PROPERTY_SETTERS, RETIRED_PROPERTY_SETTERS, by_doctype

ROLES = ("Sales Coach", "Sales Team Lead")
LOG_INDEXES = {
	"sd_log_doctype_time": "(reference_doctype, transition_time)",
	"sd_log_doctype_name": "(reference_doctype, reference_name)",
	# the won deals of a period (Lead Channels, sales_drive/channels.py): the Won moves alone
	"sd_log_doctype_kind_time": "(reference_doctype, kind, transition_time)",
	# "open pipeline" (queries.open_condition) asks per record whether it was logged Won: the Won rows
	# alone, read from the index (Stage Duration and Overdue over ~100k open records)
	"sd_log_won": "(reference_doctype, kind, reference_name, record_deleted)",
}
# the Gate Compliance report groups observations of a period
OBSERVATION_INDEXES = {"sd_obs_regulation_time": "(regulation, occurred_on)", "sd_obs_time": "(occurred_on)"}


def after_install():
	create_roles()
	create_custom_fields(_with_module(CUSTOM_FIELDS), ignore_validate=True)
	create_property_setters()
	add_log_indexes()
	add_erpnext_indexes()
	settings = frappe.get_single("Sales Drive Settings")
	settings.flags.ignore_permissions = True
	settings.save()
	create_default_regulations()
	create_cooling_defaults()
	frappe.db.commit()


def after_migrate():
	"""Keep custom fields, property setters and indexes in step with this version (idempotent)."""
	create_custom_fields(_with_module(CUSTOM_FIELDS), ignore_validate=True)
	create_property_setters()
	add_log_indexes()
	add_erpnext_indexes()
	create_cooling_defaults()
	fill_settings_defaults()


# Indexes on ERPNext tables that our reports need; named sd_*, dropped on uninstall.
ERPNEXT_INDEXES = {
	# key-account review: revenue per customer over a period, read from the index alone
	"Sales Invoice": {
		"sd_si_customer_revenue": "(customer, docstatus, posting_date, company, base_net_total)",
		# receivables (sales_drive/receivables.py): the invoices still owed, by due date
		"sd_si_outstanding": "(outstanding_amount, due_date)",
	},
	# "open pipeline" (queries.open_condition): open Opportunities by status, and a Quotation-status
	# opportunity's ordered quotations
	"Opportunity": {
		"sd_opp_status_closing": "(status, expected_closing)",
		# Internal vs Top-down Plan: a company's opportunities expected to close in the period, the status read
		# from the index (on 1M opportunities the status index alone left MariaDB to a full scan: 3.4 s)
		"sd_opp_company_closing": "(company, expected_closing, status)",
		# Lead Channels (sales_drive/channels.py): the opportunities made from a cohort of leads
		"sd_opp_party": "(party_name, opportunity_from)",
		# Stage Duration and Overdue: the open opportunities' step clocks read from the index alone
		# (no row read per open record); five varchar(140) columns fit InnoDB's 3072-byte key limit
		"sd_opp_open_clock": "(status, company, sd_regulation, sales_stage, sd_step_entered_on, creation, "
		"opportunity_owner, sd_step_due)",
	},
	# Lead Channels: the leads created in a period
	"Lead": {"sd_lead_creation": "(creation)"},
	"Quotation": {"sd_quotation_opportunity": "(opportunity, docstatus, status)"},
	# the gate's activity count (sales_drive/facts.py): a record's meetings; Frappe indexes only their parent,
	# so every gated save scanned the whole table
	"Event Participants": {"sd_ep_reference": "(reference_doctype, reference_docname)"},
}


def add_erpnext_indexes():
	for doctype, indexes in ERPNEXT_INDEXES.items():
		existing = {row[2] for row in frappe.db.sql(f"show index from `tab{doctype}`")}
		for name, columns in indexes.items():
			if name not in existing:
				frappe.db.sql_ddl(f"alter table `tab{doctype}` add index `{name}` {columns}")


def drop_erpnext_indexes():
	for doctype, indexes in ERPNEXT_INDEXES.items():
		existing = {row[2] for row in frappe.db.sql(f"show index from `tab{doctype}`")}
		for name in indexes:
			if name in existing:
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")


def fill_settings_defaults():
	"""Store the default of every setting a site has no value for (a field added by an upgrade).

	A Single's value that was never saved reads as empty, not as the field's
	default, so a new setting would otherwise read 0 on an upgraded site.
	"""
	doctype = "Sales Drive Settings"
	stored = set(frappe.db.sql_list("select field from `tabSingles` where doctype = %s", doctype))
	for df in frappe.get_meta(doctype).fields:
		if df.get("default") not in (None, "") and df.fieldname not in stored:
			frappe.db.set_single_value(doctype, df.fieldname, df.default)
	regulations.clear_cache()


def _with_module(fields_by_doctype):
	return {
		dt: [{**f, "module": "Sales Drive", "is_system_generated": 0} for f in fields]
		for dt, fields in fields_by_doctype.items()
	}


def create_roles():
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def create_property_setters():
	from frappe.custom.doctype.property_setter.property_setter import make_property_setter

	for ps in RETIRED_PROPERTY_SETTERS:
		filters = {"doc_type": ps["doctype"], "field_name": ps["fieldname"], "property": ps["property"], "module": "Sales Drive"}
		if frappe.db.exists("Property Setter", filters):
			frappe.db.delete("Property Setter", filters)
			frappe.clear_cache(doctype=ps["doctype"])

	for ps in PROPERTY_SETTERS:
		make_property_setter(
			ps["doctype"],
			ps.get("fieldname"),
			ps["property"],
			ps["value"],
			ps["property_type"],
			for_doctype=ps.get("doctype_or_field") == "DocType",
			validate_fields_for_doctype=False,
		)
		frappe.db.set_value(
			"Property Setter",
			{"doc_type": ps["doctype"], "property": ps["property"], "field_name": ps.get("fieldname")},
			"module",
			"Sales Drive",
		)


def add_log_indexes():
	for doctype, indexes in (("Sales Stage Transition Log", LOG_INDEXES), ("Sales Gate Observation", OBSERVATION_INDEXES)):
		table = f"tab{doctype}"
		if not frappe.db.table_exists(doctype):
			continue
		existing = {row[2] for row in frappe.db.sql(f"show index from `{table}`")}
		for name, columns in indexes.items():
			if name not in existing:
				frappe.db.sql_ddl(f"alter table `{table}` add index `{name}` {columns}")


def regulation_doc(reg: Regulation) -> dict:
	return {
		"doctype": "Sales Pipeline Regulation",
		"title": reg.name,
		"pipeline": reg.doctype,
		"is_active": 1,
		"allow_backward": 1 if reg.allow_backward else 0,
		# a fresh install watches first (METHOD.md §7): the head of sales switches to Enforce
		"rollout_mode": rollout.DEFAULT_MODE,
		"stage_mapping": [
			{"erpnext_value": value, "step": step}
			for value, step in rollout.default_mapping(reg.doctype, [s.name for s in reg.steps]).items()
		],
		"steps": [
			{
				"step": s.name,
				"stage": s.stage,
				"responsible_role": s.responsible_role if frappe.db.exists("Role", s.responsible_role) else None,
				"specialisation": s.specialisation,
				"max_days": s.max_days,
				"allow_skip": int(s.allow_skip),
				"allows_conversion": int(s.allows_conversion),
				"probability": s.probability,
				"tasks": s.tasks,
				"actions": s.actions,
				"key_success_factor": s.key_success_factor,
				"crm_requirements": s.crm_requirements,
			}
			for s in reg.steps
		],
		"criteria": [
			{
				"step": c.step,
				"kind": c.kind,
				"fieldname": c.fieldname,
				"document_type": c.document_type,
				"min_count": c.min_count,
				"item": c.item,
				"expression": c.expression,
				"description": c.description,
			}
			for c in reg.criteria
		],
	}


def create_default_regulations():
	for reg in (defaults.opportunity_regulation(), defaults.lead_regulation()):
		if frappe.db.exists("Sales Pipeline Regulation", reg.name):
			continue
		if frappe.db.exists("Sales Pipeline Regulation", {"pipeline": reg.doctype, "is_active": 1}):
			continue
		frappe.get_doc(regulation_doc(reg)).insert(ignore_permissions=True)
	regulations.clear_cache()


def before_uninstall():
	frappe.flags.in_uninstall = True
	remove_cooling_defaults()
	raw = frappe.db.get_single_value("Sales Drive Settings", "installed_records") or "[]"
	for doctype, name in reversed(json.loads(raw)):
		if doctype == "Workflow" and frappe.db.exists("Workflow", name):
			frappe.delete_doc("Workflow", name, force=True, ignore_permissions=True)
	for doctype, name in reversed(json.loads(raw)):
		if doctype in ("Workflow State", "Workflow Action Master") and frappe.db.exists(doctype, name):
			if not _still_used(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	for dt, fields in by_doctype().items():
		for f in fields:
			name = frappe.db.get_value("Custom Field", {"dt": dt, "fieldname": f["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, force=True, ignore_permissions=True)
		_drop_columns(dt, [f["fieldname"] for f in fields])
		frappe.clear_cache(doctype=dt)
	for ps in PROPERTY_SETTERS:
		frappe.db.delete(
			"Property Setter",
			{"doc_type": ps["doctype"], "property": ps["property"], "field_name": ps.get("fieldname") or ("is", "not set")},
		)
	for role in ROLES:
		frappe.db.delete("Has Role", {"role": role})
		frappe.db.delete("Custom DocPerm", {"role": role})
		if frappe.db.exists("Role", role):
			frappe.delete_doc("Role", role, force=True, ignore_permissions=True)
	drop_erpnext_indexes()
	regulations.clear_cache()
	frappe.db.commit()


def _drop_columns(doctype, fieldnames):
	"""Deleting a Custom Field leaves its column: drop ours so nothing is left behind."""
	table = f"tab{doctype}"
	existing = set(frappe.db.get_table_columns(doctype))
	drop = [f for f in fieldnames if f in existing and f.startswith("sd_")]
	if drop:
		frappe.db.sql_ddl(f"alter table `{table}` " + ", ".join(f"drop column `{f}`" for f in drop))


def _still_used(doctype, name):
	if doctype == "Workflow State":
		return frappe.db.exists("Workflow Document State", {"state": name})
	return frappe.db.exists("Workflow Transition", {"action": name})


def before_tests():
	"""ERPNext's test setup (company, fiscal year...) and our defaults."""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	erpnext_before_tests()
	if not frappe.db.exists("Sales Pipeline Regulation", {"pipeline": "Opportunity"}):
		after_install()


# --- base cooling (METHOD.md §4) ------------------------------------------------------------

FINAL_LOST_REASONS = ("Decision maker died", "Business closed")
COOLING_INDEXES = {"sd_cooling_status_until": "(status, until_date)", "sd_cooling_party": "(party_type, party)"}


def default_cooling_rules():
	"""A loss for any non-final reason cools the party 90 days, blocking contact (editable)."""
	from frappe import _

	return (
		{
			"rule_name": _("Lost Opportunity cools the customer 90 days"),
			"trigger": "Opportunity Lost",
			"scope": "Customer and Contacts",
		},
		# B2B: a refusal speaks for the organisation, so all its leads rest (matched by company name
		# or by a non-free-mail e-mail domain; a lead with neither cools alone)
		{"rule_name": _("Lost Lead cools its organisation 90 days"), "trigger": "Lead Lost", "scope": "Organisation"},
	)


def create_cooling_defaults():
	"""Final lost reasons and the default rules, once: what an admin deletes stays deleted."""
	from frappe import _

	from sales_drive.workflows.sync import _remember

	add_cooling_indexes()
	raw = frappe.db.get_single_value("Sales Drive Settings", "installed_records") or "[]"
	done = {tuple(r) for r in json.loads(raw)}
	if ("Sales Drive Cooling", "defaults") in done:
		return
	for reason in FINAL_LOST_REASONS:
		name = _(reason)
		if frappe.db.exists("Opportunity Lost Reason", name):
			frappe.db.set_value("Opportunity Lost Reason", name, "sd_final", 1)
			continue
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name, "sd_final": 1}).insert(
			ignore_permissions=True
		)
		_remember("Opportunity Lost Reason", name)
	for rule in default_cooling_rules():
		if frappe.db.exists("Base Cooling Rule", {"trigger": rule["trigger"], "scope": rule["scope"]}):
			continue
		frappe.get_doc(
			{"doctype": "Base Cooling Rule", "enabled": 1, "cooling_days": 90, "mode": "Block",
				"extension": "Restart Period", "grace_days": 30, **rule}
		).insert(ignore_permissions=True)
	_remember("Sales Drive Cooling", "defaults")


def add_cooling_indexes():
	table = "tabCooling Record"
	if not frappe.db.table_exists("Cooling Record"):
		return
	existing = {row[2] for row in frappe.db.sql(f"show index from `{table}`")}
	for name, columns in COOLING_INDEXES.items():
		if name not in existing:
			frappe.db.sql_ddl(f"alter table `{table}` add index `{name}` {columns}")


def remove_cooling_defaults():
	"""The lost reasons the app created (the rules and records go with their doctypes)."""
	raw = frappe.db.get_single_value("Sales Drive Settings", "installed_records") or "[]"
	for doctype, name in json.loads(raw):
		if doctype != "Opportunity Lost Reason" or not frappe.db.exists(doctype, name):
			continue
		# a reason that opportunities name stays: removing it would rewrite the users' data
		if not frappe.db.exists("Opportunity Lost Reason Detail", {"lost_reason": name}):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
