"""Issue 14, items 14/15/17 for base cooling: the daily return survives a still-covered party and a
bad record; an Email Campaign step drops a cooling recipient instead of failing for everyone; reopening,
re-pointing, quoting and ordering a cooling party are refused over REST for a plain Sales User; a Sales
Manager cannot edit a Cooling Record around the lift (which needs a reason).
"""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, formatdate, getdate, nowdate

from sales_drive import base_cooling
from sales_drive.base_cooling import return_cooled_parties
from sales_drive.tests.test_cooling import PRICE, customer, lose, opportunity, reason
from sales_drive.tests.test_digests import forget_outgoing_account
from sales_drive.tests.utils import (
	TokenAPITestCase,
	api_tokens,
	company,
	ensure_fiscal_year,
	ensure_item,
	ensure_sales_person,
	ensure_user,
	lead_lost_reason,
	reset_cache,
)

SALES_USER = "sd.trust.cool.user@example.com"
SALES_MANAGER = "sd.trust.cool.manager@example.com"
HUNTER = "sd.trust.cool.hunter@example.com"


def tag():
	return frappe.generate_hash(length=6)


def lead(name, company_name, email=None, **kw):
	return frappe.get_doc(
		{"doctype": "Lead", "lead_name": name, "company_name": company_name, "email_id": email, "company": company(), **kw}
	).insert()


def refuse(doc):
	doc.reload()
	doc.status = "Do Not Contact"
	doc.sd_lost_reason = lead_lost_reason()  # a refused lead needs its reason
	doc.save()
	return frappe.get_all("Cooling Record", {"source_doctype": "Lead", "source_name": doc.name}, pluck="name")[0]


def end_yesterday(record):
	frappe.db.set_value("Cooling Record", record, "until_date", add_days(nowdate(), -1))


def open_todos(doctype, name):
	"""The return's ToDos (a new lead may have hand-off ToDos of its own)."""
	return frappe.get_all(
		"ToDo",
		{"reference_type": doctype, "reference_name": name, "status": "Open", "description": ["like", "%after cooling%"]},
		pluck="allocated_to",
	)


class TestReturnJobSurvives(FrappeTestCase):
	"""Item 15 (and 14 for this job): a party another cooling still covers waits; a bad party is rolled
	back and logged with its Cooling Record; every other party returns."""

	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()
		ensure_user(HUNTER, ["Sales User"])
		ensure_sales_person("_SD Trust Cool Hunter", HUNTER)
		frappe.db.set_value("Sales Person", "_SD Trust Cool Hunter", "sd_specialisation", "Hunter")

	def test_covered_party_waits_bad_record_is_logged_and_the_rest_return(self):
		t = tag()
		# two leads of one organisation, both refused: the default Lead Lost rule cools the organisation
		first = lead(f"Omega A {t}", f"ООО Омега {t}", f"a@omega-{t}.sd-trust.example")
		second = lead(f"Omega B {t}", f"Омега {t}", f"b@omega-{t}.sd-trust.example")
		first_rec, second_rec = refuse(first), refuse(second)
		ok = lead(f"Sigma {t}", f"ООО Сигма {t}", f"c@sigma-{t}.sd-trust.example")
		ok_rec = refuse(ok)
		bad = lead(f"Tau {t}", f"ООО Тау {t}", f"d@tau-{t}.sd-trust.example")
		bad_rec = refuse(bad)
		# the first lead's own cooling has ended, the second's (over the same organisation) runs on
		for rec in (first_rec, ok_rec, bad_rec):
			end_yesterday(rec)

		real = base_cooling._reopen

		def broken(party_type, party, assignee):
			real(party_type, party, assignee)  # writes, then fails: the writes must not stay
			if party == bad.name:
				raise frappe.ValidationError("a broken record")

		with patch.object(base_cooling, "_reopen", side_effect=broken):
			returned = return_cooled_parties()  # before the fix: CoolingError from the first lead's ToDo
		self.assertGreaterEqual(returned, 1)

		# returned: marked, reopened, assigned with a ToDo
		self.assertEqual(frappe.db.get_value("Cooling Record", ok_rec, "status"), "Returned")
		row = frappe.db.get_value("Lead", ok.name, ["status", "lead_owner"], as_dict=True)
		self.assertEqual(row.status, "Open")
		self.assertEqual(open_todos("Lead", ok.name), [row.lead_owner])

		# still covered by the organisation's running cooling: not returned, not contacted
		self.assertEqual(frappe.db.get_value("Cooling Record", first_rec, "status"), "Active")
		self.assertEqual(frappe.db.get_value("Lead", first.name, "status"), "Do Not Contact")
		self.assertEqual(open_todos("Lead", first.name), [])

		# the bad one: rolled back to where it was (tried again tomorrow), the error logged with its record
		self.assertEqual(frappe.db.get_value("Cooling Record", bad_rec, "status"), "Active")
		self.assertEqual(frappe.db.get_value("Lead", bad.name, "status"), "Do Not Contact")
		self.assertEqual(open_todos("Lead", bad.name), [])
		errors = frappe.get_all(
			"Error Log", {"reference_doctype": "Cooling Record", "reference_name": bad_rec}, ["method", "error"]
		)
		self.assertEqual(len(errors), 1)
		self.assertIn(bad.name, errors[0].method)
		self.assertIn("a broken record", errors[0].error)

		# the organisation's last cooling ends: both of its leads return, and the bad one now goes too
		end_yesterday(second_rec)
		return_cooled_parties()
		for doc, rec in ((first, first_rec), (second, second_rec), (bad, bad_rec)):
			self.assertEqual(frappe.db.get_value("Cooling Record", rec, "status"), "Returned")
			self.assertEqual(frappe.db.get_value("Lead", doc.name, "status"), "Open")
			self.assertEqual(len(open_todos("Lead", doc.name)), 1)


