// Sales Drive: base cooling banner on Lead, Opportunity and Customer forms,
// and "Lift Cooling" for a Sales Manager (the reason is required and logged).
(() => {
	const esc = (s) => frappe.utils.escape_html(s == null ? "" : String(s));

	function show(frm) {
		if (frm.is_new()) return;
		frappe.call({
			method: "sales_drive.base_cooling.cooling_status",
			args: { doctype: frm.doctype, name: frm.docname },
			callback(r) {
				const s = r.message;
				if (!s || !s.cooling) return;
				const until = frappe.datetime.str_to_user(s.until);
				const text =
					s.mode === "Block"
						? __("Cooling until {0}: no contact (refused: {1}).", [esc(until), esc(s.reason || __("not given"))])
						: __("Cooling until {0}: contact only if you must (refused: {1}).", [
								esc(until),
								esc(s.reason || __("not given")),
						  ]);
				frm.set_intro(`<b>${esc(s.party)}</b> · ${text}`, s.mode === "Block" ? "red" : "orange");
				if (s.can_lift) {
					frm.add_custom_button(__("Lift Cooling"), () => lift(frm));
				}
			},
		});
	}

	function lift(frm) {
		frappe.prompt(
			[{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 }],
			(values) => {
				frappe.call({
					method: "sales_drive.base_cooling.lift",
					args: { doctype: frm.doctype, name: frm.docname, reason: values.reason },
					freeze: true,
					callback() {
						frappe.show_alert({ message: __("Cooling lifted"), indicator: "green" });
						frm.reload_doc();
					},
				});
			},
			__("Lift Cooling"),
			__("Lift")
		);
	}

	for (const doctype of ["Lead", "Opportunity", "Customer"]) {
		frappe.ui.form.on(doctype, { refresh: show });
	}
})();
