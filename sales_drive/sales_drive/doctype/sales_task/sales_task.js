// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

// What the team lead set is read-only for the manager, who only answers (the server refuses it too).
const SD_TASK_SET_FIELDS = ["title", "description", "sales_person", "team_lead", "due_date", "checkup_date"];

frappe.ui.form.on("Sales Task", {
	setup(frm) {
		frm.set_query("sales_person", () => ({ filters: { is_group: 0, enabled: 1 } }));
	},

	refresh(frm) {
		const setter = frappe.user.has_role(["Sales Team Lead", "Sales Manager", "System Manager"]);
		SD_TASK_SET_FIELDS.forEach((f) => frm.set_df_property(f, "read_only", setter ? 0 : 1));
	},
});
