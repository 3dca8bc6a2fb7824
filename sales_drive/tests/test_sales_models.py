"""Switching the sales model: preview, apply (all or nothing), audit, and assistants on managers' records."""

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_drive import people
from sales_drive.sales_models import AssistantStepError, apply_model_change, preview_model_change
from sales_drive.tests.utils import (
	add_call,
	ensure_sales_person,
	ensure_user,
	log_rows,
	make_opportunity,
	move,
	opportunity_at,
	reset_cache,
	tick,
)

SETTINGS = "Sales Drive Settings"
MODEL_FIELDS = ("specialisation", "handoff_specialisation", "assistant_allowed")
ASSISTANT = "sd-models-assistant@example.com"
MANAGER = "sd-models-manager@example.com"
CLOSER = "sd-models-closer@example.com"
SALES_USER = "sd-models-user@example.com"


def steps_of(name):
	return [
		(r.step, r.specialisation or "", r.handoff_specialisation or "", r.assistant_allowed)
		for r in frappe.get_doc("Sales Pipeline Regulation", name).steps
	]


def audit_comments():
	return frappe.get_all(
		"Comment",
		{"reference_doctype": SETTINGS, "reference_name": SETTINGS, "comment_type": "Info"},
		pluck="content",
		order_by="creation desc",
	)


