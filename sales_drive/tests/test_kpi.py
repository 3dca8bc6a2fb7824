"""KPI Scheme and KPI Scorecard on a site: facts from invoices, calls and meetings; payouts checked by hand."""

from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_first_day, get_last_day, getdate, nowdate

from sales_drive import kpi
from sales_drive.tests.utils import activity, company, ensure_sales_person, ensure_user, make_invoice, make_opportunity

PREFIX = "_SD KPI"


def purge():
	names = frappe.get_all("KPI Scheme", filters={"title": ["like", f"{PREFIX}%"]}, pluck="name")
	if names:
		for table in ("KPI Scorecard Line", "KPI Scorecard"):
			key = "parent" if table.endswith("Line") else "kpi_scheme"
			if key == "parent":
				cards = frappe.get_all("KPI Scorecard", filters={"kpi_scheme": ["in", names]}, pluck="name")
				if cards:
					frappe.db.delete(table, {"parent": ["in", cards]})
			else:
				frappe.db.delete(table, {"kpi_scheme": ["in", names]})
		frappe.db.delete("KPI Scheme Component", {"parent": ["in", names]})
		frappe.db.delete("KPI Scheme Person", {"parent": ["in", names]})
		frappe.db.delete("KPI Scheme", {"name": ["in", names]})


