// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Internal vs Top-down Plan"] = {
	sales_drive_summary_precision: true,
	filters: [
		sales_drive.reports.company({ reqd: 1 }),
		{
			fieldname: "sales_plan",
			label: __("Sales Plan"),
			fieldtype: "Link",
			options: "Sales Plan",
			get_query: () => {
				const company = frappe.query_report.get_filter_value("company");
				return { filters: { docstatus: 1, ...(company ? { company } : {}) } };
			},
			on_change(report) {
				const plan = report.get_filter_value("sales_plan");
				if (!plan) {
					report.refresh();
					return;
				}
				// the plan decides the period: show it in the date filters
				frappe.db.get_value("Sales Plan", plan, ["from_date", "to_date"]).then((r) => {
					const v = (r && r.message) || {};
					report.set_filter_value({ from_date: v.from_date, to_date: v.to_date });
				});
			},
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.month_start(),
			description: __("Used when no Sales Plan is chosen; a plan brings its own period."),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.month_end(),
		},
		{
			fieldname: "probabilities",
			label: __("Probabilities"),
			fieldtype: "Select",
			options: [
				{ value: "Configured", label: __("Configured") },
				{ value: "Historical", label: __("Historical") },
			],
			default: "Configured",
			description: __(
				"Historical: the share of records won after reaching the step, per regulation (see the Step Probabilities report)."
			),
		},
	],

	onload(report) {
		sales_drive.reports.summary_precision(report);
	},

	formatter(value, row, column, data, default_formatter) {
		if (data && column.fieldname === "sales_person" && (data.is_total_row || data.not_set)) {
			const text = data.is_total_row ? value || "" : __("Not Set");
			return data.is_total_row
				? `<b>${frappe.utils.escape_html(text)}</b>`
				: `<span class="text-muted">${frappe.utils.escape_html(text)}</span>`;
		}
		value = default_formatter(value, row, column, data);
		if (data && column.fieldname === "gap" && data.gap < 0) {
			value = `<span class="text-danger">${value}</span>`;
		}
		if (data && data.is_total_row) {
			return `<b>${value}</b>`;
		}
		return value;
	},
};
