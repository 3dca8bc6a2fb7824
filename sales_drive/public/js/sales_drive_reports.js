// Sales Drive: what the report scripts share (loaded in the desk through app_include_js).
//
// Filter factories are named after the filter they declare (period: from_date and to_date);
// tests/test_static_app.py reads them so, checking that every filter a report reads is declared.
frappe.provide("sales_drive.reports");

Object.assign(sales_drive.reports, {
	company(extra) {
		return {
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			...extra,
		};
	},

	// From Date (defaulting to ``from``) and To Date (today), both required
	period(from) {
		return [
			{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: from, reqd: 1 },
			{
				fieldname: "to_date",
				label: __("To Date"),
				fieldtype: "Date",
				default: frappe.datetime.get_today(),
				reqd: 1,
			},
		];
	},

	to_date(extra) {
		return { fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today(), ...extra };
	},

	document_type(extra) {
		return {
			fieldname: "document_type",
			label: __("Document Type"),
			fieldtype: "Select",
			options: [
				{ value: "Opportunity", label: __("Opportunity") },
				{ value: "Lead", label: __("Lead") },
			],
			default: "Opportunity",
			reqd: 1,
			...extra,
		};
	},

	// a regulation of the pipeline chosen in the Document Type filter
	regulation(extra) {
		return {
			fieldname: "regulation",
			label: __("Regulation"),
			fieldtype: "Link",
			options: "Sales Pipeline Regulation",
			get_query: () => ({
				filters: { pipeline: frappe.query_report.get_filter_value("document_type") || "Opportunity" },
			}),
			...extra,
		};
	},

	team(extra) {
		return {
			fieldname: "team",
			label: __("Team"),
			fieldtype: "Link",
			options: "Sales Person",
			get_query: () => ({ filters: { is_group: 1 } }),
			...extra,
		};
	},

	sales_person(extra) {
		return { fieldname: "sales_person", label: __("Sales Person"), fieldtype: "Link", options: "Sales Person", ...extra };
	},

	// Frappe 15's report summary formats an item with its datatype only and drops its "precision"
	// (a Percent shows the default 3 decimals): format such items here, as the table does. The
	// report view is shared by all reports: only those with "sales_drive_summary_precision" change.
	summary_precision(report) {
		if (report.__sales_drive_summary_precision) return;
		report.__sales_drive_summary_precision = true;
		const render_summary = report.render_summary;
		report.render_summary = function (items) {
			if (!(this.report_settings && this.report_settings.sales_drive_summary_precision)) {
				return render_summary.call(this, items);
			}
			const formatted = (items || []).map((item) =>
				item && item.datatype === "Percent" && item.precision != null && item.value != null
					? {
							...item,
							datatype: "Data",
							value: format_number(item.value, null, cint(item.precision)) + "%",
					  }
					: item
			);
			return render_summary.call(this, formatted);
		};
	},
});

// What the report forms share: a new personal report defaults to the user's own Sales Person,
// and a meeting or one-on-one draft can rebuild its agenda.
frappe.provide("sales_drive.forms");

Object.assign(sales_drive.forms, {
	default_my_sales_person(frm) {
		if (!frm.is_new() || frm.doc.sales_person) return;
		frappe.db
			.get_value("Employee", { user_id: frappe.session.user }, "name")
			.then(({ message }) =>
				message && message.name ? frappe.db.get_value("Sales Person", { employee: message.name }, "name") : {}
			)
			.then((r) => r && r.message && r.message.name && frm.set_value("sales_person", r.message.name));
	},
	meeting_refresh(frm) {
		if (frm.doc.docstatus !== 0 || frm.is_new()) return;
		frm.add_custom_button(__("Rebuild Agenda"), () =>
			frappe
				.call("sales_drive.meetings.rebuild_agenda", { doctype: frm.doctype, name: frm.doc.name })
				.then(() => frm.reload_doc())
		);
		frm.set_intro(__("Each decision becomes a Sales Task of its owner when this is submitted."));
	},
});
