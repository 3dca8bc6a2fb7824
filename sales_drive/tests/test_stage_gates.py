"""Stage gates on Opportunity and Lead through the ORM (form saves run the same code)."""

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_drive.integrations.pipeline import StageGateError
from sales_drive.tests.utils import (
	add_call,
	change_regulation,
	ensure_customer,
	ensure_user,
	invoice_for,
	lead_lost_reason,
	log_rows,
	make_opportunity,
	move,
	opportunity_at,
	payment_for,
	quotation_for,
	reset_cache,
	sales_order_for,
	tick,
)


class TestOpportunityGates(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_new_opportunity_enters_first_step_and_is_logged(self):
		opp = make_opportunity()
		self.assertEqual(opp.sales_stage, "Qualification")
		self.assertEqual(opp.sd_regulation, "Opportunity B2B")
		self.assertTrue(opp.sd_step_entered_on)
		self.assertTrue(opp.sd_step_due)
		self.assertEqual([(r.kind, r.to_step) for r in log_rows(opp)], [("Enter", "Qualification")])
		self.assertEqual([(r.step, r.item, r.done) for r in opp.sd_checklist],
			[("Qualification", "Decision maker identified", 0)])

	def test_new_opportunity_cannot_start_in_a_later_step(self):
		with self.assertRaises(StageGateError) as ctx:
			make_opportunity(sales_stage="Presentation")
		self.assertIn("cannot be skipped", str(ctx.exception))

	def test_gate_lists_exactly_what_is_missing_and_saves_nothing(self):
		opp = make_opportunity()
		with self.assertRaises(StageGateError) as ctx:
			move(opp, "Needs Assessment")
		msg = str(ctx.exception)
		self.assertIn("Contact Person", msg)
		self.assertIn("Decision maker identified", msg)
		self.assertNotIn("Party", msg)  # the party is filled
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sales_stage"), "Qualification")
		self.assertEqual(len(log_rows(opp)), 1)

	def test_forward_move_when_criteria_are_met(self):
		opp = make_opportunity(with_contact=True)
		tick(opp)
		opp.save()
		self.assertEqual(opp.sd_checklist[0].done_by, "Administrator")
		move(opp, "Needs Assessment")
		rows = log_rows(opp)
		self.assertEqual([(r.kind, r.from_step, r.to_step, r.verdict) for r in rows][-1],
			("Forward", "Qualification", "Needs Assessment", "Passed"))
		self.assertEqual(rows[-1].days_in_previous, 0)

	def test_skipping_is_refused_by_default(self):
		opp = make_opportunity(with_contact=True)
		tick(opp)
		opp.save()
		with self.assertRaises(StageGateError) as ctx:
			move(opp, "Presentation")
		self.assertIn("Needs Assessment", str(ctx.exception))

	def test_skip_allowed_when_the_regulation_says_so(self):
		def edit(reg):
			for row in reg.steps:
				if row.step == "Needs Assessment":
					row.allow_skip = 1

		change_regulation(self, "Opportunity B2B", edit)
		opp = make_opportunity(with_contact=True)
		tick(opp)
		opp.save()
		move(opp, "Presentation")
		self.assertEqual(log_rows(opp)[-1].kind, "Skip")

	def test_activity_criterion(self):
		opp = opportunity_at("Needs Assessment")
		with self.assertRaises(StageGateError) as ctx:
			move(opp, "Presentation")
		self.assertIn("logged activities", str(ctx.exception))
		add_call(opp)
		move(opp, "Presentation")
		self.assertEqual(opp.sales_stage, "Presentation")

	def test_quotation_gate(self):
		opp = opportunity_at("Proposal Preparation")
		with self.assertRaises(StageGateError) as ctx:
			move(opp, "Proposal Approval")
		self.assertIn("Quotation", str(ctx.exception))
		quotation_for(opp)
		move(opp, "Proposal Approval")
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sales_stage"), "Proposal Approval")

	def test_order_invoice_and_payment_gates_to_won(self):
		opp = opportunity_at("Contract")
		with self.assertRaises(StageGateError) as ctx:
			move(opp, "Invoice")
		self.assertIn("Sales Order", str(ctx.exception))
		q = frappe.get_all("Quotation", {"opportunity": opp.name, "docstatus": 1}, pluck="name")[0]
		so = sales_order_for(frappe.get_doc("Quotation", q))
		move(opp, "Invoice")
		with self.assertRaises(StageGateError) as ctx:
			move(opp, "Payment")
		self.assertIn("Sales Invoice", str(ctx.exception))
		si = invoice_for(so)
		move(opp, "Payment")
		self.assertNotIn("Won", [r.kind for r in log_rows(opp)])
		payment_for(si)
		rows = log_rows(opp)
		self.assertEqual((rows[-1].kind, rows[-1].from_step), ("Won", "Payment"))
		# a won deal is no longer chased by the overdue job
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, ["sd_step_due", "sd_overdue"]), (None, 0))

	def test_backward_move_needs_no_criteria_and_is_logged(self):
		opp = opportunity_at("Presentation")
		move(opp, "Qualification")
		self.assertEqual(log_rows(opp)[-1].kind, "Backward")

	def test_target_outside_regulation(self):
		opp = make_opportunity()
		# a Sales Stage that is neither a step nor in the regulation's stage mapping
		if not frappe.db.exists("Sales Stage", "_SD Unmapped Stage"):
			frappe.get_doc({"doctype": "Sales Stage", "stage_name": "_SD Unmapped Stage"}).insert()
		with self.assertRaises(StageGateError) as ctx:
			move(opp, "_SD Unmapped Stage")
		self.assertIn("not a step of regulation", str(ctx.exception))

	def test_override_by_sales_manager_with_reason(self):
		opp = make_opportunity()
		move(opp, "Needs Assessment", sd_gate_override=1, sd_override_reason="Decision maker met at the fair")
		row = log_rows(opp)[-1]
		self.assertEqual((row.kind, row.verdict, row.override_reason), ("Forward", "Overridden", "Decision maker met at the fair"))
		self.assertIn("Contact Person", row.missing)
		opp.reload()
		self.assertEqual((opp.sd_gate_override, opp.sd_override_reason), (0, None))

	def test_override_without_reason_is_refused(self):
		opp = make_opportunity()
		with self.assertRaises(StageGateError) as ctx:
			move(opp, "Needs Assessment", sd_gate_override=1, sd_override_reason=" ")
		self.assertIn("An override needs a reason", str(ctx.exception))

	def test_override_by_sales_user_is_refused(self):
		user = ensure_user("sd.manager1@example.com", ["Sales User"])
		opp = make_opportunity()
		frappe.set_user(user)
		opp = frappe.get_doc("Opportunity", opp.name)
		with self.assertRaises(StageGateError) as ctx:
			move(opp, "Needs Assessment", sd_gate_override=1, sd_override_reason="I think so")
		self.assertIn("not permitted to override", str(ctx.exception))

	def test_lost_and_reopen_are_logged(self):
		opp = opportunity_at("Needs Assessment")
		opp.reload()
		opp.declare_enquiry_lost([{"lost_reason": _lost_reason()}], [], "Budget cut")
		rows = log_rows(opp)
		self.assertEqual((rows[-1].kind, rows[-1].from_step), ("Lost", "Needs Assessment"))

	def test_quotation_marked_lost_logs_the_opportunity_as_lost(self):
		opp = opportunity_at("Proposal Preparation")
		q = quotation_for(opp)
		q.reload()
		if not frappe.db.exists("Quotation Lost Reason", "_SD Price"):
			frappe.get_doc({"doctype": "Quotation Lost Reason", "order_lost_reason": "_SD Price"}).insert()
		q.declare_enquiry_lost([{"lost_reason": "_SD Price"}], [])
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "status"), "Lost")
		rows = log_rows(opp)
		self.assertEqual((rows[-1].kind, rows[-1].from_step), ("Lost", "Proposal Preparation"))
		self.assertEqual([r.kind for r in rows].count("Lost"), 1)

	def test_unknown_duration_is_not_logged_as_zero(self):
		opp = make_opportunity()
		frappe.db.set_value("Opportunity", opp.name, "sd_step_entered_on", None)  # a record from before the app
		opp.reload()
		opp.declare_enquiry_lost([{"lost_reason": _lost_reason()}], [], "No budget")
		row = log_rows(opp)[-1]
		self.assertEqual((row.kind, row.days_in_previous), ("Lost", -1))

	def test_gate_error_is_translated(self):
		opp = make_opportunity()
		frappe.local.lang = "ru"
		try:
			with self.assertRaises(StageGateError) as ctx:
				move(opp, "Needs Assessment")
			self.assertIn("Контактное лицо", str(ctx.exception))
			self.assertIn("Не отмечен пункт чек-листа", str(ctx.exception))
		finally:
			frappe.local.lang = "en"

	def test_workflow_action_runs_the_gate(self):
		from frappe.model.workflow import apply_workflow

		frappe.db.set_single_value("Sales Drive Settings", "activate_workflows", 1)
		reset_cache()

		def restore():
			frappe.db.set_single_value("Sales Drive Settings", "activate_workflows", 0)
			reset_cache()
			frappe.get_doc("Sales Pipeline Regulation", "Opportunity B2B").save()

		self.addCleanup(restore)
		frappe.get_doc("Sales Pipeline Regulation", "Opportunity B2B").save()
		self.assertEqual(frappe.db.get_value("Workflow", "Sales Drive Opportunity", "is_active"), 1)
		opp = make_opportunity()
		with self.assertRaises(StageGateError):
			apply_workflow(frappe.get_doc("Opportunity", opp.name), "Advance")
		_c, contact = ensure_customer()
		opp.reload()
		opp.contact_person = contact
		tick(opp)
		opp.save()
		apply_workflow(frappe.get_doc("Opportunity", opp.name), "Advance")
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sales_stage"), "Needs Assessment")

	def test_handoff_round_robin(self):
		a = ensure_user("sd.closer.a@example.com", ["Sales User", "Sales Team Lead"])
		b = ensure_user("sd.closer.b@example.com", ["Sales User", "Sales Team Lead"])
		def edit(reg):
			for row in reg.steps:
				if row.step == "Needs Assessment":
					row.handoff_role = "Sales Team Lead"
					row.handoff_method = "Round Robin"

		change_regulation(self, "Opportunity B2B", edit)
		owners = []
		for _ in range(3):
			opp = make_opportunity(with_contact=True)
			tick(opp)
			opp.save()
			move(opp, "Needs Assessment")
			owners.append(opp.opportunity_owner)
			self.assertTrue(frappe.db.exists("ToDo", {"reference_name": opp.name, "allocated_to": opp.opportunity_owner}))
			self.assertEqual(log_rows(opp)[-1].assigned_to, opp.opportunity_owner)
		candidates = sorted(u for u in owners)
		self.assertTrue(set(owners) <= {a, b} | set(frappe.get_all("Has Role", {"role": "Sales Team Lead", "parenttype": "User"}, pluck="parent")))
		self.assertNotEqual(owners[0], owners[1])
		self.assertTrue(candidates)

	def test_delete_keeps_the_log_marked_deleted(self):
		opp = make_opportunity()
		frappe.delete_doc("Opportunity", opp.name)
		rows = frappe.get_all("Sales Stage Transition Log", {"reference_name": opp.name}, pluck="record_deleted")
		self.assertEqual(rows, [1])  # the audit trail outlives the record (issue 14, item 8)


