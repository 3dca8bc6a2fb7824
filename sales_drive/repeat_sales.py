"""Repeat-sale rules for farmers: gather orders, run the engine, create the opportunities.

A run reads, in a few grouped queries, the submitted Sales Orders of the
rule's company (per customer, and per item group of the rule for cross-sell
and season rules — an item counts for a group when it is in it or in one of
its subgroups), the customers that already have an open Opportunity of the
rule, the customers cooling now (``Customer.sd_cooling_until``, then the
candidates' own cooling keys through
:func:`sales_drive.base_cooling.active_coolings`) and the farmers
(``Customer.account_manager``). :func:`sales_drive.engine.repeat_sales.run`
picks the customers.

Each picked customer gets one Opportunity owned by its farmer, linked to the
rule (``sd_repeat_sale_rule``), with the rule's text and call script in a
note, and assigned to the farmer with a ToDo. A customer without a farmer (or
whose farmer's user is disabled) still gets the opportunity, unassigned; the
run lists it so the head of sales hands it to someone.

A run that would create more than the rule's maximum creates nothing: the
button says so, and the daily job notifies the head of sales and the Sales
Managers instead.
"""

from __future__ import annotations

from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import cint, escape_html, getdate, now_datetime, nowdate

from sales_drive import base_cooling, queries
from sales_drive.engine import cooling as cooling_engine
from sales_drive.engine import repeat_sales as engine
from sales_drive.jobs import isolated

RULE = "Repeat Sale Rule"
RULE_FIELD = "sd_repeat_sale_rule"


class TooManyError(frappe.ValidationError):
	pass


# --- the rule --------------------------------------------------------------------------


def rule_of(doc) -> engine.Rule:
	season = None
	parts = (doc.season_start_month, doc.season_start_day, doc.season_end_month, doc.season_end_day)
	if any(cint(p) for p in parts):
		season = ((cint(parts[0]), cint(parts[1])), (cint(parts[2]), cint(parts[3])))
	return engine.Rule(
		name=doc.name or doc.title,
		kind=doc.kind,
		days=cint(doc.days_without_order),
		item_group=(doc.item_group or "") if doc.kind != "No Order" else "",
		missing_item_group=(doc.missing_item_group or "") if doc.kind == "Cross Sell" else "",
		season=season,
		maximum=cint(doc.max_per_run),
	)


def _templates() -> dict[str, str]:
	return {
		"unknown_kind": _("The rule has an unknown kind {kind}: choose No Order, Cross Sell or Season"),
		"days": _("Days without an order must be at least 1, not {days}"),
		"item_groups": _("A cross-sell rule needs both item groups: the one bought and the one missing"),
		"same_item_groups": _(
			"The two item groups are the same ({item_group}): a cross-sell rule needs two different ones"
		),
		"no_season": _("A season rule needs a season: its start and end month and day"),
		"not_a_date": _("{month}/{day} is not a date"),
		"negative_maximum": _("The maximum per run cannot be negative, not {maximum}"),
		"no_maximum": _("Set a maximum per run of at least 1"),
	}


def validate_rule(doc):
	"""Repeat Sale Rule.validate: every fault at once, translated; nothing is saved."""
	rule = rule_of(doc)
	templates = _templates()
	lines = [
		templates[p.code].format(**{k: frappe.bold(v) for k, v in p.params.items()})
		for p in engine.problems(rule, maximum_required=True)
	]
	if rule.kind == "Cross Sell" and _nested(rule.item_group, rule.missing_item_group):
		lines.append(
			_(
				"Item groups {0} and {1}: one contains the other, so nobody can buy one without the other"
			).format(frappe.bold(rule.item_group), frappe.bold(rule.missing_item_group))
		)
	if lines:
		frappe.throw("<br>".join(f"• {line}" for line in lines), title=_("Invalid Repeat-Sale Rule"))


def _nested(one, other) -> bool:
	if not one or not other or one == other:
		return False
	a = frappe.db.get_value("Item Group", one, ["lft", "rgt"])
	b = frappe.db.get_value("Item Group", other, ["lft", "rgt"])
	return bool(a and b) and ((a[0] <= b[0] and b[1] <= a[1]) or (b[0] <= a[0] and a[1] <= b[1]))


# --- gathering -----------------------------------------------------------------------------


