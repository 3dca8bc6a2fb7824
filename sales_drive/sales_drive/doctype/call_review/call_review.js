// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Call Review", {
	call_script(frm) {
		if (!frm.doc.call_script) return;
		frappe.db.get_doc("Call Script", frm.doc.call_script).then((script) => {
			frm.clear_table("scores");
			(script.criteria || []).forEach((c) => {
				frm.add_child("scores", {
					criterion: c.criterion,
					weight: c.weight,
					scale_max: c.scale_max,
					mandatory: c.mandatory,
				});
			});
			frm.refresh_field("scores");
		});
	},
});
