# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""The gate's save keeps the totals without reading the record's rows (issue 15, the gate's cost):

- the users' sales persons are cached (sales_drive/people.py) and the cache follows every change of a
  Sales Person or an Employee, in the transaction that made it and after it;
- a gated save's single row is added from its record's tail (``log_history.Tail``, read by the insert):
  across a change of the owner's sales person, after a later row (the tail cannot be used: the rows are
  read) and around a close and a reopen, the parties worked, the move counts and the outcomes added equal
  a recount of the record's rows.

Rolled back with the class.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from sales_drive import activity, aggregates, log_history, outcomes, people, totals
from sales_drive.integrations.pipeline import write_log_rows
from sales_drive.tests.test_aggregates import minus, normalise, stored
from sales_drive.tests.utils import (
	company,
	ensure_employee,
	ensure_sales_person,
	ensure_user,
	log_row,
	make_opportunity,
	move,
	reset_cache,
)

U_PLAIN, U_PERSON = "sd.tail.plain@example.com", "sd.tail.person@example.com"
TEAM, PERSON = "_SD Tail Team", "_SD Tail Person"
Q, NA, PR, PP = "Qualification", "Needs Assessment", "Presentation", "Proposal Preparation"


def lost_reason(name="_SD Tail Reason") -> str:
	if not frappe.db.exists("Opportunity Lost Reason", name):
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name}).insert()
	return name


def cells(co) -> Counter:
	return Counter({key: n for _name, key, n in activity.stored("a.company = %(co)s", {"co": co}) if n})


def funnel(co):
	return stored("a.company = %(co)s", {"co": co})


