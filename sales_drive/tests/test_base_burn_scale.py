# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Base Burn at scale (issue 15): the parties worked kept in Sales Funnel Aggregate (sales_drive/activity.py)
always equal a recount from the log, and the report's figures per team and sales person equal hand-written
queries over any period.

Synthetic log rows and Cooling Records carry the company BS_CO and live in Nov 2015 - Jul 2016 (nobody
else's data is there); real Opportunities go through the gate in the test company. Everything is rolled
back with the class.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from sales_drive import activity, aggregates
from sales_drive.integrations.pipeline import write_log_rows
from sales_drive.sales_drive.report.base_burn import base_burn
from sales_drive.tests.utils import company, make_opportunity, move, reset_cache

BS_CO = "_SD Burn Scale Company"
TEAMS = ("_SD BS Team A", "_SD BS Team B", None)
PEOPLE = ("_SD BS Person 1", "_SD BS Person 2", "_SD BS Person 3", None)
LOG = "`tabSales Stage Transition Log`"
Q, NA = "Qualification", "Needs Assessment"
PERIODS = [
	("2016-03-01", "2016-03-31"),  # one whole month
	("2016-02-01", "2016-04-30"),  # whole months
	("2016-02-15", "2016-04-14"),  # mid-month to mid-month
	("2016-03-01", "2016-03-01"),  # one day, a month's first
	("2016-03-17", "2016-03-17"),  # one day
	("2016-02-29", "2016-03-01"),  # two days across a month edge
	("2015-12-10", "2016-06-20"),  # across the year
	("2015-11-01", "2016-07-31"),  # everything
]


def log_row(name, when, team, person, kind="Forward"):
	return {
		"reference_doctype": "Opportunity",
		"reference_name": name,
		"regulation": "Opportunity B2B",
		"kind": kind,
		"from_step": Q,
		"to_step": NA,
		"transition_time": when,
		"user": "Administrator",
		"record_owner": "Administrator",
		"sales_person": person,
		"team": team,
		"company": BS_CO,
		"days_in_previous": 1,
		"hours_in_previous": 8,
		"verdict": "Passed",
	}


def synthetic_rows(seed=15):
	"""60 records, 1-8 rows each between Nov 2015 and Jul 2016, gaps of 0 days to 3 months; a record may
	change team or sales person on the way; some rows on a month's first or last day."""
	rng = random.Random(seed)
	rows = []
	for i in range(60):
		when = datetime(2015, 11, 1, 9) + timedelta(days=rng.randrange(240), minutes=rng.randrange(600))
		team, person = rng.choice(TEAMS), rng.choice(PEOPLE)
		for _ in range(rng.randrange(1, 9)):
			rows.append(log_row(f"_bs-{i}", when.strftime("%Y-%m-%d %H:%M:%S"), team, person))
			if rng.random() < 0.2:
				team, person = rng.choice(TEAMS), rng.choice(PEOPLE)
			when += timedelta(days=rng.choice([0, 1, 2, 13, 29, 31, 45, 92]), minutes=rng.randrange(600))
			if when > datetime(2016, 7, 31, 12):
				break
	for name, when in (("_bs-edge-1", "2016-02-29 23:59:59"), ("_bs-edge-1", "2016-03-01 00:00:00"),
			("_bs-edge-2", "2016-02-14 10:00:00"), ("_bs-edge-2", "2016-04-15 10:00:00")):  # fmt: skip
		rows.append(log_row(name, when, TEAMS[0], PEOPLE[0]))
	return rows


def stored(co=BS_CO) -> Counter:
	return Counter({key: n for _name, key, n in activity.stored("a.company = %(co)s", {"co": co}) if n})


def recounted(co=BS_CO) -> Counter:
	return +activity.recount("ifnull(l.company, '') = %(co)s", {"co": co})


class TestBaseBurnScale(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()  # everything below is rolled back after the class
		frappe.set_user("Administrator")
		reset_cache()
		rows = synthetic_rows()
		random.Random(1).shuffle(rows)  # written out of order: rows land in the middle of histories
		for start in range(0, len(rows), 37):
			write_log_rows([dict(r) for r in rows[start : start + 37]])
		# as written, before any test (a rebuild in one test would mend the cells for the next)
		cls.written = (stored(), recounted())
		cls.make_cooling()

	def setUp(self):
		frappe.set_user("Administrator")

	@classmethod
	def make_cooling(cls):
		today = getdate(nowdate())
		rng = random.Random(7)
		for i in range(40):
			start = date(2015, 12, 1) + timedelta(days=rng.randrange(200))
			status = rng.choice(["Active", "Active", "Returned", "Closed for Good"])
			doc = frappe.get_doc({
				"doctype": "Cooling Record", "party_type": "Lead", "party": f"_bs-lead-{i % 25}", "status": status,
				"final": int(status == "Closed for Good"), "from_date": start,
				"until_date": add_days(today, 30) if i % 3 else start + timedelta(days=60),
				"returned_on": start + timedelta(days=rng.randrange(90)) if status == "Returned" else None,
				"team": rng.choice(TEAMS), "sales_person": rng.choice(PEOPLE), "company": BS_CO,
			})  # fmt: skip
			doc.db_insert()  # the parties and the company are synthetic: no link validation

	# ------------------------------------------------------------------ the cells equal a recount

	def test_written_rows_equal_a_recount(self):
		cells, recount = self.written
		self.assertTrue(cells)
		self.assertEqual(cells, recount)
		self.assertEqual({(k[0], k[1]) for k in cells}, {(g, d) for g in ("Day", "Month") for d in activity.DIMENSIONS})
		# a row written in the middle of a history changed its successor's previous day
		self.assertTrue(any(k[5] is not None for k in cells))

	def test_gate_moves_and_a_move_back_keep_the_cells_exact(self):
		co = company()
		before = stored(co)
		worked_before, hand_before = self.worked_today(co), self.worked_today(co, from_log=True)
		opp = make_opportunity(sales_stage=Q)
		move(opp, NA, sd_gate_override=1, sd_override_reason="test")
		move(opp, Q, sd_gate_override=1, sd_override_reason="test")  # a move back
		kinds = set(frappe.get_all("Sales Stage Transition Log", {"reference_name": opp.name}, pluck="kind"))
		self.assertTrue({"Enter", "Backward"} <= kinds, kinds)
		# what the gate added to the company's cells is the recount of the new record's rows (the
		# company's other rows may be out of step: other tests delete their committed log rows in SQL)
		added = stored(co)
		added.subtract(before)
		self.assertEqual({k: n for k, n in added.items() if n}, activity.recount("l.reference_name = %(n)s", {"n": opp.name}))
		# and the report's count for today grew by this one record, as a count over the log does
		self.assertEqual(self.worked_today(co) - worked_before, 1)
		self.assertEqual(self.worked_today(co, from_log=True) - hand_before, 1)

	def worked_today(self, co, from_log=False):
		if not from_log:
			return sum(activity.worked("Team", nowdate(), nowdate(), co).values())
		return frappe.db.sql(
			f"""select count(distinct reference_doctype, reference_name) from {LOG}
			where company = %s and date(transition_time) = %s""",
			(co, nowdate()),
		)[0][0]

	def test_deleting_log_rows_takes_them_out(self):
		# a row in the middle of a history, then a record's first row
		names = frappe.get_all("Sales Stage Transition Log", {"reference_name": "_bs-edge-2"}, pluck="name",
			order_by="transition_time")  # fmt: skip
		middle = frappe.get_all("Sales Stage Transition Log", {"reference_name": "_bs-3"}, pluck="name",
			order_by="transition_time")  # fmt: skip
		for name in [middle[len(middle) // 2], names[0]]:
			frappe.delete_doc("Sales Stage Transition Log", name, ignore_permissions=True)
			self.assertEqual(stored(), recounted())
		write_log_rows([log_row("_bs-edge-2", "2016-02-14 10:00:00", TEAMS[0], PEOPLE[0])])
		self.assertEqual(stored(), recounted())

	def test_a_row_inserted_as_a_document_counts(self):
		doc = frappe.get_doc({"doctype": "Sales Stage Transition Log", **log_row("_bs-5", "2016-03-15 10:00:00", TEAMS[1], None)})
		doc.insert(ignore_permissions=True, ignore_links=True)
		self.assertEqual(stored(), recounted())
		frappe.delete_doc("Sales Stage Transition Log", doc.name, ignore_permissions=True)
		self.assertEqual(stored(), recounted())

	def test_rebuild_is_exact_and_idempotent(self):
		incremental = stored()
		activity.rebuild(commit=False)
		self.assertEqual(stored(), incremental)
		# the rebuild names every row as the writers do, so later moves add to the same rows
		cells = activity.stored("a.company = %(co)s", {"co": BS_CO})
		self.assertTrue(cells)
		for name, key, _n in cells:
			self.assertEqual(name, activity.key_name(*key))
		# the move counts' rebuild leaves the cells alone (they share the table)
		aggregates.rebuild(commit=False)
		self.assertEqual(stored(), incremental)
		write_log_rows([log_row("_bs-1", "2016-01-31 10:00:00", TEAMS[1], PEOPLE[2])])
		after = stored()
		self.assertNotEqual(after, incremental)
		self.assertEqual(after, recounted())
		activity.rebuild(commit=False)
		self.assertEqual(stored(), after)

	# ------------------------------------------------------------------ the report against hand-written SQL

	def hand(self, column, from_date, to_date):
		"""worked / refusals / closed / cooling / returned per group, straight from the log and the Cooling Records."""
		today = getdate(nowdate())
		values = {"co": BS_CO, "f": from_date, "t": to_date, "today": today}
		out: dict = {}

		def put(rows, field):
			for group, n in rows:
				if n:
					out.setdefault(group or None, Counter())[field] += int(n)

		put(frappe.db.sql(f"""select {column}, count(distinct reference_doctype, reference_name) from {LOG}
			where company = %(co)s and date(transition_time) between %(f)s and %(t)s group by 1""", values), "worked")  # fmt: skip
		cooling = "`tabCooling Record`"
		put(frappe.db.sql(f"""select {column}, count(*) from {cooling} where company = %(co)s and final = 0
			and from_date between %(f)s and %(t)s group by 1""", values), "refusals")  # fmt: skip
		put(frappe.db.sql(f"""select {column}, count(*) from {cooling} where company = %(co)s and final = 1
			and from_date between %(f)s and %(t)s group by 1""", values), "closed")  # fmt: skip
		put(frappe.db.sql(f"""select {column}, count(distinct party_type, party) from {cooling} where company = %(co)s
			and status = 'Active' and from_date <= %(today)s and until_date >= %(today)s group by 1""", values), "cooling")  # fmt: skip
		put(frappe.db.sql(f"""select {column}, count(distinct party_type, party) from {cooling} where company = %(co)s
			and status = 'Returned' and returned_on between %(f)s and %(t)s group by 1""", values), "returned")  # fmt: skip
		return out

	def test_report_figures_equal_hand_written_queries(self):
		checked = 0
		for group_by, column in (("Team", "team"), ("Sales Person", "sales_person")):
			for from_date, to_date in PERIODS:
				_c, rows, *_ = base_burn.execute(
					frappe._dict(from_date=from_date, to_date=to_date, company=BS_CO, group_by=group_by)
				)
				fields = ("worked", "refusals", "closed", "cooling", "returned")
				got = {r["group"]: Counter({f: r[f] for f in fields if r[f]}) for r in rows}
				got = {g: c for g, c in got.items() if c}
				self.assertEqual(got, self.hand(column, from_date, to_date), (group_by, from_date, to_date))
				checked += sum(c["worked"] for c in got.values())
		self.assertGreater(checked, 100)

	def test_the_cells_give_the_log_query_on_random_periods(self):
		rng = random.Random(3)
		for _ in range(25):
			a = date(2015, 10, 25) + timedelta(days=rng.randrange(290))
			b = a + timedelta(days=rng.choice([0, 1, 6, 30, 31, 45, 100, 250]))
			for dimension, column in (("Team", "team"), ("Sales Person", "sales_person")):
				hand = dict(
					frappe.db.sql(
						f"""select ifnull({column}, ''), count(distinct reference_doctype, reference_name) from {LOG}
						where company = %s and transition_time >= %s and transition_time < %s group by 1""",
						(BS_CO, a, b + timedelta(days=1)),
					)
				)
				self.assertEqual(activity.worked(dimension, a, b, BS_CO), {g: int(n) for g, n in hand.items()}, (a, b))

	def test_segments_equal_a_hand_written_join(self):
		co, today = company(), getdate(nowdate())
		opp = make_opportunity(sales_stage=Q)
		move(opp, NA, sd_gate_override=1, sd_override_reason="test")
		make_opportunity(sales_stage=Q)
		checked = 0
		for group_by, column in base_burn.SEGMENTS.items():
			for from_date in (today, today.replace(day=1), add_days(today, -730)):
				_c, rows, *_ = base_burn.execute(frappe._dict(from_date=from_date, to_date=today, company=co, group_by=group_by))
				hand = Counter()
				for doctype in ("Lead", "Opportunity"):
					for group, n in frappe.db.sql(
						f"""select ifnull(r.`{column}`, ''), count(distinct g.reference_name) from {LOG} g
						join `tab{doctype}` r on r.name = g.reference_name where g.reference_doctype = %s
						and g.company = %s and date(g.transition_time) between %s and %s group by 1""",
						(doctype, co, from_date, today),
					):
						hand[group or None] += int(n)
				self.assertEqual({r["group"]: r["worked"] for r in rows if r["worked"]}, dict(+hand), (group_by, from_date))
				checked += sum(hand.values())
		self.assertGreaterEqual(checked, 2 * 3)
