"""The head of sales' morning report, the team lead's, and the director's weekly: figures, once-only sending, who reads them.

A small department: the head of sales, one team lead with two managers (M1, M2)
and a third manager (M3) in another team without a lead; a submitted plan for
February 2026 (Mon–Fri, 20 working days, 60,000 split equally: 1,000 a day
each); invoices on Monday 2 and Tuesday 3 February; the report is for Tuesday.
"""

from datetime import date, datetime
from decimal import Decimal

import frappe

from sales_drive import aggregates, digests, regulations
from sales_drive.tests.utils import (
	EachTestRolledBack,
	company,
	ensure_sales_person,
	ensure_user,
	make_invoice,
	make_opportunity,
	weekend_holiday_list,
)

TEAM, OTHER = "_SD Digest Team", "_SD Digest Other Team"
M1, M2, M3 = "_SD Digest Manager 1", "_SD Digest Manager 2", "_SD Digest Manager 3"
DAY = date(2026, 2, 3)  # a Tuesday
SETTINGS = "Sales Drive Settings"
REASON = "_SD Digest Too Expensive"


def D(value) -> Decimal:
	return Decimal(value).quantize(Decimal("0.01"))


def log(reference, person, kind, from_step, to_step, when, doctype="Opportunity"):
	"""A transition-log row as the pipeline writes it (the log is the source of the funnel)."""
	doc = frappe.get_doc(
		{
			"doctype": "Sales Stage Transition Log",
			"reference_doctype": doctype,
			"reference_name": reference,
			"kind": kind,
			"from_step": from_step,
			"to_step": to_step,
			"transition_time": when,
			"sales_person": person,
			"company": company(),
		}
	)
	doc.db_insert()
	# and its daily totals, as the pipeline's writer keeps them (sales_drive/aggregates.py)
	aggregates.add([frappe.db.get_value(doc.doctype, doc.name, "*", as_dict=True)])


def raw_insert(doctype, **values):
	doc = frappe.get_doc({"doctype": doctype, "name": frappe.generate_hash(length=10), **values})
	doc.db_insert()
	return doc.name


def forget_outgoing_account():
	"""Frappe caches the outgoing Email Account on ``frappe.local`` for the whole process: after the
	class's rollback the test account must not stay cached, or later tests would "send" through it
	(a send commits, breaking their rollback)."""
	if hasattr(frappe.local, "outgoing_email_account"):
		del frappe.local.outgoing_email_account


