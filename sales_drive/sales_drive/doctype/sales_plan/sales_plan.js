frappe.ui.form.on("Sales Plan", {
	setup(frm) {
		frm.set_query("sales_person", "allocations", () => ({ filters: { is_group: 0, enabled: 1 } }));
	},
	onload(frm) {
		if (frm.is_new() && !frm.doc.from_date) {
			frm.set_value("from_date", moment().startOf("month").format("YYYY-MM-DD"));
			frm.set_value("to_date", moment().endOf("month").format("YYYY-MM-DD"));
		}
	},
	refresh(frm) {
		if (frm.doc.docstatus === 1) {
			frm.add_custom_button(__("Plan vs Fact"), () =>
				frappe.set_route("query-report", "Plan vs Fact", { sales_plan: frm.doc.name })
			);
		}
	},
	allocation_method(frm) {
		const editable_share = frm.doc.allocation_method === "Share %";
		const editable_amount = frm.doc.allocation_method === "Fixed Amount";
		frm.fields_dict.allocations.grid.update_docfield_property("share", "read_only", !editable_share);
		frm.fields_dict.allocations.grid.update_docfield_property("amount", "read_only", !editable_amount);
		frm.refresh_field("allocations");
	},
});
