// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Lead Channels"] = {
	filters: [
		...sales_drive.reports.period(frappe.datetime.add_months(frappe.datetime.get_today(), -3)),
		sales_drive.reports.company(),
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Source", label: __("Source") },
				{ value: "Campaign", label: __("Campaign") },
				{ value: "Source and Campaign", label: __("Source and Campaign") },
			],
			default: "Source",
			reqd: 1,
		},
	],

	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (data && data.is_total) {
			return `<b>${value}</b>`;
		}
		if (data && ["source", "campaign"].includes(column.fieldname) && !data[column.fieldname]) {
			return `<span class="text-muted">${__("Not Set")}</span>`;
		}
		return value;
	},
};
