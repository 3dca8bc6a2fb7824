// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Base Burn"] = {
	sales_drive_summary_precision: true,
	filters: [
		...sales_drive.reports.period(frappe.datetime.add_months(frappe.datetime.get_today(), -1)),
		sales_drive.reports.company(),
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Team", label: __("Team") },
				{ value: "Sales Person", label: __("Sales Person") },
				{ value: "Territory", label: __("Territory") },
				{ value: "Industry", label: __("Industry") },
				{ value: "Market Segment", label: __("Market Segment") },
			],
			default: "Team",
			reqd: 1,
		},
		{
			fieldname: "burn_alarm",
			label: __("Burn Alarm %"),
			fieldtype: "Percent",
			default: 30,
		},
	],

	onload(report) {
		sales_drive.reports.summary_precision(report);
	},

	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (data && data.burning && ["burn_rate", "plan_percent"].includes(column.fieldname)) {
			return `<span class="text-danger" title="${__("Plan met while burning the base")}">${value}</span>`;
		}
		if (data && column.fieldname === "group" && !data.group) {
			return `<span class="text-muted">${__("Not Set")}</span>`;
		}
		return value;
	},
};
