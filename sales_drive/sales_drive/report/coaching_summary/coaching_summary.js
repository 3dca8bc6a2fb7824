// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Coaching Summary"] = {
	filters: [
		...sales_drive.reports.period(frappe.datetime.add_months(frappe.datetime.get_today(), -3)),
		sales_drive.reports.company(),
		{
			fieldname: "kpi_window",
			label: __("KPI Window (Days)"),
			fieldtype: "Int",
			default: 30,
			description: __("Won deals this many days before the first session in the period, against as many days after it."),
		},
	],

	onload(report) {
		// a filter's label is only its placeholder, hidden by the default value: show it beside the number
		const field = report.get_filter("kpi_window");
		if (!field || !field.$input || field.$wrapper.find(".sd-filter-label").length) return;
		field.$input.wrap('<div class="input-group input-group-sm"></div>');
		$('<div class="input-group-prepend"><span class="input-group-text sd-filter-label"></span></div>')
			.insertBefore(field.$input)
			.find(".sd-filter-label")
			.text(__("KPI Window (Days)"));
		field.$wrapper.removeClass("col-md-2").addClass("col-md-3");
	},
};
