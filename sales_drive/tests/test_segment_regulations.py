"""Several regulations per pipeline, chosen by segment; records keep theirs; moves are explicit.

The default Opportunity regulation (no segment conditions) stays; the class
adds a wholesale regulation (a customer group, with its subgroups) and a
key-account regulation (priority 10 or above the site's own, new records to the customer's account
manager). Regulations live in the Redis cache, so the class clears it after
its rollback.
"""

import frappe
from frappe.tests.test_api import FrappeAPITestCase
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from sales_drive import regulations
from sales_drive.api import move_to_regulation, step_panel
from sales_drive.tests.utils import (
	company,
	ensure_customer,
	ensure_user,
	make_opportunity,
	reset_cache,
	tree_node,
)

WHOLESALE = "_SD Wholesale"
KEY = "_SD Key Accounts"
GROUP = "_SD Wholesale Group"
SUBGROUP = "_SD Wholesale Sub"
KAM = "sd.kam@example.com"
SALES_USER = "sd.seg.user@example.com"


def ensure_group(name, parent="All Customer Groups", is_group=0):
	return tree_node("Customer Group", name, parent, is_group)


def copy_default(title, **values):
	"""A new active regulation with the default Opportunity regulation's steps and criteria."""
	source = frappe.get_doc("Sales Pipeline Regulation", regulations.default_name("Opportunity"))
	doc = frappe.copy_doc(source)
	doc.title = title
	doc.is_active = 1
	doc.update(values)
	return doc


def customer_in(group, key_account=0, account_manager=None):
	name, _contact = ensure_customer(f"_SD Seg Customer {frappe.generate_hash(length=8)}")
	frappe.db.set_value(
		"Customer", name, {"customer_group": group, "sd_key_account": key_account, "account_manager": account_manager}
	)
	return name


def opportunity_for(customer, **kw):
	return make_opportunity(customer=customer, **kw)


def other_group():
	return frappe.db.get_value(
		"Customer Group", {"is_group": 0, "name": ["not in", [GROUP, SUBGROUP]]}, "name"
	)