class TestGateTotals(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		reset_cache()
		ensure_user(U_PLAIN, ["Sales User"])
		ensure_user(U_PERSON, ["Sales User"])
		ensure_sales_person(TEAM, is_group=1)
		ensure_sales_person(PERSON, user=U_PERSON, parent=TEAM)
		# as if committed: the cache is read and filled again (commit and rollback end the transaction so)
		people._transaction_ended()

	def setUp(self):
		frappe.set_user("Administrator")
		people._transaction_ended()

	# ------------------------------------------------------------------ the cached sales person

	def test_the_cached_sales_person_follows_changes(self):
		self.assertEqual(people.sales_person_of(U_PERSON), (PERSON, TEAM))
		self.assertEqual(tuple(frappe.cache.hget(people.KEY, U_PERSON)), (PERSON, TEAM))  # cached
		self.assertEqual(people.sales_person_of(U_PLAIN), (None, None))

		# disabled through the form: forgotten at once, and not cached again in this transaction
		sp = frappe.get_doc("Sales Person", PERSON)
		sp.enabled = 0
		sp.save()
		self.assertIsNone(frappe.cache.hget(people.KEY, U_PERSON))
		self.assertEqual(people.sales_person_of(U_PERSON), (None, None))
		self.assertIsNone(frappe.cache.hget(people.KEY, U_PERSON))
		# the transaction's end (commit or rollback) forgets it again
		self.assertIn(people._transaction_ended, frappe.db.after_rollback._functions)
		self.assertIn(people._transaction_ended, frappe.db.after_commit._functions)
		people._transaction_ended()
		sp.reload()
		sp.enabled = 1
		sp.save()
		people._transaction_ended()
		self.assertEqual(people.sales_person_of(U_PERSON), (PERSON, TEAM))

		# the Employee moved to another user: both users' sales persons change
		employee = frappe.get_doc("Employee", ensure_employee(U_PERSON))
		employee.user_id = U_PLAIN
		employee.save()
		self.assertEqual(people.sales_person_of(U_PLAIN), (PERSON, TEAM))
		self.assertEqual(people.sales_person_of(U_PERSON), (None, None))
		employee.user_id = U_PERSON
		employee.save()
		people._transaction_ended()

		# a change in SQL is forgotten by clear_cache (and bench clear-cache: the clear_cache hook)
		self.assertEqual(people.sales_person_of(U_PERSON), (PERSON, TEAM))
		frappe.db.set_value("Sales Person", PERSON, "enabled", 0)
		self.assertEqual(people.sales_person_of(U_PERSON), (PERSON, TEAM))  # stale until cleared
		people.clear_cache()
		self.assertEqual(people.sales_person_of(U_PERSON), (None, None))
		frappe.db.set_value("Sales Person", PERSON, "enabled", 1)
		people.clear_cache()
		self.assertIn("sales_drive.people.clear_cache", frappe.get_hooks("clear_cache"))

	# ------------------------------------------------------------------ the tail

	def test_tail_is_what_the_records_rows_say(self):
		opp = make_opportunity(sales_stage=Q, opportunity_owner=U_PLAIN)
		move(opp, NA, sd_gate_override=1, sd_override_reason="test")
		row = {"reference_doctype": "Opportunity", "reference_name": opp.name, "name": "_none",
			"company": company(), "team": None, "sales_person": None, "regulation": opp.sd_regulation}  # fmt: skip
		text = frappe.db.sql(f"select {log_history.tail_subquery()}", log_history.tail_values(row))[0][0]
		tail = log_history.Tail.parse(text)
		last = frappe.db.sql(
			"select max(transition_time) from `tabSales Stage Transition Log` where reference_name = %s", opp.name
		)[0][0]
		self.assertEqual((tail.team_last, tail.person_last, tail.closing), (last, last, 0))
		# another chain (a sales person the record never had): no row
		tail = log_history.Tail.parse(
			frappe.db.sql(f"select {log_history.tail_subquery()}", log_history.tail_values({**row, "sales_person": PERSON}))[0][0]
		)
		self.assertEqual((tail.team_last, tail.person_last), (last, None))
		self.assertTrue(tail.is_before({"transition_time": now_datetime()}))
		self.assertFalse(tail.is_before({"transition_time": now_datetime() - timedelta(days=1)}))

	def test_saves_from_the_tail_equal_a_recount(self):
		co = company()
		cells_before, funnel_before = cells(co), funnel(co)
		used = Counter()
		original = totals.add

		def counting(rows, sign=1, new_record=False, tail=None):
			if tail is not None and len(rows) == 1 and tail.is_before(rows[0]):
				used["tail"] += 1
			return original(rows, sign=sign, new_record=new_record, tail=tail)

		totals.add = counting
		try:
			opp = make_opportunity(sales_stage=Q, opportunity_owner=U_PLAIN)
			move(opp, NA, sd_gate_override=1, sd_override_reason="test")
			# the owner changes to a user with a sales person: the next rows are in other chains
			move(opp, PR, opportunity_owner=U_PERSON, sd_gate_override=1, sd_override_reason="test")
			# lost, reopened, moved: the record has closing rows, its outcome is looked at
			frappe.flags.sd_cooling_off = True  # a refusal would cool the party and block the reopen
			opp.reload()
			opp.status = "Lost"
			opp.append("lost_reasons", {"lost_reason": lost_reason()})
			opp.save()
			# moved on while lost (not reopened): the outcome's steps grow by one
			move(opp, PP, sd_gate_override=1, sd_override_reason="test")
			steps_when_lost = sorted(json.loads(frappe.db.get_value(outcomes.DOCTYPE, {"reference_name": opp.name}, "steps")))
			opp.reload()
			opp.status = "Open"
			opp.save()
			move(opp, NA, sd_gate_override=1, sd_override_reason="test")  # back
			# a later row (tomorrow): the next save's row is not the latest, its record's rows are read
			write_log_rows(
				[log_row(opp.name, "Forward", NA, PR, now_datetime() + timedelta(days=1), regulation=opp.sd_regulation,
					company=co, record_owner=U_PERSON, sales_person=PERSON, team=TEAM)]  # fmt: skip
			)
			move(opp, PR, sd_gate_override=1, sd_override_reason="test")
		finally:
			totals.add = original
			frappe.flags.sd_cooling_off = False
		self.assertEqual(used["tail"], 6)  # every save's row but the first (an insert) and the last
		rows = frappe.get_all("Sales Stage Transition Log", {"reference_name": opp.name}, ["kind", "sales_person", "team"])
		self.assertTrue({"Enter", "Forward", "Backward", "Lost", "Reopen"} <= {r.kind for r in rows}, rows)
		self.assertIn((PERSON, TEAM), {(r.sales_person, r.team) for r in rows})
		self.assertIn((None, None), {(r.sales_person, r.team) for r in rows})

		# the parties worked, the move counts and the outcome added equal a recount of the record's rows
		added = cells(co)
		added.subtract(cells_before)
		self.assertEqual(+added, +activity.recount("l.reference_name = %(n)s", {"n": opp.name}))
		mine = normalise(aggregates.recount("l.reference_name = %(n)s", {"n": opp.name}))
		self.assertEqual(minus(funnel(co), funnel_before), mine)
		where = "reference_name = %(n)s"
		# the move while lost reached one more step: the outcome counted it
		self.assertEqual(steps_when_lost, sorted({Q, NA, PR, PP}))
		self.assertEqual(outcomes.stored_states(where, {"n": opp.name}), outcomes.recount_states(where, {"n": opp.name}))
