// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Sales Pipeline Regulation", {
	refresh(frm) {
		frm.sd_saved_mode = frm.doc.rollout_mode;
		if (frm.is_new()) return;
		const roles = ["Sales Manager", "System Manager", "Sales Team Lead"];
		if (!roles.some((role) => frappe.user.has_role(role))) return;
		frm.add_custom_button(__("Probabilities from History"), () =>
			sales_drive_probabilities_dialog(frm)
		);
		if (frappe.user.has_role("Sales Manager") || frappe.user.has_role("System Manager")) {
			frm.add_custom_button(
				__("Check Before Enforcing"),
				() => sales_drive_enforce_preview(frm),
				__("Rollout")
			);
			frm.add_custom_button(
				__("Adopt Existing Records"),
				() => sales_drive_adopt(frm),
				__("Rollout")
			);
		}
	},
	rollout_mode(frm) {
		// switching to Enforce first shows how many open records would be stuck now, and where
		if (frm.doc.rollout_mode !== "Enforce" || frm.is_new()) return;
		const previous = frm.sd_saved_mode && frm.sd_saved_mode !== "Enforce" ? frm.sd_saved_mode : "Warn";
		sales_drive_enforce_preview(frm, () => frm.set_value("rollout_mode", previous));
	},
});

function sales_drive_enforce_preview(frm, on_cancel) {
	frappe
		.call("sales_drive.adoption.enforce_preview", { regulation: frm.doc.name })
		.then((r) => {
			const d = r.message;
			const esc = frappe.utils.escape_html;
			const rows = d.rows
				.map(
					(row) => `<tr><td>${row.step ? esc(__(row.step)) : `<i>${__("Not a step of this regulation")}</i>`}</td>
					<td class="text-right">${row.records}</td><td class="text-right">${row.stuck}</td>
					<td class="text-right">${row.observed}</td></tr>`
				)
				.join("");
			const html = `<p>${__(
				"{0} open records are bound to this regulation; {1} of them miss an exit criterion of their step now and could not move on once it is enforced.",
				[d.open, d.stuck]
			)}</p>
			${d.unbound ? `<p>${__("{0} open records are not adopted yet: use Adopt Existing Records first.", [d.unbound])}</p>` : ""}
			<table class="table table-bordered table-condensed"><thead><tr><th>${__("Step")}</th>
			<th class="text-right">${__("Open Records")}</th><th class="text-right">${__("Would Be Stuck")}</th>
			<th class="text-right">${__("Would-be Refusals, 4 Weeks")}</th></tr></thead><tbody>${rows}</tbody></table>`;
			const dialog = new frappe.ui.Dialog({
				title: __("Before enforcing {0}", [frm.doc.name]),
				size: "large",
				fields: [{ fieldtype: "HTML", fieldname: "table" }],
			});
			dialog.fields_dict.table.$wrapper.html(html);
			if (on_cancel) {
				dialog.set_primary_action(__("Enforce"), () => dialog.hide());
				dialog.set_secondary_action_label(__("Not Yet"));
				dialog.set_secondary_action(() => {
					on_cancel();
					dialog.hide();
				});
			}
			dialog.show();
		});
}

function sales_drive_adopt(frm) {
	frappe.confirm(
		__(
			"Bind every open Lead and Opportunity that no regulation holds yet to its regulation and step (by the Stage Mapping), with its stage history from the Version log? Running it again adopts only what is left."
		),
		() =>
			frappe.call("sales_drive.adoption.start_adoption").then(() => {
				frappe.show_alert({ message: __("Adoption started in the background"), indicator: "blue" });
				const poll = () =>
					frappe.call("sales_drive.adoption.adoption_status").then((r) => {
						const s = r.message || {};
						if (s.status === "finished") {
							const res = s.result || {};
							frappe.msgprint(
								__("Adopted: {0} opportunities, {1} leads; {2} history rows logged.", [
									(res.Opportunity || {}).records || 0,
									(res.Lead || {}).records || 0,
									((res.Opportunity || {}).history || 0) + ((res.Lead || {}).history || 0),
								])
							);
							frm.reload_doc();
						} else if (s.status === "failed") {
							frappe.msgprint({ message: __("Adoption failed; see the Error Log."), indicator: "red" });
						} else {
							setTimeout(poll, 2000);
						}
					});
				setTimeout(poll, 2000);
			})
	);
}

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
