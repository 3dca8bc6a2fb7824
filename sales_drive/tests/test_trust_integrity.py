"""Issue 14, items 5-8 and 11: what the gate and the KPIs trust holds against a plain Sales User over REST.

5. the tracking fields of Lead / Opportunity (step entry, due date, overdue flags, regulation, the checklist's
   stamps) are the server's, whatever a request sends;
6. the lead-conversion check runs when an Opportunity's party is changed to a lead, not only on insert;
7. ``Customer.sd_key_account`` (it chooses a regulation) is set by a Sales Manager or the review only;
8. deleting a Lead / Opportunity keeps its transition log (marked deleted); the log itself is not editable,
   and only System Manager deletes its rows;
11. a Sales Task's manager cannot reassign it or forge its stamps.

REST requests run in their own thread and database connection: fixtures are committed and removed in
``tearDownClass``; names are unique per run, so the class runs again on the same site.
"""

from datetime import timedelta

import frappe
from frappe.utils import add_days, get_datetime, getdate, now_datetime, nowdate

from sales_drive.integrations.pipeline import write_observations
from sales_drive.tests.utils import (
	TokenAPITestCase,
	add_call,
	api_tokens,
	company,
	ensure_customer,
	ensure_sales_person,
	ensure_user,
	log_rows,
	make_opportunity,
	opportunity_at,
	reset_cache,
)

SALES_USER = "_sd_trust_user@example.com"
OTHER_USER = "_sd_trust_other@example.com"
MANAGER = "_sd_trust_head@example.com"
TEAM_LEAD = "_sd_trust_lead@example.com"
ROLES = {
	SALES_USER: ["Sales User"],
	OTHER_USER: ["Sales User"],
	MANAGER: ["Sales Manager", "Sales User"],
	TEAM_LEAD: ["Sales Team Lead", "Sales User"],
}
PAST = "2020-01-06 09:00:00"
FAR = "2099-12-31"


def recent(value, since):
	return value is not None and get_datetime(value) >= since


class TrustCase(TokenAPITestCase):
	"""Users, tokens and the regulations in Enforce, committed for the REST thread."""

	created: list  # (doctype, name) removed after the class

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		for user, roles in ROLES.items():
			ensure_user(user, roles)
		cls.tokens = api_tokens(ROLES)
		reset_cache()  # Enforce, committed below: the request's own connection reads it
		cls.created = []
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for doctype, name in reversed(cls.created):
			if frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.db.commit()
		reset_cache()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	def keep(self, doctype, name):
		self.created.append((doctype, name))
		return name

	def as_user(self, user=SALES_USER):
		return {"headers": {"Authorization": self.tokens[user]}}

	def opportunity(self, **kw):
		doc = make_opportunity(**kw)
		self.keep("Customer", doc.party_name)
		self.keep("Opportunity", doc.name)
		return doc

	def lead(self, **kw):
		tag = frappe.generate_hash(length=8)
		doc = frappe.get_doc(
			{
				"doctype": "Lead",
				"lead_name": f"_SD Trust {tag}",
				"company_name": f"_SD Trust Org {tag}",
				"email_id": f"trust.{tag}@sd-trust-{tag}.test",
				"company": company(),
				**kw,
			}
		).insert()
		return frappe.get_doc("Lead", self.keep("Lead", doc.name))


