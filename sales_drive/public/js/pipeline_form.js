// Sales Drive: the step panel on Lead and Opportunity forms.
(() => {
	const esc = (s) => frappe.utils.escape_html(s == null ? "" : String(s));

	const render = (frm, data) => {
		const wrapper = frm.get_field("sd_panel") && frm.get_field("sd_panel").$wrapper;
		if (!data.regulated) {
			wrapper && wrapper.html("");
			return;
		}
		if (data.clock) {
			const c = data.clock;
			const text = c.overdue
				? __("Step {0} is overdue by {1} working days (due {2})", [__(data.step), -c.days_left, frappe.datetime.str_to_user(c.due_date)])
				: __("Step {0}: {1} working days left (due {2})", [__(data.step), c.days_left, frappe.datetime.str_to_user(c.due_date)]);
			frm.dashboard.clear_headline();
			frm.dashboard.set_headline_alert(esc(text), c.overdue ? "red" : "blue");
			if (c.overdue) frm.page.set_indicator(__("Step Overdue"), "red");
		}
		if (!wrapper) return;
		const row = (label, value) =>
			value ? `<tr><th style="width:30%">${esc(label)}</th><td>${esc(value)}</td></tr>` : "";
		const missing = (data.missing || []).length
			? `<div class="text-danger"><b>${esc(__("Before the next step"))}:</b><ul>${data.missing
					.map((m) => `<li>${m}</li>`)
					.join("")}</ul></div>`
			: data.in_regulation
			? `<div class="text-success">${esc(__("All exit criteria of this step are met"))}</div>`
			: `<div class="text-warning">${esc(__("This step is not part of regulation {0}", [data.regulation]))}</div>`;
		const history = (data.history || [])
			.map(
				(h) => `<tr><td>${esc(frappe.datetime.str_to_user(h.transition_time))}</td><td>${esc(__(h.kind))}</td>
				<td>${esc(__(h.from_step || ""))} → ${esc(__(h.to_step || ""))}</td><td>${esc(h.user)}</td>
				<td>${
					// a move between regulations checks no gate: show the move, not the verdict "Not Checked"
					h.previous_regulation
						? esc(h.previous_regulation) + " → " + esc(h.regulation)
						: esc(__(h.verdict || ""))
				}${h.override_reason ? ": " + esc(h.override_reason) : ""}</td></tr>`
			)
			.join("");
		wrapper.html(`
			<div class="sd-step-panel">
				<h5>${esc(__("Regulation"))}: ${esc(__(data.regulation))} · ${esc(__(data.stage || ""))} · ${esc(__(data.step || ""))}</h5>
				<table class="table table-bordered table-sm">
					${row(__("Next Step"), data.next_step && __(data.next_step))}
					${row(__("Tasks"), data.tasks && __(data.tasks))}
					${row(__("Actions"), data.actions && __(data.actions))}
					${row(__("Key Success Factor"), data.key_success_factor && __(data.key_success_factor))}
					${row(__("CRM Requirements"), data.crm_requirements && __(data.crm_requirements))}
					${row(__("Max Days"), data.max_days)}
				</table>
				${missing}
				${history ? `<h6 class="mt-3">${esc(__("Step history"))}</h6><table class="table table-sm">${history}</table>` : ""}
			</div>`);
	};

	const move_dialog = (frm, data) => {
		const d = new frappe.ui.Dialog({
			title: __("Move to Another Regulation"),
			fields: [
				{
					fieldname: "regulation",
					fieldtype: "Link",
					options: "Sales Pipeline Regulation",
					label: __("Regulation"),
					reqd: 1,
					default: data.suggested_regulation,
					get_query: () => ({
						filters: { pipeline: frm.doctype, is_active: 1, name: ["!=", data.regulation] },
					}),
				},
				{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
			],
			primary_action_label: __("Move"),
			primary_action(values) {
				frappe
					.xcall("sales_drive.api.move_to_regulation", {
						doctype: frm.doctype,
						name: frm.doc.name,
						regulation: values.regulation,
						reason: values.reason,
					})
					.then(() => {
						d.hide();
						frm.reload_doc();
					});
			},
		});
		d.show();
	};

	const refresh = (frm) => {
		frm.dashboard.clear_headline();
		if (frm.is_new()) return;
		frappe
			.xcall("sales_drive.api.step_panel", { doctype: frm.doctype, name: frm.doc.name })
			.then((data) => {
				render(frm, data);
				if (data.regulated && data.may_move) {
					frm.add_custom_button(__("Move to Another Regulation"), () => move_dialog(frm, data), __("Regulation"));
				}
				if (data.suggested_regulation) {
					frm.dashboard.add_comment(
						__("The segment of this record now matches regulation {0}; it keeps {1} until a manager moves it.", [
							esc(data.suggested_regulation),
							esc(data.regulation),
						]),
						"yellow",
						true
					);
				}
			});
	};

	const handlers = {
		refresh,
		sd_gate_override(frm) {
			if (!frm.doc.sd_gate_override) frm.set_value("sd_override_reason", "");
		},
	};
	frappe.ui.form.on("Lead", handlers);
	frappe.ui.form.on("Opportunity", handlers);
})();
