// Copyright (c) 2026, Sales Drive contributors
// For license information, please see license.txt

// The drill-down of a scorecard line is a desk address (/app/... or /app/query-report/...):
// shown as a link that opens the records behind the figure, in the grid and in the row form.
function sd_drill_down_link(value) {
	if (!value || !String(value).startsWith("/app/")) {
		return frappe.utils.escape_html(value || "");
	}
	const href = encodeURI(decodeURI(String(value)));
	return `<a href="${href}" target="_blank" rel="noopener">${__("Open the Records Behind the Figure")}</a>`;
}

frappe.ui.form.on("KPI Scorecard", {
	setup(frm) {
		const grid = frm.fields_dict.lines && frm.fields_dict.lines.grid;
		const df = grid && grid.docfields.find((d) => d.fieldname === "drill_down");
		if (df) df.formatter = sd_drill_down_link;
	},
	refresh(frm) {
		const grid = frm.fields_dict.lines && frm.fields_dict.lines.grid;
		if (grid && grid.grid_rows && grid.grid_rows.length) {
			grid.update_docfield_property("drill_down", "formatter", sd_drill_down_link);
		}
	},
});
