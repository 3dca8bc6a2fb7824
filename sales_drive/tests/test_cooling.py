"""Base cooling on a real site: refusals cool, contact is refused (or warned about) on every
path — ORM (what the form runs), REST and Data Import — a manager lifts with a reason, and
the daily job returns parties to the base with one notification.
"""

import frappe
from frappe.tests.test_api import FrappeAPITestCase
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from sales_drive import base_cooling
from sales_drive.base_cooling import CoolingError, return_cooled_parties
from sales_drive.queries import candidates_for
from sales_drive.tests.utils import company, ensure_sales_person, ensure_user, lead_lost_reason, reset_cache

PRICE = "_SD Too expensive"
FINAL = "Business closed"


def reason(name, final=0):
	if not frappe.db.exists("Opportunity Lost Reason", name):
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name}).insert(ignore_permissions=True)
	frappe.db.set_value("Opportunity Lost Reason", name, "sd_final", final)
	return name


def customer_name(tag):
	return f"_SD Cool {tag}"


def customer(tag):
	"""A customer with one contact whose address is at the customer's own domain."""
	name = customer_name(tag)
	if not frappe.db.exists("Customer", name):
		frappe.get_doc({"doctype": "Customer", "customer_name": name, "customer_type": "Company"}).insert(
			ignore_permissions=True
		)
	email = f"buyer@{tag.lower()}.sd-cool.example"
	contact = frappe.db.get_value("Dynamic Link", {"link_doctype": "Customer", "link_name": name, "parenttype": "Contact"}, "parent")
	if not contact and (existing := frappe.db.get_value("Contact", {"email_id": email})):
		# a contact left by an earlier run, no longer linked to the (re-made) customer: link it again
		doc = frappe.get_doc("Contact", existing)
		doc.append("links", {"link_doctype": "Customer", "link_name": name})
		doc.save(ignore_permissions=True)
		contact = existing
	if not contact:
		contact = (
			frappe.get_doc(
				{
					"doctype": "Contact",
					"first_name": "Buyer",
					"last_name": tag,
					"email_ids": [{"email_id": email, "is_primary": 1}],
					"links": [{"link_doctype": "Customer", "link_name": name}],
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	return name, contact, email


def opportunity(party, contact=None, **kw):
	return frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": party,
			"contact_person": contact,
			"company": company(),
			"transaction_date": nowdate(),
			**kw,
		}
	).insert()


def lose(opp, *reasons):
	opp.reload()
	opp.status = "Lost"
	for r in reasons:
		opp.append("lost_reasons", {"lost_reason": r})
	opp.save()
	return opp


def lead(tag, company_name=None, email=None, **kw):
	return frappe.get_doc(
		{
			"doctype": "Lead",
			"lead_name": f"Lead {tag}",
			"company_name": company_name,
			"email_id": email,
			"company": company(),
			**kw,
		}
	).insert()


def records(party_type, party):
	return frappe.get_all(
		"Cooling Record",
		{"party_type": party_type, "party": party},
		["name", "status", "from_date", "until_date", "mode", "final", "refusals", "rule", "reason", "lift_reason"],
		order_by="creation asc",
	)


def rule(name, **kw):
	doc = frappe.get_doc(
		{
			"doctype": "Base Cooling Rule",
			"rule_name": name,
			"enabled": 1,
			"trigger": "Lead Lost",
			"cooling_days": 30,
			"scope": "Record Only",
			"mode": "Block",
			**kw,
		}
	)
	return doc.insert()


class CoolingCase(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()
		reason(PRICE)
		reason(FINAL, 1)
		self.today = getdate(nowdate())


class TestRefusalsCool(CoolingCase):
	def test_default_rules_and_final_reasons_are_installed(self):
		self.assertEqual(frappe.db.get_value("Opportunity Lost Reason", "Decision maker died", "sd_final"), 1)
		rules = frappe.get_all("Base Cooling Rule", {"enabled": 1}, ["trigger", "cooling_days", "mode"])
		self.assertIn(frappe._dict(trigger="Opportunity Lost", cooling_days=90, mode="Block"), rules)
		self.assertIn(frappe._dict(trigger="Lead Lost", cooling_days=90, mode="Block"), rules)

	def test_lost_opportunity_cools_its_customer_90_days_and_blocks_a_new_one(self):
		name, contact, _email = customer("Alpha")
		lose(opportunity(name, contact), PRICE)
		(rec,) = records("Customer", name)
		self.assertEqual((rec.status, rec.mode, rec.final), ("Active", "Block", 0))
		self.assertEqual((rec.from_date, rec.until_date), (self.today, add_days(self.today, 89)))
		self.assertEqual(rec.reason, PRICE)
		self.assertEqual(frappe.db.get_value("Customer", name, "sd_cooling_until"), add_days(self.today, 89))
		with self.assertRaises(CoolingError) as ctx:
			opportunity(name, contact)
		message = str(ctx.exception)
		self.assertIn(name, message)
		self.assertIn(frappe.utils.formatdate(add_days(self.today, 89)), message)
		self.assertIn(PRICE, message)

	def test_final_reason_closes_for_good_without_cooling(self):
		name, contact, _email = customer("Final")
		lose(opportunity(name, contact), FINAL)
		(rec,) = records("Customer", name)
		self.assertEqual((rec.status, rec.final, rec.until_date), ("Closed for Good", 1, None))
		opportunity(name, contact)  # not blocked: the rules of contact are for cooling parties

	def test_every_contact_path_is_refused(self):
		name, contact, email = customer("Beta")
		lose(opportunity(name, contact), PRICE)
		with self.assertRaises(CoolingError):
			frappe.get_doc(
				{"doctype": "ToDo", "description": "Call them", "reference_type": "Customer", "reference_name": name}
			).insert()
		with self.assertRaises(CoolingError):  # the customer scope covers its contacts
			frappe.get_doc(
				{"doctype": "ToDo", "description": "Call", "reference_type": "Contact", "reference_name": contact}
			).insert()
		with self.assertRaises(CoolingError):
			frappe.get_doc(
				{
					"doctype": "Event",
					"subject": "Meeting",
					"starts_on": frappe.utils.now_datetime(),
					"event_participants": [{"reference_doctype": "Customer", "reference_docname": name}],
				}
			).insert()
		with self.assertRaises(CoolingError):  # an e-mail from the desk, to the contact's address only
			frappe.get_doc(
				{
					"doctype": "Communication",
					"communication_type": "Communication",
					"communication_medium": "Email",
					"sent_or_received": "Sent",
					"subject": "Offer",
					"content": "Hello",
					"recipients": f"Buyer <{email}>",
				}
			).insert()
		# what the party sends us is not contact from our side
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"subject": "Re: Offer",
				"content": "Not now",
				"sender": email,
				"reference_doctype": "Customer",
				"reference_name": name,
			}
		).insert()

	def test_lost_lead_cools_the_lead_and_its_address(self):
		# a Record Only rule for lost leads (a fresh install's default cools the whole organisation)
		frappe.db.set_value("Base Cooling Rule", {"trigger": "Lead Lost"}, "enabled", 0)
		rule("_SD lead record only", cooling_days=90)
		first = lead("Gamma", "ООО «Гамма»", "ivan@gamma.sd-cool.example")
		first.status = "Do Not Contact"
		first.sd_lost_reason = lead_lost_reason()  # a refused lead needs its reason
		first.save()
		(rec,) = records("Lead", first.name)
		self.assertEqual(rec.status, "Active")
		self.assertEqual(frappe.db.get_value("Lead", first.name, "sd_cooling_until"), getdate(rec.until_date))
		with self.assertRaises(CoolingError):  # an e-mail to the lead's address (ERPNext keeps lead e-mails unique)
			frappe.get_doc(
				{"doctype": "Communication", "communication_type": "Communication", "communication_medium": "Email",
					"sent_or_received": "Sent", "subject": "Hi", "content": "Hi", "recipients": "Ivan@Gamma.sd-cool.example"}
			).insert()  # fmt: skip
		with self.assertRaises(CoolingError):
			frappe.get_doc({"doctype": "ToDo", "description": "Call", "reference_type": "Lead",
				"reference_name": first.name}).insert()  # fmt: skip
		# the record-only scope does not reach another lead of the same organisation
		lead("Gamma 3", "Гамма ООО", "petr@gamma.sd-cool.example")

	def test_organisation_scope_in_warn_mode_warns_and_saves(self):
		self.addCleanup(frappe.db.delete, "Base Cooling Rule", {"rule_name": "_SD org warn"})
		rule("_SD org warn", scope="Organisation", mode="Warn", cooling_days=10, trigger="Opportunity Lost")
		first = lead("Delta", 'ООО "Дельта-Строй"', "boss@gmail.com")
		opp = frappe.get_doc(
			{"doctype": "Opportunity", "opportunity_from": "Lead", "party_name": first.name, "company": company(),
				"transaction_date": nowdate()}
		)  # fmt: skip
		opp.flags.ignore_mandatory = True
		frappe.flags.sd_gates_off = True
		try:
			opp.insert()
		finally:
			frappe.flags.sd_gates_off = False
		frappe.db.set_value("Base Cooling Rule", {"trigger": "Opportunity Lost", "rule_name": ["!=", "_SD org warn"]},
			"enabled", 0)  # fmt: skip
		self.addCleanup(
			frappe.db.set_value, "Base Cooling Rule", {"trigger": "Opportunity Lost"}, "enabled", 1
		)
		lose(opp, PRICE)
		frappe.message_log = []
		other = lead("Delta 2", "дельта строй", "anna@gmail.com")  # same organisation, free mail
		self.assertTrue(other.name)
		self.assertIn("Дельта-Строй", " ".join(str(m) for m in frappe.message_log))
		frappe.message_log = []
		lead("Delta 3", "ООО Эпсилон", "someone@gmail.com")  # gmail.com groups nobody
		self.assertEqual(frappe.message_log, [])

	def test_repeat_refusal_during_cooling_extends_it(self):
		name, contact, _email = customer("Eta")
		lose(opportunity(name, contact), PRICE)
		first = records("Customer", name)[0]
		# a second refusal 40 days later (the rule: restart the period)
		frappe.db.set_value("Cooling Record", first.name, {"from_date": add_days(self.today, -40),
			"until_date": add_days(self.today, 49)})  # fmt: skip
		frappe.flags.sd_cooling_off = True
		try:
			second = opportunity(name, contact)
		finally:
			frappe.flags.sd_cooling_off = False
		lose(second, PRICE)
		latest = records("Customer", name)[-1]
		self.assertEqual((latest.refusals, latest.until_date), (2, add_days(self.today, 89)))


