# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Sales Funnel Conversion on transition log rows written directly (what the report reads).

The period is April 2019 (nobody else's data lives there). Owners U1 and U2
are in team T1, U3 in team T2. Opportunity pipeline of the default
regulation: Qualification -> Needs Assessment -> Presentation -> Proposal
Preparation -> ... -> Payment.
"""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_drive.sales_drive.report.sales_funnel_conversion.sales_funnel_conversion import execute
from sales_drive.tests.utils import company, reset_cache

U1, U2, U3 = "sd.sdf.u1@example.com", "sd.sdf.u2@example.com", "sd.sdf.u3@example.com"
PEOPLE = {U1: ("_SDF Rep 1", "_SDF T1"), U2: ("_SDF Rep 2", "_SDF T1"), U3: ("_SDF Rep 3", "_SDF T2")}
Q, NA, PR, PP, PAY = "Qualification", "Needs Assessment", "Presentation", "Proposal Preparation", "Payment"

# (record, owner, kind, from_step, to_step, days_in_previous, time)
TRANSITIONS = [
	# 11 records enter Qualification in the period (o12 in its very last minute)
	*[(f"o{i}", U1, "Enter", "", Q, 0, "2019-04-01 10:00:00") for i in range(1, 6)],
	*[(f"o{i}", U2, "Enter", "", Q, 0, "2019-04-01 11:00:00") for i in range(6, 9)],
	("o9", U3, "Enter", "", Q, 0, "2019-04-02 10:00:00"),
	("o10", U3, "Enter", "", Q, 0, "2019-04-02 10:00:00"),
	("o12", U3, "Enter", "", Q, 0, "2019-04-30 23:59:00"),
	# Qualification: 5 forward, 2 lost
	("o1", U1, "Forward", Q, NA, 1, "2019-04-03 10:00:00"),
	("o2", U1, "Forward", Q, NA, 2, "2019-04-04 10:00:00"),
	("o3", U1, "Forward", Q, NA, 3, "2019-04-05 10:00:00"),
	("o6", U2, "Forward", Q, NA, 4, "2019-04-08 10:00:00"),
	("o9", U3, "Forward", Q, NA, 10, "2019-04-16 10:00:00"),
	("o4", U1, "Lost", Q, "", 5, "2019-04-09 10:00:00"),
	("o7", U2, "Lost", Q, "", 6, "2019-04-10 10:00:00"),
	# Needs Assessment: forward, skip, lost, back
	("o1", U1, "Forward", NA, PR, 2, "2019-04-05 10:00:00"),
	("o6", U2, "Skip", NA, PP, 1, "2019-04-09 10:00:00"),
	("o2", U1, "Lost", NA, "", 4, "2019-04-10 10:00:00"),
	("o3", U1, "Backward", NA, Q, 3, "2019-04-10 10:00:00"),
	# a deal paid in the period (it entered Payment before)
	("o13", U2, "Won", PAY, "", 2, "2019-04-15 10:00:00"),
	# a reopened deal: no step left, not counted anywhere
	("o4", U1, "Reopen", "", "", 0, "2019-04-20 10:00:00"),
	# outside the period (both edges)
	("o11", U1, "Enter", "", Q, 0, "2019-03-31 23:59:59"),
	("o10", U3, "Forward", Q, NA, 7, "2019-05-01 00:00:00"),
]


def log(record, owner, kind, from_step, to_step, days, time, doctype="Opportunity", company_=None):
	sales_person, team = PEOPLE[owner]
	doc = frappe.get_doc(
		{
			"doctype": "Sales Stage Transition Log",
			"reference_doctype": doctype,
			"reference_name": f"_SDF-{record}",
			"regulation": "Opportunity B2B" if doctype == "Opportunity" else "Lead Qualification",
			"kind": kind,
			"from_step": from_step,
			"to_step": to_step,
			"transition_time": time,
			"user": "Administrator",
			"record_owner": owner,
			"sales_person": sales_person,
			"team": team,
			"company": company_ or company(),
			"days_in_previous": days,
			"verdict": "Passed",
		}
	)
	doc.insert(ignore_permissions=True, ignore_links=True)


def figures(data, group=None):
	"""step -> (entered, forward, lost, back, conversion, pass rate, median days) of one group."""
	return {
		r["step"]: (
			r["entered"],
			r["forward"],
			r["lost"],
			r["back"],
			r["conversion"],
			r["pass_rate"],
			r["median_days"],
		)
		for r in data
		if r.get("group") == group
	}


class TestSalesFunnelConversion(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		reset_cache()
		for row in TRANSITIONS:
			log(*row)
		# another pipeline and another company in the same period
		log("l1", U1, "Enter", "", "New Lead", 0, "2019-04-02 10:00:00", doctype="Lead")
		log("x1", U1, "Enter", "", Q, 0, "2019-04-02 10:00:00", company_="_SDF Other Company")

	def setUp(self):
		frappe.set_user("Administrator")

	def run_report(self, **filters):
		base = {
			"from_date": "2019-04-01",
			"to_date": "2019-04-30",
			"document_type": "Opportunity",
			"company": company(),
		}
		return execute(frappe._dict({**base, **filters}))

	def test_figures_per_step(self):
		columns, data, _message, _chart, _summary = self.run_report()
		self.assertNotIn("group", [c["fieldname"] for c in columns])
		steps = figures(data)
		self.assertEqual(
			[r["step"] for r in data],
			[Q, NA, PR, PP, "Proposal Approval", "Contract", "Invoice", PAY],
			"one row per step, in the regulation's order",
		)
		# 11 entered, 5 forward / 2 lost; NA entered 5 -> 45.5 %; pass 5 of 7; median of 1,2,3,4,5,6,10
		self.assertEqual(steps[Q], (11, 5, 2, 0, 45.5, 71.4, 4.0))
		# NA: 2 forward (one skip), 1 lost, 1 back; Presentation entered 1 of 5; median of 1,2,3,4
		self.assertEqual(steps[NA], (5, 2, 1, 1, 20.0, 50.0, 2.5))
		self.assertEqual(steps[PR], (1, 0, 0, 0, 100.0, None, None))  # Proposal Preparation entered 1 (skip)
		self.assertEqual(steps[PP], (1, 0, 0, 0, 0.0, None, None))
		self.assertEqual(steps["Proposal Approval"], (0, 0, 0, 0, None, None, None))
		self.assertEqual(steps[PAY], (0, 1, 0, 0, None, 100.0, 2.0))
		self.assertEqual(data[0]["stage"], "Leads Development")

	def test_group_by_owner(self):
		columns, data, *_ = self.run_report(group_by="Owner")
		self.assertEqual(columns[0]["fieldname"], "group")
		self.assertEqual(columns[0]["options"], "User")
		self.assertEqual(list(dict.fromkeys(r["group"] for r in data)), [U1, U2, U3])
		u1, u2, u3 = figures(data, U1), figures(data, U2), figures(data, U3)
		self.assertEqual(u1[Q], (5, 3, 1, 0, 60.0, 75.0, 2.5))
		self.assertEqual(u1[NA], (3, 1, 1, 1, 33.3, 33.3, 3.0))
		self.assertEqual(u2[Q], (3, 1, 1, 0, 33.3, 50.0, 5.0))
		self.assertEqual(u2[NA], (1, 1, 0, 0, 0.0, 100.0, 1.0))
		self.assertEqual(u2[PAY], (0, 1, 0, 0, None, 100.0, 2.0))
		self.assertEqual(u3[Q], (3, 1, 0, 0, 33.3, 100.0, 10.0))

	def test_group_by_team_and_sales_person(self):
		columns, data, *_ = self.run_report(group_by="Team")
		self.assertEqual(columns[0]["options"], "Sales Person")
		self.assertEqual(list(dict.fromkeys(r["group"] for r in data)), ["_SDF T1", "_SDF T2"])
		t1 = figures(data, "_SDF T1")
		# U1 + U2: 8 entered, 4 forward, 2 lost; median of 1,2,3,5,4,6
		self.assertEqual(t1[Q], (8, 4, 2, 0, 50.0, 66.7, 3.5))
		self.assertEqual(figures(data, "_SDF T2")[Q], (3, 1, 0, 0, 33.3, 100.0, 10.0))

		_c, data, *_ = self.run_report(group_by="Sales Person")
		self.assertEqual(figures(data, "_SDF Rep 1")[Q], (5, 3, 1, 0, 60.0, 75.0, 2.5))

	def test_period_is_whole_days_inclusive(self):
		_c, data, *_ = self.run_report(from_date="2019-04-30", to_date="2019-04-30")
		self.assertEqual(figures(data)[Q][0], 1)  # o12 at 23:59 on the last day
		_c, data, *_ = self.run_report(from_date="2019-03-31", to_date="2019-05-01")
		self.assertEqual(figures(data)[Q][:2], (12, 6))  # o11 and o10's move at the edges

	def test_pipeline_and_company_filters(self):
		_c, data, *_ = self.run_report(document_type="Lead")
		self.assertEqual(figures(data)["New Lead"][0], 1)
		_c, data, *_ = self.run_report(company=None)
		self.assertEqual(figures(data)[Q][0], 12)  # the other company's record counts without the filter

	def test_chart_and_summary(self):
		_c, _data, _message, chart, summary = self.run_report()
		self.assertEqual(chart["type"], "bar")
		self.assertEqual(chart["data"]["labels"][:3], [Q, NA, PR])
		entered, forward = (d["values"] for d in chart["data"]["datasets"])
		self.assertEqual(entered[:4], [11, 5, 1, 1])
		self.assertEqual(forward[:2], [5, 2])
		self.assertEqual(
			[(s["label"], s["value"]) for s in summary],
			[("Entered the Funnel", 11), ("Won", 1), ("Lost", 3), ("Overall Conversion", 9.1)],
		)

	def test_exactly_two_grouped_queries_over_the_aggregates(self):
		db = frappe.local.db
		with patch.object(db, "sql", wraps=db.sql) as spy:
			self.run_report(group_by="Owner")
		queries = [str(c.args[0]).lower() for c in spy.call_args_list]
		self.assertFalse([q for q in queries if "tabsales stage transition log" in q], "the log is not read")
		agg_queries = [q for q in queries if "tabsales funnel aggregate" in q]
		self.assertEqual(len(agg_queries), 2)
		self.assertIn("group by", agg_queries[0])  # the counts; the histograms are added up in Python

	def test_invalid_filters(self):
		with self.assertRaises(frappe.ValidationError):
			self.run_report(document_type="ToDo")
		with self.assertRaises(frappe.ValidationError):
			self.run_report(from_date="2019-05-01", to_date="2019-04-01")
