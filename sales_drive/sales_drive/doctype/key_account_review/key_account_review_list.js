// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

frappe.listview_settings["Key Account Review"] = {
	onload(listview) {
		if (!frappe.user.has_role(["Sales Manager", "System Manager"])) {
			return;
		}
		listview.page.add_inner_button(__("Review Key Accounts Now"), () => {
			frappe.call({
				method: "sales_drive.key_accounts.review_now",
				freeze: true,
				freeze_message: __("Reviewing key accounts..."),
				callback(r) {
					if (!r.message) {
						return;
					}
					frappe.show_alert({
						message: __("{0} key accounts; {1} moved in; {2} moved out", [
							r.message.key_accounts,
							r.message.moved_in,
							r.message.moved_out,
						]),
						indicator: "green",
					});
					frappe.set_route("Form", "Key Account Review", r.message.name);
				},
			});
		});
	},
};
