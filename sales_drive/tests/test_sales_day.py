"""The manager's day: figures from the plan, the lists to contact today, who may see whom, the cards."""

from decimal import Decimal
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_first_day, get_last_day, getdate, nowdate

from sales_drive import day as sales_day
from sales_drive import plans
from sales_drive.engine.plan import pace_forecast
from sales_drive.tests.utils import company, ensure_sales_person, ensure_user, make_invoice, make_opportunity

TEAM = "_SD Day Team"
M1, M2 = "_SD Day Manager 1", "_SD Day Manager 2"


def todo(user, date, status="Open", description="Call back about the proposal"):
	return (
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": user,
				"date": date,
				"status": status,
				"description": description,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class TestSalesDay(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.lead = ensure_user("sd.day.lead@example.com", ["Sales User", "Sales Team Lead"])
		cls.m1 = ensure_user("sd.day.m1@example.com", ["Sales User"])
		cls.m2 = ensure_user("sd.day.m2@example.com", ["Sales User"])
		cls.head = ensure_user("sd.day.head@example.com", ["Sales User", "Sales Manager"])
		ensure_sales_person(TEAM, cls.lead, is_group=1)
		ensure_sales_person(M1, cls.m1, parent=TEAM)
		ensure_sales_person(M2, cls.m2, parent=TEAM)
		cls.today = getdate(nowdate())
		cls.plan = frappe.get_doc(
			{
				"doctype": "Sales Plan",
				"company": company(),
				"basis": "Sales Invoice",
				"from_date": get_first_day(cls.today),
				"to_date": get_last_day(cls.today),
				"target_amount": 100000,
				"carry_over": "next_day",
				"allocation_method": "Equal",
				"allocations": [{"sales_person": M1}, {"sales_person": M2}],
			}
		).insert()
		cls.plan.submit()
		make_invoice([(M1, 60), (M2, 40)], rate=1000)

	def tearDown(self):
		frappe.set_user("Administrator")

	def engine_row(self, person):
		"""The engine's row of the working day today's sales count on."""
		rows = [r for r in plans.compute(self.plan) if r.sales_person == person]
		return next((r for r in rows if r.date >= self.today), rows[-1]), rows

	def test_my_day_shows_target_carried_and_fact_as_the_plan_computes_them(self):
		frappe.set_user(self.m1)
		day = sales_day.get_my_day()
		self.assertEqual(day["sales_person"], M1)
		f = day["figures"]
		row, rows = self.engine_row(M1)
		self.assertEqual(f["plan"], self.plan.name)
		self.assertEqual(f["target_date"], row.date)
		self.assertEqual((f["target"], f["carried_in"], f["base"]), (row.target, row.carried_in, row.base))
		self.assertEqual(f["target"], f["base"] + f["carried_in"])
		self.assertEqual(f["fact"], Decimal("600.00"))
		self.assertEqual(f["fact_to_date"], row.cumulative_fact)
		self.assertEqual(f["plan_to_date"], row.cumulative_target)
		self.assertEqual(f["plan_amount"], Decimal("50000.00"))
		done = rows.index(row) + 1
		self.assertEqual((f["days_done"], f["days_total"]), (done, len(rows)))
		self.assertEqual(f["forecast"], pace_forecast(row.cumulative_fact, done, len(rows)))
		self.assertEqual(f["percent_done"], Decimal("1.2"))  # 600 of 50,000
		if done > 1:  # the days before today sold nothing: their base was carried to today
			self.assertGreater(f["carried_in"], 0)

	def test_missing_stored_rows_are_computed(self):
		frappe.db.delete("Sales Plan Day", {"sales_plan": self.plan.name, "sales_person": M2})
		try:
			frappe.set_user(self.m2)
			f = sales_day.get_my_day()["figures"]
			row, _rows = self.engine_row(M2)
			self.assertEqual(
				(f["target"], f["carried_in"], f["fact"]), (row.target, row.carried_in, Decimal("400.00"))
			)
		finally:
			frappe.set_user("Administrator")
			plans.store(self.plan)

	def test_lists_hold_what_to_do_today_and_nothing_else(self):
		due = todo(self.m1, self.today)
		late = todo(self.m1, add_days(self.today, -2), description="<p>Send the <b>contract</b></p>")
		todo(self.m1, add_days(self.today, 1))
		todo(self.m1, self.today, status="Closed")
		todo(self.m2, self.today)

		contact = make_opportunity(opportunity_owner=self.m1)
		frappe.db.set_value("Opportunity", contact.name, "sd_next_contact", self.today)
		later = make_opportunity(opportunity_owner=self.m1)
		frappe.db.set_value("Opportunity", later.name, "sd_next_contact", add_days(self.today, 3))
		lost = make_opportunity(opportunity_owner=self.m1)
		frappe.db.set_value("Opportunity", lost.name, {"sd_next_contact": self.today, "status": "Lost"})
		overdue = make_opportunity(opportunity_owner=self.m1)
		frappe.db.set_value(
			"Opportunity", overdue.name, {"sd_overdue": 1, "sd_step_due": add_days(self.today, -1)}
		)
		lead = frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": "Overdue",
				"last_name": "Lead",
				"lead_owner": self.m1,
				"company": company(),
			}
		).insert()
		frappe.db.set_value("Lead", lead.name, "sd_overdue", 1)

		frappe.set_user(self.m1)
		day = sales_day.get_my_day()
		self.assertEqual([t.name for t in day["todos"]], [late, due])
		self.assertEqual(day["todos"][0].description, "Send the contract")
		self.assertEqual([o.name for o in day["contacts"]], [contact.name])
		self.assertEqual(
			{(r.doctype, r.name) for r in day["overdue"]},
			{("Opportunity", overdue.name), ("Lead", lead.name)},
		)
		self.assertEqual(day["overdue"][0].step, "Qualification")  # new opportunities start there
		self.assertEqual(day["counts"], {"todos": 2, "contacts": 1, "overdue": 2})
		# the lists keep their cap; the counts still give the full sizes ("1 of 2" on the page)
		with patch.object(sales_day, "LIST_LIMIT", 1):
			capped = sales_day.get_my_day()
		self.assertEqual([len(capped[k]) for k in ("todos", "contacts", "overdue")], [1, 1, 1])
		self.assertEqual([t.name for t in capped["todos"]], [late])
		self.assertEqual(capped["counts"], day["counts"])

		frappe.set_user(self.lead)
		team = {r["sales_person"]: r for r in sales_day.get_team_day()["rows"]}
		self.assertEqual((team[M1]["todos"], team[M1]["contacts"], team[M1]["overdue"]), (2, 1, 2))
		self.assertEqual(team[M2]["todos"], 1)

	def test_a_manager_cannot_see_a_colleagues_day_nor_the_team(self):
		frappe.set_user(self.m1)
		with self.assertRaises(frappe.PermissionError):
			sales_day.get_my_day(sales_person=M2)
		with self.assertRaises(frappe.PermissionError):
			sales_day.get_team_day()
		self.assertFalse(sales_day.get_my_day()["can_choose"])

	def test_the_team_lead_sees_their_team(self):
		frappe.set_user(self.lead)
		day = sales_day.get_my_day(sales_person=M2)
		self.assertEqual(day["user"], self.m2)
		self.assertEqual(day["figures"]["fact"], Decimal("400.00"))
		self.assertTrue(day["can_choose"])
		self.assertEqual([p["value"] for p in day["persons"]], [M1, M2])
		own = sales_day.get_my_day()  # the lead is a group, not a person: told so, no figures
		self.assertIsNone(own["figures"])
		self.assertTrue(own["message"])

		team = sales_day.get_team_day()
		self.assertEqual([r["sales_person"] for r in team["rows"]], [M1, M2])
		self.assertEqual(team["totals"]["fact"], Decimal("1000.00"))
		self.assertEqual(team["totals"]["plan_amount"], Decimal("100000.00"))
		self.assertEqual(team["totals"]["target"], sum(r["target"] for r in team["rows"]))

		frappe.set_user("Administrator")
		outsider = ensure_sales_person("_SD Day Outsider", ensure_user("sd.day.out@example.com", ["Sales User"]))
		frappe.set_user(self.lead)
		with self.assertRaises(frappe.PermissionError):
			sales_day.get_my_day(sales_person=outsider)

	def test_the_head_of_sales_sees_anyone(self):
		frappe.set_user(self.head)
		self.assertEqual(sales_day.get_my_day(sales_person=M1)["figures"]["fact"], Decimal("600.00"))
		names = [r["sales_person"] for r in sales_day.get_team_day()["rows"]]
		self.assertTrue({M1, M2} <= set(names))

	def test_cards_return_numbers_for_the_users_scope(self):
		frappe.set_user(self.m1)
		own = sales_day.get_my_day()["figures"]
		card = sales_day.card_today_target()
		self.assertEqual(card["fieldtype"], "Currency")
		self.assertEqual(Decimal(str(card["value"])), own["target"])
		self.assertEqual(sales_day.card_month_done()["value"], 1.2)

		frappe.set_user(self.lead)
		team = sales_day.get_team_day()["totals"]
		self.assertEqual(Decimal(str(sales_day.card_today_target()["value"])), team["target"])
		self.assertEqual(
			sales_day.card_month_done(),
			{"value": 1.0, "fieldtype": "Percent", "precision": 1, "route": ["sales-day"]},
		)

		frappe.set_user(self.head)
		self.assertIsInstance(sales_day.card_today_target()["value"], float)
		self.assertIsInstance(sales_day.card_month_done()["value"], float)

	def test_the_page_and_cards_are_installed(self):
		self.assertEqual(frappe.db.get_value("Page", "sales-day", "title"), "My Sales Day")
		roles = set(frappe.get_all("Has Role", {"parent": "sales-day", "parenttype": "Page"}, pluck="role"))
		self.assertEqual(roles, {"Sales User", "Sales Team Lead", "Sales Manager", "System Manager"})
		for name, method in (
			("Sales Target Today", "card_today_target"),
			("Sales Plan Done", "card_month_done"),
		):
			card = frappe.get_doc("Number Card", name)
			self.assertEqual((card.type, card.method), ("Custom", f"sales_drive.day.{method}"))
			self.assertTrue(frappe.get_attr(card.method))