class TestCoolingRecordIsServerOwned(FrappeTestCase):
	"""Item 17: whoever saves a Cooling Record (a System Manager too) gets the stored values back."""

	def test_save_restores_status_dates_party_and_keys(self):
		frappe.set_user("Administrator")
		reset_cache()
		t = tag()
		refused = lead(f"Owned {t}", f"ООО Владение {t}", f"o@owned-{t}.sd-trust.example")
		name = refuse(refused)
		other = lead(f"Owned other {t}", f"ООО Другое {t}")
		stored = frappe.get_doc("Cooling Record", name)
		doc = frappe.get_doc("Cooling Record", name)
		doc.update({"status": "Lifted", "until_date": add_days(nowdate(), -3), "from_date": add_days(nowdate(), -9),
			"party": other.name, "mode": "Warn", "lift_reason": "forged", "refusals": 9})  # fmt: skip
		doc.set("keys", [{"match_key": "nothing:at-all"}])
		doc.save()
		doc = frappe.get_doc("Cooling Record", name)
		for field in ("status", "until_date", "from_date", "party", "mode", "lift_reason", "refusals"):
			self.assertEqual(doc.get(field), stored.get(field), field)
		self.assertEqual(sorted(k.match_key for k in doc.keys), sorted(k.match_key for k in stored.keys))
		with self.assertRaises(frappe.PermissionError):  # a key row saved on its own
			key = frappe.get_doc("Cooling Record Key", doc.keys[0].name)
			key.match_key = "nothing:at-all"
			key.save()
		# the lift goes through (a manager, a reason)
		base_cooling.lift_records([name], "They called us back")
		self.assertEqual(frappe.db.get_value("Cooling Record", name, "status"), "Lifted")


