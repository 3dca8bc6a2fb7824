// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Repeat Sale Rule", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Dry Run"), () => sd_repeat_dry_run(frm));
		if (frm.has_perm("write")) {
			frm.add_custom_button(__("Create Opportunities"), () => sd_repeat_run(frm));
		}
	},
});

function sd_repeat_dry_run(frm) {
	frappe.call({
		method: "sales_drive.repeat_sales.dry_run",
		args: { rule: frm.doc.name },
		freeze: true,
	}).then((r) => {
		const res = r.message;
		const esc = frappe.utils.escape_html;
		const rows = res.candidates
			.map(
				(c) => `<tr>
					<td><a href="/app/customer/${encodeURIComponent(c.customer)}">${esc(c.customer_name)}</a></td>
					<td>${c.last_order ? frappe.datetime.str_to_user(c.last_order) : ""}</td>
					<td class="text-right">${c.days_since ?? ""}</td>
					<td>${c.farmer ? esc(c.farmer_name) : `<span class="text-danger">${__("No farmer")}</span>`}</td>
				</tr>`
			)
			.join("");
		const lines = [];
		if (!res.in_season) lines.push(__("Out of season today: the rule selects nobody."));
		lines.push(
			__("{0} opportunities would be created; the maximum per run is {1}.", [res.count, res.maximum])
		);
		if (res.over_limit) {
			lines.push(
				`<span class="text-danger">${__(
					"Over the maximum: a run would create nothing. Narrow the rule or raise its maximum."
				)}</span>`
			);
		}
		if (res.skipped_open.length) {
			lines.push(__("Skipped, an open opportunity of the rule exists: {0}", [esc(res.skipped_open.join(", "))]));
		}
		if (res.skipped_cooling.length) {
			lines.push(__("Skipped, cooling: {0}", [esc(res.skipped_cooling.join(", "))]));
		}
		const table = res.candidates.length
			? `<table class="table table-bordered table-sm">
				<thead><tr><th>${__("Customer")}</th><th>${__("Last Order")}</th>
				<th class="text-right">${__("Days Since")}</th><th>${__("Farmer")}</th></tr></thead>
				<tbody>${rows}</tbody></table>`
			: "";
		const d = new frappe.ui.Dialog({
			title: __("Dry Run: {0}", [esc(frm.doc.title || frm.doc.name)]),
			size: "large",
			fields: [{ fieldtype: "HTML", fieldname: "result" }],
		});
		d.fields_dict.result.$wrapper.html(lines.map((l) => `<p>${l}</p>`).join("") + table);
		d.show();
	});
}

function sd_repeat_run(frm) {
	frappe.confirm(
		__("Create the opportunities of rule {0} now and assign them to the farmers?", [
			frappe.utils.escape_html(frm.doc.title || frm.doc.name),
		]),
		() =>
			frappe
				.call({
					method: "sales_drive.repeat_sales.run_rule",
					args: { rule: frm.doc.name },
					freeze: true,
				})
				.then((r) => {
					frappe.msgprint({
						title: __("Opportunities Created"),
						message: frappe.utils.escape_html(r.message.summary).replace(/\n/g, "<br>"),
						indicator: r.message.failed.length ? "orange" : "green",
					});
					frm.reload_doc();
				})
	);
}
