// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.ui.form.on("Sales Roster", {
	setup(frm) {
		frm.set_query("team", () => ({ filters: { is_group: 1 } }));
		frm.set_query("sales_person", "slots", () => ({ filters: { is_group: 0, enabled: 1 } }));
	},
	refresh(frm) {
		// the team's weekly inbound-call duties into ERPNext's Incoming Call Settings (head of sales)
		const head = frappe.user.has_role("Sales Manager") || frappe.user.has_role("System Manager");
		if (!frm.is_new() && frm.doc.applies_to === "Weekday" && head) {
			frm.add_custom_button(__("Publish to Incoming Call Settings"), () =>
				frappe
					.call({
						method: "sales_drive.roster.sync_call_schedule",
						args: { team: frm.doc.team },
						freeze: true,
					})
					.then((r) => {
						frappe.show_alert({ message: __("Published to {0}", [r.message]), indicator: "green" });
					})
			);
		}
	},
});
