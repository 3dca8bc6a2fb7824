// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Manager Rating"] = {
	filters: [
		sales_drive.reports.company(),
		{
			fieldname: "week",
			label: __("Week Containing"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "kpi_scheme",
			label: __("KPI Scheme"),
			fieldtype: "Link",
			options: "KPI Scheme",
			get_query: () => {
				const company = frappe.query_report.get_filter_value("company");
				return { filters: company ? { company: company } : {} };
			},
		},
		sales_drive.reports.team(),
		{
			fieldname: "weeks",
			label: __("Weeks of History"),
			fieldtype: "Int",
			default: 4,
		},
	],

	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (data && column.fieldname === "trend") {
			const color = { up: "text-success", down: "text-danger" }[data.trend_key];
			return color ? `<span class="${color}">${value}</span>` : value;
		}
		return value;
	},
};
