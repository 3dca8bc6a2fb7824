// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Sales Daily Report", {
	onload(frm) {
		sales_drive.forms.default_my_sales_person(frm);
	},
	refresh(frm) {
		if (frm.doc.docstatus === 0 && !frm.is_new()) {
			frm.set_intro(__("The activity figures are refreshed from the CRM on every save until the report is submitted."));
		}
	},
});
