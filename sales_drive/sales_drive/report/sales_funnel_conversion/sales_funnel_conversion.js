// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Sales Funnel Conversion"] = {
	sales_drive_summary_precision: true,
	filters: [
		...sales_drive.reports.period(frappe.datetime.add_months(frappe.datetime.get_today(), -3)),
		sales_drive.reports.document_type(),
		sales_drive.reports.company(),
		sales_drive.reports.regulation(),
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "", label: __("No Grouping") },
				{ value: "Owner", label: __("Owner") },
				{ value: "Team", label: __("Team") },
				{ value: "Sales Person", label: __("Sales Person") },
			],
			default: "",
		},
	],

	onload(report) {
		sales_drive.reports.summary_precision(report);
	},

	formatter(value, row, column, data, default_formatter) {
		if (data && ["step", "stage"].includes(column.fieldname) && value) {
			value = __(value);
		}
		if (data && column.fieldname === "group" && !value) {
			return `<span class="text-muted">${__("Not Set")}</span>`;
		}
		return default_formatter(value, row, column, data);
	},
};
