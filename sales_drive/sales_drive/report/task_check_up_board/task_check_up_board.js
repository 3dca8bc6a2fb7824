// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Task Check-up Board"] = {
	filters: [
		{
			fieldname: "view",
			label: __("View"),
			fieldtype: "Select",
			options: [
				{ value: "Board", label: __("Board") },
				{ value: "Stuck and Overdue", label: __("Stuck and Overdue") },
				{ value: "All Tasks", label: __("All Tasks") },
			],
			default: "Board",
		},
		{
			fieldname: "as_of",
			label: __("Overdue As Of"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "team_lead",
			label: __("Team Lead"),
			fieldtype: "Link",
			options: "User",
		},
		sales_drive.reports.sales_person(),
		{
			fieldname: "from_date",
			label: __("Check-up From"),
			fieldtype: "Date",
		},
		{
			fieldname: "to_date",
			label: __("Check-up To"),
			fieldtype: "Date",
		},
		{
			fieldname: "status",
			label: __("Status"),
			fieldtype: "Select",
			options: [
				"",
				{ value: "Open", label: __("Open") },
				{ value: "Done", label: __("Done") },
				{ value: "Not Done", label: __("Not Done") },
				{ value: "Done Differently", label: __("Done Differently") },
				{ value: "Stuck on a Question", label: __("Stuck on a Question") },
			],
		},
	],

	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (!data) return value;
		if (data.bold) return `<b>${value}</b>`;
		if (["overdue", "stuck"].includes(column.fieldname) && data[column.fieldname] > 0) {
			return `<span style="color: var(--red-500)">${value}</span>`;
		}
		if (column.fieldname === "state" && data.state) {
			return `<span style="color: var(--red-500)">${value}</span>`;
		}
		return value;
	},
};