def orders_for(rule: engine.Rule, company: str, today) -> list[engine.Order]:
	"""The submitted Sales Orders the rule looks at, grouped (one query)."""
	if rule.kind == "No Order":
		rows = frappe.db.sql(
			"""select so.customer, max(so.transaction_date)
			from `tabSales Order` so join `tabCustomer` c on c.name = so.customer
			where so.docstatus = 1 and so.company = %(company)s and so.transaction_date <= %(today)s
			and c.disabled = 0
			group by so.customer""",
			{"company": company, "today": today},
		)
		return [engine.Order(customer, getdate(day)) for customer, day in rows]
	groups = [g for g in (rule.item_group, rule.missing_item_group) if g]
	since = None
	if rule.kind == "Season":
		window = engine.season_window(rule.season, today, years_back=1)
		if window is None:  # out of season: nothing to read
			return []
		since = window[0]
	# which of the rule's groups an order line belongs to: its own group or an ancestor of it
	case, params = _group_case(groups)
	rows = frappe.db.sql(
		f"""select so.customer, {case} as rule_group, max(so.transaction_date)
		from `tabSales Order` so
		join `tabSales Order Item` soi on soi.parent = so.name and soi.parenttype = 'Sales Order'
		join `tabCustomer` c on c.name = so.customer
		left join `tabItem Group` ig on ig.name = soi.item_group
		where so.docstatus = 1 and so.company = %(company)s and so.transaction_date <= %(today)s
		and c.disabled = 0 {"and so.transaction_date >= %(since)s" if since else ""}
		group by so.customer, rule_group{", so.transaction_date" if since else ""}""",
		{"company": company, "today": today, "since": since, **params},
	)
	return [engine.Order(customer, getdate(day), group or "") for customer, group, day in rows]


def _group_case(groups) -> tuple[str, dict]:
	"""A SQL ``case`` naming the rule group (by the Item Group tree) an order line falls in."""
	if not groups:
		return "''", {}
	bounds = {
		g: frappe.db.get_value("Item Group", g, ["lft", "rgt"]) or (0, -1)
		for g in groups  # at most two groups
	}
	# the narrower group first, so a line in both counts for the more specific one
	ordered = sorted(groups, key=lambda g: bounds[g][1] - bounds[g][0])
	whens, params = [], {}
	for i, g in enumerate(ordered):
		whens.append(f"when ig.lft >= %(lft{i})s and ig.rgt <= %(rgt{i})s then %(group{i})s")
		params.update({f"lft{i}": bounds[g][0], f"rgt{i}": bounds[g][1], f"group{i}": g})
	return f"(case {' '.join(whens)} else '' end)", params


def open_for_rule(rule_name: str) -> set[str]:
	"""Customers with an open (:func:`sales_drive.queries.open_condition`) Opportunity of the rule."""
	return set(
		frappe.db.sql_list(
			f"""select distinct o.party_name from `tabOpportunity` o
			where o.sd_repeat_sale_rule = %(rule)s and o.opportunity_from = 'Customer'
			and {queries.open_condition("Opportunity", "o")}""",
			{"rule": rule_name},
		)
	)


def cooling_customers(customers, today) -> set[str]:
	"""Customers of ``customers`` cooling on ``today``: the list flag, then their own cooling keys (two queries)."""
	customers = sorted(set(customers))
	if not customers:
		return set()
	rows = frappe.db.sql(
		"""select name, customer_name, email_id, sd_cooling_until from `tabCustomer` where name in %(names)s""",
		{"names": customers},
		as_dict=True,
	)
	cooling = {r.name for r in rows if r.sd_cooling_until and getdate(r.sd_cooling_until) >= today}
	keys = {
		r.name: cooling_engine.target_keys(
			cooling_engine.Party("Customer", r.name, r.customer_name, (r.email_id,) if r.email_id else ())
		)
		for r in rows
		if r.name not in cooling
	}
	records = base_cooling.active_coolings(set().union(*keys.values()) if keys else (), today)
	if records:
		matched = set(
			frappe.db.sql_list(
				f"""select match_key from `tab{base_cooling.KEY_TABLE}`
				where parent in %(names)s and parenttype = %(parenttype)s""",
				{"names": [r.name for r in records], "parenttype": base_cooling.RECORD},
			)
		)
		cooling |= {c for c, k in keys.items() if k & matched}
	return cooling


def farmers_of(customers) -> dict[str, str]:
	"""customer → its farmer (``account_manager``) when that user is enabled."""
	if not customers:
		return {}
	return dict(
		frappe.db.sql(
			"""select c.name, c.account_manager from `tabCustomer` c
			join `tabUser` u on u.name = c.account_manager and u.enabled = 1
			where c.name in %(names)s""",
			{"names": sorted(customers)},
		)
	)


