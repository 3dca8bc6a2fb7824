// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Gate Compliance"] = {
	filters: [
		...sales_drive.reports.period(frappe.datetime.add_days(frappe.datetime.get_today(), -28)),
		// every pipeline's regulations: this report has no Document Type filter
		sales_drive.reports.regulation({ get_query: null }),
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "", label: __("Step, Criterion, Person and Week") },
				{ value: "Step", label: __("Step") },
				{ value: "Criterion", label: __("Criterion") },
				{ value: "Person", label: __("Person") },
				{ value: "Week", label: __("Week") },
			],
		},
		sales_drive.reports.sales_person(),
	],
};
