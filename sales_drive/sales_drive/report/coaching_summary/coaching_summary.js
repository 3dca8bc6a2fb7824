// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Coaching Summary"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -3),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "kpi_window",
			label: __("KPI Window (Days)"),
			fieldtype: "Int",
			default: 30,
			description: __("Won deals this many days before the first session in the period, against as many days after it."),
		},
	],
};
