# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Internal vs Top-down Plan on real Opportunities placed in regulation steps.

The period is March 2031 (nobody else's deals close then). The active
Opportunity regulation sets these step probabilities for the test:
Qualification 10 %, Presentation 30 %, Contract 80 %; Needs Assessment sets
none (0), so a deal there is weighted by its own probability.

Plan (fixed amounts): P 40,000, Q 60,000. R has deals but no allocation; one
deal's owner has no Sales Person (the "Not Set" row).

| deal | owner | step | amount | own % | category | weighted |
|---|---|---|---|---|---|---|
| p1 | P | Qualification | 10,000 | 50 | Commit | 1,000 |
| p2 | P | Presentation | 20,000 (base; 250 in the deal's currency) | 90 | Best Case | 6,000 |
| p3 | P | Needs Assessment | 8,000 | 25 | Pipeline | 2,000 (own %) |
| p4 | P | Contract | 5,000 | 100 | — | 4,000 |
| q1 | Q | Contract | 30,000 | 10 | Commit | 24,000 |
| q2 | Q (creator; no opportunity_owner; no base amount) | Presentation | 12,345.67 | 5 | Best Case | 3,703.701 |
| r1 | R | Qualification | 7,000 | 100 | Commit | 700 |
| x1 | a user without a Sales Person | Needs Assessment | 1,000 | 40 | — | 400 |

Not counted: a Lost and a Closed deal of P, and a deal of P closing in April.
"""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_drive import regulations
from sales_drive.sales_drive.report.internal_vs_top_down_plan.internal_vs_top_down_plan import execute
from sales_drive.tests.utils import company, ensure_sales_person, ensure_user, make_opportunity

P, Q, R = "_SD ITD P", "_SD ITD Q", "_SD ITD R"
USERS = {P: "sd.itd.p@example.com", Q: "sd.itd.q@example.com", R: "sd.itd.r@example.com"}
NOBODY = "sd.itd.nobody@example.com"
FROM, TO, MID = "2031-03-01", "2031-03-31", "2031-03-14"
STEP_PROBABILITY = {"Qualification": 10, "Needs Assessment": 0, "Presentation": 30, "Contract": 80}
FIRST_STEP = "Qualification"


def person(name):
	return ensure_sales_person(name, ensure_user(USERS[name], ["Sales User"]), gender="Male")


def deal(responsible, step, amount, probability, category=None, closing=MID, **db_values):
	"""An Opportunity placed directly in ``step`` (a logged override as Administrator), then given to ``responsible``."""
	values = {
		"sales_stage": step,
		"opportunity_amount": amount,
		"probability": probability,
		"sd_forecast_category": category,
		"expected_closing": closing,
	}
	if step != FIRST_STEP:
		values.update(sd_gate_override=1, sd_override_reason="test")
	doc = make_opportunity(**values)
	# a hand-off step may have assigned the deal to someone else: put it back with its owner
	frappe.db.set_value(
		"Opportunity", doc.name, {"opportunity_owner": responsible, **db_values}, update_modified=False
	)
	return doc


class TestInternalVsTopDownPlan(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.addClassCleanup(cls.forget_probabilities)
		active = regulations.active("Opportunity")
		for step, probability in STEP_PROBABILITY.items():
			frappe.db.sql(
				"update `tabSales Regulation Step` set probability = %s where parent = %s and step = %s",
				(probability, active.regulation.name, step),
			)
		regulations.clear_cache()
		for p in (P, Q, R):
			person(p)
		ensure_user(NOBODY, ["Sales User"])
		cls.plan = frappe.get_doc(
			{
				"doctype": "Sales Plan",
				"company": company(),
				"basis": "Sales Invoice",
				"from_date": FROM,
				"to_date": TO,
				"target_amount": 100000,
				"allocation_method": "Fixed Amount",
				"allocations": [{"sales_person": P, "amount": 40000}, {"sales_person": Q, "amount": 60000}],
			}
		).insert()
		cls.plan.submit()

		up, uq, ur = USERS[P], USERS[Q], USERS[R]
		cls.p1 = deal(up, "Qualification", 10000, 50, "Commit")
		deal(
			up, "Presentation", 250, 90, "Best Case", base_opportunity_amount=20000
		)  # a foreign-currency deal
		deal(up, "Needs Assessment", 8000, 25, "Pipeline")
		deal(up, "Contract", 5000, 100)
		deal(uq, "Contract", 30000, 10, "Commit")
		deal("", "Presentation", 12345.67, 5, "Best Case", owner=uq, base_opportunity_amount=0)
		deal(ur, "Qualification", 7000, 100, "Commit")
		deal(NOBODY, "Needs Assessment", 1000, 40)
		# not counted
		deal(up, "Contract", 100000, 90, "Commit", status="Lost")
		deal(up, "Contract", 100000, 90, "Commit", status="Closed")
		deal(up, "Contract", 100000, 90, "Commit", closing="2031-04-01")

	@classmethod
	def forget_probabilities(cls):
		frappe.db.rollback()
		regulations.clear_cache()

	def setUp(self):
		frappe.set_user("Administrator")

	def run_report(self, **filters):
		return execute(frappe._dict({"sales_plan": self.plan.name, **filters}))

	def table(self, data):
		keys = (
			"top_down",
			"internal",
			"gap",
			"gap_percent",
			"open_amount",
			"commit",
			"best_case",
			"pipeline",
			"deals",
		)
		return {r["sales_person"]: tuple(r[k] for k in keys) for r in data}

	def test_weighted_internal_plan_categories_and_gap(self):
		columns, data, message, _chart, _summary = self.run_report()
		# the plan's people only; R and the owner without a Sales Person are outside the plan
		self.assertEqual([r["sales_person"] for r in data], [P, Q, "Department Total"])
		self.assertIn("2 open deals of people outside Sales Plan", message)
		rows = self.table(data)
		# top-down, internal, gap, gap %, open, commit, best case, pipeline, deals
		self.assertEqual(rows[P], (40000.0, 13000.0, -27000.0, -67.5, 43000.0, 10000.0, 20000.0, 8000.0, 4))
		self.assertEqual(rows[Q], (60000.0, 27703.70, -32296.30, -53.8, 42345.67, 30000.0, 12345.67, 0.0, 2))
		self.assertEqual(
			rows["Department Total"],
			(100000.0, 40703.70, -59296.30, -59.3, 85345.67, 40000.0, 32345.67, 8000.0, 6),
		)
		# without a plan everybody's pipeline is shown
		_c, everyone, *_ = execute({"company": company(), "from_date": FROM, "to_date": TO})
		rows = self.table(everyone)
		self.assertEqual(rows[R], (0.0, 700.0, 700.0, None, 7000.0, 7000.0, 0.0, 0.0, 1))
		self.assertEqual(rows[None], (0.0, 400.0, 400.0, None, 1000.0, 0.0, 0.0, 0.0, 1))
		self.assertTrue(data[-1]["is_total_row"])
		gap = next(c for c in columns if c["fieldname"] == "gap_percent")
		self.assertEqual((gap["fieldtype"], gap["precision"]), ("Percent", 1))

	def test_step_probability_overrides_the_deals_own(self):
		# p1 sits in Qualification (10 %) with an own probability of 50 %: 10 % counts
		frappe.db.set_value("Opportunity", self.p1.name, "probability", 99, update_modified=False)
		_c, data, *_ = self.run_report()
		self.assertEqual(self.table(data)[P][1], 13000.0)
		# when the step sets no probability, the deal's own counts
		frappe.db.sql(
			"update `tabSales Regulation Step` set probability = 0 where parent = %s and step = 'Qualification'",
			regulations.active("Opportunity").regulation.name,
		)
		regulations.clear_cache()
		try:
			_c, data, *_ = self.run_report()
			self.assertEqual(self.table(data)[P][1], 13000.0 - 1000 + 9900)
			_c, everyone, *_ = execute({"company": company(), "from_date": FROM, "to_date": TO})
			self.assertEqual(self.table(everyone)[R][1], 7000.0)  # r1: own 100 %
		finally:
			frappe.db.sql(
				"update `tabSales Regulation Step` set probability = 10 where parent = %s and step = 'Qualification'",
				regulations.active("Opportunity").regulation.name,
			)
			frappe.db.set_value("Opportunity", self.p1.name, "probability", 50, update_modified=False)
			regulations.clear_cache()

	def test_each_deal_weighted_by_its_own_regulation(self):
		# p1 runs under another regulation (several per pipeline) whose Qualification says 30 %
		source = frappe.get_doc("Sales Pipeline Regulation", regulations.active("Opportunity").regulation.name)
		other = frappe.copy_doc(source)
		other.title = "_SD Plan Other Regulation"
		other.is_active = 0
		for step in other.steps:
			if step.step == "Qualification":
				step.probability = 30
		other.insert()
		frappe.db.set_value("Opportunity", self.p1.name, "sd_regulation", other.name, update_modified=False)
		try:
			_c, data, *_ = self.run_report()
			self.assertEqual(self.table(data)[P][1], 13000.0 - 1000 + 3000)
		finally:
			frappe.db.set_value("Opportunity", self.p1.name, "sd_regulation", source.name, update_modified=False)
			other.delete()
			regulations.clear_cache()

	def test_chart_and_summary(self):
		_c, _d, _m, chart, summary = self.run_report()
		self.assertEqual(chart["type"], "bar")
		self.assertEqual(chart["data"]["labels"], [P, Q])
		top_down, internal = (d["values"] for d in chart["data"]["datasets"])
		self.assertEqual(top_down, [40000.0, 60000.0])
		self.assertEqual(internal, [13000.0, 27703.70])
		self.assertEqual(
			[(s["label"], s["value"]) for s in summary],
			[
				("Top-down Plan", 100000.0),
				("Internal Plan (Weighted)", 40703.70),
				("Gap", -59296.30),
				("Gap %", -59.3),
				("Commit", 40000.0),
			],
		)
		self.assertEqual(summary[2]["indicator"], "Red")

	def test_without_a_plan_the_top_down_is_zero(self):
		_c, data, message, *_ = execute({"company": company(), "from_date": FROM, "to_date": TO})
		self.assertIn("Choose a Sales Plan", message)
		rows = self.table(data)
		self.assertEqual(
			[r["sales_person"] for r in data], [P, Q, R, None, "Department Total"]
		)  # others sorted by name
		self.assertEqual(rows[P][:4], (0.0, 13000.0, 13000.0, None))
		self.assertEqual(rows["Department Total"][:2], (0.0, 41803.70))
		# the period decides which deals count
		_c, data, *_ = execute({"company": company(), "from_date": "2031-04-01", "to_date": "2031-04-30"})
		self.assertEqual(self.table(data)[P][:2], (0.0, 80000.0))  # 100,000 in Contract (80 %)

	def test_one_grouped_query_over_opportunities(self):
		db = frappe.local.db
		with patch.object(db, "sql", wraps=db.sql) as spy:
			self.run_report()
		queries = [" ".join(str(c.args[0]).split()).lower() for c in spy.call_args_list]
		opportunity_queries = [q for q in queries if "from `tabopportunity`" in q]
		self.assertEqual(len(opportunity_queries), 1)
		self.assertIn("group by", opportunity_queries[0])

	def test_invalid_filters(self):
		draft = frappe.get_doc(
			{
				"doctype": "Sales Plan",
				"company": company(),
				"basis": "Sales Invoice",
				"from_date": "2031-05-01",
				"to_date": "2031-05-31",
				"target_amount": 1000,
				"allocations": [{"sales_person": P}],
			}
		).insert()
		with self.assertRaises(frappe.ValidationError) as ctx:
			execute({"sales_plan": draft.name})
		self.assertIn("not submitted", str(ctx.exception))
		with self.assertRaises(frappe.ValidationError):
			execute({"company": company(), "from_date": TO, "to_date": FROM})
