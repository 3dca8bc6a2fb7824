app_name = "sales_drive"
app_title = "Sales Drive"
app_publisher = "Sales Drive contributors"
app_description = "Sales department management for ERPNext: stage regulations with enforced gates"
app_email = "maintainers@sales-drive.invalid"
app_license = "mit"
required_apps = ["frappe/erpnext"]

after_install = "sales_drive.install.after_install"
before_uninstall = "sales_drive.install.before_uninstall"
after_migrate = "sales_drive.install.after_migrate"
before_tests = "sales_drive.install.before_tests"
# bench clear-cache also forgets the users' cached sales persons (sales_drive/people.py)
clear_cache = "sales_drive.people.clear_cache"

# filter factories and the summary-precision fix the report scripts share
app_include_js = "/assets/sales_drive/js/sales_drive_reports.js"

doctype_js = {
	"Lead": ["public/js/pipeline_form.js", "public/js/cooling.js"],
	"Opportunity": ["public/js/pipeline_form.js", "public/js/cooling.js"],
	"Customer": "public/js/cooling.js",
}
doctype_list_js = {
	"Lead": "public/js/pipeline_list.js",
	"Opportunity": "public/js/pipeline_list.js",
}

_pipeline_events = {
	"validate": "sales_drive.integrations.pipeline.validate",
	"on_update": "sales_drive.integrations.pipeline.on_update",
	"on_trash": "sales_drive.integrations.pipeline.on_trash",
	"after_delete": "sales_drive.integrations.pipeline.after_delete",
	"on_change": "sales_drive.integrations.pipeline.on_change",
}

# the audit trail outlives a deleted Lead / Opportunity (its rows stay, marked deleted: pipeline.on_trash),
# so its rows never block the delete
ignore_links_on_delete = ["Sales Stage Transition Log", "Sales Gate Observation"]

_people_events = {
	"after_insert": "sales_drive.people.changed",
	"on_update": "sales_drive.people.changed",
	"after_rename": "sales_drive.people.changed",
	"on_trash": "sales_drive.people.changed",
}

doc_events = {
	"Lead": {
		**_pipeline_events,
		# a refused lead needs its reason (sales_drive/channels.py), checked first: nothing else runs without it
		"validate": [
			"sales_drive.channels.lead_validate",
			"sales_drive.integrations.pipeline.validate",
			"sales_drive.integrations.cooling.lead_validate",
		],
		"on_update": ["sales_drive.integrations.pipeline.on_update", "sales_drive.integrations.cooling.lead_on_update"],
		# the work-day plan: an inbound lead nobody chose an owner for goes to the person on duty
		"before_insert": "sales_drive.roster.route",
	},
	"Opportunity": {
		**_pipeline_events,
		"validate": ["sales_drive.integrations.pipeline.validate", "sales_drive.integrations.cooling.opportunity_validate"],
		"on_update": ["sales_drive.integrations.pipeline.on_update", "sales_drive.integrations.cooling.opportunity_on_update"],
		"after_insert": "sales_drive.integrations.pipeline.after_insert",
		"before_validate": "sales_drive.integrations.pipeline.before_validate",
		"before_insert": "sales_drive.roster.route",
	},
	# base cooling: no contact with a cooling party (sales_drive/integrations/cooling.py)
	"Quotation": {
		"validate": "sales_drive.integrations.cooling.quotation_validate",
		"on_update_after_submit": "sales_drive.integrations.cooling.quotation_on_update_after_submit",
	},
	"Communication": {"validate": "sales_drive.integrations.cooling.communication_validate"},
	# a key account (it chooses the regulation) is set by the monthly review or a Sales Manager only
	"Customer": {"validate": "sales_drive.integrations.customer.validate"},
	"Event": {"validate": "sales_drive.integrations.cooling.event_validate"},
	"Opportunity Lost Reason": {"validate": "sales_drive.base_cooling.validate_lost_reason"},
	"Payment Entry": {
		"on_submit": ["sales_drive.integrations.payment.on_submit", "sales_drive.plans.on_document_change"],
		"on_cancel": "sales_drive.plans.on_document_change",
	},
	"Sales Invoice": {
		"on_submit": "sales_drive.plans.on_document_change",
		"on_cancel": "sales_drive.plans.on_document_change",
	},
	"Sales Order": {
		"validate": "sales_drive.integrations.cooling.sales_order_validate",
		"on_submit": "sales_drive.plans.on_document_change",
		"on_cancel": "sales_drive.plans.on_document_change",
	},
	"Holiday List": {"on_update": "sales_drive.regulations.clear_cache"},
	"Company": {"on_update": "sales_drive.regulations.clear_cache"},
	# segment conditions naming a group match its subgroups: the cached trees must follow edits
	"Customer Group": {"on_update": "sales_drive.regulations.clear_trees", "on_trash": "sales_drive.regulations.clear_trees"},
	"Territory": {"on_update": "sales_drive.regulations.clear_trees", "on_trash": "sales_drive.regulations.clear_trees"},
	"Sales Drive Settings": {"on_update": "sales_drive.regulations.clear_cache"},
	# the cached sales person and team of each user (sales_drive/people.py)
	"Sales Person": _people_events,
	"Employee": _people_events,
	"User": {"after_rename": "sales_drive.people.changed", "on_trash": "sales_drive.people.changed"},
	"ToDo": {
		"on_update": "sales_drive.coaching.on_todo_update",
		"validate": "sales_drive.integrations.cooling.todo_validate",
	},
}

