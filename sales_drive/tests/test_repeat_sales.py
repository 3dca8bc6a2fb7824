"""Repeat-sale rules on a real site: each kind selects the right customers from submitted
Sales Orders, a run creates one open opportunity per customer and rule assigned to the
farmer, skips cooling customers, refuses (creating nothing) over its maximum, and a bad
rule is refused in the user's language.
"""

from urllib.parse import quote

import frappe
from frappe.utils import add_days, add_years, getdate, nowdate

from sales_drive import repeat_sales
from sales_drive.base_cooling import lift
from sales_drive.repeat_sales import TooManyError, dry_run, run_all, run_rule
from sales_drive.tests.utils import EachTestRolledBack, company, ensure_customer, ensure_fiscal_year, ensure_user, reset_cache, tree_node

P = "_SDR "
SEEDS = f"{P}Seeds"  # a group with a subgroup
WHEAT = f"{P}Wheat Seeds"
FERTILISER = f"{P}Fertiliser"
FARMER = "sd-farmer-1@example.com"
FARMER_2 = "sd-farmer-2@example.com"
HEAD = "sd-repeat-head@example.com"


def item_group(name, parent="All Item Groups", is_group=0):
	return tree_node("Item Group", name, parent, is_group)


def item(code, group):
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": group,
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"include_item_in_manufacturing": 0,
			}
		).insert(ignore_permissions=True)
	return code


def ensure_catalogue():
	item_group(SEEDS, is_group=1)
	item_group(WHEAT, parent=SEEDS)
	item_group(FERTILISER)
	return {"seed": item(f"{P}Wheat", WHEAT), "fert": item(f"{P}Urea", FERTILISER)}


def customer(tag, farmer=None):
	name, _contact = ensure_customer(f"{P}{tag}")
	frappe.db.set_value("Customer", name, {"account_manager": farmer, "sd_cooling_until": None})
	return name


def order(customer_name, day, *items):
	"""A submitted Sales Order of ``customer_name`` on ``day`` with one line per item code."""
	day = getdate(day)
	ensure_fiscal_year(day)
	so = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer_name,
			"company": company(),
			"transaction_date": day,
			"delivery_date": add_days(day, 7),
			"items": [
				{"item_code": code, "qty": 1, "rate": 100, "delivery_date": add_days(day, 7)}
				for code in items
			],
		}
	)
	so.insert(ignore_permissions=True)
	so.submit()
	return so.name


def rule(title, kind="No Order", **kw):
	return frappe.get_doc(
		{
			"doctype": "Repeat Sale Rule",
			"title": title,
			"company": company(),
			"kind": kind,
			"enabled": 1,
			"max_per_run": 50,
			**kw,
		}
	).insert()


def season_around(today, before=10, after=10):
	start, end = add_days(today, -before), add_days(today, after)
	return {
		"season_start_month": start.month,
		"season_start_day": start.day,
		"season_end_month": end.month,
		"season_end_day": end.day,
	}


def make_opportunity_for(customer_name):
	return frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": customer_name,
			"company": company(),
			"transaction_date": nowdate(),
		}
	).insert()


def mine(names):
	return sorted(n for n in names if n.startswith(P))


def opportunities(rule_name, status=None):
	filters = {"sd_repeat_sale_rule": rule_name}
	if status:
		filters["status"] = status
	return frappe.get_all(
		"Opportunity",
		filters=filters,
		fields=["name", "party_name", "opportunity_owner", "status", "opportunity_type"],
		order_by="party_name",
	)


class RepeatCase(EachTestRolledBack):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		ensure_user(FARMER, ["Sales User"])
		ensure_user(FARMER_2, ["Sales User"])
		cls.items = ensure_catalogue()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"
		reset_cache()
		self.today = getdate(nowdate())
		super().setUp()  # each test starts from the class's data

	def tearDown(self):
		frappe.local.lang = "en"
		super().tearDown()


