// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Plan vs Fact"] = {
	sales_drive_summary_precision: true,
	filters: [
		{
			fieldname: "sales_plan",
			label: __("Sales Plan"),
			fieldtype: "Link",
			options: "Sales Plan",
			reqd: 1,
			get_query: () => ({ filters: { docstatus: 1 } }),
			on_change(report) {
				if (report.get_filter_value("sales_person")) {
					report.set_filter_value("sales_person", ""); // refreshes the report
				} else {
					report.refresh();
				}
			},
		},
		{
			fieldname: "sales_person",
			label: __("Sales Person"),
			fieldtype: "Link",
			options: "Sales Person",
			get_query: () => ({
				query: "sales_drive.sales_drive.report.plan_vs_fact.plan_vs_fact.persons_of_plan",
				filters: { sales_plan: frappe.query_report.get_filter_value("sales_plan") },
			}),
		},
		{
			fieldname: "as_of",
			label: __("As of Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
	],

	onload(report) {
		sales_drive.reports.summary_precision(report);
		if (report.get_filter_value("sales_plan")) return;
		// the submitted plan running today, if there is one
		const today = frappe.datetime.get_today();
		frappe.db
			.get_value(
				"Sales Plan",
				{ docstatus: 1, from_date: ["<=", today], to_date: [">=", today] },
				"name"
			)
			.then((r) => {
				const name = r && r.message && r.message.name;
				if (name && !report.get_filter_value("sales_plan")) {
					report.set_filter_value("sales_plan", name);
				}
			});
	},

	formatter(value, row, column, data, default_formatter) {
		if (data && data.is_total_row && column.fieldname === "sales_person") {
			return `<b>${frappe.utils.escape_html(value || "")}</b>`;
		}
		value = default_formatter(value, row, column, data);
		if (data && data.is_total_row) {
			return `<b>${value}</b>`;
		}
		return value;
	},
};
