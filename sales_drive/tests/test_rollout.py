"""Installing on a live ERPNext (issue 13): rollout modes, adopting existing records, ERPNext's flows."""

import json
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_datetime, nowdate

from sales_drive import adoption
from sales_drive.integrations.pipeline import StageGateError
from sales_drive.tests.utils import (
	api_tokens,
	company,
	ensure_customer,
	ensure_user,
	log_rows,
	make_opportunity,
	move,
	reset_cache,
	set_mode,
)

SALES_USER = "_sd_rollout_user@example.com"
MANAGER = "_sd_rollout_manager@example.com"


def observations(name):
	return frappe.get_all(
		"Sales Gate Observation",
		{"reference_name": name},
		["kind", "mode", "from_step", "to_step", "criterion", "record_owner"],
		order_by="criterion asc",
	)


def make_lead(**kw):
	doc = frappe.get_doc(
		{
			"doctype": "Lead",
			"lead_name": f"_SD Rollout {frappe.generate_hash(length=6)}",
			"company_name": f"_SD Rollout Org {frappe.generate_hash(length=6)}",
			"email_id": f"rollout.{frappe.generate_hash(length=8)}@sd-rollout-{frappe.generate_hash(length=6)}.test",
			"company": company(),
			**kw,
		}
	)
	doc.insert()
	return doc


def erpnext_opportunity_from_lead(lead):
	from erpnext.crm.doctype.lead.lead import make_opportunity

	opp = make_opportunity(lead.name)
	opp.company = company()
	opp.insert()
	return opp


