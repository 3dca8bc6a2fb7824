// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("One-on-One", {
	refresh(frm) {
		if (frm.doc.docstatus === 0 && !frm.is_new()) {
			frm.add_custom_button(__("Rebuild Agenda"), () =>
				frappe
					.call("sales_drive.meetings.rebuild_agenda", { doctype: frm.doctype, name: frm.doc.name })
					.then(() => frm.reload_doc())
			);
			frm.set_intro(__("Each decision becomes a Sales Task of its owner when this is submitted."));
		}
	},
});
