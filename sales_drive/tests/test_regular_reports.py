"""Regular reports beyond the daily one on a site: Sales Period Report prefilled from the CRM and the plan,
who files it, its deadline, reminders that fire once, compliance in Report Compliance and the KPI metric;
over REST the figures stay the server's and another manager cannot file or read it."""

from datetime import datetime
from unittest.mock import patch

import frappe
from frappe.utils import getdate

from sales_drive import kpi, period_reports, period_schedule
from sales_drive.sales_drive.report.report_compliance import report_compliance
from sales_drive.tests.utils import (
	EachTestRolledBack,
	TokenAPITestCase,
	api_tokens,
	company,
	ensure_sales_person,
	ensure_user,
	make_invoice,
)

TEAM, M1, M2 = "_SD RR Team", "_SD RR Manager 1", "_SD RR Manager 2"
LEAD, U1, U2 = "sd.rr.lead@example.com", "sd.rr.m1@example.com", "sd.rr.m2@example.com"
REGULATION = "_SD Weekly results by Monday 12:00"
# the week of Monday 9 June 2025; its report is due on Monday 16 June at 12:00
MON, WED, SUN, DUE = "2025-06-09", "2025-06-11", "2025-06-15", "2025-06-16"


def people():
	ensure_user(LEAD, ["Sales User", "Sales Team Lead"])
	ensure_user(U1, ["Sales User"])
	ensure_user(U2, ["Sales User"])
	ensure_sales_person(TEAM, LEAD, is_group=1, gender="Male")
	ensure_sales_person(M1, U1, parent=TEAM, gender="Male")
	ensure_sales_person(M2, U2, parent=TEAM, gender="Male")


def regulation():
	if not frappe.db.exists("Report Regulation", {"title": REGULATION}):
		frappe.get_doc({"doctype": "Report Regulation", "title": REGULATION, "company": company(),
			"report_kind": "Weekly Results", "due_from": "Team", "team": TEAM, "due_time": "12:00:00",
			"due_weekday": "Monday", "remind_days_before": 1}).insert()  # fmt: skip


def logged(person, user, kind, when, from_step=None, to_step=None):
	frappe.db.bulk_insert("Sales Stage Transition Log",
		["name", "creation", "modified", "owner", "modified_by", "reference_doctype", "reference_name", "kind",
			"transition_time", "company", "user", "sales_person", "from_step", "to_step"],
		[[frappe.generate_hash(length=12), when, when, user, user, "Opportunity", frappe.generate_hash(length=8), kind,
			when, company(), user, person, from_step, to_step]])  # fmt: skip


def firing(person, fired_on, last_percent=40):
	"""A Deviation Firing of a person (no rule needed for what is read here)."""
	doc = frappe.get_doc({"doctype": "Deviation Firing", "sales_person": person, "company": company(), "metric": "Calls",
		"periodicity": "Week", "fired_on": fired_on, "firing_status": "Open", "threshold_percent": 80,
		"last_percent": last_percent})  # fmt: skip
	doc.flags.ignore_mandatory = True
	return doc.insert(ignore_permissions=True).name