class TestRolloutModes(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_user(SALES_USER, ["Sales User"])
		ensure_user(MANAGER, ["Sales Manager", "Sales User"])

	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_install_changes_no_erpnext_default(self):
		self.assertEqual(frappe.get_meta("Opportunity").get_field("sales_stage").default, "Prospecting")
		self.assertFalse(
			frappe.db.exists("Property Setter", {"doc_type": "Opportunity", "field_name": "sales_stage", "property": "default"})
		)

	def test_observe_refuses_nothing_records_the_missing_criteria_and_keeps_erpnext_fields(self):
		set_mode("Observe")
		opp = make_opportunity()
		# ERPNext's own default stays on the record; the step is resolved through the mapping
		self.assertEqual(opp.sales_stage, "Prospecting")
		self.assertEqual(opp.sd_regulation, "Opportunity B2B")
		move(opp, "Needs Analysis")  # maps to Needs Assessment; Qualification's gate is not met
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sales_stage"), "Needs Analysis")
		rows = observations(opp.name)
		criteria = {r.criterion for r in rows}
		self.assertIn("missing_field: contact_person", criteria)
		self.assertIn("missing_checklist: Decision maker identified", criteria)
		self.assertEqual({(r.mode, r.kind, r.from_step, r.to_step) for r in rows},
			{("Observe", "Move", "Qualification", "Needs Assessment")})  # fmt: skip
		last = log_rows(opp)[-1]
		self.assertEqual((last.kind, last.verdict), ("Forward", "Not Enforced"))
		self.assertIn("Contact Person", last.missing)

	def test_warn_lets_the_save_through_and_tells_the_user(self):
		set_mode("Warn")
		frappe.set_user(SALES_USER)
		opp = make_opportunity()
		self.assertEqual(opp.sales_stage, "Qualification")  # Warn writes the step
		shown = []
		with patch.object(frappe, "msgprint", side_effect=lambda msg, *a, **kw: shown.append((msg, kw))):
			move(opp, "Needs Assessment")
		messages = " ".join(msg for msg, _kw in shown)
		self.assertTrue(all(kw.get("indicator") == "orange" for _msg, kw in shown))
		self.assertIn("Warn mode", messages)
		self.assertIn("Contact Person", messages)
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sales_stage"), "Needs Assessment")
		frappe.set_user("Administrator")
		self.assertTrue(all(r.mode == "Warn" for r in observations(opp.name)))
		self.assertTrue(observations(opp.name))

	def test_enforce_refuses_and_records_nothing(self):
		opp = make_opportunity()
		with self.assertRaises(StageGateError):
			move(opp, "Needs Assessment")
		self.assertEqual(observations(opp.name), [])

	def test_enforce_maps_an_erpnext_stage_sent_on_a_new_record(self):
		opp = make_opportunity(sales_stage="Prospecting")
		self.assertEqual(opp.sales_stage, "Qualification")
		with self.assertRaises(StageGateError):
			make_opportunity(sales_stage="Proposal/Price Quote")  # maps to a step that cannot be entered directly

	def test_a_mode_per_regulation(self):
		set_mode("Observe", "Lead Qualification")
		lead = make_lead()
		opp = erpnext_opportunity_from_lead(lead)  # the lead regulation only observes
		self.assertEqual(opp.party_name, lead.name)
		rows = observations(lead.name)
		self.assertEqual([(r.kind, r.criterion) for r in rows], [("Conversion", "lead_not_ready: SQL")])
		opp2 = make_opportunity()
		with self.assertRaises(StageGateError):
			move(opp2, "Needs Assessment")  # the opportunity regulation is still enforced

	def test_sales_user_cannot_start_adoption_or_read_observations(self):
		frappe.set_user(SALES_USER)
		with self.assertRaises(frappe.PermissionError):
			adoption.start_adoption()
		with self.assertRaises(frappe.PermissionError):
			adoption.enforce_preview("Opportunity B2B")
		self.assertFalse(frappe.has_permission("Sales Gate Observation", "read"))

	def test_rollout_mode_cannot_be_changed_by_a_sales_user_over_rest(self):
		import requests
		from frappe.utils import get_url

		token = api_tokens([SALES_USER])[SALES_USER]
		frappe.db.commit()
		try:
			r = requests.put(
				get_url("/api/resource/Sales Pipeline Regulation/Opportunity B2B"),
				headers={"Authorization": token},
				json={"rollout_mode": "Observe"},
				timeout=20,
			)
		except requests.ConnectionError:
			self.skipTest("no web server on this site")
		self.assertIn(r.status_code, (403, 417))
		self.assertEqual(frappe.db.get_value("Sales Pipeline Regulation", "Opportunity B2B", "rollout_mode"), "Enforce")


class TestERPNextFlows(FrappeTestCase):
	"""ERPNext's own flows work in every mode; Enforce refuses only what the regulation demands."""

	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_lead_to_opportunity_in_each_mode(self):
		for mode in ("Observe", "Warn"):
			set_mode(mode)
			lead = make_lead()
			opp = erpnext_opportunity_from_lead(lead)
			self.assertTrue(frappe.db.exists("Opportunity", opp.name), mode)
		set_mode("Enforce")
		lead = make_lead()
		with self.assertRaises(StageGateError) as ctx:
			erpnext_opportunity_from_lead(lead)
		self.assertIn("SQL", str(ctx.exception))
		frappe.db.set_value("Lead", lead.name, "sd_step", "SQL")  # qualified (the lead gates are tested elsewhere)
		opp = erpnext_opportunity_from_lead(frappe.get_doc("Lead", lead.name))
		self.assertEqual(opp.party_name, lead.name)

	def test_existing_lead_status_maps_to_its_step(self):
		set_mode("Enforce")
		lead = make_lead()
		# a lead from before the app: no step, no regulation, ERPNext status "Interested"... "Opportunity"
		frappe.db.set_value("Lead", lead.name, {"sd_step": None, "sd_regulation": None, "status": "Opportunity"})
		opp = erpnext_opportunity_from_lead(frappe.get_doc("Lead", lead.name))
		self.assertEqual(opp.party_name, lead.name)

	def test_opportunity_with_only_a_contact_email_makes_its_own_lead_when_enforced(self):
		set_mode("Enforce")
		email = f"own.lead.{frappe.generate_hash(length=8)}@sd-own-{frappe.generate_hash(length=6)}.test"
		opp = frappe.get_doc(
			{"doctype": "Opportunity", "opportunity_from": "Lead", "contact_email": email, "company": company(),
				"transaction_date": nowdate()}  # fmt: skip
		).insert()
		self.assertTrue(opp.party_name)
		self.assertEqual(frappe.db.get_value("Lead", opp.party_name, "email_id"), email)

	def test_conversion_check_runs_when_the_party_changes(self):
		set_mode("Enforce")
		opp = make_opportunity()
		lead = make_lead()
		opp.reload()
		opp.opportunity_from = "Lead"
		opp.party_name = lead.name
		with self.assertRaises(StageGateError):
			opp.save()

	def test_prospect_to_opportunity_when_enforced(self):
		from erpnext.crm.doctype.prospect.prospect import make_opportunity as prospect_opportunity

		set_mode("Enforce")
		prospect = frappe.get_doc(
			{"doctype": "Prospect", "company_name": f"_SD Prospect {frappe.generate_hash(length=6)}", "company": company()}
		).insert()
		opp = prospect_opportunity(prospect.name)
		opp.company = company()
		opp.insert()
		self.assertEqual((opp.opportunity_from, opp.sales_stage), ("Prospect", "Qualification"))

	def test_quotation_to_payment_in_observe(self):
		from sales_drive.tests.utils import invoice_for, payment_for, quotation_for, sales_order_for

		set_mode("Observe")
		opp = make_opportunity(with_contact=True, opportunity_amount=1000)
		q = quotation_for(opp)
		so = sales_order_for(q)
		si = invoice_for(so)
		pe = payment_for(si)
		self.assertEqual(pe.docstatus, 1)
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "status"), "Converted")