class TestServerOwnedFields(TrustCase):
	"""Item 5: the step clock, the overdue flags, the regulation and the checklist stamps are the server's."""

	def test_forged_step_entry_does_not_count_old_activity_at_the_gate(self):
		opp = opportunity_at("Needs Assessment")
		self.keep("Customer", opp.party_name)
		self.keep("Opportunity", opp.name)
		entered = frappe.db.get_value("Opportunity", opp.name, "sd_step_entered_on")
		# a call made before the step was entered: it must not count for the step's Activity criterion
		add_call(opp)
		call = frappe.get_all("Communication", {"reference_name": opp.name}, pluck="name", order_by="creation desc")[0]
		frappe.db.set_value("Communication", call, "creation", get_datetime(entered) - timedelta(days=3))
		frappe.db.commit()

		response = self.put(
			self.resource("Opportunity", opp.name),
			{"sales_stage": "Presentation", "sd_step_entered_on": PAST},
			**self.as_user(),
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn("StageGateError", response.text)
		row = frappe.db.get_value("Opportunity", opp.name, ["sales_stage", "sd_step_entered_on"], as_dict=True)
		self.assertEqual(row.sales_stage, "Needs Assessment")
		self.assertEqual(get_datetime(row.sd_step_entered_on), get_datetime(entered))

		# the field alone is not taken either: the save goes through, the stored clock stays
		response = self.put(
			self.resource("Opportunity", opp.name), {"sd_step_entered_on": PAST}, **self.as_user()
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(
			get_datetime(frappe.db.get_value("Opportunity", opp.name, "sd_step_entered_on")), get_datetime(entered)
		)
		# the move logs the true time in the step, not one measured from the forged date
		add_call(opp)
		frappe.db.commit()
		response = self.put(
			self.resource("Opportunity", opp.name),
			{"sales_stage": "Presentation", "sd_step_entered_on": PAST},
			**self.as_user(),
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		last = log_rows(opp)[-1]
		self.assertEqual((last.kind, last.to_step), ("Forward", "Presentation"))
		self.assertLess(last.days_in_previous, 3)

	def test_overdue_flags_cannot_be_cleared(self):
		opp = self.opportunity()
		overdue_since = add_days(nowdate(), -5)
		frappe.db.set_value(
			"Opportunity", opp.name,
			{"sd_step_due": overdue_since, "sd_overdue": 1, "sd_overdue_notified": 1},
			update_modified=False,
		)  # fmt: skip
		frappe.db.commit()
		response = self.put(
			self.resource("Opportunity", opp.name),
			{"sd_step_due": FAR, "sd_overdue": 0, "sd_overdue_notified": 0, "sd_next_contact": nowdate()},
			**self.as_user(),
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		row = frappe.db.get_value(
			"Opportunity", opp.name, ["sd_step_due", "sd_overdue", "sd_overdue_notified", "sd_next_contact"], as_dict=True
		)
		self.assertEqual((getdate(row.sd_step_due), row.sd_overdue, row.sd_overdue_notified), (getdate(overdue_since), 1, 1))
		self.assertEqual(getdate(row.sd_next_contact), getdate(nowdate()))  # the user's own field is taken
		# My Sales Day and the morning report list what is flagged overdue: the record is still there
		self.assertTrue(frappe.db.exists("Opportunity", {"name": opp.name, "sd_overdue": 1}))

	def test_rest_insert_ignores_tracking_values(self):
		since = now_datetime() - timedelta(minutes=1)
		customer, _contact = ensure_customer(f"_SD Trust Customer {frappe.generate_hash(length=8)}")
		self.keep("Customer", customer)
		inactive = frappe.copy_doc(frappe.get_doc("Sales Pipeline Regulation", "Opportunity B2B"))
		inactive.title = f"_SD Trust Inactive {frappe.generate_hash(length=6)}"
		inactive.is_active = 0
		inactive.insert()
		self.keep("Sales Pipeline Regulation", inactive.name)
		frappe.db.commit()
		response = self.post(
			self.resource("Opportunity"),
			{
				"opportunity_from": "Customer",
				"party_name": customer,
				"company": company(),
				"transaction_date": nowdate(),
				"sd_regulation": inactive.name,
				"sd_step_entered_on": PAST,
				"sd_step_due": FAR,
				"sd_overdue": 1,
				"sd_overdue_notified": 1,
				"sd_cooling_until": FAR,
				"sd_checklist": [
					{"step": "Qualification", "item": "Decision maker identified", "done": 1,
						"done_by": OTHER_USER, "done_on": PAST},
				],
			},
			**self.as_user(),
		)  # fmt: skip
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		name = self.keep("Opportunity", response.json["data"]["name"])
		row = frappe.db.get_value(
			"Opportunity", name,
			["sd_regulation", "sd_step_entered_on", "sd_step_due", "sd_overdue", "sd_overdue_notified", "sd_cooling_until"],
			as_dict=True,
		)  # fmt: skip
		self.assertEqual(row.sd_regulation, "Opportunity B2B")
		self.assertTrue(recent(row.sd_step_entered_on, since))
		self.assertNotEqual(str(row.sd_step_due), FAR)
		self.assertEqual((row.sd_overdue, row.sd_overdue_notified, row.sd_cooling_until), (0, 0, None))
		tick = frappe.get_all("Sales Checklist Item", {"parent": name, "done": 1}, ["done_by", "done_on"])
		self.assertEqual([t.done_by for t in tick], [SALES_USER])
		self.assertTrue(recent(tick[0].done_on, since))

	def test_regulation_cannot_be_set_on_an_unbound_or_bound_record(self):
		opp = self.opportunity()
		inactive = frappe.copy_doc(frappe.get_doc("Sales Pipeline Regulation", "Opportunity B2B"))
		inactive.title = f"_SD Trust Inactive {frappe.generate_hash(length=6)}"
		inactive.is_active = 0
		inactive.insert()
		self.keep("Sales Pipeline Regulation", inactive.name)
		# a record from before the app: no regulation yet
		frappe.db.set_value("Opportunity", opp.name, {"sd_regulation": None}, update_modified=False)
		frappe.db.commit()
		response = self.put(
			self.resource("Opportunity", opp.name), {"sd_regulation": inactive.name}, **self.as_user()
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sd_regulation"), "Opportunity B2B")
		# a bound record changes regulation only through the logged move
		response = self.put(
			self.resource("Opportunity", opp.name), {"sd_regulation": inactive.name}, **self.as_user()
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 417, response.text)
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sd_regulation"), "Opportunity B2B")

	def test_checklist_stamps_are_the_servers(self):
		opp = self.opportunity()
		frappe.db.commit()
		since = now_datetime() - timedelta(minutes=1)
		rows = self.get(self.resource("Opportunity", opp.name), **self.as_user()).json["data"]["sd_checklist"]
		for r in rows:
			r.update({"done": 1, "done_by": OTHER_USER, "done_on": PAST})
		response = self.put(self.resource("Opportunity", opp.name), {"sd_checklist": rows}, **self.as_user())
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		stored = frappe.get_all("Sales Checklist Item", {"parent": opp.name}, ["name", "done", "done_by", "done_on"])
		self.assertTrue(stored)
		for r in stored:
			self.assertEqual((r.done, r.done_by), (1, SALES_USER))
			self.assertTrue(recent(r.done_on, since))
		stamps = {r.name: (r.done_by, r.done_on) for r in stored}
		# a ticked row keeps its stamp, whatever is sent later
		rows = self.get(self.resource("Opportunity", opp.name), **self.as_user(OTHER_USER)).json["data"]["sd_checklist"]
		for r in rows:
			r.update({"done_by": OTHER_USER, "done_on": PAST})
		response = self.put(self.resource("Opportunity", opp.name), {"sd_checklist": rows}, **self.as_user(OTHER_USER))
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		after = frappe.get_all("Sales Checklist Item", {"parent": opp.name}, ["name", "done_by", "done_on"])
		self.assertEqual({r.name: (r.done_by, r.done_on) for r in after}, stamps)

	def test_lead_tracking_fields_are_kept(self):
		lead = self.lead()
		stored = frappe.db.get_value(
			"Lead", lead.name, ["sd_step", "sd_step_entered_on", "sd_step_due", "sd_overdue"], as_dict=True
		)
		self.assertEqual(stored.sd_step, "New Lead")
		frappe.db.commit()
		response = self.put(
			self.resource("Lead", lead.name),
			{"sd_step_entered_on": PAST, "sd_step_due": FAR, "sd_overdue": 1, "sd_cooling_until": FAR},
			**self.as_user(),
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		row = frappe.db.get_value(
			"Lead", lead.name, ["sd_step_entered_on", "sd_step_due", "sd_overdue", "sd_cooling_until"], as_dict=True
		)
		self.assertEqual(get_datetime(row.sd_step_entered_on), get_datetime(stored.sd_step_entered_on))
		self.assertEqual(getdate(row.sd_step_due), getdate(stored.sd_step_due))
		self.assertEqual((row.sd_overdue, row.sd_cooling_until), (0, None))


class TestConversionWhenThePartyChanges(TrustCase):
	"""Item 6: turning an Opportunity of a customer into one of an unqualified lead is the conversion."""

	def test_party_changed_to_unqualified_lead_is_refused(self):
		opp = self.opportunity()
		lead = self.lead()
		self.assertEqual(lead.sd_step, "New Lead")
		frappe.db.commit()
		response = self.put(
			self.resource("Opportunity", opp.name),
			{"opportunity_from": "Lead", "party_name": lead.name, "customer_name": None},
			**self.as_user(),
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn("StageGateError", response.text)
		self.assertEqual(
			frappe.db.get_value("Opportunity", opp.name, ["opportunity_from", "party_name"]),
			("Customer", opp.party_name),
		)


class TestKeyAccountFlag(TrustCase):
	"""Item 7: the key-account flag chooses a regulation: a Sales Manager or the review sets it."""

	def customer(self):
		name, _contact = ensure_customer(f"_SD Trust KA {frappe.generate_hash(length=8)}")
		frappe.db.commit()
		return self.keep("Customer", name)

	def test_sales_user_cannot_set_or_clear_it(self):
		name = self.customer()
		response = self.put(self.resource("Customer", name), {"sd_key_account": 1}, **self.as_user())
		frappe.db.commit()
		self.assertIn(response.status_code, (403, 417), response.text)
		self.assertIn("key account", response.text)
		self.assertEqual(frappe.db.get_value("Customer", name, "sd_key_account"), 0)
		# a key account (the review's) cannot be unmarked either, nor its date moved
		frappe.db.set_value("Customer", name, {"sd_key_account": 1, "sd_key_account_since": "2026-01-01"})
		frappe.db.commit()
		response = self.put(self.resource("Customer", name), {"sd_key_account": 0}, **self.as_user())
		frappe.db.commit()
		self.assertIn(response.status_code, (403, 417), response.text)
		self.assertEqual(frappe.db.get_value("Customer", name, "sd_key_account"), 1)
		response = self.put(
			self.resource("Customer", name),
			{"sd_key_account": 1, "sd_key_account_since": "2020-01-01", "sd_cooling_until": FAR},
			**self.as_user(),
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)  # an edit that leaves the flag alone
		self.assertEqual(
			frappe.db.get_value("Customer", name, ["sd_key_account_since", "sd_cooling_until"]),
			(getdate("2026-01-01"), None),
		)

	def test_sales_user_cannot_insert_a_key_account(self):
		tag = frappe.generate_hash(length=8)
		response = self.post(
			self.resource("Customer"),
			{"customer_name": f"_SD Trust KA new {tag}", "sd_key_account": 1,
				"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
				"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name")},
			**self.as_user(),
		)  # fmt: skip
		frappe.db.commit()
		self.assertIn(response.status_code, (403, 417), response.text)
		self.assertFalse(frappe.db.exists("Customer", {"customer_name": f"_SD Trust KA new {tag}"}))

	def test_sales_manager_sets_it(self):
		name = self.customer()
		response = self.put(self.resource("Customer", name), {"sd_key_account": 1}, **self.as_user(MANAGER))
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(
			frappe.db.get_value("Customer", name, ["sd_key_account", "sd_key_account_since"]), (1, getdate(nowdate()))
		)


class TestAuditTrailOutlivesDelete(TrustCase):
	"""Item 8: a deleted record's log stays, marked deleted; the log is not the users' to change."""

	def test_sales_user_deletes_an_opportunity_and_its_log_stays(self):
		opp = self.opportunity()
		frappe.db.commit()
		response = self.put(
			self.resource("Opportunity", opp.name),
			{"sales_stage": "Needs Assessment", "sd_gate_override": 1, "sd_override_reason": "Trust test"},
			**self.as_user(MANAGER),
		)
		self.assertEqual(response.status_code, 200, response.text)
		criterion = f"trust {frappe.generate_hash(length=8)}"
		write_observations(
			[{"reference_doctype": "Opportunity", "reference_name": opp.name, "regulation": "Opportunity B2B",
				"mode": "Observe", "kind": "Move", "occurred_on": now_datetime(), "week": getdate(),
				"user": SALES_USER, "record_owner": SALES_USER, "from_step": "Qualification",
				"to_step": "Needs Assessment", "criterion": criterion, "message": "trust"}]
		)  # fmt: skip
		frappe.db.commit()
		before = frappe.get_all(
			"Sales Stage Transition Log",
			{"reference_doctype": "Opportunity", "reference_name": opp.name, "record_deleted": 0},
			["name", "kind", "override_reason"],
		)  # fmt: skip
		self.assertEqual(sorted(r.kind for r in before), ["Enter", "Forward"])

		response = self.delete(self.resource("Opportunity", opp.name), **self.as_user())
		frappe.db.commit()
		self.assertEqual(response.status_code, 202, response.text)
		self.assertFalse(frappe.db.exists("Opportunity", opp.name))
		after = frappe.get_all(
			"Sales Stage Transition Log",
			{"reference_doctype": "Opportunity", "reference_name": opp.name, "name": ["in", [r.name for r in before]]},
			["name", "kind", "override_reason", "record_deleted"],
		)  # fmt: skip
		self.assertEqual(sorted(r.name for r in after), sorted(r.name for r in before))
		self.assertEqual({r.record_deleted for r in after}, {1})
		self.assertIn("Trust test", [r.override_reason for r in after])
		self.assertEqual(frappe.db.count("Sales Gate Observation", {"reference_name": opp.name, "criterion": criterion}), 1)

		# the name is not given to the next record: it would inherit the deleted one's history
		again = self.opportunity()
		self.assertNotEqual(again.name, opp.name)
		self.assertEqual([r.kind for r in log_rows(again)], ["Enter"])

	def test_log_rows_cannot_be_edited_or_deleted_by_sales_roles(self):
		opp = self.opportunity()
		frappe.db.commit()
		row = frappe.get_all("Sales Stage Transition Log", {"reference_name": opp.name}, pluck="name")[0]
		for user in (SALES_USER, MANAGER):
			with self.subTest(user=user):
				response = self.delete(self.resource("Sales Stage Transition Log", row), **self.as_user(user))
				self.assertEqual(response.status_code, 403, response.text)
				response = self.put(
					self.resource("Sales Stage Transition Log", row), {"override_reason": "rewritten"}, **self.as_user(user)
				)
				self.assertEqual(response.status_code, 403, response.text)
		# write through a share does not open it either: the log's controller refuses any edit
		frappe.share.add_docshare(
			"Sales Stage Transition Log", row, MANAGER, read=1, write=1, flags={"ignore_share_permission": True}
		)
		frappe.db.commit()
		try:
			response = self.put(
				self.resource("Sales Stage Transition Log", row), {"override_reason": "rewritten"}, **self.as_user(MANAGER)
			)
			frappe.db.commit()
			self.assertEqual(response.status_code, 403, response.text)
		finally:
			frappe.share.remove("Sales Stage Transition Log", row, MANAGER, flags={"ignore_share_permission": True})
			frappe.db.commit()
		self.assertTrue(frappe.db.exists("Sales Stage Transition Log", row))
		self.assertIsNone(frappe.db.get_value("Sales Stage Transition Log", row, "override_reason"))
		# System Manager may delete a row
		frappe.delete_doc("Sales Stage Transition Log", row)
		self.assertFalse(frappe.db.exists("Sales Stage Transition Log", row))
		frappe.db.commit()


class TestSalesTaskStamps(TrustCase):
	"""Item 11: the manager answers a task; they neither reassign it nor forge its stamps."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_sales_person("_SD Trust Team", TEAM_LEAD, is_group=1)
		ensure_sales_person("_SD Trust M1", SALES_USER, parent="_SD Trust Team")
		ensure_sales_person("_SD Trust M2", OTHER_USER, parent="_SD Trust Team")
		frappe.db.commit()

	def task(self):
		frappe.set_user(TEAM_LEAD)
		try:
			doc = frappe.get_doc(
				{
					"doctype": "Sales Task",
					"title": f"Trust {frappe.generate_hash(length=6)}",
					"sales_person": "_SD Trust M1",
					"due_date": add_days(nowdate(), 5),
					"checkup_date": add_days(nowdate(), 7),
				}
			).insert()
		finally:
			frappe.set_user("Administrator")
		self.keep("Sales Task", doc.name)
		frappe.db.commit()
		return doc

	def tearDown(self):
		frappe.set_user("Administrator")
		names = [n for dt, n in self.created if dt == "Sales Task"]
		if names:
			frappe.db.delete("ToDo", {"reference_type": "Sales Task", "reference_name": ["in", names]})
			frappe.db.delete("Notification Log", {"document_type": "Sales Task", "document_name": ["in", names]})
			frappe.db.commit()
		super().tearDown()

	def test_manager_cannot_reassign_or_forge_stamps(self):
		task = self.task()
		self.assertEqual(task.manager_user, SALES_USER)
		response = self.put(
			self.resource("Sales Task", task.name),
			{"manager_user": OTHER_USER, "answered_on": PAST, "checked_by": MANAGER, "reminded_on": FAR},
			**self.as_user(),
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		row = frappe.db.get_value(
			"Sales Task", task.name, ["manager_user", "answered_on", "checked_by", "reminded_on", "status"], as_dict=True
		)
		self.assertEqual(
			(row.manager_user, row.answered_on, row.checked_by, row.reminded_on, row.status),
			(SALES_USER, None, None, None, "Open"),
		)
		# the other manager still cannot touch it
		response = self.put(self.resource("Sales Task", task.name), {"status": "Done"}, **self.as_user(OTHER_USER))
		self.assertEqual(response.status_code, 403, response.text)

	def test_answer_is_stamped_by_the_server(self):
		task = self.task()
		since = now_datetime() - timedelta(minutes=1)
		response = self.put(
			self.resource("Sales Task", task.name),
			{"status": "Done", "answer_note": "All called", "answered_on": PAST, "checked_by": MANAGER},
			**self.as_user(),
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		row = frappe.db.get_value("Sales Task", task.name, ["answered_on", "checked_by", "status"], as_dict=True)
		self.assertEqual((row.status, row.checked_by), ("Done", SALES_USER))
		self.assertTrue(recent(row.answered_on, since))
		# a later edit keeps the stamps
		response = self.put(
			self.resource("Sales Task", task.name),
			{"answer_note": "All called twice", "answered_on": PAST, "checked_by": MANAGER},
			**self.as_user(),
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		again = frappe.db.get_value("Sales Task", task.name, ["answered_on", "checked_by"], as_dict=True)
		self.assertEqual((again.answered_on, again.checked_by), (row.answered_on, SALES_USER))

	def test_team_lead_reassigns_through_the_sales_person(self):
		task = self.task()
		response = self.put(
			self.resource("Sales Task", task.name), {"sales_person": "_SD Trust M2"}, **self.as_user(TEAM_LEAD)
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(frappe.db.get_value("Sales Task", task.name, "manager_user"), OTHER_USER)