class TestRegularReports(EachTestRolledBack):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()  # rolled back after the class
		frappe.set_user("Administrator")
		people()
		regulation()
		cls.plan = frappe.get_doc({"doctype": "Sales Plan", "company": company(), "basis": "Sales Invoice",
			"from_date": "2025-06-01", "to_date": "2025-06-30", "target_amount": 44000, "target_deals": 4,
			"carry_over": "next_day", "allocation_method": "Equal",
			"allocations": [{"sales_person": M1}, {"sales_person": M2}]}).insert()  # fmt: skip
		cls.plan.submit()
		make_invoice([(M1, 100)], rate=5000, posting_date=WED)
		make_invoice([(M1, 100)], rate=700, posting_date="2025-06-20")  # the next week
		logged(M1, U1, "Won", f"{WED} 11:00:00")
		logged(M1, U1, "Forward", f"{WED} 12:00:00", "Qualification", "Needs assessment")
		logged(M1, U1, "Lost", f"{WED} 13:00:00", "Proposal", None)
		firing(M1, f"{WED} 07:00:00")

	def report(self, day=WED, person=M1, **kw):
		return frappe.get_doc({"doctype": "Sales Period Report", "report_kind": "Weekly Results", "sales_person": person,
			"company": company(), "from_date": day, **kw}).insert()  # fmt: skip

	def submit_at(self, doc, when):
		with patch("sales_drive.period_reports.now_datetime", return_value=datetime.fromisoformat(when)):
			doc.submit()

	def test_weekly_report_prefilled_from_the_crm_and_the_plan_and_late_after_its_deadline(self):
		frappe.set_user(U1)
		doc = self.report(fact_amount=999999, deals_won=99, late=1, submitted_on="2025-06-10 10:00:00")
		# the week of the chosen day, its deadline from the regulation
		self.assertEqual((str(doc.from_date), str(doc.to_date)), (MON, SUN))
		self.assertEqual(str(doc.due_by), f"{DUE} 12:00:00")
		# plan: the Sales Plan Days of the week; fact: the week's invoice only; what the client sent is not taken
		planned = frappe.db.sql("""select sum(target) from `tabSales Plan Day` where sales_plan = %s
			and sales_person = %s and date between %s and %s""", (self.plan.name, M1, MON, SUN))[0][0]  # fmt: skip
		self.assertGreater(planned, 0)
		self.assertEqual((float(doc.plan_amount), float(doc.fact_amount)), (float(planned), 5000.0))
		self.assertEqual(float(doc.gap_amount), 5000.0 - float(planned))
		self.assertEqual((doc.deals_won, doc.advanced, doc.lost, doc.deviations_fired), (1, 1, 1, 1))
		self.assertIn("Needs assessment", doc.funnel_summary)
		self.assertIn("40", doc.deviation_summary)
		self.assertEqual((doc.late, doc.submitted_on, doc.user, doc.filed_by), (0, None, U1, None))
		# the next steps are required; nothing is submitted without them
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.submit_at(doc, f"{DUE} 10:00:00")
		self.assertIn("next steps", str(ctx.exception))
		self.assertEqual(frappe.db.get_value("Sales Period Report", doc.name, "docstatus"), 0)
		doc.reload()
		doc.comment, doc.next_steps = "Calls were short of the target", "Book three meetings"
		self.submit_at(doc, f"{DUE} 13:00:00")
		self.assertEqual(doc.late, 1)

	def test_who_files_it_one_per_period_and_only_for_a_period_from_its_last_day(self):
		frappe.set_user(U2)  # another manager of the team
		with self.assertRaises(frappe.PermissionError):
			self.report()
		self.assertFalse(frappe.db.exists("Sales Period Report", {"sales_person": M1}))
		frappe.set_user(LEAD)  # the team lead files for a manager of the team: kept and logged
		doc = self.report(next_steps="Follow up")
		self.assertEqual((doc.user, doc.filed_by), (U1, LEAD))
		self.submit_at(doc, f"{DUE} 09:00:00")
		self.assertEqual(doc.late, 0)
		self.assertTrue(frappe.db.exists("Comment", {"reference_name": doc.name, "content": ["like", "%Filed by%"]}))
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.report(day=MON)
		self.assertIn("already has report", str(ctx.exception))
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.report(day=frappe.utils.nowdate(), person=M2)
		self.assertIn("not over yet", str(ctx.exception))

	def test_reminders_fire_once_from_a_day_before_the_deadline(self):
		link = period_reports.report_link("Weekly Results", M1, MON)

		def reminders():
			return frappe.get_all("Notification Log", filters={"for_user": U1, "link": link}, pluck="name")

		frappe.set_user(U2)  # this manager submits on time: never reminded
		self.report(person=M2, next_steps="Done").submit()
		frappe.set_user("Administrator")
		period_reports.remind_due("2025-06-14")  # Saturday: the week is not over
		self.assertEqual(reminders(), [])
		period_reports.remind_due(SUN)  # its last day, a day before the deadline
		self.assertEqual(len(reminders()), 1)
		period_reports.remind_due(SUN)
		period_reports.remind_due(DUE)
		self.assertEqual(len(reminders()), 1)  # once
		self.assertFalse(frappe.get_all("Notification Log", filters={"for_user": U2,
			"link": period_reports.report_link("Weekly Results", M2, MON)}))  # fmt: skip

	def test_compliance_in_report_compliance_and_the_kpi_metric(self):
		frappe.set_user(U1)
		on_time = self.report(next_steps="x")
		self.submit_at(on_time, f"{DUE} 11:00:00")
		late = self.report(day="2025-06-03", next_steps="y")
		self.submit_at(late, "2025-06-10 15:00:00")  # due Monday 9 June 12:00
		frappe.set_user("Administrator")
		# June 2025: reports due on Mondays 2, 9, 16, 23 and 30 June; one on time, one late, three missing
		self.assertEqual(period_schedule.counts(company(), [M1], getdate("2025-06-01"), getdate("2025-06-30"))[M1], (5, 1, 1))
		_c, rows, _m, _chart, summary = report_compliance.execute(
			frappe._dict(company=company(), from_date="2025-06-01", to_date="2025-06-30", team=TEAM))
		row = next(r for r in rows if r["sales_person"] == M1)
		self.assertEqual((row["period_due"], row["period_on_time"], row["period_late"], row["period_missing"],
			row["period_compliance"]), (5, 1, 1, 3, 20.0))  # fmt: skip
		self.assertEqual(row["due"], 0)  # no daily report is due from this team
		self.assertIn(10.0, [s["value"] for s in summary])  # the team: 1 on time of 10 due
		facts = kpi.Facts(company(), [M1], getdate("2025-06-01"), getdate("2025-06-30"))
		self.assertEqual(float(facts.period_report_compliance()[M1]), 20.0)