class TestLiftAndReturn(CoolingCase):
	def test_lift_needs_a_manager_and_a_reason_and_is_logged(self):
		name, contact, _email = customer("Theta")
		lose(opportunity(name, contact), PRICE)
		user = ensure_user("sd.cool.user@example.com", ["Sales User"])
		frappe.set_user(user)
		with self.assertRaises(frappe.PermissionError):
			base_cooling.lift("Customer", name, "please")
		frappe.set_user("Administrator")
		with self.assertRaises(frappe.ValidationError):
			base_cooling.lift("Customer", name, "  ")
		manager = ensure_user("sd.cool.manager@example.com", ["Sales Manager", "Sales User"])
		frappe.set_user(manager)
		base_cooling.lift("Customer", name, "They called us back")
		frappe.set_user("Administrator")
		(rec,) = records("Customer", name)
		self.assertEqual((rec.status, rec.lift_reason), ("Lifted", "They called us back"))
		self.assertIsNone(frappe.db.get_value("Customer", name, "sd_cooling_until"))
		comments = frappe.get_all("Comment", {"reference_doctype": "Customer", "reference_name": name,
			"comment_type": "Info"}, pluck="content")  # fmt: skip
		self.assertTrue(any("They called us back" in c for c in comments))
		opportunity(name, contact)  # contact allowed again

	def test_banner_status(self):
		name, contact, _email = customer("Iota")
		self.assertEqual(base_cooling.cooling_status("Customer", name), {"cooling": False})
		lose(opportunity(name, contact), PRICE)
		status = base_cooling.cooling_status("Customer", name)
		self.assertEqual((status["cooling"], status["mode"], status["until"]), (True, "Block", str(add_days(self.today, 89))))
		self.assertTrue(status["can_lift"])

	def test_daily_job_returns_the_lead_to_a_hunter_once(self):
		hunter = ensure_user("sd.cool.hunter@example.com", ["Sales User"])
		ensure_sales_person("_SD Cool Hunter", hunter)
		frappe.db.set_value("Sales Person", "_SD Cool Hunter", "sd_specialisation", "Hunter")
		refused = lead("Kappa", "ООО Каппа", "a@kappa.sd-cool.example")
		refused.status = "Lost Quotation"
		refused.sd_lost_reason = lead_lost_reason()  # refused by hand: it needs its reason
		refused.save()
		(rec,) = records("Lead", refused.name)
		self.assertEqual(return_cooled_parties(self.today), 0)  # still cooling
		frappe.db.set_value("Cooling Record", rec.name, "until_date", add_days(self.today, -1))
		self.assertGreaterEqual(return_cooled_parties(self.today), 1)
		(rec,) = records("Lead", refused.name)
		self.assertEqual(rec.status, "Returned")
		row = frappe.db.get_value("Lead", refused.name, ["status", "lead_owner", "sd_cooling_until"], as_dict=True)
		self.assertEqual(row.status, "Open")
		self.assertIsNone(row.sd_cooling_until)
		self.assertIn(row.lead_owner, candidates_for("Sales User", "Hunter"))
		self.assertTrue(frappe.db.exists("ToDo", {"reference_type": "Lead", "reference_name": refused.name,
			"allocated_to": row.lead_owner, "status": "Open"}))  # fmt: skip

		def notes():
			return frappe.get_all("Notification Log", {"document_type": "Lead", "document_name": refused.name},
				pluck="for_user")  # fmt: skip

		self.assertEqual(notes(), [row.lead_owner])
		return_cooled_parties(self.today)
		return_cooled_parties(add_days(self.today, 1))
		self.assertEqual(notes(), [row.lead_owner])  # never twice