def evaluate(doc, today=None, dry_run=False) -> engine.Run:
	"""The engine's run of the rule ``doc`` on ``today`` (raises engine.TooMany unless ``dry_run``)."""
	today = getdate(today or nowdate())
	rule = rule_of(doc)
	orders = orders_for(rule, doc.company, today)
	selected = engine.select(rule, orders, today)
	open_now = open_for_rule(doc.name)
	return engine.run(
		rule,
		orders,
		today,
		farmers=farmers_of(selected),
		open_for_rule=open_now,
		excluded=cooling_customers(set(selected) - open_now, today),
		dry_run=dry_run,
	)


# --- the buttons ---------------------------------------------------------------------------


@frappe.whitelist()
def dry_run(rule: str):
	"""Who a run would create an opportunity for now, and who it skips."""
	frappe.has_permission(RULE, "read", rule, throw=True)
	doc = frappe.get_doc(RULE, rule)
	result = evaluate(doc, dry_run=True)
	names = _titles("Customer", "customer_name", [c.customer for c in result.candidates])
	farmers = _titles("User", "full_name", [c.farmer for c in result.candidates if c.farmer])
	return {
		"candidates": [
			{
				"customer": c.customer,
				"customer_name": names.get(c.customer) or c.customer,
				"farmer": c.farmer,
				"farmer_name": farmers.get(c.farmer) or c.farmer,
				"last_order": str(c.last_order) if c.last_order else None,
				"days_since": c.days_since,
			}
			for c in result.candidates
		],
		"count": len(result.candidates),
		"maximum": cint(doc.max_per_run),
		"over_limit": result.over_limit,
		"in_season": engine.in_season(rule_of(doc), getdate(nowdate())),
		"skipped_open": result.skipped_open,
		"skipped_cooling": result.skipped_excluded,
		"unassigned": result.unassigned,
	}


@frappe.whitelist(methods=["POST"])
def run_rule(rule: str):
	"""Create the opportunities now; refuses (creating nothing) when over the rule's maximum."""
	frappe.has_permission(RULE, "write", rule, throw=True)
	doc = frappe.get_doc(RULE, rule)
	try:
		result = evaluate(doc)
	except engine.TooMany as e:
		frappe.throw(_too_many_message(doc, e), exc=TooManyError, title=_("Too Many Opportunities"))
	return create(doc, result)


def _too_many_message(doc, e: engine.TooMany) -> str:
	return _(
		"Rule {0} would create {1} opportunities, more than its maximum of {2} per run. Nothing was created. "
		"Check the list with Dry Run, then narrow the rule or raise its maximum."
	).format(frappe.bold(doc.title or doc.name), frappe.bold(len(e.candidates)), frappe.bold(e.maximum))


def _titles(doctype, field, names) -> dict[str, str]:
	if not names:
		return {}
	return dict(
		frappe.get_all(
			doctype, filters={"name": ["in", sorted(set(names))]}, fields=["name", field], as_list=True
		)
	)


# --- creating ------------------------------------------------------------------------------------


def create(doc, result: engine.Run) -> dict:
	"""One Opportunity per candidate, assigned to its farmer; the rule records the run."""
	currency = frappe.get_cached_value("Company", doc.company, "default_currency")
	note = _note(doc)
	created, failed = [], []
	for candidate in result.candidates:
		frappe.db.savepoint("sd_repeat_sale")
		try:
			name = _make_opportunity(doc, candidate, currency, note)
		except Exception as e:  # a gate or a cooling refused it, or worse: listed, the others go on
			frappe.db.rollback(save_point="sd_repeat_sale")
			failed.append({"customer": candidate.customer, "error": str(e)})
			frappe.clear_messages()
			if not isinstance(e, frappe.ValidationError):  # not a refusal: a fault to look into
				frappe.log_error(title=_("Repeat-sale opportunity not created for {0}").format(candidate.customer)[:140],
					reference_doctype="Customer", reference_name=candidate.customer)  # fmt: skip
			continue
		created.append({"opportunity": name, "customer": candidate.customer, "farmer": candidate.farmer})
	unassigned = [c["customer"] for c in created if not c["farmer"]]
	summary = _summary(created, unassigned, failed, result)
	doc.db_set(
		{"last_run_on": now_datetime(), "last_run_count": len(created), "last_run_result": summary},
		update_modified=False,
	)
	return {
		"created": created,
		"unassigned": unassigned,
		"failed": failed,
		"skipped_open": result.skipped_open,
		"skipped_cooling": result.skipped_excluded,
		"summary": summary,
	}


