// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Refusals"] = {
	filters: [
		...sales_drive.reports.period(frappe.datetime.add_months(frappe.datetime.get_today(), -1)),
		{
			fieldname: "pipeline",
			label: __("Document Type"),
			fieldtype: "Select",
			options: [
				{ value: "", label: __("Lead and Opportunity") },
				{ value: "Lead", label: __("Lead") },
				{ value: "Opportunity", label: __("Opportunity") },
			],
			default: "",
		},
		{
			fieldname: "sales_person",
			label: __("Sales Person"),
			fieldtype: "Link",
			options: "Sales Person",
		},
	],
};
