// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.query_reports["Report Compliance"] = {
	filters: [
		sales_drive.reports.company({ reqd: 1 }),
		...sales_drive.reports.period(frappe.datetime.add_days(frappe.datetime.get_today(), -30)),
		sales_drive.reports.team(),
		sales_drive.reports.sales_person(),
	],
};
