// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

// The stored report, shown as the recipient got it by e-mail.
frappe.ui.form.on("Sales Digest", {
	refresh(frm) {
		frm.get_field("preview").$wrapper.html(frm.doc.content || "");
		frm.disable_save();
	},
});
