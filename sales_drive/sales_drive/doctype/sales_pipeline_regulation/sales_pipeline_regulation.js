// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Sales Pipeline Regulation", {
	refresh(frm) {
		if (frm.is_new()) return;
		const roles = ["Sales Manager", "System Manager", "Sales Team Lead"];
		if (!roles.some((role) => frappe.user.has_role(role))) return;
		frm.add_custom_button(__("Probabilities from History"), () =>
			sales_drive_probabilities_dialog(frm)
		);
	},
});

function sales_drive_probabilities_dialog(frm) {
	frappe
		.call("sales_drive.probabilities.step_probabilities", { regulation: frm.doc.name })
		.then((r) => {
			const d = r.message;
			const usable = d.rows.filter((row) => row.proposed != null);
			const may_write = frm.perm && frm.perm[0] && frm.perm[0].write;
			const dialog = new frappe.ui.Dialog({
				title: __("Probabilities from History"),
				size: "large",
				fields: [{ fieldtype: "HTML", fieldname: "table" }],
			});
			dialog.fields_dict.table.$wrapper.html(sales_drive_probabilities_table(d));
			if (may_write && usable.length) {
				dialog.set_primary_action(__("Use Historical"), () => {
					if (frm.is_dirty()) {
						frappe.msgprint(__("Save the regulation first."));
						return;
					}
					frappe
						.call({
							method: "sales_drive.probabilities.use_historical",
							args: { regulation: frm.doc.name },
							freeze: true,
						})
						.then((res) => {
							const changed = (res.message && res.message.changed) || [];
							dialog.hide();
							frm.reload_doc();
							frappe.show_alert({
								message: changed.length
									? __("Probability set from history for {0} steps", [changed.length])
									: __("The probabilities already match the history"),
								indicator: "green",
							});
						});
				});
			}
			dialog.show();
		});
}

function sales_drive_probabilities_table(d) {
	const esc = frappe.utils.escape_html;
	const pct = (v) => (v == null ? "—" : `${format_number(v, null, 1)}%`);
	const rows = d.rows
		.map((row) => {
			const apart = row.gap != null && Math.abs(row.gap) > 15;
			const gap = row.gap == null ? "—" : format_number(row.gap, null, 1);
			return `<tr>
				<td>${esc(__(row.step))}</td>
				<td>${row.configured ? pct(row.configured) : "—"}</td>
				<td class="${row.low_sample ? "text-muted" : ""}">${pct(row.historical)}</td>
				<td class="${apart ? (row.gap > 0 ? "text-success" : "text-danger") : ""}">${gap}</td>
				<td>${row.won} / ${row.reached}</td>
				<td>${row.low_sample ? __("Low Sample") : ""}</td>
				<td>${row.proposed == null ? "—" : `${row.proposed}%`}</td>
			</tr>`;
		})
		.join("");
	return `<p class="text-muted">${__(
		"Records closed (won or lost) from {0} to {1}. Steps reached by fewer than {2} of them are marked Low Sample and keep their probability.",
		[frappe.datetime.str_to_user(d.since), frappe.datetime.str_to_user(d.until), d.min_sample]
	)}</p>
	<table class="table table-bordered table-condensed">
		<thead><tr>
			<th>${__("Step")}</th><th>${__("Configured %")}</th><th>${__("Historical %")}</th>
			<th>${__("Gap (pp)")}</th><th>${__("Won / Reached")}</th><th>${__("Low Sample")}</th>
			<th>${__("Use Historical")}</th>
		</tr></thead>
		<tbody>${rows}</tbody>
	</table>`;
}