class TestSalesModels(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.original_model = frappe.db.get_single_value(SETTINGS, "sales_model")
		cls.original_steps = {}
		for name in frappe.get_all("Sales Pipeline Regulation", {"is_active": 1}, pluck="name"):
			doc = frappe.get_doc("Sales Pipeline Regulation", name)
			cls.original_steps[name] = {r.name: {f: r.get(f) for f in MODEL_FIELDS} for r in doc.steps}
		for user, roles, person, spec in (
			(ASSISTANT, ["Sales User"], "_SD Models Assistant", "Assistant"),
			(MANAGER, ["Sales User"], "_SD Models Manager", "Full Cycle"),
			(CLOSER, ["Sales User"], "_SD Models Closer", "Closer"),
		):
			ensure_user(user, roles)
			ensure_sales_person(person, user=user)
			frappe.db.set_value("Sales Person", person, "sd_specialisation", spec)
		ensure_user(SALES_USER, ["Sales User"])
		cls.opportunity = "Opportunity B2B"

	@classmethod
	def tearDownClass(cls):
		# the class rollback does not clear caches, and a regulation save may commit: put the config back
		frappe.set_user("Administrator")
		for name, rows in cls.original_steps.items():
			doc = frappe.get_doc("Sales Pipeline Regulation", name)
			for row in doc.steps:
				row.update(rows.get(row.name, {}))
			doc.save()
		frappe.db.set_single_value(SETTINGS, "sales_model", cls.original_model)
		reset_cache()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.local.request_cache.clear() if hasattr(frappe.local, "request_cache") else None
		reset_cache()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"

	def test_preview_lists_the_changes_and_changes_nothing(self):
		apply_model_change("Full Cycle")
		before = steps_of(self.opportunity)
		comments = len(audit_comments())
		res = preview_model_change("Three-Level")
		self.assertEqual((res["current"], res["model"]), ("Full Cycle", "Three-Level"))
		opp = next(r for r in res["regulations"] if r["name"] == self.opportunity)
		changes = {(c["step"], c["field"]): (c["old"], c["new"]) for c in opp["changes"]}
		self.assertEqual(changes[("Qualification", "specialisation")], ("Full Cycle", "Hunter"))
		self.assertEqual(changes[("Needs Assessment", "handoff_specialisation")], ("", "Closer"))
		self.assertEqual(changes[("Payment", "specialisation")], ("Full Cycle", "Closer"))
		self.assertNotIn(("Presentation", "handoff_specialisation"), changes)
		self.assertIn("Needs Assessment: Hand Off To Specialisation (none) → Closer", opp["lines"])
		self.assertTrue(any("transition log" in line for line in res["stays"]))
		self.assertTrue(any(line.startswith("Hunter: Calls") for line in res["kpi"]))
		self.assertIn("What stays", res["html"])
		# nothing changed
		self.assertEqual(steps_of(self.opportunity), before)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "sales_model"), "Full Cycle")
		self.assertEqual(len(audit_comments()), comments)

	def test_apply_changes_steps_setting_and_logs_then_switching_back_restores(self):
		apply_model_change("Full Cycle")
		full_cycle = steps_of(self.opportunity)
		self.assertEqual({s[1:] for s in full_cycle}, {("Full Cycle", "", 0)})

		res = apply_model_change("Three-Level")
		self.assertGreater(res["changes"], 0)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "sales_model"), "Three-Level")
		self.assertEqual(
			steps_of(self.opportunity)[:3],
			[
				("Qualification", "Hunter", "", 0),
				("Needs Assessment", "Closer", "Closer", 0),
				("Presentation", "Closer", "", 0),
			],
		)
		comment = audit_comments()[0]
		self.assertIn("Full Cycle → Three-Level", comment)
		self.assertIn("Needs Assessment: Hand Off To Specialisation (none) → Closer", comment)
		# planning again finds nothing to change
		self.assertEqual(preview_model_change("Three-Level")["changes"], 0)

		apply_model_change("Full Cycle")
		self.assertEqual(steps_of(self.opportunity), full_cycle)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "sales_model"), "Full Cycle")

	def test_history_and_records_are_untouched(self):
		apply_model_change("Full Cycle")
		opp = make_opportunity(with_contact=True, opportunity_owner=MANAGER)
		tick(opp)
		opp.save()
		move(opp, "Needs Assessment")
		fields = [
			"name",
			"kind",
			"from_step",
			"to_step",
			"record_owner",
			"assigned_to",
			"transition_time",
			"regulation",
		]
		log = frappe.get_all(
			"Sales Stage Transition Log", {"reference_name": opp.name}, fields, order_by="name"
		)
		apply_model_change("Three-Level")
		self.assertEqual(
			frappe.get_all(
				"Sales Stage Transition Log", {"reference_name": opp.name}, fields, order_by="name"
			),
			log,
		)
		self.assertEqual(
			frappe.db.get_value("Opportunity", opp.name, ["sales_stage", "opportunity_owner"]),
			("Needs Assessment", MANAGER),
		)

	def test_a_failed_regulation_changes_nothing(self):
		apply_model_change("Full Cycle")
		lead_reg = frappe.get_all(
			"Sales Pipeline Regulation", {"is_active": 1, "pipeline": "Lead"}, pluck="name"
		)[0]
		lead_before, opp_before = steps_of(lead_reg), steps_of(self.opportunity)
		comments = len(audit_comments())
		# nobody is a closer: the Opportunity regulation's hand-off to closers cannot be saved
		closers = frappe.get_all("Sales Person", {"sd_specialisation": "Closer", "enabled": 1}, pluck="name")
		for name in closers:
			frappe.db.set_value("Sales Person", name, "enabled", 0)
		people.clear_cache()  # set in SQL: the cached sales persons of users are cleared by hand
		try:
			self.assertTrue(any("Closer" in w for w in preview_model_change("Three-Level")["warnings"]))
			with self.assertRaises(frappe.ValidationError) as ctx:
				apply_model_change("Three-Level")
			self.assertIn(self.opportunity, str(ctx.exception))
		finally:
			for name in closers:
				frappe.db.set_value("Sales Person", name, "enabled", 1)
			people.clear_cache()
		# the Lead regulation is saved first (it would change): it was rolled back too
		self.assertNotEqual(preview_model_change("Three-Level")["changes"], 0)
		self.assertEqual(steps_of(lead_reg), lead_before)
		self.assertEqual(steps_of(self.opportunity), opp_before)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "sales_model"), "Full Cycle")
		self.assertEqual(len(audit_comments()), comments)

	def test_unknown_model_is_refused(self):
		with self.assertRaises(frappe.ValidationError) as ctx:
			preview_model_change("Two-Level")
		self.assertIn("Unknown sales model", str(ctx.exception))

	def test_sales_user_may_not_preview_or_apply(self):
		frappe.set_user(SALES_USER)
		with self.assertRaises(frappe.PermissionError):
			preview_model_change("Cells")
		with self.assertRaises(frappe.PermissionError):
			apply_model_change("Cells")
		frappe.set_user("Administrator")
		self.assertNotEqual(frappe.db.get_single_value(SETTINGS, "sales_model"), "Cells")

	def test_assistant_works_on_allowed_steps_only(self):
		apply_model_change("Cells")
		allowed = {s[0] for s in steps_of(self.opportunity) if s[3]}
		self.assertEqual(allowed, {"Qualification", "Proposal Preparation", "Contract", "Invoice"})

		# a manager's opportunity at Presentation, its exit criteria met
		opp = opportunity_at("Presentation")
		opp.reload()
		opp.opportunity_owner = MANAGER
		opp.save()
		add_call(opp)
		opp.reload()
		tick(opp)
		opp.save()

		frappe.set_user(ASSISTANT)
		move(opp, "Proposal Preparation")  # document work: allowed
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sales_stage"), "Proposal Preparation")
		self.assertEqual(log_rows(opp)[-1].user, ASSISTANT)

		# a new manager's opportunity in Qualification: the assistant may edit it there ...
		frappe.set_user("Administrator")
		other = make_opportunity(with_contact=True, opportunity_owner=MANAGER)
		frappe.set_user(ASSISTANT)
		other.reload()
		tick(other)
		other.save()
		# ... but not move it on to Needs Assessment (the gate itself would pass)
		with self.assertRaises(AssistantStepError) as ctx:
			move(other, "Needs Assessment")
		self.assertIn("Needs Assessment", str(ctx.exception))
		self.assertIn("sd-models-manager", str(ctx.exception))
		self.assertEqual(frappe.db.get_value("Opportunity", other.name, "sales_stage"), "Qualification")

		frappe.local.lang = "ru"
		with self.assertRaises(AssistantStepError) as ctx:
			move(other, "Needs Assessment")
		self.assertIn("Ассистент не может выполнять этап", str(ctx.exception))

		# the manager's own move is not the assistant's business
		frappe.local.lang = "en"
		frappe.set_user(MANAGER)
		move(other, "Needs Assessment")
		self.assertEqual(frappe.db.get_value("Opportunity", other.name, "sales_stage"), "Needs Assessment")

	def test_assistant_may_not_take_a_record_over_by_changing_its_owner(self):
		apply_model_change("Cells")
		opp = make_opportunity(with_contact=True, opportunity_owner=MANAGER)
		tick(opp)
		opp.save()
		frappe.set_user(ASSISTANT)
		with self.assertRaises(AssistantStepError):
			move(opp, "Needs Assessment", opportunity_owner=ASSISTANT)
