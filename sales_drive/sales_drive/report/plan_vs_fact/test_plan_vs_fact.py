# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Plan vs Fact on a submitted plan for the current month and real submitted invoices.

Persons A, B, C (each with a User and an Employee) share a plan of 100,000
(fixed amounts 50,000 / 30,000 / 20,000, next-day carry-over). "As of" is the
third working day (d2). Invoices:

- d0: 10,000 split 60/40 between A and B
- d1: 5,000 for A; 3,000 without a Sales Team, owned by C's user (counts for C)
- d3: 1,000 for A (after "as of": not counted yet)
- d0: a draft of 7,000 for A (never counted)

Expected figures are worked out here in minor units, independently of the engine.
"""

from decimal import ROUND_HALF_UP, Decimal
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_first_day, get_last_day, nowdate

from sales_drive import plans
from sales_drive.sales_drive.report.plan_vs_fact.plan_vs_fact import execute, persons_of_plan
from sales_drive.tests.utils import company, ensure_sales_person, ensure_user, make_invoice

A, B, C, D = "_SD PvF A", "_SD PvF B", "_SD PvF C", "_SD PvF D"
USERS = {p: f"sd.pvf.{p[-1].lower()}@example.com" for p in (A, B, C, D)}
ALLOCATION = {A: 50000, B: 30000, C: 20000}


def person(name):
	return ensure_sales_person(name, ensure_user(USERS[name], ["Sales User"]))


def invoice(day, rate, team=(), owner=None, submit=True):
	return make_invoice(team, rate, day, owner, submit)


def cents(value) -> int:
	return int(Decimal(value) * 100)


def money(c: int) -> float:
	return float(Decimal(c) / 100)


def cum_base(allocation, n, k):
	"""Base targets of days 0..k (inclusive), in cents: leftover cents go to the earliest days."""
	q, r = divmod(cents(allocation), n)
	return (k + 1) * q + min(k + 1, r)


def base(allocation, n, k):
	return cum_base(allocation, n, k) - (cum_base(allocation, n, k - 1) if k else 0)


def forecast(fact, n, done):
	return float((Decimal(fact) * n / done).quantize(Decimal("0.01"), ROUND_HALF_UP))


def pct(part, whole):
	return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


class TestPlanVsFact(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		for p in (A, B, C):
			person(p)
		cls.plan = frappe.get_doc(
			{
				"doctype": "Sales Plan",
				"company": company(),
				"basis": "Sales Invoice",
				"from_date": get_first_day(nowdate()),
				"to_date": get_last_day(nowdate()),
				"target_amount": 100000,
				"carry_over": "next_day",
				"allocation_method": "Fixed Amount",
				"allocations": [{"sales_person": p, "amount": a} for p, a in ALLOCATION.items()],
			}
		).insert()
		cls.plan.submit()
		cls.days = plans.working_days(cls.plan)
		cls.n = len(cls.days)
		d = cls.days
		invoice(d[0], 10000, [(A, 60), (B, 40)])
		cls.a_d1 = invoice(d[1], 5000, [(A, 100)])
		invoice(d[1], 3000, owner=USERS[C])
		invoice(d[3], 1000, [(A, 100)])
		invoice(d[0], 7000, [(A, 100)], submit=False)

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("pvf_test")

	def tearDown(self):
		frappe.db.rollback(save_point="pvf_test")

	def run_report(self, **filters):
		return execute(frappe._dict({"sales_plan": self.plan.name, "as_of": self.days[2], **filters}))

	def expected(self, p, fact_by_day, k=2):
		"""The row of person p as of working day k, facts given per working-day index."""
		alloc = ALLOCATION[p]
		fact = sum(v for i, v in fact_by_day.items() if i <= k)
		before = sum(cents(v) for i, v in fact_by_day.items() if i < k)
		target = max(0, cum_base(alloc, self.n, k) - before)
		return {
			"sales_person": p,
			"allocation": float(alloc),
			"plan_to_date": money(cum_base(alloc, self.n, k)),
			"fact_to_date": float(fact),
			"percent_done": pct(fact, alloc),
			"today_target": money(target),
			"carried_in": money(target - base(alloc, self.n, k)),
			"forecast": forecast(fact, self.n, k + 1),
		}

	def rows(self, data):
		keys = (
			"sales_person",
			"allocation",
			"plan_to_date",
			"fact_to_date",
			"percent_done",
			"today_target",
			"carried_in",
			"forecast",
		)
		return [{k: r[k] for k in keys} for r in data]

	def test_figures_per_person_and_department(self):
		columns, data, message, _chart, _summary = self.run_report()
		self.assertIsNone(message)
		facts = {A: {0: 6000, 1: 5000}, B: {0: 4000}, C: {1: 3000}}
		expected = [self.expected(p, facts[p]) for p in (A, B, C)]
		self.assertEqual(self.rows(data[:3]), expected)
		# A is ahead (11,000 against a pace of ~7,143): the surplus is a credit, today's target is 0
		self.assertEqual(data[0]["today_target"], 0.0)
		self.assertLess(data[0]["carried_in"], 0)
		self.assertEqual(data[0]["fact_to_date"], 11000.0)
		self.assertEqual(data[0]["percent_done"], 22.0)
		total = data[3]
		self.assertEqual(total["sales_person"], "Department Total")
		self.assertTrue(total["is_total_row"])
		for key in ("allocation", "plan_to_date", "fact_to_date", "today_target", "carried_in", "forecast"):
			self.assertAlmostEqual(total[key], sum(r[key] for r in expected), places=2, msg=key)
		self.assertEqual(total["fact_to_date"], 18000.0)
		self.assertEqual(total["percent_done"], 18.0)
		percent = next(c for c in columns if c["fieldname"] == "percent_done")
		self.assertEqual((percent["fieldtype"], percent["precision"]), ("Percent", 1))

	def test_as_of_moves_the_day_and_later_facts_count(self):
		_c, data, *_ = self.run_report(as_of=self.days[3])
		a = self.rows(data)[0]
		self.assertEqual(a, self.expected(A, {0: 6000, 1: 5000, 3: 1000}, k=3))
		self.assertEqual(a["fact_to_date"], 12000.0)

	def test_cancelled_invoice_stops_counting(self):
		self.a_d1.reload()
		self.a_d1.cancel()
		_c, data, _m, chart, summary = self.run_report()
		rows = self.rows(data)
		self.assertEqual(rows[0], self.expected(A, {0: 6000}))
		# A is still ahead of the pace of d0..d1, by less: today's target is the pace minus 6,000
		self.assertEqual(rows[0]["today_target"], money(cum_base(50000, self.n, 2) - 600000))
		self.assertEqual(rows[0]["fact_to_date"], 6000.0)
		self.assertEqual(rows[2], self.expected(C, {1: 3000}))  # others are untouched
		self.assertEqual(data[3]["fact_to_date"], 13000.0)
		self.assertEqual(chart["data"]["datasets"][1]["values"], [10000.0, 13000.0, 13000.0])
		self.assertEqual(summary[1]["value"], 13000.0)

	def test_chart_is_cumulative_plan_and_fact_up_to_as_of(self):
		_c, _d, _m, chart, _s = self.run_report()
		self.assertEqual(chart["type"], "line")
		self.assertEqual(chart["data"]["labels"], [frappe.format(d, "Date") for d in self.days[:3]])
		plan_line, fact_line = (d["values"] for d in chart["data"]["datasets"])
		self.assertEqual(
			plan_line, [money(sum(cum_base(a, self.n, k) for a in ALLOCATION.values())) for k in range(3)]
		)
		self.assertEqual(fact_line, [10000.0, 18000.0, 18000.0])

	def test_person_filter(self):
		_c, data, _m, chart, summary = self.run_report(sales_person=B)
		self.assertEqual(self.rows(data), [self.expected(B, {0: 4000})])  # no total row for one person
		self.assertEqual(chart["data"]["datasets"][1]["values"], [4000.0, 4000.0, 4000.0])
		self.assertEqual(
			chart["data"]["datasets"][0]["values"], [money(cum_base(30000, self.n, k)) for k in range(3)]
		)
		self.assertEqual([s["value"] for s in summary[:3]], [30000.0, 4000.0, pct(4000, 30000)])

	def test_summary(self):
		_c, data, _m, _chart, summary = self.run_report()
		self.assertEqual(
			[s["label"] for s in summary],
			["Plan", "Fact to Date", "% Done", "Today's Target", "Forecast at Current Pace"],
		)
		self.assertEqual([s["value"] for s in summary[:3]], [100000.0, 18000.0, 18.0])
		self.assertEqual(summary[3]["value"], data[3]["today_target"])
		self.assertEqual(summary[4]["value"], data[3]["forecast"])
		self.assertEqual(summary[2]["precision"], 1)

	def test_before_the_period_nothing_is_due(self):
		_c, data, message, chart, _s = self.run_report(as_of=add_days(self.plan.from_date, -1))
		self.assertIn("starts on", message)
		a = data[0]
		self.assertEqual((a["plan_to_date"], a["fact_to_date"], a["forecast"]), (0.0, 0.0, 0.0))
		self.assertEqual(a["today_target"], money(base(50000, self.n, 0)))
		self.assertEqual(len(chart["data"]["labels"]), self.n)  # the whole plan line, no fact yet

	def test_live_facts_from_one_grouped_query_not_the_stored_days(self):
		frappe.db.delete(
			"Sales Plan Day", {"sales_plan": self.plan.name}
		)  # as if the background job never ran
		db = frappe.local.db
		with patch.object(db, "sql", wraps=db.sql) as spy:
			_c, data, *_ = self.run_report()
		queries = [" ".join(str(c.args[0]).split()).lower() for c in spy.call_args_list]
		fact_queries = [q for q in queries if "from `tabsales invoice`" in q]
		self.assertEqual(len(fact_queries), 1)
		self.assertIn("group by", fact_queries[0])
		self.assertFalse([q for q in queries if "tabsales plan day" in q])
		self.assertEqual(data[3]["fact_to_date"], 18000.0)

	def test_invalid_filters(self):
		draft = frappe.get_doc(
			{
				"doctype": "Sales Plan",
				"company": company(),
				"basis": "Sales Invoice",
				"from_date": self.plan.from_date,
				"to_date": self.plan.to_date,
				"target_amount": 1000,
				"allocations": [{"sales_person": person(D)}],
			}
		).insert()
		with self.assertRaises(frappe.ValidationError) as ctx:
			execute({"sales_plan": draft.name, "as_of": self.days[2]})
		self.assertIn("not submitted", str(ctx.exception))
		with self.assertRaises(frappe.ValidationError):
			execute({"sales_plan": self.plan.name, "sales_person": "_SD PvF Nobody"})
		with self.assertRaises(frappe.ValidationError):
			execute({"sales_plan": ""})
		with self.assertRaises(frappe.ValidationError):
			execute({"sales_plan": "SP-NO-SUCH-PLAN"})

	def test_person_filter_offers_the_persons_of_the_plan(self):
		found = persons_of_plan("Sales Person", "PvF", "name", 0, 20, {"sales_plan": self.plan.name})
		self.assertEqual([r[0] for r in found], [A, B, C])
		found = persons_of_plan("Sales Person", "PvF B", "name", 0, 20, {"sales_plan": self.plan.name})
		self.assertEqual([r[0] for r in found], [B])
		self.assertEqual(persons_of_plan("Sales Person", "", "name", 0, 20, {}), [])
