# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Stage Duration and Overdue on records made through the ORM, with the gates on.

The records are created and moved at frozen times (the gate stamps the step's
entry time itself); the report is then run "today" = Wednesday 2026-03-11.
The default regulation's limits: Qualification 3, Needs Assessment 5 working
days; Lead "New Lead" 2. Working days are Monday to Friday (every regulation gets a Holiday List of
weekends only for the class).
"""

from datetime import date, timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from freezegun import freeze_time

from sales_drive import regulations
from sales_drive.integrations.pipeline import _row, write_log
from sales_drive.sales_drive.report.stage_duration_and_overdue import stage_duration_and_overdue as report
from sales_drive.sales_drive.report.stage_duration_and_overdue.stage_duration_and_overdue import (
	execute,
	get_steps,
)
from sales_drive.tests.utils import (
	company,
	ensure_sales_person,
	ensure_user,
	make_opportunity,
	reset_cache,
	tick,
	weekend_holiday_list,
)

TODAY = "2026-03-11 12:00:00"  # a Wednesday

REP_A = "sd.sdo.rep.a@example.com"
REP_B = "sd.sdo.rep.b@example.com"
REP_C = "sd.sdo.rep.c@example.com"
REP_D = "sd.sdo.rep.d@example.com"
TEAM, SUB_TEAM, TEAM_D = "_SDO Team", "_SDO Sub Team", "_SDO Team D"
# the states of _SDO Team D's opportunities (all in Qualification since Monday 2 March): only the
# first two are open pipeline; won (Converted, or logged Won by Sales Drive), Lost, Closed and a
# Quotation that was ordered are not
OPEN_STATES = ("open", "quoted")
CLOSED_STATES = ("converted", "lost", "closed", "logged_won", "ordered")
STATUS = {"open": "Open", "quoted": "Quotation", "converted": "Converted", "lost": "Lost", "closed": "Closed",
	"logged_won": "Open", "ordered": "Quotation"}  # fmt: skip


def sales_person(name, parent, user=None, is_group=0):
	return ensure_sales_person(name, user, parent, is_group, create_user_permission=0)


def quotation_of(opportunity, status):
	"""A submitted Quotation of the opportunity in ``status`` (inserted directly: only the link counts)."""
	q = frappe.new_doc("Quotation")
	q.update({"name": f"_SDO-Q-{frappe.generate_hash(length=10)}", "opportunity": opportunity, "docstatus": 1,
		"status": status, "company": company(), "transaction_date": "2026-03-02", "quotation_to": "Customer"})  # fmt: skip
	q.db_insert()


def opportunity_entered(when, owner, **kw):
	"""A new Opportunity saved at ``when``: the gate puts it in Qualification then."""
	with freeze_time(when):
		return make_opportunity(opportunity_owner=owner, **kw)


class TestStageDurationAndOverdue(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		# registered first, so it runs after the class's rollback: no class after this one reads the
		# regulations' Holiday List set below from the cache
		cls.addClassCleanup(regulations.clear_cache)
		super().setUpClass()
		frappe.set_user("Administrator")
		reset_cache()
		# Monday-Friday whatever the site has (a site with data has its own company Holiday List, maybe one
		# that does not cover these weeks, which makes every day a working day): rolled back with the class
		frappe.db.sql(
			"update `tabSales Pipeline Regulation` set holiday_list = %s",
			weekend_holiday_list("2026-01-01", "2026-04-30"),
		)
		regulations.clear_cache()
		for user in (REP_A, REP_B, REP_C, REP_D):
			ensure_user(user, ["Sales User"])
		# Sales Team > _SDO Team > (_SDO Rep A, _SDO Sub Team > _SDO Rep B); Sales Team > _SDO Rep C
		sales_person(TEAM, "Sales Team", is_group=1)
		sales_person("_SDO Rep A", TEAM, REP_A)
		sales_person(SUB_TEAM, TEAM, is_group=1)
		sales_person("_SDO Rep B", SUB_TEAM, REP_B)
		sales_person("_SDO Rep C", "Sales Team", REP_C)
		sales_person(TEAM_D, "Sales Team", is_group=1)
		sales_person("_SDO Rep D", TEAM_D, REP_D)

		# Qualification since Monday 2 March: 7 working days, limit 3 -> overdue by 4
		cls.opp1 = opportunity_entered("2026-03-02 09:00:00", REP_A).name
		# Qualification since Friday 6 March: 3 working days = the limit -> due today, not overdue
		cls.opp2 = opportunity_entered("2026-03-06 09:00:00", REP_A).name
		# made on 26 February, moved through the gate to Needs Assessment on Monday 2 March:
		# 7 working days, limit 5 -> overdue by 2
		opp3 = opportunity_entered("2026-02-26 09:00:00", REP_A, with_contact=True)
		with freeze_time("2026-03-02 10:00:00"):
			opp3.reload()
			tick(opp3)
			opp3.sales_stage = "Needs Assessment"
			opp3.save()
		cls.opp3 = opp3.name
		# team member two levels down (Sub Team): Qualification since Tuesday 10 March -> 1 day
		cls.opp4 = opportunity_entered("2026-03-10 09:00:00", REP_B).name
		# outside the team: Qualification since Wednesday 25 February -> 10 days, overdue by 7
		cls.opp5 = opportunity_entered("2026-02-25 09:00:00", REP_C).name
		# lost: not open, never shown
		lost = opportunity_entered("2026-02-20 09:00:00", REP_A)
		with freeze_time("2026-02-23 09:00:00"):
			lost.reload()
			lost.status = "Lost"
			lost.save()
		cls.lost = lost.name
		# a Lead in "New Lead" (limit 2) since Monday 2 March -> overdue by 5
		with freeze_time("2026-03-02 09:00:00"):
			cls.lead = (
				frappe.get_doc(
					{
						"doctype": "Lead",
						"first_name": "Olga",
						"company_name": "_SDO Lead Org",
						"lead_owner": REP_A,
					}
				)
				.insert()
				.name
			)
		cls.mine = {cls.opp1, cls.opp2, cls.opp3, cls.opp4, cls.opp5, cls.lost}
		cls.states = {}
		for state in OPEN_STATES + CLOSED_STATES:
			name = opportunity_entered("2026-03-02 09:00:00", REP_D).name
			frappe.db.set_value("Opportunity", name, "status", STATUS[state], update_modified=False)
			cls.states[state] = name
		quotation_of(cls.states["quoted"], "Open")
		quotation_of(cls.states["ordered"], "Ordered")
		won = frappe.get_doc("Opportunity", cls.states["logged_won"])
		write_log(won, [_row(won, regulations.for_record(won), "Won", won.sales_stage, "", verdict="Passed")])

	def setUp(self):
		frappe.set_user("Administrator")
		# the expected figures assume Monday-Friday working days and no holidays in these weeks
		calendar = regulations.calendar_for(company(), regulations.active("Opportunity"))
		start = date(2026, 2, 20)
		weekdays = [start + timedelta(days=i) for i in range(24) if (start + timedelta(days=i)).weekday() < 5]
		self.assertEqual(calendar.working_days(start, date(2026, 3, 15)), weekdays)

	def run_report(self, **filters):
		with freeze_time(TODAY):
			columns, data, _message, chart, summary = execute(frappe._dict(filters))
		return columns, data, chart, summary

	def test_days_in_step_limit_due_date_and_overdue(self):
		_c, data, _chart, _summary = self.run_report(
			document_type="Opportunity", company=company(), team=TEAM, view="Records"
		)
		rows = {r.name: r for r in data}
		self.assertEqual(set(rows), {self.opp1, self.opp2, self.opp3, self.opp4})

		def clock(r):
			return (r.step, r.stage, r.days_in_step, r.limit, r.days_left, str(r.due_date), r.overdue)

		self.assertEqual(
			clock(rows[self.opp1]), ("Qualification", "Leads Development", 7, 3, -4, "2026-03-05", 1)
		)
		self.assertEqual(
			clock(rows[self.opp2]), ("Qualification", "Leads Development", 3, 3, 0, "2026-03-11", 0)
		)
		self.assertEqual(
			clock(rows[self.opp3]), ("Needs Assessment", "Leads Conversion", 7, 5, -2, "2026-03-09", 1)
		)
		self.assertEqual(
			clock(rows[self.opp4]), ("Qualification", "Leads Development", 1, 3, 2, "2026-03-13", 0)
		)
		# the entry time is the one the gate stamped when the record moved
		self.assertEqual(rows[self.opp3].entered_on.date(), date(2026, 3, 2))
		self.assertEqual(rows[self.opp1].record_owner, REP_A)
		self.assertEqual(rows[self.opp1].sales_person, "_SDO Rep A")
		self.assertEqual(rows[self.opp4].sales_person, "_SDO Rep B")
		party = frappe.db.get_value("Opportunity", self.opp1, "party_name")
		self.assertTrue(party.startswith("_SD Test Customer"))
		self.assertEqual(rows[self.opp1].title, party)

	def test_overdue_first_then_by_days_over_the_limit(self):
		_c, data, _chart, _summary = self.run_report(
			document_type="Opportunity", company=company(), view="Records"
		)
		mine = [r.name for r in data if r.name in self.mine]
		# overdue by 7, 4, 2; then on time with 0 and 2 days left; the lost one is not open
		self.assertEqual(mine, [self.opp5, self.opp1, self.opp3, self.opp2, self.opp4])
		overdue_flags = [r.overdue for r in data]
		self.assertEqual(overdue_flags, sorted(overdue_flags, reverse=True), "overdue rows come first")

	def test_only_overdue(self):
		_c, data, _chart, summary = self.run_report(
			document_type="Opportunity", company=company(), only_overdue=1, view="Records"
		)
		self.assertTrue(all(r.overdue for r in data))
		self.assertEqual([r.name for r in data if r.name in self.mine], [self.opp5, self.opp1, self.opp3])

	def test_team_filter_takes_the_whole_subtree(self):
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", team=TEAM, view="Records")
		self.assertEqual([r.name for r in data], [self.opp1, self.opp3, self.opp2, self.opp4])
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", team=SUB_TEAM, view="Records")
		self.assertEqual([r.name for r in data], [self.opp4])

	def test_owner_and_step_filters(self):
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", owner=REP_C, view="Records")
		self.assertEqual([r.name for r in data], [self.opp5])
		_c, data, _chart, _summary = self.run_report(
			document_type="Opportunity", team=TEAM, step="Needs Assessment", view="Records"
		)
		self.assertEqual([r.name for r in data], [self.opp3])

	def test_chart_and_summary(self):
		_c, _data, chart, summary = self.run_report(document_type="Opportunity", company=company(), team=TEAM)
		self.assertEqual(chart["type"], "bar")
		self.assertEqual(chart["barOptions"], {"stacked": 1})
		labels = chart["data"]["labels"]
		self.assertEqual(labels[:2], ["Qualification", "Needs Assessment"])
		on_time, overdue = (d["values"] for d in chart["data"]["datasets"])
		self.assertEqual((on_time[0], overdue[0]), (2, 1))  # Qualification: opp2, opp4 / opp1
		self.assertEqual((on_time[1], overdue[1]), (0, 1))  # Needs Assessment: opp3
		self.assertEqual(sum(on_time) + sum(overdue), 4)
		self.assertEqual(
			[(s["label"], s["value"]) for s in summary],
			[("Open Records", 4), ("Overdue", 2), ("Overdue %", 50.0)],
		)
		self.assertEqual(summary[1]["indicator"], "Red")

	def test_lead_pipeline(self):
		columns, data, _chart, summary = self.run_report(document_type="Lead", owner=REP_A, view="Records")
		self.assertEqual(columns[0]["options"], "Lead")
		self.assertEqual(len(data), 1)
		r = data[0]
		self.assertEqual(
			(r.name, r.title, r.step, r.days_in_step, r.limit, r.days_left, r.overdue),
			(self.lead, "_SDO Lead Org", "New Lead", 7, 2, -5, 1),
		)
		self.assertEqual(summary[0]["value"], 1)

	def test_a_sales_user_runs_it(self):
		frappe.set_user(REP_B)
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", team=TEAM, view="Records")
		self.assertEqual([r.name for r in data], [self.opp1, self.opp3, self.opp2, self.opp4])

	def test_one_query_for_the_rows(self):
		# no query per record: one grouped query; By Sales Person and Records add one each
		db = frappe.local.db
		for view, queries in (("By Step", 1), ("By Sales Person", 2), ("Records", 2)):
			with patch.object(db, "sql", wraps=db.sql) as spy:
				self.run_report(document_type="Opportunity", team=TEAM, view=view)
			reads = [c for c in spy.call_args_list if "`tabOpportunity`" in str(c.args[0]) and "SHOW INDEX" not in c.args[0]]
			self.assertEqual(len(reads), queries, view)

	def test_step_filter_options_follow_the_regulation(self):
		self.assertEqual(get_steps("Lead"), ["New Lead", "MQL", "SQL"])
		self.assertEqual(get_steps("Opportunity")[0], "Qualification")
		self.assertEqual(get_steps("ToDo"), [])

	# ----------------------------------------------------------------------------- grouped views and the cap

	def test_by_step_is_the_default_view(self):
		columns, data, chart, summary = self.run_report(document_type="Opportunity", company=company(), team=TEAM)
		self.assertEqual(columns[0]["fieldname"], "regulation")
		rows = {r.step: r for r in data}
		self.assertEqual(list(rows), ["Qualification", "Needs Assessment"])

		def figures(r):
			return (r.regulation, r.stage, r.limit, r.open_records, r.overdue_records, r.overdue_share,
				r.average_days, r.max_days)  # fmt: skip

		reg = regulations.active("Opportunity").regulation.name
		# Qualification: opp1 (7 days, overdue), opp2 (3), opp4 (1); Needs Assessment: opp3 (7, overdue)
		self.assertEqual(figures(rows["Qualification"]), (reg, "Leads Development", 3, 3, 1, 33.3, 3.7, 7))
		self.assertEqual(figures(rows["Needs Assessment"]), (reg, "Leads Conversion", 5, 1, 1, 100.0, 7.0, 7))
		# the chart and the cards are the same in every view
		for view in ("By Sales Person", "Records"):
			_c, _d, other_chart, other_summary = self.run_report(
				document_type="Opportunity", company=company(), team=TEAM, view=view
			)
			self.assertEqual((other_chart, other_summary), (chart, summary), view)

	def test_only_overdue_in_the_grouped_views(self):
		_c, data, _chart, summary = self.run_report(document_type="Opportunity", team=TEAM, only_overdue=1)
		self.assertEqual(
			[(r.step, r.open_records, r.overdue_records, r.max_days) for r in data],
			[("Qualification", 1, 1, 7), ("Needs Assessment", 1, 1, 7)],
		)
		self.assertEqual([s["value"] for s in summary], [4, 2, 50.0])  # the cards count every open record
		_c, data, _chart, _summary = self.run_report(
			document_type="Opportunity", team=TEAM, only_overdue=1, view="By Sales Person"
		)
		self.assertEqual([(r.record_owner, r.open_records) for r in data], [(REP_A, 2)])

	def test_by_sales_person(self):
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", team=TEAM, view="By Sales Person")
		self.assertEqual(
			[(r.sales_person, r.record_owner, r.open_records, r.overdue_records, r.average_days, r.max_days) for r in data],
			# Rep A: opp1 (7 days, overdue), opp2 (3), opp3 (7, overdue); Rep B: opp4 (1)
			[("_SDO Rep A", REP_A, 3, 2, 5.7, 7), ("_SDO Rep B", REP_B, 1, 0, 1.0, 1)],
		)

	def test_won_lost_closed_and_ordered_opportunities_are_not_counted(self):
		expected = {self.states[s] for s in OPEN_STATES}
		_c, data, _chart, summary = self.run_report(document_type="Opportunity", team=TEAM_D, view="Records")
		self.assertEqual({r.name for r in data}, expected)
		self.assertEqual([s["value"] for s in summary], [2, 2, 100.0])
		_c, data, chart, _summary = self.run_report(document_type="Opportunity", team=TEAM_D)
		self.assertEqual([(r.step, r.open_records, r.overdue_records) for r in data], [("Qualification", 2, 2)])
		self.assertEqual(chart["data"]["datasets"][1]["values"][0], 2)
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", team=TEAM_D, view="By Sales Person")
		self.assertEqual([(r.record_owner, r.open_records) for r in data], [(REP_D, 2)])

	def test_grouped_totals_equal_a_hand_written_query_and_the_records_view(self):
		filters = {"document_type": "Opportunity", "company": company()}
		_c, grouped, _chart, summary = self.run_report(**filters)
		with patch.object(report, "RECORDS_LIMIT", 10**6):
			_c, records, _chart, _summary = self.run_report(**filters, view="Records")
		# open records per step, written by hand (not through queries.open_condition)
		by_hand = dict(
			frappe.db.sql(
				"""select o.sales_stage, count(*) from `tabOpportunity` o
				where o.company = %(company)s and o.status not in ('Converted', 'Lost', 'Closed')
				and o.name not in (select l.reference_name from `tabSales Stage Transition Log` l
					where l.reference_doctype = 'Opportunity' and l.kind = 'Won' and l.record_deleted = 0
					and l.reference_name is not null)
				and not (o.status = 'Quotation' and o.name in (select q.opportunity from `tabQuotation` q
					where q.docstatus = 1 and q.status in ('Ordered', 'Partially Ordered') and q.opportunity is not null))
				group by o.sales_stage""",
				{"company": company()},
			)
		)
		open_by_step, overdue_by_step = {}, {}
		for r in grouped:
			open_by_step[r.step] = open_by_step.get(r.step, 0) + r.open_records
			overdue_by_step[r.step] = overdue_by_step.get(r.step, 0) + r.overdue_records
		self.assertEqual(open_by_step, by_hand)
		self.assertEqual(
			open_by_step, {s: sum(1 for r in records if r.step == s) for s in {r.step for r in records}}
		)
		self.assertEqual(
			{s: n for s, n in overdue_by_step.items() if n},
			{s: sum(r.overdue for r in records if r.step == s) for s in {r.step for r in records if r.overdue}},
		)
		self.assertEqual(summary[0]["value"], len(records))
		self.assertEqual(summary[1]["value"], sum(r.overdue for r in records))
		# every one of the fixtures that is open is counted, none of the others
		names = {r.name for r in records}
		self.assertLessEqual({self.opp1, self.opp2, self.opp3, *(self.states[s] for s in OPEN_STATES)}, names)
		self.assertFalse(names & {self.lost, *(self.states[s] for s in CLOSED_STATES)})

	def test_records_view_is_capped_with_a_message(self):
		with patch.object(report, "RECORDS_LIMIT", 2):
			with freeze_time(TODAY):
				_c, data, message, _chart, summary = execute(
					frappe._dict(document_type="Opportunity", team=TEAM, view="Records")
				)
			# the most overdue first: opp1 (due 5 March), opp3 (due 9 March)
			self.assertEqual([r.name for r in data], [self.opp1, self.opp3])
			self.assertEqual(message, "Showing 2 of 4 records, the most overdue first: filter by step, sales person or team to see the others.")
			self.assertEqual(summary[0]["value"], 4)
			with freeze_time(TODAY):
				_c, data, message, _chart, _summary = execute(
					frappe._dict(document_type="Opportunity", team=TEAM, view="Records", step="Qualification")
				)
			self.assertEqual([r.name for r in data], [self.opp1, self.opp2])
			self.assertIn("Showing 2 of 3 records", message)
			with freeze_time(TODAY):
				_c, data, message, _chart, _summary = execute(
					frappe._dict(document_type="Opportunity", team=TEAM, view="Records", only_overdue=1)
				)
			self.assertEqual([r.name for r in data], [self.opp1, self.opp3])
			self.assertIsNone(message)
		with freeze_time(TODAY):
			_c, data, message, _chart, _summary = execute(
				frappe._dict(document_type="Opportunity", team=TEAM, view="Records")
			)
		self.assertEqual(len(data), 4)
		self.assertIsNone(message)

	def test_an_unknown_view_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.run_report(document_type="Opportunity", view="Everything")
