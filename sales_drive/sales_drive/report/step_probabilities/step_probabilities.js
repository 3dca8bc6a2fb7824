// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Step Probabilities"] = {
	filters: [
		{
			fieldname: "regulation",
			label: __("Regulation"),
			fieldtype: "Link",
			options: "Sales Pipeline Regulation",
			description: __("Empty: every regulation."),
		},
		{
			fieldname: "months",
			label: __("Months"),
			fieldtype: "Int",
			description: __("Records closed in the last N months. Empty: the Sales Drive Settings."),
		},
		{
			fieldname: "min_sample",
			label: __("Minimum Sample"),
			fieldtype: "Int",
			description: __("Steps reached by fewer closed records are marked Low Sample."),
		},
		sales_drive.reports.to_date(),
	],

	onload(report) {
		// the default Opportunity regulation and the window of the settings, unless already chosen
		if (report.get_filter_value("regulation")) return;
		frappe.call("sales_drive.probabilities.report_defaults").then((r) => {
			const d = r.message || {};
			const values = {};
			if (d.regulation) values.regulation = d.regulation;
			if (!report.get_filter_value("months")) values.months = d.months;
			if (report.get_filter_value("min_sample") == null) values.min_sample = d.min_sample;
			report.set_filter_value(values);
		});
	},

	formatter(value, row, column, data, default_formatter) {
		if (data && ["step", "stage"].includes(column.fieldname) && value) {
			value = __(value);
		}
		value = default_formatter(value, row, column, data);
		if (data && data.gap_alert && ["step", "historical", "gap"].includes(column.fieldname)) {
			const css = data.gap > 0 ? "text-success" : "text-danger";
			return `<span class="${css}" style="font-weight: bold">${value}</span>`;
		}
		if (data && data.low_sample && column.fieldname === "historical") {
			return `<span class="text-muted">${value}</span>`;
		}
		return value;
	},
};