def _make_opportunity(doc, candidate: engine.Candidate, currency, note) -> str:
	opp = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": candidate.customer,
			"company": doc.company,
			"currency": currency,
			"transaction_date": nowdate(),
			"opportunity_type": doc.opportunity_type,
			"opportunity_owner": candidate.farmer,
			RULE_FIELD: doc.name,
			"notes": [{"note": note, "added_by": frappe.session.user, "added_on": now_datetime()}],
		}
	)
	opp.insert(ignore_permissions=True)
	if candidate.farmer:
		from frappe.desk.form.assign_to import add as assign

		assign(
			{
				"assign_to": [candidate.farmer],
				"doctype": "Opportunity",
				"name": opp.name,
				"description": _("Repeat sale ({0}): call {1}").format(
					doc.title or doc.name, opp.customer_name or candidate.customer
				),
			},
			ignore_permissions=True,
		)
	return opp.name


def _note(doc) -> str:
	parts = [_("Repeat-sale rule: {0}").format(escape_html(doc.title or doc.name))]
	if doc.template_text:
		parts.append(doc.template_text)
	if doc.call_script:
		link = f'<a href="/app/call-script/{quote(doc.call_script)}">{escape_html(doc.call_script)}</a>'
		parts.append(_("Call script: {0}").format(link))
	return "".join(f"<div>{p}</div>" for p in parts)


def _summary(created, unassigned, failed, result: engine.Run) -> str:
	lines = [_("Opportunities created: {0}").format(len(created))]
	if unassigned:
		lines.append(_("No farmer, not assigned: {0}").format(", ".join(unassigned)))
	if result.skipped_open:
		lines.append(
			_("Skipped, an open opportunity of the rule exists: {0}").format(len(result.skipped_open))
		)
	if result.skipped_excluded:
		lines.append(_("Skipped, cooling: {0}").format(", ".join(result.skipped_excluded)))
	for f in failed:
		lines.append(_("Not created for {0}: {1}").format(f["customer"], frappe.utils.strip_html(f["error"])))
	return "\n".join(lines)


# --- the daily job ---------------------------------------------------------------------------


def run_all(today=None):
	"""Daily: run every enabled rule; a rule over its maximum creates nothing and the managers are told.

	A rule that fails is logged with the rule; the other rules run and keep what they made.
	"""
	today = getdate(today or nowdate())
	for name in frappe.get_all(RULE, filters={"enabled": 1}, pluck="name", order_by="name"):
		with isolated(RULE, name, _("Repeat-sale rule {0} not run").format(name)):
			_run_one(name, today)


def _run_one(name, today):
	doc = frappe.get_doc(RULE, name)
	try:
		result = evaluate(doc, today)
	except engine.TooMany as e:
		_over_maximum(doc, e)
		return
	create(doc, result)  # also with nobody to call: the rule records that it ran


def _over_maximum(doc, e: engine.TooMany):
	"""Record the refusal on the rule and alert the managers (once a day each)."""
	message = _too_many_message(doc, e)
	doc.db_set(
		{
			"last_run_on": now_datetime(),
			"last_run_count": 0,
			"last_run_result": frappe.utils.strip_html(message),
		},
		update_modified=False,
	)
	told_today = set(
		frappe.get_all(
			"Notification Log",
			filters={"document_type": RULE, "document_name": doc.name, "creation": [">=", nowdate()]},
			pluck="for_user",
		)
	)
	for user in managers():
		if user in told_today:  # a second run on the same day does not repeat the alert
			continue
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"subject": _("Repeat-sale rule {0} was not run: over its maximum").format(
					doc.title or doc.name
				),
				"email_content": message,
				"document_type": RULE,
				"document_name": doc.name,
				"from_user": "Administrator",
			}
		).insert(ignore_permissions=True)


def managers() -> list[str]:
	"""The head of sales (Sales Drive Settings) and every Sales Manager user."""
	from sales_drive.deviation import sales_managers

	head = frappe.db.get_single_value("Sales Drive Settings", "head_of_sales")
	return list(dict.fromkeys([*([head] if head else []), *sales_managers()]))
