"""The overdue job flags records past their step limit and notifies once per step."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from sales_drive.api import step_panel
from sales_drive.tasks import notify_overdue_steps
from sales_drive.tests.utils import (
	ensure_sales_person,
	ensure_user,
	make_opportunity,
	move,
	reset_cache,
	tick,
)


class TestOverdue(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()
		self.manager = ensure_user("sd.overdue.mgr@example.com", ["Sales User"])
		self.lead = ensure_user("sd.overdue.lead@example.com", ["Sales User", "Sales Team Lead"])
		ensure_sales_person("_SD Team Lead O", self.lead, is_group=1)
		ensure_sales_person("_SD Manager O", self.manager, parent="_SD Team Lead O")

	def notifications(self, name):
		return frappe.get_all("Notification Log", {"document_type": "Opportunity", "document_name": name},
			pluck="for_user")

	def test_overdue_job_flags_and_notifies_owner_and_manager_once(self):
		opp = make_opportunity(opportunity_owner=self.manager)
		frappe.db.set_value("Opportunity", opp.name, {"sd_step_due": add_days(nowdate(), -1)})
		notify_overdue_steps()
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sd_overdue"), 1)
		self.assertEqual(sorted(self.notifications(opp.name)), sorted([self.manager, self.lead]))
		notify_overdue_steps()
		notify_overdue_steps()
		self.assertEqual(len(self.notifications(opp.name)), 2)

	def test_not_overdue_until_after_due_date(self):
		opp = make_opportunity(opportunity_owner=self.manager)
		frappe.db.set_value("Opportunity", opp.name, {"sd_step_due": nowdate()})
		notify_overdue_steps()
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sd_overdue"), 0)
		self.assertEqual(self.notifications(opp.name), [])

	def test_new_step_resets_overdue_and_notifies_again_when_it_overruns(self):
		opp = make_opportunity(opportunity_owner=self.manager, with_contact=True)
		frappe.db.set_value("Opportunity", opp.name, {"sd_step_due": add_days(nowdate(), -3)})
		notify_overdue_steps()
		opp.reload()
		tick(opp)
		opp.save()
		move(opp, "Needs Assessment")
		self.assertEqual((opp.sd_overdue, opp.sd_overdue_notified), (0, 0))
		frappe.db.set_value("Opportunity", opp.name, {"sd_step_due": add_days(nowdate(), -1)})
		notify_overdue_steps()
		self.assertEqual(len(self.notifications(opp.name)), 4)

	def test_lost_records_are_not_chased(self):
		opp = make_opportunity(opportunity_owner=self.manager)
		frappe.db.set_value("Opportunity", opp.name, {"sd_step_due": add_days(nowdate(), -5), "status": "Lost"})
		notify_overdue_steps()
		self.assertEqual(self.notifications(opp.name), [])

	def test_due_date_counts_working_days(self):
		opp = make_opportunity()
		from sales_drive import regulations

		cal = regulations.calendar_for(opp, regulations.active("Opportunity"))
		self.assertEqual(getdate(opp.sd_step_due), cal.add_working_days(getdate(nowdate()), 3))
		self.assertNotIn(getdate(opp.sd_step_due).weekday(), (5, 6) if not cal.holidays else ())

	def test_step_panel_shows_regulation_missing_and_clock(self):
		opp = make_opportunity()
		data = step_panel("Opportunity", opp.name)
		self.assertEqual(data["step"], "Qualification")
		self.assertEqual(data["next_step"], "Needs Assessment")
		self.assertIn("decision maker", data["key_success_factor"].lower())
		self.assertTrue(any("Contact Person" in m for m in data["missing"]))
		self.assertEqual(data["clock"]["days_in_step"], 0)
		self.assertFalse(data["clock"]["overdue"])
		self.assertEqual(data["history"][0]["kind"], "Enter")

	def test_step_panel_goes_by_the_stored_due_date(self):
		opp = make_opportunity()
		frappe.db.set_value("Opportunity", opp.name, "sd_step_due", add_days(nowdate(), -10))
		clock = step_panel("Opportunity", opp.name)["clock"]
		self.assertTrue(clock["overdue"])
		self.assertLess(clock["days_left"], 0)
		self.assertEqual(clock["due_date"], str(getdate(add_days(nowdate(), -10))))

	def test_won_records_are_neither_chased_nor_reported_open(self):
		from sales_drive import regulations
		from sales_drive.integrations.pipeline import _row, write_log
		from sales_drive.sales_drive.report.stage_duration_and_overdue.stage_duration_and_overdue import (
			execute,
		)

		opp = make_opportunity(opportunity_owner=self.manager)
		frappe.db.set_value("Opportunity", opp.name, {"sd_step_due": add_days(nowdate(), -5)})
		_columns, rows, *_ = execute(frappe._dict(document_type="Opportunity", view="Records", owner=self.manager))
		self.assertIn(opp.name, [r.get("name") for r in rows if isinstance(r, dict)])
		write_log(opp, [_row(opp, regulations.active("Opportunity"), "Won", opp.sales_stage, "", verdict="Passed")])
		notify_overdue_steps()
		self.assertEqual(self.notifications(opp.name), [])
		_columns, rows, *_ = execute(frappe._dict(document_type="Opportunity", view="Records", owner=self.manager))
		self.assertNotIn(opp.name, [r.get("name") for r in rows if isinstance(r, dict)])