class TestSelection(RepeatCase):
	"""Each kind picks exactly the customers it should."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		today = getdate(nowdate())
		seed, fert = cls.items["seed"], cls.items["fert"]
		cls.sleeping = customer("Sleeping", FARMER)  # last order 100 days ago
		cls.recent = customer("Recent", FARMER)  # ordered 10 days ago
		cls.boundary = customer("Boundary", FARMER_2)  # exactly 60 days ago
		cls.seeds_only = customer("Seeds Only", FARMER)
		cls.both = customer("Both", FARMER_2)
		order(cls.sleeping, add_days(today, -200), fert)
		order(cls.sleeping, add_days(today, -100), seed)
		order(cls.recent, add_days(today, -300), seed)
		order(cls.recent, add_days(today, -10), seed)
		order(cls.boundary, add_days(today, -60), fert)
		order(cls.seeds_only, add_days(today, -20), seed)
		order(cls.both, add_days(today, -30), seed, fert)
		# a cancelled order does not count
		frappe.get_doc("Sales Order", order(cls.recent, add_days(today, -5), seed)).cancel()

	def candidates(self, doc):
		return mine(c["customer"] for c in dry_run(doc.name)["candidates"])

	def test_no_order_for_n_days(self):
		doc = rule("No order 60", days_without_order=60)
		self.assertEqual(self.candidates(doc), sorted([self.sleeping, self.boundary]))
		doc.days_without_order = 61
		doc.save()
		self.assertEqual(self.candidates(doc), [self.sleeping])

	def test_dry_run_lists_last_order_days_and_farmer(self):
		doc = rule("No order 60 listed", days_without_order=60)
		result = dry_run(doc.name)
		rows = {c["customer"]: c for c in result["candidates"]}
		self.assertEqual(rows[self.sleeping]["last_order"], str(add_days(self.today, -100)))
		self.assertEqual(rows[self.sleeping]["days_since"], 100)
		self.assertEqual(rows[self.sleeping]["farmer"], FARMER)
		self.assertEqual(rows[self.boundary]["farmer"], FARMER_2)
		# longest silence first (the site's own customers may be listed among them)
		ours = [c["customer"] for c in result["candidates"] if c["customer"] in (self.sleeping, self.boundary)]
		self.assertEqual(ours, [self.sleeping, self.boundary])
		self.assertFalse(result["over_limit"])
		self.assertEqual(result["maximum"], 50)
		self.assertEqual(opportunities(doc.name), [])  # a dry run creates nothing

	def test_cross_sell_counts_subgroups(self):
		# bought seeds (wheat is a subgroup of seeds) but never fertiliser
		doc = rule("Seeds no fertiliser", "Cross Sell", item_group=SEEDS, missing_item_group=FERTILISER)
		self.assertEqual(self.candidates(doc), sorted([self.recent, self.seeds_only]))
		reverse = rule("Fertiliser no seeds", "Cross Sell", item_group=FERTILISER, missing_item_group=SEEDS)
		self.assertEqual(self.candidates(reverse), [self.boundary])

	def test_season_last_years_buyers_not_yet_this_season(self):
		seed = self.items["seed"]
		last_year = add_years(self.today, -1)
		again = customer("Season Again", FARMER)
		gone = customer("Season Gone", FARMER)
		fert_only = customer("Season Fert", FARMER)
		order(again, add_days(last_year, -2), seed)
		order(again, add_days(self.today, -3), seed)  # bought this season already
		order(gone, add_days(last_year, 3), seed)
		order(fert_only, last_year, self.items["fert"])
		doc = rule("Seed season", "Season", item_group=SEEDS, **season_around(self.today))
		self.assertEqual(self.candidates(doc), [gone])
		# the date window limits a rule of any kind: out of season it selects nobody
		out = rule(
			"Sleeping out of season", days_without_order=60, **season_around(add_days(self.today, 60), 5, 5)
		)
		result = dry_run(out.name)
		self.assertFalse(result["in_season"])
		self.assertEqual(result["candidates"], [])


class TestRun(RepeatCase):
	"""Creating the opportunities: one open per customer and rule, assigned to the farmer."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		today = getdate(nowdate())
		cls.a = customer("Run A", FARMER)
		cls.b = customer("Run B", FARMER_2)
		cls.orphan = customer("Run Orphan")  # no farmer
		for c, days in ((cls.a, 120), (cls.b, 90), (cls.orphan, 100)):
			order(c, add_days(today, -days), cls.items["seed"])
		frappe.db.set_value("Customer", [cls.a, cls.b, cls.orphan], "sd_cooling_until", None)

	def mine_created(self, result):
		return mine(c["customer"] for c in result["created"])

	def test_run_creates_assigns_and_notes_then_nothing_twice(self):
		script = frappe.db.get_value("Call Script", {}, "name")
		doc = rule(
			"Run once",
			days_without_order=80,
			opportunity_type="Sales",
			call_script=script,
			template_text="<p>Offer the new wheat variety</p>",
		)
		result = run_rule(doc.name)
		self.assertEqual(self.mine_created(result), sorted([self.a, self.b, self.orphan]))
		opps = {o.party_name: o for o in opportunities(doc.name)}
		self.assertEqual(opps[self.a].opportunity_owner, FARMER)
		self.assertEqual(opps[self.b].opportunity_owner, FARMER_2)
		self.assertIsNone(opps[self.orphan].opportunity_owner)
		self.assertEqual({o.opportunity_type for o in opps.values()}, {"Sales"})
		self.assertEqual(
			frappe.get_all(
				"ToDo",
				filters={
					"reference_type": "Opportunity",
					"reference_name": opps[self.a].name,
					"status": "Open",
				},
				pluck="allocated_to",
			),
			[FARMER],
		)
		self.assertFalse(
			frappe.db.exists(
				"ToDo", {"reference_type": "Opportunity", "reference_name": opps[self.orphan].name}
			)
		)
		self.assertIn(self.orphan, result["unassigned"])
		note = frappe.get_doc("Opportunity", opps[self.a].name).notes[0].note
		self.assertIn("Offer the new wheat variety", note)
		if script:
			self.assertIn(f"/app/call-script/{quote(script)}", note)
		doc.reload()
		self.assertEqual(doc.last_run_count, len(result["created"]))
		self.assertIn(self.orphan, doc.last_run_result)
		# a second run: every customer already has an open opportunity of the rule
		again = run_rule(doc.name)
		self.assertEqual(self.mine_created(again), [])
		self.assertEqual(mine(again["skipped_open"]), sorted([self.a, self.b, self.orphan]))
		self.assertEqual(len([o for o in opportunities(doc.name) if o.party_name == self.a]), 1)

	def test_opportunities_enter_the_pipeline(self):
		doc = rule("Run pipeline", days_without_order=80)
		run_rule(doc.name)
		opp = frappe.get_doc(
			"Opportunity", next(o.name for o in opportunities(doc.name) if o.party_name == self.a)
		)
		self.assertTrue(opp.sd_regulation)
		self.assertTrue(opp.sales_stage)
		self.assertTrue(
			frappe.db.exists(
				"Sales Stage Transition Log", {"reference_doctype": "Opportunity", "reference_name": opp.name}
			)
		)

	def test_closed_allows_a_new_one_lost_cools_first(self):
		doc = rule("Run again", days_without_order=80)
		run_rule(doc.name)
		opps = {o.party_name: o.name for o in opportunities(doc.name)}
		frappe.db.set_value("Opportunity", opps[self.b], "status", "Closed")
		self.lose(
			frappe.get_doc("Opportunity", opps[self.a])
		)  # a refusal: the default rule cools the customer
		second = run_rule(doc.name)
		self.assertEqual(self.mine_created(second), [self.b])
		self.assertEqual(mine(second["skipped_cooling"]), [self.a])
		# once the cooling is lifted, the lost one does not hold the next run back
		lift("Customer", self.a, "Asked to be called back")
		third = run_rule(doc.name)
		self.assertEqual(self.mine_created(third), [self.a])
		self.assertEqual(len(opportunities(doc.name, status="Open")), len(opportunities(doc.name)) - 2)

	def lose(self, opp):
		name = "_SDR Not now"
		if not frappe.db.exists("Opportunity Lost Reason", name):
			frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name}).insert(
				ignore_permissions=True
			)
		opp.status = "Lost"
		opp.append("lost_reasons", {"lost_reason": name})
		opp.save()

	def test_cooling_customers_skipped_by_flag_and_by_record(self):
		doc = rule("Run cooling", days_without_order=80)
		frappe.db.set_value("Customer", self.a, "sd_cooling_until", add_days(self.today, 5))
		# a refusal cools b; with the list flag cleared it is still found by the customer's cooling keys
		self.lose(make_opportunity_for(self.b))
		self.assertTrue(frappe.db.get_value("Customer", self.b, "sd_cooling_until"))
		frappe.db.set_value("Customer", self.b, "sd_cooling_until", None)
		result = dry_run(doc.name)
		self.assertEqual(mine(result["skipped_cooling"]), sorted([self.a, self.b]))
		created = run_rule(doc.name)
		self.assertEqual(self.mine_created(created), [self.orphan])
		self.assertEqual(created["failed"], [])

	def test_over_the_maximum_refused_nothing_created(self):
		doc = rule("Run too many", days_without_order=80, max_per_run=2)
		self.assertTrue(dry_run(doc.name)["over_limit"])
		todos = frappe.db.count("ToDo")
		with self.assertRaises(TooManyError) as ctx:
			run_rule(doc.name)
		self.assertIn("would create", str(ctx.exception))
		self.assertIn("<strong>2</strong>", str(ctx.exception))
		self.assertEqual(opportunities(doc.name), [])
		self.assertEqual(frappe.db.count("ToDo"), todos)

	def test_over_the_maximum_in_russian(self):
		doc = rule("Run too many ru", days_without_order=80, max_per_run=1)
		frappe.local.lang = "ru"
		with self.assertRaises(TooManyError) as ctx:
			run_rule(doc.name)
		self.assertIn("Ничего не создано", str(ctx.exception))

	def test_a_sales_user_may_dry_run_but_not_create(self):
		doc = rule("Run rights", days_without_order=80)
		frappe.set_user(FARMER)
		self.assertIn(self.a, [c["customer"] for c in dry_run(doc.name)["candidates"]])
		with self.assertRaises(frappe.PermissionError):
			run_rule(doc.name)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("Repeat Sale Rule", doc.name).save()  # read only for a manager
		frappe.set_user("Administrator")
		self.assertEqual(opportunities(doc.name), [])

	def test_daily_job_runs_enabled_rules_and_reports_over_maximum(self):
		ensure_user(HEAD, ["Sales Manager"])
		frappe.db.set_single_value("Sales Drive Settings", "head_of_sales", HEAD)
		self.addCleanup(frappe.db.set_single_value, "Sales Drive Settings", "head_of_sales", None)
		frappe.db.set_value("Repeat Sale Rule", {"enabled": 1}, "enabled", 0)  # only this class's rules
		ok = rule("Daily ok", days_without_order=80)
		too_many = rule("Daily too many", days_without_order=80, max_per_run=1)
		off = rule("Daily off", days_without_order=80, enabled=0)
		run_all()
		self.assertEqual(
			mine(o.party_name for o in opportunities(ok.name)), sorted([self.a, self.b, self.orphan])
		)
		self.assertEqual(opportunities(too_many.name), [])
		self.assertEqual(opportunities(off.name), [])
		self.assertIsNone(frappe.db.get_value("Repeat Sale Rule", off.name, "last_run_on"))
		ok.reload()
		self.assertEqual(ok.last_run_count, len(opportunities(ok.name)))
		run_all()  # the next day's run finds them open: nothing new, but the run is recorded
		ok.reload()
		self.assertEqual(ok.last_run_count, 0)
		self.assertEqual(
			mine(o.party_name for o in opportunities(ok.name)), sorted([self.a, self.b, self.orphan])
		)
		logs = frappe.get_all(
			"Notification Log",
			filters={"document_type": "Repeat Sale Rule", "document_name": too_many.name},
			pluck="for_user",
		)
		self.assertIn(HEAD, logs)
		self.assertEqual(len(logs), len(set(logs)))  # each manager once
		too_many.reload()
		self.assertEqual(too_many.last_run_count, 0)
		self.assertIn("would create", too_many.last_run_result)


