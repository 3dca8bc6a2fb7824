"""Bad regulations are refused with a clear message, and nothing is saved."""

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_drive.tests.utils import reset_cache


def regulation(**kw):
	steps = kw.pop("steps", [{"step": "SD A", "max_days": 2}, {"step": "SD B", "max_days": 2}])
	return frappe.get_doc({"doctype": "Sales Pipeline Regulation", "title": "_SD Test Regulation",
		"pipeline": "Opportunity", "is_active": 0, "steps": steps, "criteria": kw.pop("criteria", []), **kw})


class TestRegulationValidation(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	def assertRefused(self, doc, text):
		with self.assertRaises(frappe.ValidationError) as ctx:
			doc.insert()
		self.assertIn(text, str(ctx.exception))
		self.assertFalse(frappe.db.exists("Sales Pipeline Regulation", "_SD Test Regulation"))

	def test_valid_regulation_saves_and_creates_sales_stages(self):
		doc = regulation()
		doc.insert()
		self.assertTrue(frappe.db.exists("Sales Stage", "SD A"))
		doc.delete()

	def test_duplicate_steps(self):
		self.assertRefused(regulation(steps=[{"step": "SD A", "max_days": 1}, {"step": "SD A", "max_days": 1}]),
			"appears more than once")

	def test_cyclic_steps(self):
		self.assertRefused(regulation(steps=[{"step": "SD A", "max_days": 1}, {"step": "SD B", "max_days": 1, "next_step": "SD A"}]),
			"form a cycle")

	def test_unknown_field(self):
		self.assertRefused(regulation(criteria=[{"step": "SD A", "kind": "Field", "fieldname": "no_such_field"}]),
			"no_such_field")

	def test_zero_and_negative_max_days(self):
		self.assertRefused(regulation(steps=[{"step": "SD A", "max_days": 0}, {"step": "SD B", "max_days": 1}]),
			"must be at least 1")
		self.assertRefused(regulation(steps=[{"step": "SD A", "max_days": -2}, {"step": "SD B", "max_days": 1}]),
			"must be at least 1")

	def test_handoff_to_role_with_nobody(self):
		if not frappe.db.exists("Role", "_SD Empty Role"):
			frappe.get_doc({"doctype": "Role", "role_name": "_SD Empty Role"}).insert()
		self.assertRefused(regulation(steps=[{"step": "SD A", "max_days": 1},
			{"step": "SD B", "max_days": 1, "handoff_role": "_SD Empty Role"}]), "nobody has it")
		# nobody has the specialisation for this check (a site with data has key account managers)
		holders = frappe.get_all("Sales Person", {"sd_specialisation": "Key Account Manager"}, pluck="name")
		if holders:
			frappe.db.set_value("Sales Person", {"name": ["in", holders]}, "sd_specialisation", "")
			self.addCleanup(frappe.db.set_value, "Sales Person", {"name": ["in", holders]}, "sd_specialisation",
				"Key Account Manager")  # fmt: skip
		self.assertRefused(regulation(steps=[{"step": "SD A", "max_days": 1},
			{"step": "SD B", "max_days": 1, "handoff_specialisation": "Key Account Manager"}]), "nobody has it")

	def test_invalid_condition(self):
		self.assertRefused(regulation(criteria=[{"step": "SD A", "kind": "Condition",
			"expression": "__import__('os').system('id')"}]), "condition is invalid")
		self.assertRefused(regulation(criteria=[{"step": "SD A", "kind": "Condition",
			"expression": "doc.opportunity_amount >"}]), "condition is invalid")

	def test_second_active_default_for_a_pipeline(self):
		# several active regulations are fine when segments tell them apart; two defaults are not
		self.assertRefused(regulation(is_active=1), "only one can be the default")

	def test_message_is_translated(self):
		frappe.local.lang = "ru"
		try:
			self.assertRefused(regulation(steps=[{"step": "SD A", "max_days": 1}, {"step": "SD A", "max_days": 1}]),
				"встречается в регламенте больше одного раза")
		finally:
			frappe.local.lang = "en"

	def test_lead_regulation_updates_step_options(self):
		reg = frappe.get_doc("Sales Pipeline Regulation", "Lead Qualification")
		original = [dict(step=r.step, stage=r.stage, max_days=r.max_days, allows_conversion=r.allows_conversion)
			for r in reg.steps]
		reg.append("steps", {"step": "Nurturing", "max_days": 10, "stage": "Leads Development"})
		reg.save()
		self.assertIn("Nurturing", frappe.get_meta("Lead").get_field("sd_step").options)
		reg.reload()
		reg.steps = []
		for row in original:
			reg.append("steps", row)
		reg.save()
		self.assertNotIn("Nurturing", frappe.get_meta("Lead").get_field("sd_step").options)
