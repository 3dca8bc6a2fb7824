# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Manager Rating on a weekly scheme: two managers, two weeks of calls and meetings, scores by hand."""

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_drive.sales_drive.report.manager_rating import manager_rating
from sales_drive.tests.utils import activity, company, ensure_sales_person, ensure_user

LAST, THIS = "2025-03-03", "2025-03-10"  # Mondays


class TestManagerRating(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()  # rolled back after the class
		frappe.set_user("Administrator")
		cls.user_a = ensure_user("sd.rating.a@example.com", ["Sales User"])
		cls.user_b = ensure_user("sd.rating.b@example.com", ["Sales User"])
		cls.a = ensure_sales_person("_SD Rating A", cls.user_a, gender="Male")
		cls.b = ensure_sales_person("_SD Rating B", cls.user_b, gender="Male")
		# last week: A 2 calls, 2 meetings; B 5 calls, 2 meetings
		# this week: A 7 calls, 1 meeting; B 4 calls, 2 meetings (+ an e-mail and a call of the week after)
		for user, monday, calls, meetings in (
			(cls.user_a, LAST, 2, 2), (cls.user_b, LAST, 5, 2), (cls.user_a, THIS, 7, 1), (cls.user_b, THIS, 4, 2),
		):  # fmt: skip
			day = monday.replace("03-03", "03-05").replace("03-10", "03-14")
			for _ in range(calls):
				activity(user, "Phone", when=f"{day} 11:00:00")
			for _ in range(meetings):
				activity(user, meeting=True, when=f"{day} 15:00:00")
		activity(cls.user_b, "Email", when="2025-03-12 10:00:00")
		activity(cls.user_b, "Phone", when="2025-03-17 10:00:00")
		cls.scheme = frappe.get_doc({
			"doctype": "KPI Scheme", "title": "_SD KPI Rating", "company": company(), "period": "Week",
			"valid_from": LAST, "applies_to": "Sales Persons",
			"sales_persons": [{"sales_person": cls.a}, {"sales_person": cls.b}], "base_pay": 0, "variable_pay": 1000,
			"components": [
				{"metric": "Calls", "weight": 60, "target": 5, "cap": 120},
				{"metric": "Meetings", "weight": 40, "target": 2},
			],
		}).insert()  # fmt: skip

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		super().tearDownClass()

	def run_report(self, **kw):
		return manager_rating.execute(frappe._dict({"week": "2025-03-12", "weeks": 1, **kw}))

	def test_ranking_with_trend_by_hand(self):
		columns, rows, _message, chart, summary = self.run_report(kpi_scheme=self.scheme.name)
		by = {r["sales_person"]: r for r in rows}
		# this week: A calls 7/5 = 140 % capped at 120, meetings 1/2 = 50 % → 0.6 × 120 + 0.4 × 50 = 92
		#            B calls 4/5 = 80 %, meetings 100 % → 48 + 40 = 88
		# last week: A 40 % and 100 % → 64; B 100 % and 100 % → 100
		a, b = by[self.a], by[self.b]
		self.assertEqual((a["rank"], a["score"], a["c0"], a["c1"], a["previous"], a["delta"], a["trend_key"]),
			(1, 92.0, 120.0, 50.0, 64.0, 28.0, "up"))  # fmt: skip
		self.assertEqual((b["rank"], b["score"], b["c0"], b["c1"], b["previous"], b["delta"], b["trend_key"]),
			(2, 88.0, 80.0, 100.0, 100.0, -12.0, "down"))  # fmt: skip
		self.assertEqual((a["w0"], b["w0"]), (64.0, 100.0))
		self.assertEqual([r["sales_person"] for r in rows], [self.a, self.b])
		self.assertEqual(a["trend"], "Score Rising")
		self.assertIn("w0", [c["fieldname"] for c in columns])
		self.assertEqual(chart["type"], "line")
		self.assertEqual(len(chart["data"]["labels"]), 2)
		self.assertEqual({d["name"]: d["values"] for d in chart["data"]["datasets"]},
			{self.a: [64.0, 92.0], self.b: [100.0, 88.0]})  # fmt: skip
		summary = {s["label"]: s["value"] for s in summary}
		self.assertEqual(summary["Best Manager of the Week"], self.a)
		self.assertEqual(summary["Average Weighted KPI Score"], 90.0)

	def test_team_filter_finds_the_scheme_and_a_new_manager_is_first_week(self):
		_c, rows, *_rest = self.run_report(team="Sales Team", company=company(), weeks=0)
		self.assertEqual([(r["sales_person"], r["score"], r["trend_key"]) for r in rows],
			[(self.a, 92.0, "new"), (self.b, 88.0, "new")])  # fmt: skip

	def test_bad_filters(self):
		with self.assertRaises(frappe.ValidationError):
			self.run_report()
		with self.assertRaises(frappe.ValidationError):
			self.run_report(kpi_scheme=self.scheme.name, weeks=-1)