class TestKPIScorecard(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		purge()
		cls.user_a = ensure_user("sd.kpi.a@example.com", ["Sales User"])
		cls.user_b = ensure_user("sd.kpi.b@example.com", ["Sales User"])
		cls.a = ensure_sales_person("_SD KPI A", cls.user_a, gender="Male")
		cls.b = ensure_sales_person("_SD KPI B", cls.user_b, gender="Male")
		cls.start = getdate(get_first_day(nowdate()))
		cls.end = getdate(get_last_day(nowdate()))
		# sales: A 12,000, B 4,000 (Sales Team 100 %)
		make_invoice([(cls.a, 100)], rate=12000)
		make_invoice([(cls.b, 100)], rate=4000)
		# activity: A 5 calls, 1 meeting; B 2 calls, 2 meetings; an e-mail is not a call
		for _ in range(5):
			activity(cls.user_a, "Phone")
		activity(cls.user_a, "Email")
		for _ in range(2):
			activity(cls.user_b, "Phone")
		activity(cls.user_a, meeting=True)
		activity(cls.user_b, meeting=True)
		activity(cls.user_b, meeting=True)

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		super().tearDownClass()

	def setUp(self):
		purge()

	def scheme(self, save=True, **kw):
		doc = frappe.get_doc({
			"doctype": "KPI Scheme", "title": f"{PREFIX} {frappe.generate_hash(length=6)}", "company": company(),
			"period": "Month", "valid_from": self.start, "applies_to": "Sales Persons",
			"sales_persons": [{"sales_person": self.a}, {"sales_person": self.b}],
			"base_pay": 1000, "variable_pay": 1000, "best_bonus": 300, "best_metric": "Revenue",
			"components": [
				{"metric": "Revenue", "weight": 50, "target": 10000, "threshold": 50},
				{"metric": "Calls", "weight": 30, "target": 4, "curve": "Accelerator", "accelerator": 2, "cap": 150},
				{"metric": "Meetings", "weight": 20, "target": 2, "curve": "Steps", "steps": "50:50, 100:100"},
			],
		})
		doc.update(kw)
		if save:
			doc.insert()
		return doc

	def test_scorecards_computed_by_hand_and_submitted_frozen(self):
		scheme = self.scheme()
		names = kpi.compute_scorecards(scheme.name, nowdate())
		cards = {c.sales_person: c for c in (frappe.get_doc("KPI Scorecard", n) for n in names)}
		a, b = cards[self.a], cards[self.b]
		# A: revenue 120 % → 500 × 1.2 = 600; calls 5/4 = 125 % → accelerator 100 + 25×2 = 150 % of 300 = 450;
		#    meetings 1/2 = 50 % → step 50 % of 200 = 100; base 1,000; best revenue bonus 300
		self.assertEqual([(r.metric_key, r.fact, r.achieved, r.payout) for r in a.lines], [
			("revenue", 12000, 120, 600), ("calls", 5, 125, 450), ("meetings", 1, 50, 100)])
		self.assertEqual((a.base_pay, a.variable, a.best_bonus, a.total), (1000, 1150, 300, 2450))
		self.assertEqual(a.score, 107.5)
		self.assertTrue(a.best_of_period)
		# B: revenue 40 % is below the 50 % threshold → 0; calls 50 % → 150; meetings 100 % → 200
		self.assertEqual([r.payout for r in b.lines], [0, 150, 200])
		self.assertEqual((b.variable, b.best_bonus, b.total, b.best_of_period), (350, 0, 1350, 0))
		# drill-down: the calls line opens A's phone calls of the month
		calls = a.lines[1].drill_down
		self.assertIn("/app/communication?", calls)
		self.assertIn("Phone", calls)
		self.assertIn("sd.kpi.a%40example.com", calls)
		# review and submit A: frozen; a recompute refreshes B's draft only
		a.submit()
		make_invoice([(self.a, 100)], rate=1000)
		again = kpi.compute_scorecards(scheme.name, nowdate())
		self.assertNotIn(a.name, again)
		self.assertEqual(frappe.db.get_value("KPI Scorecard", a.name, "total"), 2450)
		self.assertEqual(len(again), 1)
		# the revenue best bonus went to A (13,000 now) but A's submitted card is not touched
		self.assertEqual(frappe.db.get_value("KPI Scorecard", again[0], "best_bonus"), 0)

	def test_bad_input_is_refused_with_translated_errors_and_nothing_saved(self):
		before = frappe.db.count("KPI Scheme")
		cases = {
			"weights": {"components": [{"metric": "Revenue", "weight": 60, "target": 1}, {"metric": "Calls", "weight": 30, "target": 1}]},
			"threshold above cap": {"components": [{"metric": "Revenue", "weight": 100, "target": 1, "threshold": 120, "cap": 110}]},
			"no plan": {"valid_from": "2099-01-01", "components": [{"metric": "Revenue", "weight": 100, "target_source": "Sales Plan"}]},
			"unknown metric": {"components": [{"metric": "Happiness", "weight": 100, "target": 1}]},
		}
		expected = {
			"weights": "add up to 90, not 100",
			"threshold above cap": "is above the cap",
			"no plan": "no submitted plan covers",
			"unknown metric": "not known to the KPI registry",
		}
		for case, kw in cases.items():
			with self.subTest(case):
				doc = self.scheme(save=False, sales_persons=[], applies_to="Sales Persons", best_metric="", **kw)
				with self.assertRaises(frappe.ValidationError) as ctx:
					doc.insert()
				self.assertIn(expected[case], str(ctx.exception))
		# two schemes covering one person in the same period
		self.scheme()
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.scheme(sales_persons=[{"sales_person": self.a}])
		self.assertIn("overlapping periods", str(ctx.exception))
		self.assertEqual(frappe.db.count("KPI Scheme"), before + 1)

	def test_errors_are_translated(self):
		frappe.local.lang = "ru"
		try:
			doc = self.scheme(save=False, components=[{"metric": "Revenue", "weight": 90, "target": 1}])
			with self.assertRaises(frappe.ValidationError) as ctx:
				doc.insert()
			self.assertIn("Сумма весов компонентов равна 90", str(ctx.exception))
		finally:
			frappe.local.lang = "en"

	def test_daily_job_creates_drafts(self):
		scheme = self.scheme(sales_persons=[{"sales_person": self.b}], best_metric="", applies_to="Sales Persons")
		kpi.compute_all(nowdate())
		cards = frappe.get_all("KPI Scorecard", filters={"kpi_scheme": scheme.name}, fields=["sales_person", "docstatus", "total"])
		self.assertEqual([(c.sales_person, c.docstatus) for c in cards], [(self.b, 0)])
		self.assertEqual(Decimal(str(cards[0].total)), Decimal(1350))


class TestHandoffTime(FrappeTestCase):
	"""Hand-off Time: from the Opportunity's creation, or — with a From Step — from the hand-off into it."""

	def test_hours_from_creation_or_from_the_handoff_step(self):
		from datetime import datetime

		from sales_drive.engine.kpi import Component

		frappe.set_user("Administrator")
		user = ensure_user("sd.kpi.closer@example.com", ["Sales User"])
		closer = ensure_sales_person("_SD KPI Closer", user, gender="Male")
		start, end = getdate("2026-03-01"), getdate("2026-03-31")

		def row(reference, kind, to_step, at, assigned_to=None):
			frappe.get_doc({
				"doctype": "Sales Stage Transition Log", "name": frappe.generate_hash(length=10),
				"reference_doctype": "Opportunity", "reference_name": reference, "kind": kind, "from_step": "",
				"to_step": to_step, "transition_time": at, "sales_person": closer, "assigned_to": assigned_to,
				"company": company(),
			}).db_insert()  # fmt: skip

		def call(reference, at):
			frappe.get_doc({
				"doctype": "Communication", "communication_type": "Communication", "communication_medium": "Phone",
				"sent_or_received": "Sent", "subject": "Call", "content": "Call", "sender": user,
				"reference_doctype": "Opportunity", "reference_name": reference, "communication_date": at,
			}).insert(ignore_permissions=True)  # fmt: skip

		one, two = make_opportunity().name, make_opportunity().name  # their own Enter rows are of today
		# created at 09:00, first call at 10:00 (1 h); handed to the closer at 12:00, called at 15:00 (3 h)
		row(one, "Enter", "Qualification", datetime(2026, 3, 2, 9))
		row(one, "Forward", "Needs Assessment", datetime(2026, 3, 2, 12), assigned_to=user)
		# a move into the step that handed the record to nobody does not count
		row(two, "Forward", "Needs Assessment", datetime(2026, 3, 2, 12))
		call(one, datetime(2026, 3, 2, 10))
		call(one, datetime(2026, 3, 2, 15))
		call(two, datetime(2026, 3, 2, 20))
		facts = kpi.Facts(company(), [closer], start, end)
		from_creation = facts.get(Component("handoff_hours", Decimal(1)))
		from_handoff = facts.get(Component("handoff_hours", Decimal(1), from_step="Needs Assessment"))
		self.assertEqual(from_creation[closer], Decimal("1.00"))
		self.assertEqual(from_handoff[closer], Decimal("3.00"))
