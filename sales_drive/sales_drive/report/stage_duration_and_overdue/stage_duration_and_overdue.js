// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

const SD_STEPS_METHOD =
	"sales_drive.sales_drive.report.stage_duration_and_overdue.stage_duration_and_overdue.get_steps";

function sd_load_steps(report) {
	const doctype = report.get_filter_value("document_type") || "Opportunity";
	frappe.call({ method: SD_STEPS_METHOD, args: { doctype } }).then((r) => {
		const step = report.get_filter("step");
		if (!step) return;
		step.df.options = (r.message || []).map((value) => ({ value, label: __(value) }));
		step.set_data(step.df.options);
	});
}

frappe.query_reports["Stage Duration and Overdue"] = {
	sales_drive_summary_precision: true,
	filters: [
		sales_drive.reports.document_type({
			on_change(report) {
				sd_load_steps(report);
				if (report.get_filter_value("step")) {
					report.set_filter_value("step", ""); // refreshes the report
				} else {
					report.refresh();
				}
			},
		}),
		{
			fieldname: "view",
			label: __("Report View"),
			fieldtype: "Select",
			// the values are sent in English; the control shows them translated
			options: ["By Step", "By Sales Person", "Records"],
			default: "By Step",
			reqd: 1,
		},
		sales_drive.reports.company(),
		sales_drive.reports.regulation(),
		{
			fieldname: "owner",
			label: __("Owner"),
			fieldtype: "Link",
			options: "User",
		},
		sales_drive.reports.team(),
		{
			fieldname: "step",
			label: __("Step"),
			fieldtype: "Autocomplete",
			options: [],
		},
		{
			fieldname: "only_overdue",
			label: __("Only Overdue"),
			fieldtype: "Check",
			default: 0,
		},
	],

	onload(report) {
		sales_drive.reports.summary_precision(report);
		sd_load_steps(report);
	},

	formatter(value, row, column, data, default_formatter) {
		if (data && ["step", "stage"].includes(column.fieldname) && value) {
			value = __(value);
		}
		let formatted = default_formatter(value, row, column, data);
		if (!data) return formatted;

		if (column.fieldname === "overdue_records" && value) {
			return `<span class="text-danger">${formatted}</span>`;
		}
		if (column.fieldname === "overdue") {
			return data.overdue
				? `<span class="indicator-pill red">${__("Overdue")}</span>`
				: data.limit !== null && data.limit !== undefined
				? `<span class="indicator-pill green">${__("On Time")}</span>`
				: "";
		}
		if (data.overdue && ["name", "days_in_step", "days_left", "due_date"].includes(column.fieldname)) {
			formatted =
				column.fieldname === "name"
					? `<span class="indicator red">${formatted}</span>`
					: `<span class="text-danger">${formatted}</span>`;
		}
		return formatted;
	},
};
