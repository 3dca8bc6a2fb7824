"""Control system on a site: Report Regulation, Sales Daily Report prefilled from the CRM, compliance."""

from datetime import datetime
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_drive import control, kpi
from sales_drive.sales_drive.report.report_compliance import report_compliance
from sales_drive.tests.utils import (
	activity,
	company,
	ensure_customer,
	ensure_fiscal_year,
	ensure_item,
	ensure_sales_person,
	ensure_user,
)

TEAM, PERSON = "_SD Control Team", "_SD Control Manager"
WED, THU, FRI = "2025-03-12", "2025-03-13", "2025-03-14"


def logged(user, kind, when):
	frappe.db.bulk_insert("Sales Stage Transition Log",
		["name", "creation", "modified", "owner", "modified_by", "reference_doctype", "reference_name", "kind",
			"transition_time", "company", "user"],
		[[frappe.generate_hash(length=12), when, when, user, user, "Opportunity", frappe.generate_hash(length=8), kind,
			when, company(), user]])  # fmt: skip


def quotation(user, day):
	customer, _contact = ensure_customer()
	ensure_fiscal_year(day)
	q = frappe.get_doc({"doctype": "Quotation", "quotation_to": "Customer", "party_name": customer, "company": company(),
		"transaction_date": day, "valid_till": "2025-12-31", "items": [{"item_code": ensure_item(), "qty": 1, "rate": 100}]})  # fmt: skip
	q.insert()
	q.submit()
	frappe.db.set_value("Quotation", q.name, "owner", user, update_modified=False)


class TestControlSystem(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()  # rolled back after the class
		frappe.set_user("Administrator")
		cls.lead = ensure_user("sd.control.lead@example.com", ["Sales User"])
		cls.user = ensure_user("sd.control.manager@example.com", ["Sales User"])
		ensure_sales_person(TEAM, cls.lead, is_group=1, gender="Male")
		ensure_sales_person(PERSON, cls.user, parent=TEAM, gender="Male")
		frappe.get_doc({"doctype": "Report Regulation", "title": "_SD Daily report by 18:00", "company": company(),
			"report_kind": "Daily Activity Report", "due_from": "Team", "team": TEAM, "due_time": "18:00:00"}).insert()  # fmt: skip
		# Wednesday's activity: 3 calls, 1 e-mail sent, 1 meeting, 1 proposal, 2 deals moved forward (1 back: not counted)
		for hour in (9, 10, 11):
			activity(cls.user, "Phone", when=f"{WED} {hour}:00:00")
		activity(cls.user, "Email", when=f"{WED} 12:00:00")
		activity(cls.user, meeting=True, when=f"{WED} 14:00:00")
		activity(cls.user, "Phone", when=f"{THU} 09:00:00")  # another day
		quotation(cls.user, WED)
		logged(cls.user, "Forward", f"{WED} 15:00:00")
		logged(cls.user, "Skip", f"{WED} 16:00:00")
		logged(cls.user, "Backward", f"{WED} 16:30:00")

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		super().tearDownClass()

	def report(self, day, **kw):
		return frappe.get_doc({"doctype": "Sales Daily Report", "sales_person": PERSON, "company": company(),
			"date": day, **kw}).insert()  # fmt: skip

	def submit_at(self, doc, when):
		with patch("sales_drive.control.now_datetime", return_value=datetime.fromisoformat(when)):
			doc.submit()

	def test_daily_reports_prefilled_submitted_on_time_or_late_and_compliance(self):
		wed = self.report(WED)
		self.assertEqual((wed.user, wed.calls, wed.emails, wed.meetings, wed.proposals, wed.deals_forward),
			(self.user, 3, 1, 1, 1, 2))  # fmt: skip
		self.assertEqual(str(wed.due_by), f"{WED} 18:00:00")
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.submit_at(wed, f"{WED} 17:00:00")
		self.assertIn("plan for tomorrow", str(ctx.exception))
		wed.reload()
		wed.plan_tomorrow = "Call back the three leads of today"
		self.submit_at(wed, f"{WED} 17:00:00")
		self.assertEqual(wed.late, 0)
		thu = self.report(THU, plan_tomorrow="Two meetings")
		self.assertEqual(thu.calls, 1)
		self.submit_at(thu, f"{THU} 20:15:00")
		self.assertEqual(thu.late, 1)
		# nothing for Friday: of 3 working days one report on time, one late, one missing
		_c, rows, _m, chart, summary = report_compliance.execute(
			frappe._dict(company=company(), from_date=WED, to_date=FRI, team=TEAM))
		(row,) = rows
		self.assertEqual((row["sales_person"], row["due"], row["on_time"], row["late"], row["missing"], row["compliance"]),
			(PERSON, 3, 1, 1, 1, 33.33))  # fmt: skip
		self.assertEqual(chart["data"]["datasets"][1]["values"], [1])
		# the KPI metric reads the same figure
		facts = kpi.Facts(company(), [PERSON], frappe.utils.getdate(WED), frappe.utils.getdate(FRI))
		self.assertEqual(float(facts.report_compliance()[PERSON]), 33.33)
		self.assertEqual(control.persons_due(company(), TEAM), [PERSON])

	def test_one_report_per_person_and_day_and_none_for_the_future(self):
		self.report(FRI)
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.report(FRI)
		self.assertIn("already has daily report", str(ctx.exception))
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.report("2099-01-01")
		self.assertIn("future day", str(ctx.exception))
