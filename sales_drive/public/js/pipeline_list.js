// Sales Drive: overdue steps show red in the Lead and Opportunity lists.
(() => {
	for (const doctype of ["Lead", "Opportunity"]) {
		const settings = (frappe.listview_settings[doctype] = frappe.listview_settings[doctype] || {});
		settings.add_fields = [...(settings.add_fields || []), "sd_overdue"];
		const original = settings.get_indicator;
		settings.get_indicator = function (doc) {
			if (doc.sd_overdue) {
				const label = doc.status ? `${__(doc.status)} · ${__("Step Overdue")}` : __("Step Overdue");
				return [label, "red", "sd_overdue,=,1"];
			}
			return original ? original.call(this, doc) : null;
		};
	}
})();
