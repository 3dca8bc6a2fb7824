// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Sales Period Report", {
	onload(frm) {
		if (frm.is_new() && !frm.doc.sales_person) {
			frappe.db
				.get_value("Employee", { user_id: frappe.session.user }, "name")
				.then(({ message }) =>
					message && message.name
						? frappe.db.get_value("Sales Person", { employee: message.name }, "name")
						: {}
				)
				.then((r) => r && r.message && r.message.name && frm.set_value("sales_person", r.message.name));
		}
	},
	refresh(frm) {
		if (frm.doc.docstatus === 0 && !frm.is_new()) {
			frm.set_intro(
				__("The figures are refreshed from the CRM and the plan on every save until the report is submitted.")
			);
		}
	},
});
