// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Sales Meeting", {
	refresh(frm) {
		sales_drive.forms.meeting_refresh(frm);
	},
});
