// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Sprint", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Write Feedback"), () => {
			frappe.new_doc("Sales Feedback", {
				sprint: frm.doc.name,
				from_date: frm.doc.start_date,
				to_date: frm.doc.end_date,
			});
		}, __("Retrospective"));
	},
	start_date(frm) {
		if (frm.doc.start_date && !frm.doc.end_date) {
			frm.set_value("end_date", frappe.datetime.add_days(frm.doc.start_date, 13));
		}
	},
});
