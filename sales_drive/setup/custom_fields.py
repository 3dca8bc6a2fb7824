"""Custom fields Sales Drive adds to ERPNext doctypes.

A pure literal (the CI tier parses it without importing frappe). Every
fieldname starts with ``sd_``; they are created on install and removed on
uninstall (see :mod:`sales_drive.install`). A key may be a tuple of doctypes,
as ``create_custom_fields`` accepts; :func:`by_doctype` expands it.
"""

CUSTOM_FIELDS = {
	("Opportunity", "Lead"): [
		{
			"fieldname": "sd_tab",
			"label": "Regulation",
			"fieldtype": "Tab Break",
			"insert_after": "notes",
		},
		{
			"fieldname": "sd_panel",
			"label": "Step",
			"fieldtype": "HTML",
			"insert_after": "sd_tab",
		},
		{
			"fieldname": "sd_checklist",
			"label": "Checklist",
			"fieldtype": "Table",
			"options": "Sales Checklist Item",
			"insert_after": "sd_panel",
			"no_copy": 1,
		},
		{
			"fieldname": "sd_override_section",
			"label": "Gate Override",
			"fieldtype": "Section Break",
			"insert_after": "sd_checklist",
			"collapsible": 1,
		},
		{
			"fieldname": "sd_gate_override",
			"label": "Override Stage Gate",
			"fieldtype": "Check",
			"insert_after": "sd_override_section",
			"no_copy": 1,
			"description": "Sales Manager only: move to the chosen step although its gate is not met. The reason is logged.",
		},
		{
			"fieldname": "sd_override_reason",
			"label": "Override Reason",
			"fieldtype": "Small Text",
			"insert_after": "sd_gate_override",
			"depends_on": "eval:doc.sd_gate_override",
			"no_copy": 1,
		},
		{
			"fieldname": "sd_tracking_section",
			"label": "Step Tracking",
			"fieldtype": "Section Break",
			"insert_after": "sd_override_reason",
			"collapsible": 1,
		},
		{
			"fieldname": "sd_regulation",
			"label": "Regulation",
			"fieldtype": "Link",
			"options": "Sales Pipeline Regulation",
			"insert_after": "sd_tracking_section",
			"read_only": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "sd_step_entered_on",
			"label": "Entered Step On",
			"fieldtype": "Datetime",
			"insert_after": "sd_regulation",
			"read_only": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "sd_step_due",
			"label": "Step Due Date",
			"fieldtype": "Date",
			"insert_after": "sd_step_entered_on",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
		},
		{
			"fieldname": "sd_overdue",
			"label": "Step Overdue",
			"fieldtype": "Check",
			"insert_after": "sd_step_due",
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
		},
		{
			"fieldname": "sd_overdue_notified",
			"label": "Overdue Notified",
			"fieldtype": "Check",
			"insert_after": "sd_overdue",
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
		},
	],
	"Lead": [
		{
			"fieldname": "sd_step",
			"label": "Step",
			"fieldtype": "Select",
			"options": "\nNew Lead\nMQL\nSQL",
			"insert_after": "status",
			"in_list_view": 1,
			"in_standard_filter": 1,
			"no_copy": 1,
			"translatable": 1,
		},
		# why the lead refused (sales_drive/channels.py): required when a user refuses it
		{
			"fieldname": "sd_lost_reason",
			"label": "Lost Reason",
			"fieldtype": "Link",
			"options": "Lead Lost Reason",
			"insert_after": "sd_step",
			"depends_on": "eval:['Do Not Contact', 'Lost Quotation'].includes(doc.status)",
			"mandatory_depends_on": "eval:doc.status == 'Do Not Contact'",
			"in_standard_filter": 1,
			"no_copy": 1,
			"search_index": 1,
		},
	],
	"Opportunity": [
		{
			"fieldname": "sd_forecast_category",
			"label": "Forecast Category",
			"fieldtype": "Select",
			"options": "\nCommit\nBest Case\nPipeline",
			"insert_after": "probability",
			"in_standard_filter": 1,
			"description": "Commit: will close this period. Best case: may close. Pipeline: open, not expected this period.",
		},
		{
			"fieldname": "sd_next_contact",
			"label": "Next Contact Date",
			"fieldtype": "Date",
			"insert_after": "expected_closing",
			"in_standard_filter": 1,
		},
		{
			"fieldname": "sd_repeat_sale_rule",
			"label": "Repeat-Sale Rule",
			"fieldtype": "Link",
			"options": "Repeat Sale Rule",
			"insert_after": "sd_next_contact",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
		},
	],
	"Sales Person": [
		{
			"fieldname": "sd_specialisation",
			"label": "Specialisation",
			"fieldtype": "Select",
			"options": "\nFull Cycle\nHunter\nCloser\nFarmer\nKey Account Manager\nAssistant",
			"insert_after": "enabled",
			"in_list_view": 1,
			"in_standard_filter": 1,
		},
	],
	# base cooling (METHOD.md §4): the list filter of cooling parties, the organisation key of a
	# lead (normalised company name), and final lost reasons
	# key accounts (METHOD.md §6): set by the monthly classification (sales_drive/key_accounts.py)
	"Customer": [
		{
			"fieldname": "sd_key_account",
			"label": "Key Account",
			"fieldtype": "Check",
			"insert_after": "account_manager",
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
			"search_index": 1,
			"description": "Set by the monthly key-account review: the customer is among those making the top share of revenue.",
		},
		{
			"fieldname": "sd_key_account_since",
			"label": "Key Account Since",
			"fieldtype": "Date",
			"insert_after": "sd_key_account",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.sd_key_account",
		},
	],
	("Lead", "Opportunity", "Customer"): [
		{
			"fieldname": "sd_cooling_until",
			"label": "Cooling Until",
			"fieldtype": "Date",
			"insert_after": "territory",
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
			"search_index": 1,
			"description": "The party refused and rests until this day: nobody contacts it before.",
		},
	],
	("Lead",): [
		{
			"fieldname": "sd_org_key",
			"label": "Organisation Key",
			"fieldtype": "Data",
			"insert_after": "company_name",
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
			"search_index": 1,
		},
	],
	# the work-day plan (sales_drive/roster.py): a new Lead / Opportunity from this source with no owner
	# chosen goes to the person on this duty in the team roster
	"Lead Source": [
		{
			"fieldname": "sd_inbound_duty",
			"label": "Inbound Duty",
			"fieldtype": "Select",
			"options": "\nInbound Leads\nInbound Calls",
			"insert_after": "source_name",
			"in_list_view": 1,
			"description": "New Leads and Opportunities from this source that nobody chose an owner for go to the person on this duty in the Sales Roster",
		},
	],
	"Opportunity Lost Reason": [
		{
			"fieldname": "sd_final",
			"label": "Final",
			"fieldtype": "Check",
			"insert_after": "lost_reason",
			"in_list_view": 1,
			"in_standard_filter": 1,
			"description": "A final reason (the decision maker died, the business closed) closes the party for good. Any other reason is temporary: the party cools and returns to the base.",
		},
	],
}