class TestSegmentRegulations(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		reset_cache()
		ensure_group(GROUP, is_group=1)
		ensure_group(SUBGROUP, parent=GROUP)
		ensure_user(KAM, ["Sales User"])
		ensure_user(SALES_USER, ["Sales User"])
		copy_default(WHOLESALE, customer_groups=[{"customer_group": GROUP}]).insert()
		# above every active regulation of the site (a site with data may have its own key-account regulation)
		active = frappe.get_all("Sales Pipeline Regulation", {"pipeline": "Opportunity", "is_active": 1}, pluck="priority")
		top = max(active or [0])
		copy_default(KEY, key_account="Key Accounts Only", priority=max(10, (top or 0) + 10),
			assign_to_account_manager=1).insert()  # fmt: skip
		reset_cache()

	@classmethod
	def tearDownClass(cls):
		super().tearDownClass()  # rolls the regulations back ...
		reset_cache()  # ... and the cached rules must follow
		frappe.clear_cache(doctype="Lead")

	def setUp(self):
		frappe.set_user("Administrator")

	def test_insert_picks_the_segment_regulation_and_its_subgroups(self):
		opp = opportunity_for(customer_in(SUBGROUP))
		self.assertEqual(opp.sd_regulation, WHOLESALE)
		log = frappe.get_all(
			"Sales Stage Transition Log", {"reference_name": opp.name}, ["kind", "regulation"]
		)
		self.assertEqual([(r.kind, r.regulation) for r in log], [("Enter", WHOLESALE)])

	def test_no_segment_match_takes_the_default(self):
		opp = opportunity_for(customer_in(other_group()))
		self.assertEqual(opp.sd_regulation, regulations.default_name("Opportunity"))
		self.assertNotIn(opp.sd_regulation, (WHOLESALE, KEY))

	def test_key_account_wins_by_priority_and_goes_to_the_account_manager(self):
		customer = customer_in(SUBGROUP, key_account=1, account_manager=KAM)
		opp = opportunity_for(customer)
		self.assertEqual(opp.sd_regulation, KEY)
		self.assertEqual(opp.opportunity_owner, KAM)
		self.assertTrue(
			frappe.db.exists(
				"ToDo", {"reference_type": "Opportunity", "reference_name": opp.name, "allocated_to": KAM, "status": "Open"}
			)
		)

	def test_record_keeps_its_regulation_until_moved_explicitly(self):
		customer = customer_in(SUBGROUP)
		opp = opportunity_for(customer)
		self.assertEqual(opp.sd_regulation, WHOLESALE)
		# the segment changes: the record keeps its regulation, the panel suggests the move
		frappe.db.set_value("Customer", customer, "customer_group", other_group())
		opp.reload()
		opp.customer_group = other_group()
		opp.save()
		self.assertEqual(opp.sd_regulation, WHOLESALE)
		default = regulations.default_name("Opportunity")
		panel = step_panel("Opportunity", opp.name)
		self.assertEqual(panel["regulation"], WHOLESALE)
		self.assertEqual(panel["suggested_regulation"], default)

		with self.assertRaises(frappe.ValidationError):
			move_to_regulation("Opportunity", opp.name, default, "  ")
		frappe.set_user(SALES_USER)
		with self.assertRaises(frappe.PermissionError):
			move_to_regulation("Opportunity", opp.name, default, "Segment changed")
		frappe.set_user("Administrator")
		step = opp.sales_stage
		result = move_to_regulation("Opportunity", opp.name, default, "Segment changed")
		self.assertEqual(result["regulation"], default)
		opp.reload()
		self.assertEqual(opp.sd_regulation, default)
		self.assertEqual(opp.sales_stage, step)  # the same step exists in the target
		row = frappe.get_all(
			"Sales Stage Transition Log",
			{"reference_name": opp.name, "kind": "Regulation Change"},
			["regulation", "previous_regulation", "override_reason", "from_step", "to_step", "user"],
		)
		self.assertEqual(len(row), 1)
		self.assertEqual(
			(row[0].regulation, row[0].previous_regulation, row[0].override_reason, row[0].from_step, row[0].to_step),
			(default, WHOLESALE, "Segment changed", step, step),
		)
		self.assertIsNone(step_panel("Opportunity", opp.name)["suggested_regulation"])

	def test_regulation_cannot_be_set_by_hand(self):
		opp = opportunity_for(customer_in(SUBGROUP), sd_regulation=KEY)  # sent with a regulation on insert
		self.assertEqual(opp.sd_regulation, WHOLESALE)  # the segment chooses
		opp.sd_regulation = regulations.default_name("Opportunity")
		with self.assertRaises(frappe.ValidationError) as cm:
			opp.save()
		self.assertIn("Move to Another Regulation", str(cm.exception))
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sd_regulation"), WHOLESALE)

	def test_moving_into_a_regulation_without_the_step_starts_at_its_first_step(self):
		reg = frappe.get_doc("Sales Pipeline Regulation", WHOLESALE)
		first = reg.steps[0].step
		short = copy_default("_SD Short", opportunity_types=[{"opportunity_type": self._opportunity_type()}], priority=5)
		short.steps = [s for s in short.steps if s.step != reg.steps[1].step]
		for s in short.steps:
			if s.next_step == reg.steps[1].step:
				s.next_step = ""
		short.criteria = [c for c in short.criteria if c.step != reg.steps[1].step]
		short.insert()
		reset_cache()
		opp = opportunity_for(customer_in(SUBGROUP))
		frappe.db.set_value("Opportunity", opp.name, "sales_stage", reg.steps[1].step)
		move_to_regulation("Opportunity", opp.name, short.name, "Smaller deal")
		opp.reload()
		self.assertEqual((opp.sd_regulation, opp.sales_stage), (short.name, first))
		frappe.delete_doc("Opportunity", opp.name, force=True)
		short.delete()
		reset_cache()

	def _opportunity_type(self):
		if not frappe.db.exists("Opportunity Type", "_SD Small"):
			frappe.get_doc({"doctype": "Opportunity Type", "name": "_SD Small"}).insert(ignore_permissions=True)
		return "_SD Small"

	def test_overlapping_segments_without_priority_are_refused(self):
		before = frappe.db.count("Sales Pipeline Regulation")
		clash = copy_default("_SD Clash", customer_groups=[{"customer_group": SUBGROUP}])
		with self.assertRaises(frappe.ValidationError) as cm:
			clash.insert()
		self.assertIn(WHOLESALE, str(cm.exception))
		self.assertIn("same priority", str(cm.exception))
		self.assertEqual(frappe.db.count("Sales Pipeline Regulation"), before)
		frappe.local.lang = "ru"
		try:
			with self.assertRaises(frappe.ValidationError) as cm:
				copy_default("_SD Clash", customer_groups=[{"customer_group": SUBGROUP}]).insert()
			self.assertIn("одинаковым приоритетом", str(cm.exception))
		finally:
			frappe.local.lang = "en"
		# a higher priority settles it
		clash = copy_default("_SD Clash", customer_groups=[{"customer_group": SUBGROUP}], priority=3).insert()
		self.assertTrue(frappe.db.exists("Sales Pipeline Regulation", clash.name))
		clash.delete()  # the other tests of the class expect only the class's regulations
		reset_cache()

	def test_a_second_default_and_losing_the_default_are_refused(self):
		with self.assertRaises(frappe.ValidationError) as cm:
			copy_default("_SD Second Default").insert()
		self.assertIn("only one can be the default", str(cm.exception))
		default = frappe.get_doc("Sales Pipeline Regulation", regulations.default_name("Opportunity"))
		default.is_active = 0
		with self.assertRaises(frappe.ValidationError) as cm:
			default.save()
		self.assertIn("default regulation", str(cm.exception))
		self.assertEqual(frappe.db.get_value("Sales Pipeline Regulation", default.name, "is_active"), 1)

	def test_reports_follow_each_records_regulation(self):
		from sales_drive.sales_drive.report.sales_funnel_conversion import sales_funnel_conversion as funnel
		from sales_drive.sales_drive.report.stage_duration_and_overdue import (
			stage_duration_and_overdue as duration,
		)

		wholesale = frappe.get_doc("Sales Pipeline Regulation", WHOLESALE)
		first = wholesale.steps[0]
		first.max_days = 17  # differs from the default regulation's limit
		wholesale.save()
		reset_cache()
		filters = {"from_date": nowdate(), "to_date": nowdate(), "document_type": "Opportunity"}

		def entered(**extra):
			rows = funnel.execute({**filters, **extra})[1]
			return next((r["entered"] for r in rows if r["step"] == first.step), 0)

		before_ours, before_all = entered(regulation=WHOLESALE), entered()
		ours = opportunity_for(customer_in(SUBGROUP))
		other = opportunity_for(customer_in(other_group()))
		self.assertEqual(entered(regulation=WHOLESALE), before_ours + 1)
		self.assertEqual(entered(), before_all + 2)
		rows = {
			r.name: r
			for r in duration.execute({"document_type": "Opportunity", "regulation": WHOLESALE, "view": "Records"})[1]
		}
		self.assertIn(ours.name, rows)
		self.assertNotIn(other.name, rows)
		self.assertEqual(rows[ours.name].limit, 17)
		self.assertEqual(
			{
				r.name: r
				for r in duration.execute(
					{"document_type": "Opportunity", "regulation": other.sd_regulation, "view": "Records"}
				)[1]
			}[other.name].limit,
			frappe.get_doc("Sales Pipeline Regulation", other.sd_regulation).steps[0].max_days,
		)

	def test_lead_regulation_chosen_by_territory_and_its_steps_offered(self):
		territory = tree_node("Territory", "_SD Seg North", "All Territories")
		source = frappe.get_doc("Sales Pipeline Regulation", regulations.default_name("Lead"))
		north = frappe.copy_doc(source)
		north.title = "_SD Lead North"
		north.is_active = 1
		north.set("territories", [{"territory": territory}])
		for row in north.steps:
			if row.step == source.steps[0].step:
				row.step = "North Inbound"
		for row in north.criteria:
			if row.step == source.steps[0].step:
				row.step = "North Inbound"
		north.insert()
		reset_cache()
		# the Lead step field now offers both regulations' steps
		options = frappe.get_meta("Lead", cached=False).get_field("sd_step").options.split("\n")
		self.assertIn("North Inbound", options)
		self.assertIn(source.steps[0].step, options)
		lead = frappe.get_doc(
			{"doctype": "Lead", "first_name": "Nord", "company_name": f"_SD North {frappe.generate_hash(length=6)}",
				"territory": territory}  # fmt: skip
		).insert()
		self.assertEqual((lead.sd_regulation, lead.sd_step), (north.name, "North Inbound"))
		other = frappe.get_doc(
			{"doctype": "Lead", "first_name": "Sud", "company_name": f"_SD South {frappe.generate_hash(length=6)}"}
		).insert()
		self.assertEqual(other.sd_regulation, source.name)

	def test_lead_regulation_cannot_use_customer_groups(self):
		source = frappe.get_doc("Sales Pipeline Regulation", regulations.default_name("Lead"))
		doc = frappe.copy_doc(source)
		doc.title = "_SD Lead Groups"
		doc.set("customer_groups", [{"customer_group": GROUP}])
		with self.assertRaises(frappe.ValidationError) as cm:
			doc.insert()
		self.assertIn("leads have no such field", str(cm.exception))


class TestSegmentSelectionOverRest(FrappeAPITestCase):
	"""A record created through REST gets its segment's regulation (committed fixtures)."""

	created: list = []

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		ensure_group(GROUP, is_group=1)
		ensure_group(SUBGROUP, parent=GROUP)
		if not frappe.db.exists("Sales Pipeline Regulation", WHOLESALE):
			copy_default(WHOLESALE, customer_groups=[{"customer_group": GROUP}]).insert()
		cls.customer = customer_in(SUBGROUP)
		frappe.db.commit()
		reset_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in cls.created:
			if frappe.db.exists("Opportunity", name):
				frappe.delete_doc("Opportunity", name, force=True)
		frappe.delete_doc("Sales Pipeline Regulation", WHOLESALE, force=True)
		frappe.delete_doc("Customer", cls.customer, force=True)
		frappe.db.commit()
		reset_cache()
		super().tearDownClass()

	def test_rest_insert_selects_by_segment(self):
		response = self.post(
			self.resource("Opportunity"),
			{
				"sid": self.sid,
				"opportunity_from": "Customer",
				"party_name": self.customer,
				"company": company(),
				"transaction_date": nowdate(),
			},
		)
		self.assertEqual(response.status_code, 200, response.json)
		name = response.json["data"]["name"]
		self.created.append(name)
		frappe.db.commit()
		self.assertEqual(response.json["data"]["sd_regulation"], WHOLESALE)
		self.assertEqual(frappe.db.get_value("Opportunity", name, "sd_regulation"), WHOLESALE)
		self.assertEqual(
			frappe.db.get_value("Sales Stage Transition Log", {"reference_name": name, "kind": "Enter"}, "regulation"),
			WHOLESALE,
		)