class TestLeadGates(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	def make_lead(self, **kw):
		# an organisation of its own: a refused lead cools its whole organisation (Base Cooling)
		company_name = f"Romashka {frappe.generate_hash(length=6)} LLC"
		return frappe.get_doc({"doctype": "Lead", "first_name": "Olga", "company_name": company_name, **kw}).insert()

	def test_lead_path_and_opportunity_only_from_sql(self):
		lead = self.make_lead()
		self.assertEqual(lead.sd_step, "New Lead")
		with self.assertRaises(StageGateError):
			move(lead, "MQL")
		lead.reload()
		tick(lead)
		lead.save()
		move(lead, "MQL")
		opp = frappe.get_doc({"doctype": "Opportunity", "opportunity_from": "Lead", "party_name": lead.name,
			"company": frappe.defaults.get_global_default("company")})
		with self.assertRaises(StageGateError) as ctx:
			opp.insert()
		self.assertIn("SQL", str(ctx.exception))
		with self.assertRaises(StageGateError) as ctx:
			move(lead, "SQL", qualification_status="In Process")
		self.assertIn("Qualification status is Qualified", str(ctx.exception))
		add_call(lead)
		move(lead, "SQL", qualification_status="Qualified")
		opp = frappe.get_doc({"doctype": "Opportunity", "opportunity_from": "Lead", "party_name": lead.name,
			"company": frappe.defaults.get_global_default("company")}).insert()
		self.assertEqual(opp.sales_stage, "Qualification")
		self.assertEqual([r.kind for r in log_rows(lead)], ["Enter", "Forward", "Forward", "Won"])

	def test_kanban_move_runs_the_gate(self):
		from frappe.desk.doctype.kanban_board.kanban_board import update_order_for_single_card

		if not frappe.db.exists("Kanban Board", "SD Leads"):
			frappe.get_doc({"doctype": "Kanban Board", "kanban_board_name": "SD Leads", "reference_doctype": "Lead",
				"field_name": "sd_step", "columns": [{"column_name": s} for s in ("New Lead", "MQL", "SQL")]}).insert()
		lead = self.make_lead()
		with self.assertRaises(StageGateError):
			update_order_for_single_card("SD Leads", lead.name, "New Lead", "MQL", 0, 0)
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "sd_step"), "New Lead")

	def test_do_not_contact_is_logged_as_lost(self):
		lead = self.make_lead()
		lead.status = "Do Not Contact"
		lead.sd_lost_reason = lead_lost_reason()  # a refused lead needs its reason
		lead.save()
		self.assertEqual(log_rows(lead)[-1].kind, "Lost")


def _lost_reason():
	name = "_SD Budget"
	if not frappe.db.exists("Opportunity Lost Reason", name):
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name}).insert()
	return name