class TestDigests(EachTestRolledBack):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.addClassCleanup(forget_outgoing_account)
		forget_outgoing_account()
		# queue the mails (the tests count Email Queue rows) but never send: a send commits
		cls.addClassCleanup(setattr, frappe.flags, "mute_emails", frappe.flags.mute_emails)
		frappe.flags.mute_emails = True
		cls.head = ensure_user("sd.digest.head@example.com", ["Sales User", "Sales Manager"])
		cls.lead = ensure_user("sd.digest.lead@example.com", ["Sales User", "Sales Team Lead"])
		cls.m1 = ensure_user("sd.digest.m1@example.com", ["Sales User"])
		cls.m2 = ensure_user("sd.digest.m2@example.com", ["Sales User"])
		cls.director = ensure_user("sd.digest.director@example.com", [])
		ensure_sales_person(TEAM, cls.lead, is_group=1)
		ensure_sales_person(OTHER, is_group=1)
		ensure_sales_person(M1, cls.m1, parent=TEAM)
		ensure_sales_person(M2, cls.m2, parent=TEAM)
		ensure_sales_person(M3, parent=OTHER, with_employee=True)
		frappe.db.set_single_value(
			SETTINGS,
			{
				"send_morning_report": 1,
				"head_of_sales": cls.head,
				"send_weekly_report": 1,
				"director": cls.director,
			},
		)
		if not frappe.db.exists("Email Account", "_SD Digest Outgoing"):
			# frappe.sendmail needs an outgoing account to queue a mail (Frappe's own tests make one too)
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "_SD Digest Outgoing",
					"email_id": "digests@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "smtp.example.com",
					"password": "secret",
				}
			).insert(ignore_permissions=True)

		cls.plan = frappe.get_doc(
			{
				"doctype": "Sales Plan",
				"company": company(),
				"basis": "Sales Invoice",
				"from_date": "2026-02-01",
				"to_date": "2026-02-28",
				"target_amount": 60000,
				"carry_over": "next_day",
				"allocation_method": "Equal",
				"allocations": [{"sales_person": M1}, {"sales_person": M2}, {"sales_person": M3}],
				# Mon-Fri, 20 working days, whatever the site's company Holiday List says
				"holiday_list": weekend_holiday_list("2026-02-01", "2026-02-28"),
			}
		).insert()
		cls.plan.submit()
		make_invoice([(M1, 100)], rate=600, posting_date="2026-02-02")
		make_invoice([(M1, 100)], rate=1500, posting_date="2026-02-03")
		make_invoice([(M2, 100)], rate=1000, posting_date="2026-02-02")
		make_invoice([(M2, 100)], rate=200, posting_date="2026-02-03")
		make_invoice([(M3, 100)], rate=5000, posting_date="2026-02-03")

		active = regulations.active("Opportunity")
		cls.steps = s = list(active.regulation.order())
		lost = make_opportunity(opportunity_owner=cls.m1)
		cls.lost = lost.name
		if not frappe.db.exists("Opportunity Lost Reason", REASON):
			frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": REASON}).insert()
		raw_insert("Opportunity Lost Reason Detail", parent=lost.name, parenttype="Opportunity",
			parentfield="lost_reasons", lost_reason=REASON)  # fmt: skip
		at = datetime(2026, 2, 3, 11, 0)
		for _i in range(2):
			log("OPP-X", M1, "Enter", "", s[0], at)
		log("OPP-X", M1, "Forward", s[0], s[1], at)
		log(lost.name, M1, "Lost", s[1], "", at)
		log("OPP-Y", M2, "Forward", s[1], s[2], at)
		log("OPP-Y", M2, "Backward", s[2], s[1], datetime(2026, 2, 3, 23, 59, 59))
		for _i in range(5):
			log("OPP-Z", M3, "Enter", "", s[0], at)
		log("OPP-Z", M1, "Forward", s[0], s[1], datetime(2026, 2, 2, 23, 59, 59))  # the day before
		log("OPP-Z", M1, "Forward", s[0], s[1], datetime(2026, 2, 4, 0, 0, 0))  # the day after

		overdue = make_opportunity(opportunity_owner=cls.m1)
		frappe.db.set_value("Opportunity", overdue.name,
			{"sd_overdue": 1, "sd_step_due": "2026-01-30", "sales_stage": s[1]})  # fmt: skip
		cls.overdue = overdue.name
		# overdue now, but its step fell due only on the morning the report is read: not yet overdue then
		later = make_opportunity(opportunity_owner=cls.m1)
		frappe.db.set_value("Opportunity", later.name,
			{"sd_overdue": 1, "sd_step_due": "2026-02-04", "sales_stage": s[1]})  # fmt: skip

		raw_insert("Cooling Record", party_type="Customer", party="x", status="Active", from_date=DAY,
			final=0, sales_person=M1)  # fmt: skip
		raw_insert("Cooling Record", party_type="Customer", party="y", status="Closed for Good",
			from_date=DAY, final=1, sales_person=M2)  # fmt: skip
		raw_insert("Cooling Record", party_type="Customer", party="z", status="Active", from_date=DAY,
			final=0, sales_person=M3)  # fmt: skip
		raw_insert("Cooling Record", party_type="Customer", party="w", status="Active",
			from_date="2026-02-02", final=0, sales_person=M1)  # fmt: skip
		cls.firing = raw_insert("Deviation Firing", deviation_rule="_SD Digest Rule", sales_person=M2,
			team=TEAM, firing_status="Open", metric="Revenue", periodicity="Day", fired_on=datetime(2026, 2, 3, 6, 0),
			threshold_percent=80, last_percent=20)  # fmt: skip

		cls.tasks = {}
		for person, user, status, due, question in (
			(M1, cls.m1, "Open", "2026-02-01", ""),
			(M2, cls.m2, "Open", "2026-02-03", ""),  # due on DAY, still open the next morning
			(M2, cls.m2, "Stuck on a Question", "2026-02-20", "Which discount may I give?"),
			(M2, cls.m2, "Done", "2026-02-01", ""),
			(M3, None, "Open", "2026-02-01", ""),
		):
			cls.tasks[(person, status)] = raw_insert("Sales Task", title=f"Call back {person}", sales_person=person,
				manager_user=user, team_lead=cls.lead, status=status, due_date=due, checkup_date=due,
				question=question)  # fmt: skip

	def reports(self):
		return {b.recipient: b for b in digests.build_morning_reports(DAY)}

	# ------------------------------------------------------------------ figures

	def test_team_lead_gets_the_team_fact_against_plan_with_carry_over(self):
		built = self.reports()
		lead = built[self.lead]
		self.assertEqual(lead.scope, TEAM)
		d = lead.figures.digest
		self.assertTrue(d.working_day)
		m1, m2 = d.plan
		self.assertEqual(
			(m1.sales_person, m1.target, m1.carried_in, m1.fact, m1.gap, m1.percent),
			(M1, D(1400), D(400), D(1500), D(100), Decimal("107.1")),
		)
		self.assertEqual(
			(m2.sales_person, m2.target, m2.carried_in, m2.fact, m2.gap, m2.percent),
			(M2, D(1000), D(0), D(200), D(-800), Decimal("20.0")),
		)
		self.assertEqual((m1.to_date_target, m1.to_date_fact), (D(2000), D(2100)))
		t = d.total
		self.assertEqual(
			(t.target, t.fact, t.carried_in, t.to_date_fact), (D(2400), D(1700), D(400), D(3300))
		)
		self.assertEqual(d.short, [M2])
		self.assertNotIn(M3, lead.html)
		self.assertIn(frappe.utils.fmt_money(D(1400), currency=self.plan.currency), lead.html)

	def test_head_of_sales_gets_the_whole_department(self):
		built = self.reports()
		head = built[self.head]
		self.assertIsNone(head.scope)
		lines = {p.sales_person: p for p in head.figures.digest.plan}
		self.assertEqual({M1, M2, M3} - set(lines), set())
		self.assertEqual((lines[M3].target, lines[M3].fact), (D(2000), D(5000)))  # Monday's 1,000 carried
		self.assertIn(M3, head.html)
		# the department's funnel holds M3's five entries on top of the team's
		entered = {f.step: f.entered for f in head.figures.digest.funnel}
		team = {f.step: f.entered for f in built[self.lead].figures.digest.funnel}
		self.assertEqual(entered[self.steps[0]] - team[self.steps[0]], 5)

	def test_funnel_overdue_refusals_burn_and_deviations_of_the_team(self):
		m = self.reports()[self.lead].figures
		funnel = {f.step: (f.entered, f.advanced, f.lost, f.back) for f in m.digest.funnel}
		s = self.steps
		self.assertEqual(funnel[s[0]], (2, 1, 0, 0))  # the moves of the day before and after do not count
		self.assertEqual(funnel[s[1]], (1, 1, 1, 0))
		self.assertEqual(funnel[s[2]], (1, 0, 0, 1))
		self.assertEqual(m.digest.refusals, 1)
		self.assertEqual(m.reasons, [(REASON, 1)])
		# M1's cooling, M2's closure; M3's and the day before's are not the team's
		self.assertEqual(m.burn, (1, 1))
		self.assertEqual(list(m.digest.overdue), [M1])
		(o,) = m.digest.overdue[M1]
		# due on 30 January, read on the morning of 4 February
		self.assertEqual((o.reference, o.step, o.days_over), (self.overdue, s[1], 5))
		self.assertEqual([f.name for f in m.digest.deviations], [self.firing])
		# stuck or overdue check-up tasks of the team (sales_drive.checkups), not the done one nor M3's
		tasks = {(t["name"], t["reason"], t["question"]) for t in m.tasks}
		self.assertEqual(
			tasks,
			{
				(self.tasks[(M1, "Open")], "Overdue", ""),
				(self.tasks[(M2, "Open")], "Overdue", ""),
				(self.tasks[(M2, "Stuck on a Question")], "Stuck", "Which discount may I give?"),
			},
		)
		self.assertIn("Which discount may I give?", self.reports()[self.lead].html)

	# ------------------------------------------------------------------ sending once

	def queued(self, key):
		return frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Sales Digest", "reference_name": key},
			pluck="name",
		)

	def test_morning_reports_are_queued_once_per_recipient(self):
		first = digests.send_morning_reports(DAY)
		second = digests.send_morning_reports(DAY)
		keys = {r: f"morning:{r}:2026-02-03" for r in (self.head, self.lead)}
		self.assertEqual(set(keys.values()) - set(first), set())
		self.assertEqual(second, [])
		for recipient, key in keys.items():
			self.assertEqual(len(self.queued(key)), 1)
			self.assertEqual(
				frappe.db.count("Sales Digest", {"recipient": recipient, "kind": "Morning Report"}), 1
			)
			doc = frappe.get_doc("Sales Digest", key)
			self.assertEqual((doc.emailed, str(doc.report_date)), (1, "2026-02-03"))
		queue = frappe.get_doc("Email Queue", self.queued(keys[self.lead])[0])
		self.assertEqual([r.recipient for r in queue.recipients], [self.lead])
		self.assertIn(M1, queue.message)

	def test_without_an_outgoing_account_the_digest_waits_in_the_desk_and_is_mailed_once_later(self):
		day = date(2026, 2, 4)
		# no outgoing account: with e-mails muted Frappe offers a dummy one, without an address
		frappe.db.set_value("Email Account", "_SD Digest Outgoing", "enable_outgoing", 0)
		forget_outgoing_account()
		try:
			digests.send_morning_reports(day)
		finally:
			frappe.db.set_value("Email Account", "_SD Digest Outgoing", "enable_outgoing", 1)
			forget_outgoing_account()
		key = f"morning:{self.lead}:2026-02-04"
		self.assertEqual(frappe.db.get_value("Sales Digest", key, "emailed"), 0)
		self.assertEqual(self.queued(key), [])
		digests.send_morning_reports(day)
		digests.send_morning_reports(day)
		self.assertEqual(len(self.queued(key)), 1)
		self.assertEqual(frappe.db.get_value("Sales Digest", key, "emailed"), 1)

	def test_settings_switch_the_reports_off(self):
		frappe.db.set_single_value(SETTINGS, {"send_morning_report": 0, "send_weekly_report": 0})
		try:
			self.assertEqual(digests.send_morning_reports(date(2026, 2, 5)), [])
			self.assertEqual(digests.send_weekly_report(date(2026, 2, 5)), [])
			self.assertFalse(frappe.db.exists("Sales Digest", {"report_date": "2026-02-05"}))
		finally:
			frappe.db.set_single_value(SETTINGS, {"send_morning_report": 1, "send_weekly_report": 1})

	def test_weekly_goes_to_the_director_once_per_iso_week(self):
		first = digests.send_weekly_report(DAY)
		again = digests.send_weekly_report(date(2026, 2, 8))  # Sunday of the same ISO week
		key = f"weekly:{self.director}:2026-W06"
		self.assertEqual((first, again), ([key], []))
		self.assertEqual(len(self.queued(key)), 1)
		next_week = digests.send_weekly_report(date(2026, 2, 9))
		self.assertEqual(next_week, [f"weekly:{self.director}:2026-W07"])

	def test_weekly_figures(self):
		f = digests.weekly_figures(DAY)
		ours = {w.sales_person: w for w in f.work if w.sales_person in (M1, M2, M3)}
		self.assertEqual(ours[M1].fact, D(2100))
		self.assertEqual(ours[M3].fact, D(5000))
		# the week (2–8 Feb) holds the moves of the 2nd and the 4th too
		self.assertEqual((ours[M1].moves, ours[M1].advanced, ours[M1].lost), (6, 3, 1))
		self.assertEqual((ours[M2].moves, ours[M2].advanced), (2, 1))
		self.assertGreaterEqual(f.money, D(8300))
		self.assertEqual(f.week.period_plan, D(60000))
		self.assertEqual(f.week.period_fact, D(8300))  # the plan's people, to the week's end
		self.assertEqual(f.week.percent_of_plan, Decimal("13.8"))

	# ------------------------------------------------------------------ who reads what

	def test_a_manager_reads_only_their_own_digests(self):
		digests.send_morning_reports(DAY)
		head_key = f"morning:{self.head}:2026-02-03"
		lead_key = f"morning:{self.lead}:2026-02-03"
		head_doc = frappe.get_doc("Sales Digest", head_key)
		self.assertFalse(frappe.has_permission("Sales Digest", "read", doc=head_doc, user=self.m1))
		self.assertFalse(frappe.has_permission("Sales Digest", "read", doc=head_doc, user=self.lead))
		self.assertTrue(frappe.has_permission("Sales Digest", "read", doc=lead_key, user=self.lead))
		frappe.set_user(self.lead)
		self.assertEqual(frappe.get_list("Sales Digest", pluck="name"), [lead_key])
		frappe.set_user(self.m1)
		self.assertEqual(frappe.get_list("Sales Digest", pluck="name"), [])
		frappe.set_user(self.head)
		self.assertEqual({head_key, lead_key} - set(frappe.get_list("Sales Digest", pluck="name")), set())
