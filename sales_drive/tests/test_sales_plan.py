"""Sales Plan: submit, facts from invoices and payments with Sales Team splits, cancel, bad input."""

from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_first_day, get_last_day, getdate, nowdate

from sales_drive import plans
from sales_drive.engine.workdays import Calendar
from sales_drive.tests.utils import (
	company,
	ensure_sales_person,
	ensure_user,
	make_invoice,
	weekend_holiday_list,
)


def person(name, user=None, enabled=1, with_employee=True):
	return ensure_sales_person(name, user, enabled=enabled, with_employee=with_employee, gender="Male")


def invoice(team=None, rate=1000, posting_date=None, owner=None):
	return make_invoice(team, rate, posting_date, owner, due_date=add_days(nowdate(), 30))


def stored(plan, day=None):
	filters = {"sales_plan": plan.name}
	if day:
		filters["date"] = day
	rows = frappe.get_all("Sales Plan Day", filters, ["date", "sales_person", "base", "target", "fact", "carried_in"])
	return {(getdate(r.date), r.sales_person): r for r in rows}


class TestSalesPlan(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.user_a = ensure_user("sd.plan.a@example.com", ["Sales User"])
		cls.a = person("_SD Plan A", cls.user_a)
		cls.b = person("_SD Plan B")
		cls.start = getdate(get_first_day(nowdate()))
		cls.end = getdate(get_last_day(nowdate()))
		cls.days = Calendar.of().working_days(cls.start, cls.end)
		# the plans' calendar is Monday to Friday, whatever holidays the site's company list has
		cls.holidays = weekend_holiday_list(cls.start, cls.end)

	def make_plan(self, basis="Sales Invoice", submit=True, **kw):
		doc = frappe.get_doc({"doctype": "Sales Plan", "company": company(), "basis": basis,
			"from_date": self.start, "to_date": self.end, "target_amount": 100000, "carry_over": "next_day",
			"allocation_method": "Equal", "allocations": [{"sales_person": self.a}, {"sales_person": self.b}],
			"holiday_list": self.holidays, **kw})
		doc.insert()
		if submit:
			doc.submit()

			def cancel():
				doc.reload()
				if doc.docstatus == 1:
					doc.cancel()

			self.addCleanup(cancel)
		return doc

	def test_equal_allocation_is_exact_and_daily_rows_are_stored(self):
		plan = self.make_plan(target_amount=100000.01)
		self.assertEqual(plan.working_days, len(self.days))
		self.assertEqual(sum(Decimal(str(a.amount)) for a in plan.allocations), Decimal("100000.01"))
		rows = stored(plan)
		self.assertEqual(len(rows), 2 * len(self.days))
		for a in plan.allocations:
			self.assertEqual(sum(Decimal(str(r.base)) for (d, p), r in rows.items() if p == a.sales_person),
				Decimal(str(a.amount)))
		plan.cancel()
		self.assertEqual(stored(plan), {})

	def test_invoice_with_sales_team_split_moves_fact_and_cancel_reverts(self):
		plan = self.make_plan()
		today = getdate(nowdate())
		si = invoice([(self.a, 60), (self.b, 40)], rate=1000)
		facts = plans.facts_for(plan)
		day = min(d for d in self.days if d >= today) if any(d >= today for d in self.days) else self.days[-1]
		self.assertEqual(facts[(today, self.a)], Decimal("600"))
		self.assertEqual(facts[(today, self.b)], Decimal("400"))
		rows = stored(plan, day)
		self.assertEqual(Decimal(str(rows[(day, self.a)].fact)), Decimal("600"))
		self.assertEqual(Decimal(str(rows[(day, self.b)].fact)), Decimal("400"))
		si.cancel()
		rows = stored(plan, day)
		self.assertEqual(Decimal(str(rows[(day, self.a)].fact)), Decimal("0"))

	def test_invoice_without_sales_team_counts_for_its_owner(self):
		plan = self.make_plan()
		invoice([], rate=700, owner=self.user_a)
		self.assertEqual(plans.facts_for(plan)[(getdate(nowdate()), self.a)], Decimal("700"))

	def test_shortfall_is_carried_to_the_next_working_day(self):
		start = self.days[0]
		plan = self.make_plan(from_date=start, to_date=self.days[3])  # four working days, 25,000 each
		invoice([(self.a, 100)], rate=10000, posting_date=start)
		rows = plans.compute(plan)
		a = [r for r in rows if r.sales_person == self.a]
		self.assertEqual((a[0].target, a[0].fact), (Decimal("12500.00"), Decimal("10000.00")))
		self.assertEqual((a[1].target, a[1].carried_in), (Decimal("15000.00"), Decimal("2500.00")))

	def test_payment_basis_counts_money_through_the_invoice_sales_team(self):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		si = invoice([(self.b, 100)], rate=5000)
		plan = self.make_plan(basis="Payment Entry")
		self.assertNotIn((getdate(nowdate()), self.b), plans.facts_for(plan))
		pe = get_payment_entry("Sales Invoice", si.name)
		pe.reference_no, pe.reference_date = "SD-PLAN", nowdate()
		pe.insert()
		pe.submit()
		self.assertEqual(plans.facts_for(plan)[(getdate(nowdate()), self.b)], Decimal("5000"))

	def test_overlapping_plans_for_a_person_are_refused(self):
		self.make_plan()
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.make_plan(from_date=add_days(self.start, 3), allocations=[{"sales_person": self.a}])
		self.assertIn("overlapping", str(ctx.exception))

	def test_bad_input_is_refused_and_nothing_saved(self):
		count = frappe.db.count("Sales Plan")
		cases = [
			({"target_amount": -5}, "cannot be negative"),
			({"allocation_method": "Share %", "allocations": [{"sales_person": self.a, "share": 60},
				{"sales_person": self.b, "share": 30}]}, "not 100%"),
			({"allocation_method": "Fixed Amount", "allocations": [{"sales_person": self.a, "amount": 10}]},
				"not to the target"),
			({"allocations": [{"sales_person": person("_SD Plan NoEmp", with_employee=False)}]}, "has no Employee"),
			({"allocations": [{"sales_person": person("_SD Plan Off", enabled=0)}]}, "is disabled"),
		]
		saturday = self.start + __import__("datetime").timedelta(days=(5 - self.start.weekday()) % 7)
		cases.append(({"from_date": saturday, "to_date": saturday + __import__("datetime").timedelta(days=1)},
			"no working days"))
		for values, text in cases:
			with self.subTest(text=text):
				with self.assertRaises(frappe.ValidationError) as ctx:
					self.make_plan(submit=False, **values)
				self.assertIn(text, str(ctx.exception))
		self.assertEqual(frappe.db.count("Sales Plan"), count)

	def test_error_messages_are_translated(self):
		frappe.local.lang = "ru"
		try:
			with self.assertRaises(frappe.ValidationError) as ctx:
				self.make_plan(submit=False, target_amount=-1)
			self.assertIn("не может быть отрицательной", str(ctx.exception))
		finally:
			frappe.local.lang = "en"
