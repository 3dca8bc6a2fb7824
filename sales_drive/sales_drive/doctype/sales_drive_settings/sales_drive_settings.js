// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Sales Drive Settings", {
	refresh(frm) {
		if (!frappe.user.has_role(["System Manager", "Sales Manager"])) return;
		frm.add_custom_button(__("Change Sales Model"), () => sd_ask_sales_model(frm));
	},
});

function sd_ask_sales_model(frm) {
	const models = ["Full Cycle", "Cells", "Three-Level", "Key Accounts"];
	const d = new frappe.ui.Dialog({
		title: __("Change Sales Model"),
		fields: [
			{
				fieldtype: "Select",
				fieldname: "model",
				label: __("Sales Model"),
				reqd: 1,
				options: models.map((m) => ({ value: m, label: __(m) })),
				default: frm.doc.sales_model || "Full Cycle",
			},
		],
		primary_action_label: __("Preview"),
		primary_action({ model }) {
			d.hide();
			sd_preview_sales_model(frm, model);
		},
	});
	d.show();
}

function sd_preview_sales_model(frm, model) {
	frappe
		.call({
			method: "sales_drive.sales_models.preview_model_change",
			args: { model },
			freeze: true,
		})
		.then((r) => {
			const res = r.message;
			const d = new frappe.ui.Dialog({
				title: __("Change Sales Model: {0} → {1}", [__(res.current), __(res.model)]),
				size: "large",
				fields: [{ fieldtype: "HTML", fieldname: "preview" }],
				primary_action_label: __("Apply"),
				primary_action() {
					d.hide();
					sd_apply_sales_model(frm, model);
				},
			});
			d.fields_dict.preview.$wrapper.html(res.html);
			d.show();
		});
}

function sd_apply_sales_model(frm, model) {
	frappe
		.call({
			method: "sales_drive.sales_models.apply_model_change",
			args: { model },
			freeze: true,
			freeze_message: __("Changing the sales model…"),
		})
		.then((r) => {
			frappe.show_alert({
				message: __("Sales model changed to {0}: {1} step changes.", [__(r.message.model), r.message.changes]),
				indicator: "green",
			});
			frm.reload_doc();
		});
}
