# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Sales Funnel Outcome and the aggregates' outcome rows (sales_drive/outcomes.py): kept exact as the log is
written, reopened, deleted and rebuilt, and Step Probabilities reads from them the figures a hand-written
query over the raw log gives.

Synthetic log rows carry the regulation name REG (no such regulation exists: nobody else's rows have it)
and live in 2016; a real Opportunity goes through the gate in the test company. Rolled back with the class.
"""

from __future__ import annotations

from datetime import date

import frappe

from sales_drive import aggregates, outcomes, probabilities
from sales_drive.engine import probabilities as engine
from sales_drive.integrations.pipeline import write_log_rows
from sales_drive.sales_drive.report.step_probabilities import step_probabilities as report
from sales_drive.tests.utils import EachTestRolledBack, log_row, make_opportunity, move, reset_cache

REG = "_SD Outcome Regulation"
Q, NA, PR, PP = "Qualification", "Needs Assessment", "Presentation", "Proposal Preparation"
LOG = "`tabSales Stage Transition Log`"


def row(name, kind, from_step, to_step, when, regulation=REG):
	return log_row(name, kind, from_step, to_step, when, regulation=regulation, days_in_previous=1, hours_in_previous=8)


ROWS = [
	# won: reached Q, NA, PR
	row("_out-1", "Enter", "", Q, "2016-01-05 10:00:00"),
	row("_out-1", "Forward", Q, NA, "2016-01-10 10:00:00"),
	row("_out-1", "Forward", NA, PR, "2016-02-01 10:00:00"),
	row("_out-1", "Won", PR, "", "2016-02-29 23:59:59"),
	# lost at NA; Q was skipped into (a Skip enters its to_step)
	row("_out-2", "Skip", Q, NA, "2016-01-12 10:00:00"),
	row("_out-2", "Lost", NA, "", "2016-03-01 00:00:00"),
	# lost, reopened: open again (not in any cohort)
	row("_out-3", "Enter", "", Q, "2016-01-06 10:00:00"),
	row("_out-3", "Lost", Q, "", "2016-01-20 10:00:00"),
	row("_out-3", "Reopen", "", Q, "2016-01-25 10:00:00"),
	# lost, reopened, moved on and won: won, on the later date, with both steps
	row("_out-4", "Enter", "", Q, "2016-01-07 10:00:00"),
	row("_out-4", "Lost", Q, "", "2016-01-21 10:00:00"),
	row("_out-4", "Reopen", "", Q, "2016-01-26 10:00:00"),
	row("_out-4", "Forward", Q, NA, "2016-02-02 10:00:00"),
	row("_out-4", "Won", NA, "", "2016-03-15 10:00:00"),
	# Won and Lost at the same moment: Won counts after Lost
	row("_out-5", "Enter", "", Q, "2016-02-03 10:00:00"),
	row("_out-5", "Lost", Q, "", "2016-02-10 12:00:00"),
	row("_out-5", "Won", Q, "", "2016-02-10 12:00:00"),
	# never closed
	row("_out-6", "Enter", "", Q, "2016-02-04 10:00:00"),
	row("_out-6", "Forward", Q, NA, "2016-02-05 10:00:00"),
	# another regulation of the same record: kept apart
	row("_out-1", "Enter", "", PP, "2016-02-15 10:00:00", regulation=REG + " 2"),
	row("_out-1", "Lost", PP, "", "2016-02-20 10:00:00", regulation=REG + " 2"),
]

# The cohort as the report computed it before (a join of every closed record to all its rows), written
# out by hand: each Won / Lost row in the window with no later Won / Lost / Reopen row of the same record.
HAND = f"""
select c.regulation, case when x.side = 1 then l.from_step when l.kind in ('Enter', 'Forward', 'Skip', 'Backward')
		then l.to_step end as step, count(distinct c.reference_name), count(distinct if(c.kind = 'Won', c.reference_name, null))
from {LOG} c
join {LOG} l on l.reference_doctype = c.reference_doctype and l.reference_name = c.reference_name and l.regulation = c.regulation
join (select 1 as side union all select 2) x
where c.kind in ('Won', 'Lost') and c.transition_time >= %(since)s and c.transition_time < %(after)s
	and c.regulation in %(regs)s
	and not exists (select 1 from {LOG} n where n.reference_doctype = c.reference_doctype
		and n.reference_name = c.reference_name and n.regulation = c.regulation and n.kind in ('Won', 'Lost', 'Reopen')
		and (n.transition_time > c.transition_time or (n.transition_time = c.transition_time
			and (n.kind > c.kind or (n.kind = c.kind and n.name > c.name)))))
group by 1, 2 having ifnull(step, '') != ''
"""


def hand_counts(since, until, regs=(REG, REG + " 2")):
	after = date.fromordinal(until.toordinal() + 1)
	out = {}
	for reg, step, reached, won in frappe.db.sql(HAND, {"since": since, "after": after, "regs": list(regs)}):
		out.setdefault(reg, []).append((step, int(reached), int(won)))
	return {k: sorted(v) for k, v in out.items()}


def read_counts(since, until, regs=(REG, REG + " 2")):
	steps = {r: [Q, NA, PR, PP] for r in regs}
	return {k: sorted(v) for k, v in probabilities.fetch_counts(since, until, steps).items()}


def cells(regs=(REG, REG + " 2")):
	"""The outcome rows kept for these regulations: key -> moves."""
	cols = ", ".join(f"a.`{c}`" for c in aggregates.KEY)
	return {
		tuple(str(v)[:10] if i == 1 else str(v) for i, v in enumerate(r[:-1])): int(r[-1])
		for r in frappe.db.sql(
			f"select {cols}, a.moves from {aggregates.TABLE} a where a.days = {aggregates.OUTCOME_ROW} and a.regulation in %(r)s",
			{"r": list(regs)},
		)
	}


def recounted_cells(regs=(REG, REG + " 2")):
	out = {}
	for r in outcomes.recount("o.regulation in %(r)s", {"r": list(regs)}):
		key = tuple(str(v)[:10] if i == 1 else str(v) for i, v in enumerate(r[:-1]))
		out[key] = out.get(key, 0) + int(r[-1])
	return out


def states(regs=(REG, REG + " 2")):
	return outcomes.stored_states("regulation in %(r)s", {"r": list(regs)})


def recounted_states(regs=(REG, REG + " 2")):
	return outcomes.recount_states("o.regulation in %(r)s", {"r": list(regs)})


class TestOutcomes(EachTestRolledBack):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		reset_cache()
		write_log_rows([dict(r) for r in ROWS])

	def setUp(self):
		frappe.set_user("Administrator")
		super().setUp()  # each test starts from ROWS

	def assertExact(self):
		self.assertEqual(states(), recounted_states())
		self.assertEqual(cells(), recounted_cells())

	def test_written_rows_equal_a_recount_and_the_engine(self):
		self.assertExact()
		kept = {s[1]: (s[3], s[6]) for s in states().values() if s[2] == REG}
		self.assertEqual(
			kept,
			{"_out-1": ("Won", (NA, PR, Q)), "_out-2": ("Lost", (NA, Q)), "_out-4": ("Won", (NA, Q)), "_out-5": ("Won", (Q,))},
		)
		# the engine from the raw rows, record by record
		for name in ("_out-1", "_out-2", "_out-3", "_out-4", "_out-5", "_out-6"):
			rows = frappe.db.sql(
				f"select kind, from_step, to_step, transition_time, name from {LOG} where reference_name = %s and regulation = %s",
				(name, REG),
			)
			got = engine.record_outcome(rows)
			self.assertEqual((got.kind, tuple(sorted(got.steps))) if got else None, kept.get(name))

	def test_step_probabilities_equal_a_hand_written_query_over_any_period(self):
		for since, until in (
			(date(2016, 1, 1), date(2016, 12, 31)),  # whole months
			(date(2016, 2, 10), date(2016, 3, 1)),  # mid-month to the first of the next
			(date(2016, 2, 29), date(2016, 2, 29)),  # one day (the last second of it counts)
			(date(2016, 3, 2), date(2016, 3, 14)),  # nothing closed
			(date(2015, 12, 15), date(2016, 3, 15)),
		):
			with self.subTest(since=since, until=until):
				self.assertEqual(read_counts(since, until), hand_counts(since, until))
		self.assertEqual(
			read_counts(date(2016, 1, 1), date(2016, 12, 31))[REG], [(NA, 3, 2), (PR, 1, 1), (Q, 4, 3)]
		)

	def test_reopen_outcome_again_and_a_late_step(self):
		write_log_rows([row("_out-2", "Reopen", "", NA, "2016-04-01 10:00:00")])
		self.assertExact()
		self.assertNotIn("_out-2", {s[1] for s in states().values()})
		write_log_rows([row("_out-2", "Forward", NA, PR, "2016-04-02 10:00:00"), row("_out-2", "Won", PR, "", "2016-04-03 10:00:00")])
		self.assertExact()
		# a step row written after the outcome (no reopen) still counts as reached
		write_log_rows([row("_out-5", "Forward", Q, NA, "2016-02-11 10:00:00")])
		self.assertExact()
		self.assertEqual(read_counts(date(2016, 1, 1), date(2016, 12, 31)), hand_counts(date(2016, 1, 1), date(2016, 12, 31)))

	def test_deleting_log_rows_recomputes_the_record(self):
		won = frappe.db.get_value("Sales Stage Transition Log", {"reference_name": "_out-4", "kind": "Won", "regulation": REG})
		frappe.delete_doc("Sales Stage Transition Log", won, ignore_permissions=True)
		self.assertExact()  # _out-4 is open again: its last outcome row left is a Reopen
		self.assertNotIn("_out-4", {s[1] for s in states().values()})
		step = frappe.db.get_value("Sales Stage Transition Log", {"reference_name": "_out-1", "to_step": PR, "regulation": REG})
		frappe.delete_doc("Sales Stage Transition Log", step, ignore_permissions=True)
		self.assertExact()  # _out-1 still won, but PR is reached only by its Won row (from_step)
		reopen = frappe.db.get_value("Sales Stage Transition Log", {"reference_name": "_out-3", "kind": "Reopen", "regulation": REG})
		frappe.delete_doc("Sales Stage Transition Log", reopen, ignore_permissions=True)
		self.assertExact()  # _out-3 is lost again
		self.assertIn("_out-3", {s[1] for s in states().values()})
		# a row inserted as a document counts too
		doc = frappe.get_doc({"doctype": "Sales Stage Transition Log", **row("_out-6", "Lost", NA, "", "2016-05-05 10:00:00")})
		doc.insert(ignore_permissions=True, ignore_links=True)
		self.assertExact()
		self.assertIn("_out-6", {s[1] for s in states().values()})

	def test_rebuild_is_exact_and_idempotent(self):
		incremental = cells(), states()
		outcomes.rebuild(commit=False)
		self.assertEqual((cells(), states()), incremental)
		# the rebuild names every row as the writers do, so later outcomes add to the same rows
		cols = ", ".join(f"`{c}`" for c in aggregates.KEY)
		for name, *key in frappe.db.sql(
			f"select name, {cols} from {aggregates.TABLE} where days = {aggregates.OUTCOME_ROW} and regulation = %s", REG
		):
			self.assertEqual(name, aggregates.key_name(tuple(key)))
		for name, doctype, reference, regulation in frappe.db.sql(
			f"select name, reference_doctype, reference_name, regulation from {outcomes.TABLE} where regulation = %s", REG
		):
			self.assertEqual(name, outcomes.state_name(doctype, reference, regulation))
		write_log_rows([row("_out-6", "Won", NA, "", "2016-06-06 10:00:00")])
		self.assertExact()
		after = cells(), states()
		self.assertNotEqual(after, incremental)
		outcomes.rebuild(commit=False)
		self.assertEqual((cells(), states()), after)

	def test_the_gate_path_and_the_report(self):
		"""A real Opportunity moved through the gate and lost: the report's counts grow by its steps."""
		from frappe.utils import getdate, nowdate

		opp = make_opportunity(sales_stage=Q)
		regulation = frappe.db.get_value("Opportunity", opp.name, "sd_regulation")
		self.assertTrue(regulation)
		filters = {"regulation": regulation, "months": 1, "min_sample": 0, "to_date": nowdate()}
		before = {r["step"]: (r["reached"], r["won"]) for r in report.execute(filters)[1]}
		move(opp, NA, sd_gate_override=1, sd_override_reason="test")
		opp.reload()
		opp.status = "Lost"
		opp.append("lost_reasons", {"lost_reason": self.lost_reason()})
		opp.save()
		after = {r["step"]: (r["reached"], r["won"]) for r in report.execute(filters)[1]}
		for step in (Q, NA):
			self.assertEqual(after[step], (before[step][0] + 1, before[step][1]), step)
		self.assertEqual(states([regulation]), recounted_states([regulation]))
		self.assertEqual(cells([regulation]), recounted_cells([regulation]))
		today = getdate(nowdate())
		self.assertEqual(
			read_counts(date(today.year, today.month, 1), today, [regulation]),
			hand_counts(date(today.year, today.month, 1), today, [regulation]),
		)

	@staticmethod
	def lost_reason():
		name = "_SD Outcome Reason"
		if not frappe.db.exists("Opportunity Lost Reason", name):
			frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name}).insert(ignore_permissions=True)
		return name
