"""Step probabilities from history on transition log rows written directly.

Two test regulations, copies of the default Opportunity regulation's steps
(inactive, so no record chooses them): "_SDP History" configures
Qualification 10 %, Needs Assessment 20 %, Presentation none (0),
Proposal Preparation 50 %, Contract 80 %; "_SDP Other" the same.
"Today" is the real today; the window is the last 12 months.

| record | regulation | path | outcome |
|---|---|---|---|
| w1 | History | Q → NA → PR | Won 10 days ago |
| w2 | History | Q → NA | Won 5 days ago |
| l1 | History | Q → NA → PR | Lost 9 days ago |
| l2 | History | Q | Lost 8 days ago |
| l3 | History | Q, skips NA → PR | Lost 7 days ago |
| in | History | Q | Lost one second into the window's first day |
| mv | Other: Q → NA, open there; History: Contract | Won 3 days ago (under History) |
| old | History | Q | Won one second before the window (ignored) |
| open | History | Q → NA | none (ignored) |
| re | History | Q | Lost 20 days ago, reopened 15 days ago (ignored) |
| o1 | Other | Q → NA | Won 4 days ago |
| o2 | Other | Q | Lost 4 days ago |
| o3 | Other | Q | Lost and Won at the same moment 2 days ago: Won counts |
| gone | Other | "Old Step" (not a step of the regulation any more) | Lost 6 days ago |

History: Qualification 6 reached, 2 won (33.3 %); Needs Assessment 3 / 2
(66.7 %); Presentation 3 / 1 (33.3 %); Contract 1 / 1 (100 %).
Other: Qualification 3 / 2 (66.7 %); Needs Assessment 1 / 1 (100 %); Old Step 1 / 0,
listed after the regulation's steps.
"""

from datetime import datetime, timedelta
from decimal import Decimal as D

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, getdate, now_datetime

from sales_drive import probabilities, regulations
from sales_drive.engine.probabilities import window
from sales_drive.sales_drive.report.internal_vs_top_down_plan import internal_vs_top_down_plan
from sales_drive.sales_drive.report.step_probabilities.step_probabilities import execute
from sales_drive.tests.utils import company, ensure_sales_person, ensure_user, make_opportunity

HISTORY, OTHER = "_SDP History", "_SDP Other"
Q, NA, PR, PP, CO, INV = (
	"Qualification",
	"Needs Assessment",
	"Presentation",
	"Proposal Preparation",
	"Contract",
	"Invoice",
)
CONFIGURED = {Q: 10, NA: 20, PR: 0, PP: 50, CO: 80}
USER = "sd.prob.user@example.com"
LEAD = "sd.prob.lead@example.com"
MANAGER = "sd.prob.manager@example.com"
OWNER = "sd.prob.owner@example.com"
PERSON = "_SDP Person"


def ago(days=0, **kw):
	return add_to_date(now_datetime(), days=-days, **kw)


def since() -> datetime:
	return datetime.combine(window(getdate(), 12)[0], datetime.min.time())


def log(regulation, record, kind, from_step, to_step, time):
	frappe.get_doc(
		{
			"doctype": "Sales Stage Transition Log",
			"reference_doctype": "Opportunity",
			"reference_name": f"_SDP-{record}",
			"regulation": regulation,
			"kind": kind,
			"from_step": from_step,
			"to_step": to_step,
			"transition_time": time,
			"user": "Administrator",
			"record_owner": "Administrator",
			"company": company(),
			"verdict": "Passed",
		}
	).insert(ignore_permissions=True, ignore_links=True)


def walk(regulation, record, steps, outcome, when, skip=False):
	start = when - timedelta(days=30) if when else ago(40)
	log(regulation, record, "Enter", "", steps[0], start)
	for a, b in zip(steps, steps[1:], strict=False):
		log(regulation, record, "Skip" if skip else "Forward", a, b, start)
	if outcome:
		log(regulation, record, outcome, steps[-1], "", when)


def make_regulation(title):
	default = regulations.active("Opportunity").regulation.name
	source = frappe.get_doc("Sales Pipeline Regulation", default)
	doc = frappe.copy_doc(source)
	doc.title = title
	doc.is_active = 0
	doc.criteria = []
	for row in doc.steps:
		row.probability = CONFIGURED.get(row.step, 0)
		row.handoff_role = row.handoff_specialisation = None
	doc.insert()
	return doc.name


def by_step(rows):
	return {r["step"]: r for r in rows}