class TestRegularReportsOverRest(TokenAPITestCase):
	"""A manager's own report over REST: server figures; another manager can neither file nor read it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		people()
		regulation()
		cls.tokens = api_tokens([U1, U2])
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in frappe.get_all("Sales Period Report", filters={"sales_person": ["in", [M1, M2]]}, pluck="name"):
			frappe.delete_doc("Sales Period Report", name, force=True, ignore_permissions=True)
		frappe.db.delete("Report Regulation", {"title": REGULATION})
		frappe.db.commit()
		super().tearDownClass()

	def test_rest_figures_are_the_servers_and_another_manager_is_refused(self):
		body = {"report_kind": "Weekly Results", "sales_person": M1, "company": company(), "from_date": "2025-05-14",
			"fact_amount": 123456, "late": 0, "filed_by": U2}  # fmt: skip
		refused = self.post(self.resource("Sales Period Report"), body, headers={"Authorization": self.tokens[U2]})
		self.assertEqual(refused.status_code, 403)
		made = self.post(self.resource("Sales Period Report"), body, headers={"Authorization": self.tokens[U1]})
		self.assertEqual(made.status_code, 200, made.json)
		data = made.json["data"]
		self.assertEqual((data["from_date"], data["to_date"], data["fact_amount"], data.get("filed_by")),
			("2025-05-12", "2025-05-18", 0, None))  # fmt: skip
		read = self.get(self.resource("Sales Period Report", data["name"]), headers={"Authorization": self.tokens[U2]})
		self.assertEqual(read.status_code, 403)
		listed = self.get(self.resource("Sales Period Report"), {"filters": '[["sales_person", "=", "_SD RR Manager 1"]]'},
			headers={"Authorization": self.tokens[U2]})  # fmt: skip
		self.assertEqual(listed.json["data"], [])