class TestBadInput(CoolingCase):
	def assertRefused(self, fragment, **kw):
		with self.assertRaises(frappe.ValidationError) as ctx:
			rule("_SD bad", **kw)
		self.assertIn(fragment, str(ctx.exception))
		self.assertFalse(frappe.db.exists("Base Cooling Rule", "_SD bad"))

	def test_period_must_be_positive(self):
		self.assertRefused("at least 1 day", cooling_days=0)
		self.assertRefused("at least 1 day", cooling_days=-3)

	def test_same_trigger_and_scope_in_another_mode(self):
		if not frappe.db.exists(
			"Base Cooling Rule", {"trigger": "Lead Lost", "scope": "Record Only", "mode": "Block", "enabled": 1}
		):
			rule("_SD block lead", trigger="Lead Lost", scope="Record Only", mode="Block")
		self.assertRefused("different modes", trigger="Lead Lost", scope="Record Only", mode="Warn")

	def test_final_reason_in_a_temporary_rule(self):
		self.assertRefused(
			"which is final", trigger="Opportunity Lost", scope="Organisation",
			lost_reasons=[{"lost_reason": FINAL}],
		)  # fmt: skip

	def test_scope_that_cannot_match_the_trigger(self):
		self.assertRefused("cannot match", trigger="Lead Lost", scope="Customer and Contacts")

	def test_flagging_a_reason_final_that_a_rule_names(self):
		self.addCleanup(frappe.db.delete, "Base Cooling Rule", {"rule_name": "_SD price"})
		rule("_SD price", trigger="Opportunity Lost", scope="Organisation", lost_reasons=[{"lost_reason": PRICE}])
		doc = frappe.get_doc("Opportunity Lost Reason", PRICE)
		doc.sd_final = 1
		with self.assertRaises(frappe.ValidationError) as ctx:
			doc.save()
		self.assertIn("_SD price", str(ctx.exception))
		self.assertEqual(frappe.db.get_value("Opportunity Lost Reason", PRICE, "sd_final"), 0)


