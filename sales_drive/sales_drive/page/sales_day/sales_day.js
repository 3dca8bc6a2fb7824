// The manager's day: today's target with what was carried, the fact so far, the
// period's plan and forecast, and the records to contact today. A team lead or a
// Sales Manager can pick a person of their team and sees the team's table.

frappe.pages["sales-day"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("My Sales Day"),
		single_column: true,
	});
	wrapper.sales_day = new SalesDay(page);
	wrapper.sales_day.refresh();
};

frappe.pages["sales-day"].on_page_show = function (wrapper) {
	if (wrapper.sales_day && wrapper.sales_day.loaded) {
		wrapper.sales_day.refresh();
	}
};

class SalesDay {
	constructor(page) {
		this.page = page;
		this.loaded = false;
		this.person_field = page.add_field({
			fieldname: "sales_person",
			label: __("Sales Person"),
			fieldtype: "Select",
			options: [],
			change: () => this.refresh(false),
		});
		$(this.person_field.wrapper).hide();
		this.date_field = page.add_field({
			fieldname: "date",
			label: __("Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			change: () => this.refresh(false),
		});
		page.set_primary_action(__("Refresh"), () => this.refresh(), "refresh");
		this.$body = $('<div class="sales-day"></div>').appendTo(page.main);
		this.$body.on("click", "[data-person]", (e) => {
			e.preventDefault();
			this.person_field.set_value($(e.currentTarget).attr("data-person"));
		});
	}

	refresh(force = true) {
		const args = {
			sales_person: this.person_field.get_value() || null,
			date: this.date_field.get_value() || frappe.datetime.get_today(),
		};
		// a field "changing" to what is already shown (e.g. while the page settles) loads nothing
		if (!force && JSON.stringify(args) === JSON.stringify(this.shown)) return;
		if (this.busy) {
			this.again = true; // a newer choice arrived while loading: load it once this one is done
			return;
		}
		this.busy = true;
		frappe
			.xcall("sales_drive.day.get_my_day", args)
			.then((day) => {
				this.loaded = true;
				this.shown = { sales_person: day.sales_person || null, date: args.date };
				this.render_day(day);
				if (day.can_choose) {
					return frappe
						.xcall("sales_drive.day.get_team_day", { date: args.date })
						.then((team) => this.render_team(team));
				}
			})
			.finally(() => {
				this.busy = false;
				if (this.again) {
					this.again = false;
					this.refresh(false);
				}
			});
	}

	render_day(day) {
		this.set_persons(day);
		this.$body.empty();
		const who = day.sales_person_name || day.sales_person;
		this.page.set_title_sub(who ? frappe.utils.escape_html(who) : "");

		if (day.message) {
			$('<div class="alert alert-warning"></div>').text(day.message).appendTo(this.$body);
		}
		if (day.figures) {
			this.render_figures(day.figures);
		}
		const $lists = $('<div class="row"></div>').appendTo(this.$body);
		const counts = day.counts || {};
		this.render_list(
			$lists,
			__("To Do Today"),
			day.todos,
			(t) => this.todo_row(t),
			__("No ToDos due."),
			counts.todos
		);
		this.render_list(
			$lists,
			__("Contact Today"),
			day.contacts,
			(o) => this.contact_row(o),
			__("No Opportunities to contact today."),
			counts.contacts
		);
		this.render_list(
			$lists,
			__("Overdue Steps"),
			day.overdue,
			(r) => this.overdue_row(r),
			__("No overdue steps."),
			counts.overdue
		);
		this.render_receivables($lists, day.receivables);
		this.render_slots($lists, day.slots);
		this.$team = $('<div class="sales-day-team"></div>').appendTo(this.$body);
	}

	// the person's duties of the day in the team roster (sales_drive/roster.py)
	render_slots($lists, slots) {
		this.render_list(
			$lists,
			__("My Duties Today"),
			slots || [],
			(s) =>
				frappe.utils.escape_html(s.from + "–" + s.to + " " + s.duty_label) +
				'<div class="text-muted small">' +
				frappe.utils.escape_html(s.team) +
				(s.conflict
					? ' · <span class="text-danger">' + __("Booked on both inbound and outbound") + "</span>"
					: "") +
				"</div>",
			__("No duties in the roster today.")
		);
	}

	set_persons(day) {
		if (!day.can_choose) return;
		$(this.person_field.wrapper).show();
		// "" is the user's own day (also when they are not a Sales Person themselves)
		const options = [{ value: "", label: __("My Day") }].concat(
			day.persons.map((p) => ({ value: p.value, label: p.label }))
		);
		if (JSON.stringify(options) !== JSON.stringify(this.person_field.df.options)) {
			this.person_field.df.options = options;
			this.person_field.refresh();
		}
		const shown = day.sales_person || "";
		if ((this.person_field.get_value() || "") !== shown) {
			this.person_field.set_input(shown);
		}
	}

	money(value, currency) {
		return format_currency(value || 0, currency);
	}

	percent(value) {
		return format_number(value || 0, null, 1) + "%";
	}

	render_figures(f) {
		const on_pace = flt(f.fact_to_date) >= flt(f.plan_to_date);
		const items = [
			{
				label: __("Today's Target"),
				value: f.target,
				datatype: "Currency",
				currency: f.currency,
				indicator: "Blue",
			},
			{
				label: __("Carried In"),
				value: f.carried_in,
				datatype: "Currency",
				currency: f.currency,
				indicator: flt(f.carried_in) > 0 ? "Red" : flt(f.carried_in) < 0 ? "Green" : "",
			},
			{
				label: __("Fact Today"),
				value: f.fact,
				datatype: "Currency",
				currency: f.currency,
				indicator: flt(f.fact) >= flt(f.target) ? "Green" : "Orange",
			},
			{
				label: __("Left Today"),
				value: f.left_today,
				datatype: "Currency",
				currency: f.currency,
			},
		];
		const period = [
			{ label: __("Plan"), value: f.plan_amount, datatype: "Currency", currency: f.currency },
			{
				label: __("Fact to Date"),
				value: f.fact_to_date,
				datatype: "Currency",
				currency: f.currency,
				indicator: on_pace ? "Green" : "Red",
			},
			{
				label: __("Plan Done %"),
				value: this.percent(f.percent_done),
				datatype: "Data",
				indicator: on_pace ? "Green" : "Red",
			},
			{
				label: __("Forecast"),
				value: f.forecast,
				datatype: "Currency",
				currency: f.currency,
				indicator: flt(f.forecast) >= flt(f.plan_amount) ? "Green" : "Red",
			},
		];
		const $card = $('<div class="frappe-card sales-day-figures p-3 mb-4"></div>').appendTo(this.$body);
		const note = f.is_working_day
			? __("Working day {0} of {1}", [f.days_done, f.days_total])
			: __("Not a working day: the target and fact are those of {0}", [
					frappe.datetime.str_to_user(f.target_date),
			  ]);
		$('<div class="text-muted small mb-2"></div>')
			.text(note + " · " + __("Plan to date: {0}", [this.money(f.plan_to_date, f.currency)]))
			.appendTo($card);
		for (const group of [items, period]) {
			const $summary = $('<div class="report-summary"></div>').appendTo($card);
			for (const item of group) {
				$summary.append(frappe.utils.build_summary_item(item));
			}
		}
		$('<a class="small"></a>')
			.attr("href", frappe.utils.get_form_link("Sales Plan", f.plan))
			.text(__("Open Sales Plan {0}", [f.plan]))
			.appendTo($card);
	}

	render_list($parent, title, rows, make_row, empty, total) {
		const $col = $('<div class="col-md-4 mb-4"></div>').appendTo($parent);
		const $card = $('<div class="frappe-card h-100 p-3"></div>').appendTo($col);
		// the server sends at most its list limit: say "100 of N" when there are more
		const shown = (rows || []).length;
		const size = cint(total) > shown ? __("{0} of {1}", [shown, cint(total)]) : shown;
		$('<div class="h6 mb-3"></div>')
			.text(title + " (" + size + ")")
			.appendTo($card);
		if (!rows || !rows.length) {
			$('<div class="text-muted small"></div>').text(empty).appendTo($card);
			return;
		}
		const $list = $('<ul class="list-unstyled mb-0"></ul>').appendTo($card);
		for (const row of rows) {
			$('<li class="mb-2"></li>').html(make_row(row)).appendTo($list);
		}
	}

	link(doctype, name, label) {
		return frappe.utils.get_form_link(
			doctype,
			name,
			true,
			frappe.utils.escape_html(label || name)
		);
	}

	date(value) {
		return frappe.utils.escape_html(frappe.datetime.str_to_user(value));
	}

	todo_row(t) {
		let html = this.link("ToDo", t.name, t.description || t.name);
		const meta = [this.date(t.date), __(t.priority)];
		if (t.reference_type && t.reference_name) {
			meta.push(this.link(t.reference_type, t.reference_name, __(t.reference_type) + " " + t.reference_name));
		}
		return html + '<div class="text-muted small">' + meta.join(" · ") + "</div>";
	}

	contact_row(o) {
		const meta = [
			__("Next Contact Date") + ": " + this.date(o.sd_next_contact),
			frappe.utils.escape_html(__(o.sales_stage || o.status)),
		];
		if (flt(o.opportunity_amount)) {
			meta.push(this.money(o.opportunity_amount, o.currency));
		}
		return (
			this.link("Opportunity", o.name, o.title || o.name) +
			'<div class="text-muted small">' +
			meta.join(" · ") +
			"</div>"
		);
	}

	// overdue Sales Invoices of the person's customers, with their ageing (sales_drive/receivables.py)
	render_receivables($lists, rec) {
		if (!rec) return;
		this.render_list(
			$lists,
			__("Overdue Invoices"),
			rec.invoices,
			(r) => this.receivable_row(r),
			__("No overdue invoices."),
			rec.count
		);
		if (rec.count) {
			const $card = $lists.children().last().find(".frappe-card");
			const parts = rec.buckets
				.filter((b) => flt(b.amount))
				.map((b) => __("{0} days", [b.bucket]) + ": " + this.money(b.amount, rec.currency));
			$('<div class="text-muted small mt-2"></div>')
				.html(__("Total") + ": " + this.money(rec.total, rec.currency) + " · " + parts.join(" · "))
				.appendTo($card);
		}
	}

	receivable_row(r) {
		const meta = [
			frappe.utils.escape_html(r.customer),
			__("days overdue: {0}", [r.days_overdue]),
			this.money(r.amount, r.currency),
		];
		return (
			'<span class="indicator-pill orange mr-2">' +
			__("{0} days", [r.bucket]) +
			"</span>" +
			this.link("Sales Invoice", r.name, r.name) +
			'<div class="text-muted small">' +
			meta.join(" · ") +
			"</div>"
		);
	}

	overdue_row(r) {
		const meta = [
			__(r.doctype),
			frappe.utils.escape_html(__(r.step || r.status)),
			__("due {0}", [this.date(r.sd_step_due)]),
		];
		return (
			'<span class="indicator-pill red mr-2">' +
			__("Overdue") +
			"</span>" +
			this.link(r.doctype, r.name, r.title || r.name) +
			'<div class="text-muted small">' +
			meta.join(" · ") +
			"</div>"
		);
	}

	render_team(team) {
		const $team = this.$team.empty();
		$('<div class="h6 mt-2 mb-3"></div>').text(__("Team")).appendTo($team);
		if (!team.rows.length) {
			$('<div class="text-muted small"></div>').text(__("No persons in your team.")).appendTo($team);
			return;
		}
		const columns = [
			__("Sales Person"),
			__("Today's Target"),
			__("Carried In"),
			__("Fact Today"),
			__("Plan"),
			__("Fact to Date"),
			__("Plan Done %"),
			__("Forecast"),
			__("To Do Today"),
			__("Contact Today"),
			__("Overdue Steps"),
		];
		const $table = $('<table class="table table-bordered table-hover frappe-card"></table>').appendTo(
			$('<div class="table-responsive"></div>').appendTo($team)
		);
		$("<thead><tr></tr></thead>")
			.appendTo($table)
			.find("tr")
			.append(columns.map((c) => $("<th></th>").text(c)));
		const $tbody = $("<tbody></tbody>").appendTo($table);
		const cells = (r, bold) => {
			const b = (html) => (bold ? "<b>" + html + "</b>" : html);
			if (!r.has_plan && !bold) {
				return [
					{ html: '<span class="text-muted">' + __("No plan") + "</span>", colspan: 7 },
					{ html: r.todos },
					{ html: r.contacts },
					{ html: r.overdue },
				];
			}
			const pct = this.percent(r.percent_done);
			const color = flt(r.fact_to_date) >= flt(r.plan_to_date) ? "green" : "red";
			return [
				{ html: b(this.money(r.target, r.currency)) },
				{ html: b(this.money(r.carried_in, r.currency)) },
				{ html: b(this.money(r.fact, r.currency)) },
				{ html: b(this.money(r.plan_amount, r.currency)) },
				{ html: b(this.money(r.fact_to_date, r.currency)) },
				{ html: '<span class="indicator-pill ' + color + '">' + pct + "</span>" },
				{ html: b(this.money(r.forecast, r.currency)) },
				{ html: b(r.todos) },
				{ html: b(r.contacts) },
				{ html: r.overdue ? '<span class="text-danger">' + b(r.overdue) + "</span>" : b(0) },
			];
		};
		for (const r of team.rows) {
			const $tr = $("<tr></tr>").appendTo($tbody);
			$('<td><a href="#"></a></td>')
				.appendTo($tr)
				.find("a")
				.attr("data-person", r.sales_person)
				.text(r.sales_person_name);
			for (const c of cells(r, false)) {
				$("<td></td>")
					.attr("colspan", c.colspan || 1)
					.html(String(c.html))
					.appendTo($tr);
			}
		}
		if (team.totals) {
			const $tr = $("<tr></tr>").appendTo($tbody);
			$("<td></td>").html("<b></b>").find("b").text(__("Team Total")).end().appendTo($tr);
			for (const c of cells(Object.assign({ has_plan: true }, team.totals), true)) {
				$("<td></td>").html(String(c.html)).appendTo($tr);
			}
		}
	}
}