# The field holding a pipeline"s step, per doctype.
STEP_FIELD = {"Opportunity": "sales_stage", "Lead": "sd_step"}
# The field holding a record"s owner (the person responsible), per doctype.
OWNER_FIELD = {"Opportunity": "opportunity_owner", "Lead": "lead_owner"}

# Property setters earlier versions made and an upgrade removes. ERPNext's own defaults stay as
# ERPNext ships them: a new Opportunity gets its step from the regulation's stage mapping instead
# (sales_drive/integrations/pipeline.py), in Warn and Enforce only.
RETIRED_PROPERTY_SETTERS = [
	{"doctype": "Opportunity", "fieldname": "sales_stage", "property": "default"},
]

PROPERTY_SETTERS = [
	# show Sales Stage names translated in the desk
	{
		"doctype": "Sales Stage",
		"doctype_or_field": "DocType",
		"property": "translated_doctype",
		"value": "1",
		"property_type": "Check",
	},
]


def by_doctype() -> dict[str, list[dict]]:
	"""CUSTOM_FIELDS with tuple keys expanded: doctype -> its fields."""
	out: dict[str, list[dict]] = {}
	for key, fields in CUSTOM_FIELDS.items():
		for doctype in key if isinstance(key, tuple) else (key,):
			out.setdefault(doctype, []).extend(fields)
	return out