def _legacy_opportunity(stage, created, modified):
	"""An Opportunity as it was before the app: no regulation, ERPNext's stage, old dates."""
	customer, _contact = ensure_customer(f"_SD Legacy {frappe.generate_hash(length=8)}")
	frappe.flags.sd_gates_off = True
	try:
		doc = frappe.get_doc(
			{"doctype": "Opportunity", "opportunity_from": "Customer", "party_name": customer, "company": company(),
				"transaction_date": nowdate(), "sales_stage": stage}  # fmt: skip
		).insert()
	finally:
		frappe.flags.sd_gates_off = False
	frappe.db.sql(
		"""update `tabOpportunity` set sd_regulation = null, sd_step_entered_on = null, sd_step_due = null,
		sales_stage = %s, creation = %s, modified = %s where name = %s""",
		(stage, created, modified, doc.name),
	)
	return doc.name


def _version(name, when, old, new):
	v = frappe.get_doc(
		{"doctype": "Version", "ref_doctype": "Opportunity", "docname": name,
			"data": json.dumps({"changed": [["sales_stage", old, new]], "added": [], "removed": [], "row_changed": []})}  # fmt: skip
	)
	v.db_insert()
	frappe.db.set_value("Version", v.name, "creation", when, update_modified=False)


class TestAdoption(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()
		# only our legacy records are open and unbound
		frappe.db.sql("update `tabOpportunity` set sd_regulation = 'Opportunity B2B' where ifnull(sd_regulation, '') = ''")
		frappe.db.sql("update `tabLead` set sd_regulation = 'Lead Qualification' where ifnull(sd_regulation, '') = ''")

	def test_backfill_binds_open_records_with_version_history_and_is_idempotent(self):
		a = _legacy_opportunity("Proposal/Price Quote", "2025-01-10 09:00:00", "2025-04-01 12:00:00")
		_version(a, "2025-02-01 10:00:00", "Prospecting", "Needs Analysis")
		_version(a, "2025-03-05 11:00:00", "Needs Analysis", "Proposal/Price Quote")
		b = _legacy_opportunity("Negotiation/Review", "2025-05-01 09:00:00", "2025-05-20 09:00:00")
		result = adoption.adopt_all()
		self.assertGreaterEqual(result["Opportunity"]["records"], 2)
		ra = frappe.db.get_value("Opportunity", a, ["sd_regulation", "sales_stage", "sd_step_entered_on", "sd_step_due",
			"sd_overdue", "sd_overdue_notified", "modified"], as_dict=True)  # fmt: skip
		self.assertEqual(ra.sd_regulation, "Opportunity B2B")
		self.assertEqual(ra.sales_stage, "Proposal Preparation")  # Enforce: the mapping is applied
		self.assertEqual(get_datetime(ra.sd_step_entered_on), get_datetime("2025-03-05 11:00:00"))
		self.assertTrue(ra.sd_step_due and ra.sd_overdue and ra.sd_overdue_notified)
		self.assertEqual(get_datetime(ra.modified), get_datetime("2025-04-01 12:00:00"))  # untouched
		rows = frappe.get_all("Sales Stage Transition Log", {"reference_name": a},
			["kind", "from_step", "to_step", "transition_time", "verdict"], order_by="transition_time asc")  # fmt: skip
		self.assertEqual([(r.kind, r.from_step, r.to_step) for r in rows], [
			("Enter", "", "Qualification"), ("Forward", "Qualification", "Needs Assessment"),
			("Skip", "Needs Assessment", "Proposal Preparation"), ("Adopted", "", "Proposal Preparation")])  # fmt: skip
		rb = frappe.db.get_value("Opportunity", b, ["sales_stage", "sd_step_entered_on"], as_dict=True)
		self.assertEqual(rb.sales_stage, "Proposal Approval")
		self.assertEqual(get_datetime(rb.sd_step_entered_on), get_datetime("2025-05-20 09:00:00"))
		# a second run adopts nothing and logs nothing more
		again = adoption.adopt_all()
		self.assertEqual(again["Opportunity"]["records"], 0)
		self.assertEqual(frappe.db.count("Sales Stage Transition Log", {"reference_name": a}), 4)

	def test_observe_binds_without_rewriting_the_stage(self):
		set_mode("Observe")
		a = _legacy_opportunity("Needs Analysis", "2025-01-10 09:00:00", "2025-01-10 09:00:00")
		adoption.adopt_all()
		r = frappe.db.get_value("Opportunity", a, ["sd_regulation", "sales_stage", "sd_step_entered_on"], as_dict=True)
		self.assertEqual((r.sd_regulation, r.sales_stage), ("Opportunity B2B", "Needs Analysis"))
		self.assertEqual(get_datetime(r.sd_step_entered_on), get_datetime("2025-01-10 09:00:00"))
		# switching to Enforce and adopting again applies the mapping to the bound records
		set_mode("Enforce")
		adoption.adopt_all()
		self.assertEqual(frappe.db.get_value("Opportunity", a, "sales_stage"), "Needs Assessment")

	def test_legacy_leads_get_their_step_from_their_status(self):
		lead = make_lead()
		frappe.db.set_value("Lead", lead.name, {"sd_step": None, "sd_regulation": None, "status": "Replied"})
		adoption.adopt_all()
		self.assertEqual(frappe.db.get_value("Lead", lead.name, ["sd_regulation", "sd_step"]), ("Lead Qualification", "MQL"))

	def test_closed_records_are_not_adopted(self):
		a = _legacy_opportunity("Prospecting", "2025-01-10 09:00:00", "2025-01-10 09:00:00")
		frappe.db.set_value("Opportunity", a, "status", "Lost")
		adoption.adopt_all()
		self.assertFalse(frappe.db.get_value("Opportunity", a, "sd_regulation"))

	def test_an_unbound_record_is_never_bound_to_an_inactive_regulation(self):
		a = _legacy_opportunity("Prospecting", "2025-01-10 09:00:00", "2025-01-10 09:00:00")
		source = frappe.get_doc("Sales Pipeline Regulation", "Opportunity B2B")
		inactive = frappe.copy_doc(source)
		inactive.title = f"_SD Inactive {frappe.generate_hash(length=6)}"
		inactive.is_active = 0
		inactive.insert()
		doc = frappe.get_doc("Opportunity", a)
		doc.sd_regulation = inactive.name
		doc.save()
		self.assertEqual(frappe.db.get_value("Opportunity", a, "sd_regulation"), "Opportunity B2B")

	def test_first_save_of_a_legacy_record_binds_it(self):
		a = _legacy_opportunity("Needs Analysis", "2025-01-10 09:00:00", "2025-01-10 09:00:00")
		doc = frappe.get_doc("Opportunity", a)
		doc.save()
		self.assertEqual(frappe.db.get_value("Opportunity", a, ["sd_regulation", "sales_stage"]),
			("Opportunity B2B", "Needs Assessment"))  # fmt: skip
		self.assertEqual([r.kind for r in log_rows(doc)], ["Adopted"])

	def test_enforce_preview_counts_open_records_and_what_would_be_stuck(self):
		opp = make_opportunity()  # Qualification, contact person missing
		preview = adoption.enforce_preview("Opportunity B2B")
		row = next(r for r in preview["rows"] if r["step"] == "Qualification")
		self.assertGreaterEqual(row["records"], 1)
		self.assertGreaterEqual(row["stuck"], 1)
		before = row["stuck"]
		opp.reload()
		for r in opp.sd_checklist:
			r.done = 1
		_customer, contact = ensure_customer(opp.party_name)
		opp.contact_person = contact
		opp.save()
		after = next(r for r in adoption.enforce_preview("Opportunity B2B")["rows"] if r["step"] == "Qualification")
		self.assertEqual(after["stuck"], before - 1)


class TestGateComplianceReport(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	def test_report_groups_would_be_refusals(self):
		from sales_drive.sales_drive.report.gate_compliance.gate_compliance import execute

		set_mode("Observe")
		opp = make_opportunity()
		move(opp, "Needs Analysis")
		columns, rows, *_ = execute({"from_date": add_days(nowdate(), -1), "to_date": nowdate(),
			"regulation": "Opportunity B2B", "group_by": "Criterion"})  # fmt: skip
		by = {r["criterion"]: r for r in rows}
		self.assertGreaterEqual(by["missing_field: contact_person"]["refusals"], 1)
		self.assertIn("criterion_label", [c["fieldname"] for c in columns])
		_c, full, *_ = execute({"from_date": nowdate(), "to_date": nowdate()})
		self.assertTrue(any(r["from_step"] == "Qualification" and r["to_step"] == "Needs Assessment" for r in full))
		with self.assertRaises(frappe.ValidationError):
			execute({"group_by": "Nonsense"})