class TestEmailCampaignDropsCoolingRecipients(FrappeTestCase):
	"""Item 15: one cooling recipient no longer aborts an Email Campaign step for everyone."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.addClassCleanup(forget_outgoing_account)
		forget_outgoing_account()
		cls.addClassCleanup(setattr, frappe.flags, "mute_emails", frappe.flags.mute_emails)
		frappe.flags.mute_emails = True  # queue, never send (a send commits)
		if not frappe.db.exists("Email Account", "_SD Trust Outgoing"):
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "_SD Trust Outgoing",
					"email_id": "trust@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "smtp.example.com",
					"password": "secret",
				}
			).insert(ignore_permissions=True)

	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()
		reason(PRICE)

	def campaign(self, t, email_campaign_for, recipient):
		template = frappe.get_doc(
			{"doctype": "Email Template", "name": f"_SD Trust {t}", "subject": f"Offer {t}", "response": "Hello"}
		).insert(ignore_permissions=True)
		campaign = frappe.get_doc(
			{
				"doctype": "Campaign",
				"campaign_name": f"_SD Trust {t}",
				"campaign_schedules": [{"send_after_days": 0, "email_template": template.name}],
			}
		).insert(ignore_permissions=True)
		return frappe.get_doc(
			{
				"doctype": "Email Campaign",
				"campaign_name": campaign.name,
				"email_campaign_for": email_campaign_for,
				"recipient": recipient,
				"start_date": nowdate(),
			}
		).insert(ignore_permissions=True)

	def send(self, campaign):
		from erpnext.crm.doctype.email_campaign.email_campaign import send_email_to_leads_or_contacts

		send_email_to_leads_or_contacts()  # the daily job; before the fix: CoolingError for the whole step
		return frappe.get_all(
			"Communication",
			{"reference_doctype": "Email Campaign", "reference_name": campaign.name},
			["name", "recipients", "bcc"],
		)

	def queued_to(self, communication):
		queues = frappe.get_all("Email Queue", {"communication": communication}, pluck="name")
		return set(frappe.get_all("Email Queue Recipient", {"parent": ["in", queues or [""]]}, pluck="recipient"))

	def test_group_step_goes_to_everyone_but_the_cooling_recipient(self):
		t = tag()
		name, contact, cooling_email = customer(f"Camp{t}")
		lose(opportunity(name, contact), PRICE)  # the customer and its contacts cool
		group = frappe.get_doc({"doctype": "Email Group", "title": f"_SD Trust {t}"}).insert(ignore_permissions=True)
		others = [f"one@camp-{t}.sd-trust.example", f"two@camp-{t}.sd-trust.example"]
		for email in [cooling_email, *others]:
			frappe.get_doc({"doctype": "Email Group Member", "email_group": group.name, "email": email}).insert(
				ignore_permissions=True
			)
		campaign = self.campaign(t, "Email Group", group.name)
		(comm,) = self.send(campaign)
		self.assertNotIn(cooling_email, comm.bcc)
		for email in others:
			self.assertIn(email, comm.bcc)
		self.assertEqual(self.queued_to(comm.name), set(others))
		notes = frappe.get_all(
			"Comment",
			{"reference_doctype": "Email Campaign", "reference_name": campaign.name, "comment_type": "Info"},
			pluck="content",
		)
		self.assertTrue(any(cooling_email in n for n in notes), notes)

	def test_lead_step_to_a_cooling_lead_is_dropped_without_failing(self):
		t = tag()
		refused = lead(f"Camp Lead {t}", f"ООО Кампания {t}", f"lead@camp-{t}.sd-trust.example")
		refuse(refused)
		campaign = self.campaign(t, "Lead", refused.name)
		(comm,) = self.send(campaign)
		self.assertFalse(comm.recipients or comm.bcc)
		self.assertEqual(self.queued_to(comm.name), set())


class TestCoolingPathsOverRest(TokenAPITestCase):
	"""Item 17 over REST: a plain Sales User cannot reopen, re-point, quote or order a cooling party;
	a Sales Manager cannot edit a Cooling Record around lifting, which needs a reason."""

	# its own client without cookies: the shared one keeps the sid cookie of other classes' requests
	# (Administrator), and Frappe ignores an API token when a session cookie is already logged in

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		reset_cache()
		reason(PRICE)
		ensure_fiscal_year(nowdate())
		ensure_item()
		ensure_user(SALES_USER, ["Sales User"])
		ensure_user(SALES_MANAGER, ["Sales User", "Sales Manager"])
		cls.tokens = api_tokens([SALES_USER, SALES_MANAGER])
		t = tag()
		cls.t = t
		# a customer cooling after a lost opportunity (customer scope: its contacts too)
		cls.cool, contact, cls.cool_email = customer(f"Rest{t}")
		cls.lost = lose(opportunity(cls.cool, contact), PRICE).name
		cls.cool_until = getdate(frappe.db.get_value("Cooling Record", {"party": cls.cool}, "until_date"))
		# another, for the lift (the other tests need theirs cooling)
		cls.lifted, contact, _email = customer(f"Lift{t}")
		lose(opportunity(cls.lifted, contact), PRICE)
		# a lead refused (its organisation cools), an open lead and an open opportunity of another customer
		cls.refused = lead(f"Rest Lead {t}", f"ООО Рест {t}", f"r@rest-{t}.sd-trust.example")
		refuse(cls.refused)
		cls.open_lead = lead(f"Rest Open {t}", f"ООО Открыто {t}")
		cls.free, free_contact, _email = customer(f"Free{t}")
		cls.open_opp = opportunity(cls.free, free_contact).name
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		customers = [cls.cool, cls.lifted, cls.free]
		leads = [cls.refused.name, cls.open_lead.name]
		for doctype, field in (("Sales Order", "customer"), ("Quotation", "party_name")):
			for name in frappe.get_all(doctype, {field: ["in", customers]}, pluck="name"):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		for rec in frappe.get_all("Cooling Record", {"party": ["in", customers + leads]}, pluck="name"):
			frappe.delete_doc("Cooling Record", rec, force=True, ignore_permissions=True)
		for name in frappe.get_all("Opportunity", {"party_name": ["in", customers]}, pluck="name"):
			frappe.delete_doc("Opportunity", name, force=True, ignore_permissions=True)
		for name in leads:
			frappe.delete_doc("Lead", name, force=True, ignore_permissions=True)
		contacts = frappe.get_all(
			"Dynamic Link", {"parenttype": "Contact", "link_doctype": "Customer", "link_name": ["in", customers]}, pluck="parent"
		)
		for name in contacts:
			frappe.delete_doc("Contact", name, force=True, ignore_permissions=True)
		for name in customers:
			frappe.delete_doc("Customer", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def as_user(self, user=SALES_USER):
		return {"headers": {"Authorization": self.tokens[user]}}

	def assertCoolingRefusal(self, response):
		"""Refused as cooling, naming the cooling's last day (every cooling here runs 90 days from today)."""
		frappe.db.commit()  # see what the request's own connection left
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn("CoolingError", response.text)
		self.assertIn(formatdate(self.cool_until), response.text)

	def test_reopening_a_refused_opportunity_and_lead_is_refused(self):
		response = self.put(self.resource("Opportunity", self.lost), {"status": "Open", "lost_reasons": []}, **self.as_user())
		self.assertCoolingRefusal(response)
		self.assertIn("cannot be reopened", response.text)
		self.assertIn(formatdate(self.cool_until), response.text)
		self.assertEqual(frappe.db.get_value("Opportunity", self.lost, "status"), "Lost")

		response = self.put(self.resource("Lead", self.refused.name), {"status": "Open"}, **self.as_user())
		self.assertCoolingRefusal(response)
		self.assertEqual(frappe.db.get_value("Lead", self.refused.name, "status"), "Do Not Contact")

	def test_pointing_an_existing_record_at_a_cooling_party_is_refused(self):
		response = self.put(self.resource("Opportunity", self.open_opp), {"party_name": self.cool}, **self.as_user())
		self.assertCoolingRefusal(response)
		self.assertIn("cannot be changed over to it", response.text)
		self.assertEqual(frappe.db.get_value("Opportunity", self.open_opp, "party_name"), self.free)

		# an e-mail address of the cooling customer's contact
		response = self.put(self.resource("Lead", self.open_lead.name), {"email_id": self.cool_email}, **self.as_user())
		self.assertCoolingRefusal(response)
		self.assertIsNone(frappe.db.get_value("Lead", self.open_lead.name, "email_id"))

		# an edit that brings no cooling party in still saves
		response = self.put(self.resource("Lead", self.open_lead.name), {"email_id": f"x@open-{self.t}.sd-trust.example"}, **self.as_user())
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)

	def test_quotation_and_sales_order_for_a_cooling_party_are_refused(self):
		item = {"item_code": ensure_item(), "qty": 1, "rate": 1000}
		quotation = {
			"quotation_to": "Customer",
			"party_name": self.cool,
			"company": company(),
			"transaction_date": nowdate(),
			"valid_till": str(add_days(nowdate(), 30)),
			"items": [item],
		}
		response = self.post(self.resource("Quotation"), quotation, **self.as_user())
		self.assertCoolingRefusal(response)
		self.assertIn(formatdate(self.cool_until), response.text)
		self.assertFalse(frappe.db.exists("Quotation", {"party_name": self.cool}))

		order = {
			"customer": self.cool,
			"company": company(),
			"transaction_date": nowdate(),
			"delivery_date": str(add_days(nowdate(), 10)),
			"items": [{**item, "delivery_date": str(add_days(nowdate(), 10))}],
		}
		response = self.post(self.resource("Sales Order"), order, **self.as_user())
		self.assertCoolingRefusal(response)
		self.assertFalse(frappe.db.exists("Sales Order", {"customer": self.cool}))

		# the same for a party that is not cooling goes through, and cannot be re-pointed at the cooling one
		response = self.post(self.resource("Quotation"), {**quotation, "party_name": self.free}, **self.as_user())
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		name = response.json["data"]["name"]
		response = self.put(self.resource("Quotation", name), {"party_name": self.cool}, **self.as_user())
		self.assertCoolingRefusal(response)
		self.assertEqual(frappe.db.get_value("Quotation", name, "party_name"), self.free)

	def test_sales_manager_cannot_edit_a_cooling_record_around_the_lift(self):
		record = frappe.db.get_value(
			"Cooling Record", {"party": self.lifted, "status": "Active"}, ["name", "from_date", "until_date"], as_dict=True
		)
		forged = {
			"status": "Lifted",
			"until_date": str(add_days(nowdate(), -5)),
			"from_date": str(add_days(nowdate(), -30)),
			"party": self.free,
			"mode": "Warn",
			"lift_reason": "forged",
		}
		response = self.put(self.resource("Cooling Record", record.name), forged, **self.as_user(SALES_MANAGER))
		frappe.db.commit()
		self.assertIn(response.status_code, (200, 403), response.text)  # 403: no write (restored anyway)
		key = frappe.get_all("Cooling Record Key", {"parent": record.name}, pluck="name")[0]
		response = self.put(
			self.resource("Cooling Record Key", key), {"match_key": "nothing:at-all"}, **self.as_user(SALES_MANAGER)
		)
		frappe.db.commit()
		self.assertIn(response.status_code, (403, 417), response.text)
		self.assertNotEqual(frappe.db.get_value("Cooling Record Key", key, "match_key"), "nothing:at-all")
		stored = frappe.db.get_value(
			"Cooling Record", record.name, ["status", "from_date", "until_date", "party", "mode", "lift_reason"], as_dict=True
		)
		self.assertEqual(
			(stored.status, stored.from_date, stored.until_date, stored.party, stored.mode, stored.lift_reason),
			("Active", record.from_date, record.until_date, self.lifted, "Block", None),
		)

		# lifting: a plain Sales User may not; a Sales Manager must give a reason
		lift = self.method("sales_drive.base_cooling.lift")
		args = {"doctype": "Customer", "name": self.lifted}
		response = self.post(lift, {**args, "reason": "please"}, **self.as_user(SALES_USER))
		frappe.db.commit()
		self.assertEqual(response.status_code, 403, response.text)
		response = self.post(lift, {**args, "reason": "  "}, **self.as_user(SALES_MANAGER))
		frappe.db.commit()
		self.assertEqual(response.status_code, 417, response.text)
		self.assertEqual(frappe.db.get_value("Cooling Record", record.name, "status"), "Active")
		response = self.post(lift, {**args, "reason": "They called us back"}, **self.as_user(SALES_MANAGER))
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		stored = frappe.db.get_value("Cooling Record", record.name, ["status", "lift_reason", "lifted_by"], as_dict=True)
		self.assertEqual((stored.status, stored.lift_reason, stored.lifted_by), ("Lifted", "They called us back", SALES_MANAGER))
