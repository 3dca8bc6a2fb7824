"""Deviation rules on a site: a rule on calls per day fires once, holds quietly, closes, and fires again."""

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_drive import deviation
from sales_drive.tests.utils import activity, company, ensure_sales_person, ensure_user

TEAM, PERSON = "_SD Dev Team", "_SD Dev Manager"


class TestDeviationRule(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()  # rolled back after the class
		frappe.set_user("Administrator")
		cls.lead = ensure_user("sd.dev.lead@example.com", ["Sales User", "Sales Team Lead"])
		cls.user = ensure_user("sd.dev.manager@example.com", ["Sales User"])
		cls.head = ensure_user("sd.dev.head@example.com", ["Sales Manager"])
		ensure_sales_person(TEAM, cls.lead, is_group=1, gender="Male")
		ensure_sales_person(PERSON, cls.user, parent=TEAM, gender="Male")
		# a weekly target of 5 calls: 1 a working day
		frappe.get_doc({"doctype": "KPI Scheme", "title": "_SD KPI Deviation", "company": company(), "period": "Week",
			"valid_from": "2025-03-03", "applies_to": "Sales Persons", "sales_persons": [{"sales_person": PERSON}],
			"base_pay": 0, "variable_pay": 100, "components": [{"metric": "Calls", "weight": 100, "target": 5}],
		}).insert()  # fmt: skip
		# calls: none on Mon 10 – Wed 12 March 2025, two on Thu 13, none on Fri 14, two on Mon 17, none on Tue 18, Wed 19
		for day in ("2025-03-13", "2025-03-17"):
			activity(cls.user, "Phone", when=f"{day} 11:00:00")
			activity(cls.user, "Phone", when=f"{day} 12:00:00")

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		super().tearDownClass()

	def rule(self, save=True, **kw):
		doc = frappe.get_doc({
			"doctype": "Deviation Rule", "title": "_SD Calls below plan", "company": company(), "metric": "Calls",
			"scope": "Team", "team": TEAM, "compare_to": "KPI Target", "threshold_percent": 80, "periodicity": "Day",
			"consecutive_periods": 2, "action_notify": 1, "action_todo": 1, "action_coaching": 1, "action_escalate": 1,
			"decision": "Listen to two calls with the manager and agree the call plan for tomorrow",
		})  # fmt: skip
		doc.update(kw)
		return doc.insert() if save else doc

	def firings(self, rule):
		return frappe.get_all("Deviation Firing", filters={"deviation_rule": rule.name},
			fields=["name", "sales_person", "firing_status", "from_date", "to_date", "todo", "coaching_session",
				"actions_taken", "last_percent"], order_by="creation")  # fmt: skip

	def todos(self):
		return frappe.get_all("ToDo", filters={"reference_type": "Deviation Firing", "allocated_to": self.lead},
			fields=["name", "description", "reference_name"])  # fmt: skip

	def test_fires_once_while_the_deviation_persists_and_again_after_it_cleared(self):
		rule = self.rule()
		# Wed 12: Mon 10 and Tue 11 had no calls (0 % of 1 a day) → fires
		deviation.run_all("2025-03-12")
		# Thu 13: Tue 11 and Wed 12 still none → holds, nothing repeats
		deviation.run_all("2025-03-13")
		deviation.run_all("2025-03-13")
		(firing,) = self.firings(rule)
		self.assertEqual((firing.sales_person, firing.firing_status, str(firing.from_date), str(firing.to_date)),
			(PERSON, "Open", "2025-03-10", "2025-03-11"))  # fmt: skip
		self.assertEqual(firing.last_percent, 0)
		(todo,) = self.todos()
		self.assertEqual((todo.name, todo.reference_name), (firing.todo, firing.name))
		self.assertIn("Listen to two calls", todo.description)
		self.assertIn("Calls below 80% of target for 2 consecutive periods", todo.description)
		session = frappe.get_doc("Coaching Session", firing.coaching_session)
		self.assertEqual((session.docstatus, session.coach, [p.user for p in session.participants], session.trigger_name),
			(0, self.lead, [self.user], firing.name))  # fmt: skip
		notified = frappe.get_all("Notification Log", filters={"document_name": firing.name}, pluck="for_user")
		self.assertIn(self.user, notified)
		self.assertIn(self.head, notified)
		self.assertEqual(len(notified), 1 + len(deviation.sales_managers()))
		self.assertIn(f"ToDo {todo.name} for the team lead {self.lead}", firing.actions_taken)
		# Fri 14: Thu 13 had 2 calls (200 %) → the deviation cleared, the firing closes
		deviation.run_all("2025-03-14")
		self.assertEqual([f.firing_status for f in self.firings(rule)], ["Closed"])
		# Thu 20: Tue 18 and Wed 19 without calls → fires again, once
		deviation.run_all("2025-03-20")
		deviation.run_all("2025-03-20")
		firings = self.firings(rule)
		self.assertEqual([(f.firing_status, str(f.from_date)) for f in firings], [("Closed", "2025-03-10"), ("Open", "2025-03-18")])
		self.assertEqual(len(self.todos()), 2)

	def test_bad_input_is_refused_with_translated_errors_and_nothing_saved(self):
		before = frappe.db.count("Deviation Rule")
		cases = {
			"no action": ({"action_notify": 0, "action_todo": 0, "action_coaching": 0, "action_escalate": 0},
				"Choose at least one action"),
			"unknown metric": ({"metric": "Happiness"}, "is not known to the KPI registry"),
			"threshold": ({"threshold_percent": 0}, "must be above 0 %"),
			"periods": ({"consecutive_periods": 0}, "at least 1, not 0"),
			"plan metric": ({"compare_to": "Sales Plan"}, "gives no target for metric"),
		}  # fmt: skip
		for case, (kw, expected) in cases.items():
			with self.subTest(case):
				with self.assertRaises(frappe.ValidationError) as ctx:
					self.rule(**kw)
				self.assertIn(expected, str(ctx.exception))
		self.assertEqual(frappe.db.count("Deviation Rule"), before)