class TestValidation(RepeatCase):
	def assert_refused(self, text, **kw):
		before = frappe.db.count("Repeat Sale Rule")
		with self.assertRaises(frappe.ValidationError) as ctx:
			rule("Bad", **kw)
		self.assertIn(text, frappe.utils.strip_html(str(ctx.exception)))
		self.assertEqual(frappe.db.count("Repeat Sale Rule"), before)

	def test_days_at_least_one(self):
		self.assert_refused("Days without an order must be at least 1, not 0", days_without_order=0)

	def test_cross_sell_needs_two_different_groups(self):
		self.assert_refused("needs both item groups", kind="Cross Sell", item_group=SEEDS)
		self.assert_refused(
			"The two item groups are the same", kind="Cross Sell", item_group=SEEDS, missing_item_group=SEEDS
		)
		self.assert_refused(
			"one contains the other", kind="Cross Sell", item_group=SEEDS, missing_item_group=WHEAT
		)

	def test_season_needs_valid_dates(self):
		self.assert_refused("A season rule needs a season", kind="Season")
		self.assert_refused(
			"2/30 is not a date",
			kind="Season",
			season_start_month=2,
			season_start_day=30,
			season_end_month=3,
			season_end_day=1,
		)

	def test_maximum_required_and_not_negative(self):
		self.assert_refused("Set a maximum per run of at least 1", days_without_order=5, max_per_run=0)
		self.assert_refused("cannot be negative", days_without_order=5, max_per_run=-1)

	def test_errors_in_russian(self):
		frappe.local.lang = "ru"
		self.assert_refused("Дней без заказа должно быть не меньше 1, а не 0", days_without_order=0)
		self.assert_refused("нужны обе группы товаров", kind="Cross Sell", item_group=SEEDS)

	def test_every_fault_listed_at_once(self):
		with self.assertRaises(frappe.ValidationError) as ctx:
			rule("Bad all", days_without_order=0, max_per_run=-2, season_start_month=13, season_start_day=1,
				season_end_month=1, season_end_day=1)  # fmt: skip
		message = frappe.utils.strip_html(str(ctx.exception))
		for text in ("at least 1, not 0", "13/1 is not a date", "cannot be negative, not -2"):
			self.assertIn(text, message)

	def test_a_valid_rule_is_saved(self):
		doc = rule("Good", "Season", item_group=SEEDS, **season_around(self.today))
		self.assertTrue(frappe.db.exists("Repeat Sale Rule", doc.name))
		self.assertEqual(repeat_sales.rule_of(doc).item_group, SEEDS)
