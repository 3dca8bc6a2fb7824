// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Sales Funnel Conversion"] = {
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
			fieldname: "document_type",
			label: __("Document Type"),
			fieldtype: "Select",
			options: [
				{ value: "Opportunity", label: __("Opportunity") },
				{ value: "Lead", label: __("Lead") },
			],
			default: "Opportunity",
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
			fieldname: "regulation",
			label: __("Regulation"),
			fieldtype: "Link",
			options: "Sales Pipeline Regulation",
			get_query: () => ({
				filters: { pipeline: frappe.query_report.get_filter_value("document_type") || "Opportunity" },
			}),
		},
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
