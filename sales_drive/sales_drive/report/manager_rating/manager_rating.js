// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Manager Rating"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
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
		{
			fieldname: "team",
			label: __("Team"),
			fieldtype: "Link",
			options: "Sales Person",
			get_query: () => ({ filters: { is_group: 1 } }),
		},
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
