// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Key Accounts"] = {
	sales_drive_summary_precision: true,
	filters: [
		sales_drive.reports.company({ default: undefined }),
		sales_drive.reports.to_date({ reqd: 1 }),
		{
			fieldname: "months",
			label: __("Rolling Period (Months)"),
			fieldtype: "Int",
		},
		{
			fieldname: "threshold",
			label: __("Key-Account Threshold (%)"),
			fieldtype: "Float",
		},
		{
			fieldname: "basis",
			label: __("Key Accounts Are"),
			fieldtype: "Select",
			options: [
				{ value: "Top Share of Customers", label: __("Top Share of Customers") },
				{ value: "Customers Making a Share of Revenue", label: __("Customers Making a Share of Revenue") },
			],
		},
	],

	onload(report) {
		sales_drive.reports.summary_precision(report);
		// start from Sales Drive Settings (empty filters fall back to them on the server too)
		frappe.call("sales_drive.key_accounts.report_defaults").then((r) => {
			const defaults = r.message || {};
			const values = {};
			for (const fieldname of ["months", "threshold", "basis"]) {
				if (!report.get_filter_value(fieldname) && defaults[fieldname] != null) {
					values[fieldname] = defaults[fieldname];
				}
			}
			if (Object.keys(values).length) {
				report.set_filter_value(values); // one refresh for all three
			}
		});
	},

	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (data && column.fieldname === "customer" && data.is_key) {
			return `<b>${value}</b>`;
		}
		return value;
	},
};