class ProbabilityData(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		for title in (HISTORY, OTHER):
			make_regulation(title)
		walk(HISTORY, "w1", [Q, NA, PR], "Won", ago(10))
		walk(HISTORY, "w2", [Q, NA], "Won", ago(5))
		walk(HISTORY, "l1", [Q, NA, PR], "Lost", ago(9))
		walk(HISTORY, "l2", [Q], "Lost", ago(8))
		log(HISTORY, "l3", "Enter", "", Q, ago(30))
		log(HISTORY, "l3", "Skip", Q, PR, ago(29))
		log(HISTORY, "l3", "Lost", PR, "", ago(7))
		walk(HISTORY, "in", [Q], "Lost", since() + timedelta(seconds=1))
		walk(OTHER, "mv", [Q, NA], None, None)
		walk(HISTORY, "mv", [CO], "Won", ago(3))
		walk(HISTORY, "old", [Q], "Won", since() - timedelta(seconds=1))
		walk(HISTORY, "open", [Q, NA], None, None)
		walk(HISTORY, "re", [Q], "Lost", ago(20))
		log(HISTORY, "re", "Reopen", "", Q, ago(15))
		walk(OTHER, "o1", [Q, NA], "Won", ago(4))
		walk(OTHER, "o2", [Q], "Lost", ago(4))
		moment = ago(2)
		log(OTHER, "o3", "Enter", "", Q, ago(12))
		log(OTHER, "o3", "Lost", Q, "", moment)
		log(OTHER, "o3", "Won", Q, "", moment)
		walk(OTHER, "gone", ["Old Step"], "Lost", ago(6))

	def setUp(self):
		frappe.set_user("Administrator")

	def set_settings(self, **values):
		old = {f: frappe.db.get_single_value("Sales Drive Settings", f) for f in values}
		for field, value in values.items():
			frappe.db.set_single_value("Sales Drive Settings", field, value)
		self.addCleanup(
			lambda: [frappe.db.set_single_value("Sales Drive Settings", f, v) for f, v in old.items()]
		)


class TestHistoricalProbabilities(ProbabilityData):
	def figures(self, regulation, **kw):
		result = probabilities.compute(regulation, **{"months": 12, "min_sample": 3, **kw})
		return {
			r.step: (r.reached, r.won, r.historical, r.configured, r.gap, r.low_sample)
			for r in result.rows[regulation]
		}

	def test_shares_gaps_and_low_sample(self):
		f = self.figures(HISTORY)
		self.assertEqual(f[Q], (6, 2, D("33.3"), D(10), D("23.3"), False))
		self.assertEqual(f[NA], (3, 2, D("66.7"), D(20), D("46.7"), False))
		# Presentation sets no probability: no gap
		self.assertEqual(f[PR], (3, 1, D("33.3"), None, None, False))
		self.assertEqual(f[PP], (0, 0, None, D(50), None, True))
		self.assertEqual(f[CO], (1, 1, D("100.0"), D(80), D("20.0"), True))
		# the regulation's step order
		order = regulations.from_doc(frappe.get_doc("Sales Pipeline Regulation", HISTORY)).order()
		self.assertEqual(list(f), order)
		f = self.figures(HISTORY, min_sample=4)
		self.assertEqual([s for s in (Q, NA, PR) if f[s][5]], [NA, PR])

	def test_per_regulation(self):
		f = self.figures(OTHER)
		self.assertEqual(f[Q][:3], (3, 2, D("66.7")))
		self.assertEqual(f[NA][:3], (1, 1, D("100.0")))
		self.assertEqual(f[CO][:2], (0, 0))  # mv was won under History, not here
		self.assertEqual(list(f)[-1], "Old Step")
		self.assertEqual(f["Old Step"][:3], (1, 0, D("0.0")))
		both = probabilities.compute(None, months=12, min_sample=3)
		self.assertIn(HISTORY, both.rows)
		self.assertIn(OTHER, both.rows)
		self.assertEqual(both.rows[HISTORY][0].reached, 6)

	def test_window_edges(self):
		# "in" closed one second into the first day; one day later it is outside
		f = self.figures(HISTORY, today=add_to_date(getdate(), days=1))
		self.assertEqual(f[Q][:2], (5, 2))
		# a window ending before w2 was won (5 days ago) and after the others
		# a window ending 6 days ago: w2 (5 days ago) and mv (3) are out; "old" is now in
		f = self.figures(HISTORY, today=add_to_date(getdate(), days=-6))
		self.assertEqual(f[Q][:2], (6, 2))
		self.assertEqual(f[NA][:2], (2, 1))
		self.assertEqual(f[CO][:2], (0, 0))
		# long ago: nothing closed
		f = self.figures(HISTORY, today="2020-01-31")
		self.assertEqual(f[Q][:3], (0, 0, None))

	def test_settings_decide_the_window_and_sample(self):
		self.set_settings(probability_months=1, probability_min_sample=7)
		result = probabilities.compute(HISTORY)
		self.assertEqual((result.months, result.min_sample), (1, 7))
		self.assertEqual(result.rows[HISTORY][0].reached, 5)  # "in" is a year ago
		self.assertTrue(result.rows[HISTORY][0].low_sample)

	def test_bad_input(self):
		with self.assertRaises(frappe.ValidationError):
			probabilities.compute(HISTORY, months=0)
		with self.assertRaises(frappe.ValidationError):
			probabilities.compute(HISTORY, min_sample=-1)
		with self.assertRaises(frappe.ValidationError):
			probabilities.compute("_SDP No Such Regulation")

	def test_one_grouped_read_of_the_aggregates_and_none_of_the_log(self):
		from unittest.mock import patch

		db = frappe.local.db

		def queries_of(regulation):
			with patch.object(db, "sql", wraps=db.sql) as spy:
				probabilities.compute(regulation, months=12, min_sample=3)
			return [" ".join(str(c.args[0]).split()).lower() for c in spy.call_args_list]

		for regulation in (HISTORY, OTHER):  # OTHER: a step the regulation no longer has
			queries = queries_of(regulation)
			self.assertFalse([q for q in queries if "`tabsales stage transition log`" in q], regulation)
			read = [q for q in queries if "`tabsales funnel aggregate`" in q]
			self.assertEqual(len(read), 1, regulation)
			self.assertIn("group by", read[0])


class TestStepProbabilitiesReport(ProbabilityData):
	def test_rows_message_chart_and_summary(self):
		columns, data, message, chart, summary = execute(
			{"regulation": HISTORY, "months": 12, "min_sample": 3}
		)
		self.assertEqual(
			[c["fieldname"] for c in columns],
			[
				"regulation",
				"step",
				"stage",
				"configured",
				"historical",
				"gap",
				"reached",
				"won",
				"low_sample",
			],
		)
		rows = by_step(data)
		self.assertEqual({r["regulation"] for r in data}, {HISTORY})
		q = rows[Q]
		self.assertEqual(
			(
				q["configured"],
				q["historical"],
				q["gap"],
				q["reached"],
				q["won"],
				q["low_sample"],
				q["gap_alert"],
			),
			(10.0, 33.3, 23.3, 6, 2, 0, 1),
		)
		self.assertEqual(q["stage"], "Leads Development")
		self.assertEqual((rows[CO]["gap"], rows[CO]["gap_alert"], rows[CO]["low_sample"]), (20.0, 1, 1))
		self.assertEqual((rows[PR]["configured"], rows[PR]["gap"], rows[PR]["gap_alert"]), (None, None, 0))
		self.assertIn("fewer than 3", message)
		self.assertEqual(chart["data"]["labels"][:3], [Q, NA, PR])
		configured, historical = (d["values"] for d in chart["data"]["datasets"])
		self.assertEqual((configured[:3], historical[:3]), ([10.0, 20.0, 0], [33.3, 66.7, 33.3]))
		self.assertEqual([s["value"] for s in summary], [3, 5])  # Q, NA, Contract apart; 5 low

	def test_to_date_and_all_regulations(self):
		_c, data, *_ = execute(
			{"regulation": HISTORY, "months": 12, "min_sample": 3, "to_date": "2020-01-31"}
		)
		self.assertEqual(by_step(data)[Q]["reached"], 0)
		_c, data, *_ = execute({"months": 12, "min_sample": 3})
		other = by_step(r for r in data if r["regulation"] == OTHER)
		self.assertEqual((other[Q]["reached"], other[Q]["historical"]), (3, 66.7))

	def test_invalid_filters(self):
		with self.assertRaises(frappe.ValidationError):
			execute({"regulation": HISTORY, "months": -2})


class TestFormMethods(ProbabilityData):
	def test_step_probabilities_for_the_form(self):
		self.set_settings(probability_months=12, probability_min_sample=3)
		out = probabilities.step_probabilities(HISTORY)
		rows = by_step(out["rows"])
		self.assertEqual((out["months"], out["min_sample"]), (12, 3))
		self.assertEqual((rows[Q]["historical"], rows[Q]["proposed"]), (33.3, 33))
		self.assertEqual(rows[NA]["proposed"], 67)
		self.assertIsNone(rows[CO]["proposed"])  # low sample

	def test_use_historical_writes_steps_with_enough_records(self):
		self.set_settings(probability_months=12, probability_min_sample=3)
		self.addCleanup(self.restore_configured)
		out = probabilities.use_historical(HISTORY)
		self.assertEqual(
			out["changed"],
			[
				{"step": Q, "old": 10, "new": 33},
				{"step": NA, "old": 20, "new": 67},
				{"step": PR, "old": 0, "new": 33},
			],
		)
		steps = {r.step: r.probability for r in frappe.get_doc("Sales Pipeline Regulation", HISTORY).steps}
		self.assertEqual((steps[Q], steps[NA], steps[PR], steps[PP], steps[CO]), (33, 67, 33, 50, 80))
		# again: nothing to change, nothing saved
		modified = frappe.db.get_value("Sales Pipeline Regulation", HISTORY, "modified")
		self.assertEqual(probabilities.use_historical(HISTORY)["changed"], [])
		self.assertEqual(frappe.db.get_value("Sales Pipeline Regulation", HISTORY, "modified"), modified)

	def test_use_historical_goes_through_validation(self):
		self.set_settings(probability_months=12, probability_min_sample=3)
		self.addCleanup(self.restore_configured)
		frappe.db.sql(
			"update `tabSales Regulation Step` set next_step = 'No Such Step' where parent = %s and step = %s",
			(HISTORY, CO),
		)
		with self.assertRaises(frappe.ValidationError):
			probabilities.use_historical(HISTORY)
		self.assertEqual(
			frappe.db.get_value("Sales Regulation Step", {"parent": HISTORY, "step": Q}, "probability"), 10
		)

	def restore_configured(self):
		frappe.set_user("Administrator")
		for step, value in CONFIGURED.items():
			frappe.db.sql(
				"update `tabSales Regulation Step` set probability = %s, next_step = '' where parent = %s and step = %s",
				(value, HISTORY, step),
			)

	def test_permissions(self):
		ensure_user(USER, ["Sales User"])
		ensure_user(LEAD, ["Sales Team Lead"])
		ensure_user(MANAGER, ["Sales Manager"])
		frappe.set_user(USER)
		with self.assertRaises(frappe.PermissionError):
			probabilities.step_probabilities(HISTORY)
		with self.assertRaises(frappe.PermissionError):
			probabilities.use_historical(HISTORY)
		# a team lead reads the figures but may not change the regulation
		frappe.set_user(LEAD)
		self.assertTrue(probabilities.step_probabilities(HISTORY)["rows"])
		with self.assertRaises(frappe.PermissionError):
			probabilities.use_historical(HISTORY)
		frappe.set_user(MANAGER)
		self.addCleanup(self.restore_configured)
		self.set_settings(probability_months=12, probability_min_sample=3)
		self.assertEqual(len(probabilities.use_historical(HISTORY)["changed"]), 3)


class TestInternalPlanWithHistory(ProbabilityData):
	"""Internal vs Top-down Plan, Probabilities: Historical, for deals of "_SDP History" closing in May 2032.

	| deal | step | amount | own % | probability used | weighted |
	|---|---|---|---|---|---|
	| d1 | Qualification | 10,000 | 50 | 33.3 (history) | 3,330 |
	| d2 | Needs Assessment | 1,000 | 5 | 66.7 (history) | 667 |
	| d3 | Contract | 2,000 | 90 | 80 (configured: 1 closed record < 3) | 1,600 |
	| d4 | Invoice | 500 | 40 | 40 (own: nothing closed, nothing configured) | 200 |
	"""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		user = ensure_user(OWNER, ["Sales User"])
		ensure_sales_person(PERSON, user, gender="Male")
		for step, amount, own in ((Q, 10000, 50), (NA, 1000, 5), (CO, 2000, 90), (INV, 500, 40)):
			doc = make_opportunity(opportunity_amount=amount, probability=own, expected_closing="2032-05-14")
			frappe.db.set_value(
				"Opportunity",
				doc.name,
				{"sales_stage": step, "sd_regulation": HISTORY, "opportunity_owner": user},
				update_modified=False,
			)

	def run_report(self, mode):
		filters = {
			"company": company(),
			"from_date": "2032-05-01",
			"to_date": "2032-05-31",
			"probabilities": mode,
		}
		_c, data, message, *_ = internal_vs_top_down_plan.execute(filters)
		return {r["sales_person"]: r for r in data}, message

	def test_historical_mode(self):
		self.set_settings(probability_months=12, probability_min_sample=3)
		rows, message = self.run_report("Historical")
		self.assertEqual((rows[PERSON]["internal"], rows[PERSON]["open_amount"]), (5797.0, 13500.0))
		self.assertIn("Probabilities from history", message)
		self.assertIn(f"{CO} ({HISTORY})", message)
		self.assertIn(f"{INV} ({HISTORY})", message)
		self.assertNotIn(f"{Q} ({HISTORY})", message)

	def test_configured_mode_unchanged_and_bad_mode(self):
		rows, message = self.run_report("Configured")
		self.assertNotIn("history", message or "")
		self.assertEqual(rows[PERSON]["open_amount"], 13500.0)
		with self.assertRaises(frappe.ValidationError):
			self.run_report("Guess")