scheduler_events = {
	"hourly": ["sales_drive.tasks.notify_overdue_steps"],
	"daily": ["sales_drive.plans.reconcile", "sales_drive.base_cooling.return_cooled_parties", "sales_drive.kpi.compute_all",
		"sales_drive.deviation.run_all", "sales_drive.checkups.remind_checkups",
		"sales_drive.period_reports.remind_due", "sales_drive.repeat_sales.run_all"],
	"monthly": ["sales_drive.key_accounts.monthly_review"],
	"cron": {
		# the morning report every day (Monday's reports Sunday), the director's weekly on Monday
		"0 7 * * *": ["sales_drive.digests.send_morning_reports"],
		"0 8 * * 1": ["sales_drive.digests.send_weekly_report"],
	},
}

# coaching notes are private to the coach, the coached people and the managers' team lead
# (sales_drive/coaching_permissions.py): rows, single documents, reports, REST and exports
permission_query_conditions = {
	"Sales Task": "sales_drive.checkups.query_conditions",
	"Coaching Session": "sales_drive.coaching_permissions.query_conditions",
	"Call Review": "sales_drive.coaching_permissions.query_conditions",
	"Sales Feedback": "sales_drive.coaching_permissions.query_conditions",
	"Coaching Participant": "sales_drive.coaching_permissions.child_query_conditions",
	"Coaching Action Item": "sales_drive.coaching_permissions.child_query_conditions",
	"Call Review Score": "sales_drive.coaching_permissions.child_query_conditions",
	"Sales Feedback Rating": "sales_drive.coaching_permissions.child_query_conditions",
	"Sales Digest": "sales_drive.digests.query_conditions",
	# pay and plans: own, the team's for a team lead, everyone's for the head of sales (sales_drive/permissions.py)
	"KPI Scorecard": "sales_drive.permissions.query_conditions",
	"KPI Scheme": "sales_drive.permissions.query_conditions",
	"Sales Plan Day": "sales_drive.permissions.query_conditions",
	"Sales Stage Transition Log": "sales_drive.permissions.query_conditions",
	"KPI Scorecard Line": "sales_drive.permissions.child_query_conditions",
	"KPI Scheme Component": "sales_drive.permissions.child_query_conditions",
	"KPI Scheme Person": "sales_drive.permissions.child_query_conditions",
	# regular period reports follow the pay-and-plans rule; a one-on-one is its two people's only,
	# a planning meeting its chair's, attendees' and team lead's (sales_drive/meetings.py)
	"Sales Period Report": "sales_drive.permissions.query_conditions",
	"Sales Meeting": "sales_drive.meetings.meeting_query_conditions",
	"One-on-One": "sales_drive.meetings.one_on_one_query_conditions",
	"Sales Meeting Agenda Item": "sales_drive.meetings.child_query_conditions",
	"Sales Meeting Attendee": "sales_drive.meetings.child_query_conditions",
	"Sales Meeting Decision": "sales_drive.meetings.child_query_conditions",
}
has_permission = {
	"Sales Task": "sales_drive.checkups.has_permission",
	"Coaching Session": "sales_drive.coaching_permissions.has_permission",
	"Call Review": "sales_drive.coaching_permissions.has_permission",
	"Sales Feedback": "sales_drive.coaching_permissions.has_permission",
	"Sales Digest": "sales_drive.digests.has_permission",
	"KPI Scorecard": "sales_drive.permissions.has_permission",
	"KPI Scheme": "sales_drive.permissions.has_permission",
	"Sales Plan Day": "sales_drive.permissions.has_permission",
	"Sales Stage Transition Log": "sales_drive.permissions.has_permission",
	"Sales Period Report": "sales_drive.permissions.has_permission",
	"Sales Meeting": "sales_drive.meetings.meeting_has_permission",
	"One-on-One": "sales_drive.meetings.one_on_one_has_permission",
}