class TestCoolingOverRestAndImport(FrappeAPITestCase):
	"""REST requests and Data Import run in their own transactions: fixtures are committed and removed."""

	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()
		self.name = customer_name("Rest")
		self.purge()  # whatever an interrupted run left behind (it rolls back: fixtures are made after it)
		self.addCleanup(self.purge)
		reason(PRICE)
		self.name, self.contact, self.email = customer("Rest")
		self.opp = lose(opportunity(self.name, self.contact), PRICE)
		frappe.db.commit()

	def purge(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		for rec in records("Customer", self.name):
			frappe.delete_doc("Cooling Record", rec.name, force=True)
		for opp in frappe.get_all("Opportunity", {"party_name": self.name}, pluck="name"):
			for rec in frappe.get_all("Cooling Record", {"source_name": opp}, pluck="name"):
				frappe.delete_doc("Cooling Record", rec, force=True)
			frappe.delete_doc("Opportunity", opp, force=True)
		frappe.db.commit()

	def test_rest_create_is_refused(self):
		before = frappe.db.count("Opportunity", {"party_name": self.name})
		response = self.post(
			self.resource("Opportunity"),
			{"sid": self.sid, "opportunity_from": "Customer", "party_name": self.name, "company": company(),
				"transaction_date": nowdate()},
		)  # fmt: skip
		frappe.db.commit()
		self.assertEqual(response.status_code, 417)
		self.assertIn("CoolingError", frappe.as_json(response.json))
		self.assertEqual(frappe.db.count("Opportunity", {"party_name": self.name}), before)
		response = self.post(
			self.resource("ToDo"),
			{"sid": self.sid, "description": "Call", "reference_type": "Customer", "reference_name": self.name},
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 417)

	def test_data_import_is_refused(self):
		content = f"Opportunity From,Party,Company\nCustomer,{self.name},{company()}\n"
		file = frappe.get_doc({"doctype": "File", "file_name": "sd_cool_import.csv", "content": content,
			"is_private": 1}).insert()  # fmt: skip
		before = frappe.db.count("Opportunity", {"party_name": self.name})
		di = frappe.get_doc({"doctype": "Data Import", "reference_doctype": "Opportunity",
			"import_type": "Insert New Records", "import_file": file.file_url}).insert()  # fmt: skip
		di.start_import()
		logs = frappe.get_all("Data Import Log", {"data_import": di.name}, ["success", "messages", "exception"])
		self.assertEqual([log.success for log in logs], [0])
		self.assertIn("cooling", ((logs[0].messages or "") + (logs[0].exception or "")).lower())
		self.assertEqual(frappe.db.count("Opportunity", {"party_name": self.name}), before)
