# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Stage Duration and Overdue on records made through the ORM, with the gates on.

The records are created and moved at frozen times (the gate stamps the step's
entry time itself); the report is then run "today" = Wednesday 2026-03-11.
The default regulation's limits: Qualification 3, Needs Assessment 5 working
days; Lead "New Lead" 2. Working days are Monday to Friday (no holiday list).
"""

from datetime import date, timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from freezegun import freeze_time

from sales_drive import regulations
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
)

TODAY = "2026-03-11 12:00:00"  # a Wednesday

REP_A = "sd.sdo.rep.a@example.com"
REP_B = "sd.sdo.rep.b@example.com"
REP_C = "sd.sdo.rep.c@example.com"
TEAM, SUB_TEAM = "_SDO Team", "_SDO Sub Team"


def sales_person(name, parent, user=None, is_group=0):
	return ensure_sales_person(name, user, parent, is_group, create_user_permission=0)


def opportunity_entered(when, owner, **kw):
	"""A new Opportunity saved at ``when``: the gate puts it in Qualification then."""
	with freeze_time(when):
		return make_opportunity(opportunity_owner=owner, **kw)


class TestStageDurationAndOverdue(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		reset_cache()
		for user in (REP_A, REP_B, REP_C):
			ensure_user(user, ["Sales User"])
		# Sales Team > _SDO Team > (_SDO Rep A, _SDO Sub Team > _SDO Rep B); Sales Team > _SDO Rep C
		sales_person(TEAM, "Sales Team", is_group=1)
		sales_person("_SDO Rep A", TEAM, REP_A)
		sales_person(SUB_TEAM, TEAM, is_group=1)
		sales_person("_SDO Rep B", SUB_TEAM, REP_B)
		sales_person("_SDO Rep C", "Sales Team", REP_C)

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
			document_type="Opportunity", company=company(), team=TEAM
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
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", company=company())
		mine = [r.name for r in data if r.name in self.mine]
		# overdue by 7, 4, 2; then on time with 0 and 2 days left; the lost one is not open
		self.assertEqual(mine, [self.opp5, self.opp1, self.opp3, self.opp2, self.opp4])
		overdue_flags = [r.overdue for r in data]
		self.assertEqual(overdue_flags, sorted(overdue_flags, reverse=True), "overdue rows come first")

	def test_only_overdue(self):
		_c, data, _chart, summary = self.run_report(
			document_type="Opportunity", company=company(), only_overdue=1
		)
		self.assertTrue(all(r.overdue for r in data))
		self.assertEqual([r.name for r in data if r.name in self.mine], [self.opp5, self.opp1, self.opp3])

	def test_team_filter_takes_the_whole_subtree(self):
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", team=TEAM)
		self.assertEqual([r.name for r in data], [self.opp1, self.opp3, self.opp2, self.opp4])
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", team=SUB_TEAM)
		self.assertEqual([r.name for r in data], [self.opp4])

	def test_owner_and_step_filters(self):
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", owner=REP_C)
		self.assertEqual([r.name for r in data], [self.opp5])
		_c, data, _chart, _summary = self.run_report(
			document_type="Opportunity", team=TEAM, step="Needs Assessment"
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
		columns, data, _chart, summary = self.run_report(document_type="Lead", owner=REP_A)
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
		_c, data, _chart, _summary = self.run_report(document_type="Opportunity", team=TEAM)
		self.assertEqual([r.name for r in data], [self.opp1, self.opp3, self.opp2, self.opp4])

	def test_one_query_for_the_rows(self):
		from unittest.mock import patch

		db = frappe.local.db
		with patch.object(db, "sql", wraps=db.sql) as spy:
			self.run_report(document_type="Opportunity", team=TEAM)
		reads = [c for c in spy.call_args_list if "`tabOpportunity`" in str(c.args[0])]
		self.assertEqual(len(reads), 1)

	def test_step_filter_options_follow_the_regulation(self):
		self.assertEqual(get_steps("Lead"), ["New Lead", "MQL", "SQL"])
		self.assertEqual(get_steps("Opportunity")[0], "Qualification")
		self.assertEqual(get_steps("ToDo"), [])
