"""Issue 16, parts 1 and 4 on a site: the work-day plan (Sales Roster, routing of inbound Leads and
Opportunities, My Sales Day, the morning report) and calls from ERPNext's Call Log (the gate, the
daily report's prefill, the KPI call metric, the first-response time)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, now_datetime, nowdate

from sales_drive import control, digests, facts, kpi, roster
from sales_drive.engine.gates import Needs
from sales_drive.integrations.pipeline import StageGateError
from sales_drive.tests.utils import (
	TokenAPITestCase,
	api_tokens,
	company,
	ensure_customer,
	ensure_sales_person,
	ensure_user,
	make_opportunity,
	move,
	opportunity_at,
	reset_cache,
)

TEAM, OTHER = "_SD Roster Team", "_SD Roster Other Team"
P1, P2, P3 = "_SD Roster Anna", "_SD Roster Boris", "_SD Roster Vera"
LEAD = "sd.roster.lead@example.com"
M1, M2, M3 = "sd.roster.anna@example.com", "sd.roster.boris@example.com", "sd.roster.vera@example.com"
HEAD = "sd.roster.head@example.com"
WEB, PHONE, FAIR = "_SD Roster Web Form", "_SD Roster Incoming Call", "_SD Roster Trade Fair"
# a fixed Monday far from today: the morning report's and the KPI's figures of that day are the test's own
MONDAY = date(2025, 6, 2)


def fixtures():
	frappe.set_user("Administrator")
	ensure_user(LEAD, ["Sales User", "Sales Team Lead"])
	ensure_user(HEAD, ["Sales User", "Sales Manager"])
	for user in (M1, M2, M3):
		ensure_user(user, ["Sales User"])
	ensure_sales_person(TEAM, LEAD, is_group=1, gender="Male")
	ensure_sales_person(OTHER, is_group=1)
	ensure_sales_person(P1, M1, parent=TEAM)
	ensure_sales_person(P2, M2, parent=TEAM, gender="Male")
	ensure_sales_person(P3, M3, parent=OTHER)
	for source, duty in ((WEB, "Inbound Leads"), (PHONE, "Inbound Calls"), (FAIR, "")):
		if not frappe.db.exists("Lead Source", source):
			frappe.get_doc({"doctype": "Lead Source", "source_name": source}).insert(ignore_permissions=True)
		frappe.db.set_value("Lead Source", source, "sd_inbound_duty", duty)
		frappe.clear_document_cache("Lead Source", source)


def purge():
	frappe.set_user("Administrator")
	for name in frappe.get_all("Sales Roster", {"team": ["in", [TEAM, OTHER]]}, pluck="name"):
		frappe.delete_doc("Sales Roster", name, force=True, ignore_permissions=True)
	roster.clear_cache()


def make_roster(slots, team=TEAM, day=None, weekday=None, **kw):
	doc = frappe.get_doc({
		"doctype": "Sales Roster", "team": team, "company": company(),
		"applies_to": "Weekday" if weekday else "Date", "weekday": weekday, "date": day or nowdate(),
		"day_start": "09:00:00", "day_end": "18:00:00",
		"slots": [{"sales_person": p, "duty": d, "from_time": a, "to_time": b} for p, d, a, b in slots], **kw})  # fmt: skip
	return doc.insert()


def today_on_duty():
	"""Anna on inbound leads and Boris on inbound calls all day, Boris also on outbound."""
	return make_roster([(P1, "Inbound Leads", "00:00:00", "23:59:59"), (P2, "Inbound Calls", "00:00:00", "23:59:59"),
		(P2, "Outbound", "00:00:00", "23:59:59")])  # fmt: skip


def lead(source=WEB, **kw):
	return frappe.get_doc({"doctype": "Lead", "first_name": "Olga", "company": company(),
		"company_name": f"Romashka {frappe.generate_hash(length=6)} LLC", "source": source, **kw}).insert()  # fmt: skip


def call_log(links, status="Completed", kind="Outgoing", user=M1, at=None):
	return frappe.get_doc({"doctype": "Call Log", "id": frappe.generate_hash(length=12), "from": "+70000000001",
		"to": "+70000000002", "type": kind, "status": status, "start_time": at or now_datetime(),
		"employee_user_id": user, "links": [{"link_doctype": d, "link_name": n} for d, n in links]}).insert(
		ignore_permissions=True)  # fmt: skip


def phone_call(reference=None, user=M1, at=None):
	doctype, name = reference or (None, None)
	frappe.get_doc({"doctype": "Communication", "communication_type": "Communication", "communication_medium": "Phone",
		"sent_or_received": "Sent", "subject": "Call", "content": "Call", "user": user, "sender": user,
		"reference_doctype": doctype, "reference_name": name,
		"communication_date": at or now_datetime()}).insert(ignore_permissions=True)  # fmt: skip


class TestSalesRoster(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()  # rolled back after the class
		fixtures()
		purge()
		reset_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		roster.clear_cache()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		purge()

	def tearDown(self):
		frappe.set_user("Administrator")
		roster.clear_cache()

	# --- the document

	def test_bad_slots_are_refused_with_every_reason_and_nothing_is_saved(self):
		before = frappe.db.count("Sales Roster")
		cases = {
			"must end after it starts": [(P1, "Inbound Calls", "13:00:00", "12:00:00")],
			"twice at the same time": [(P1, "Inbound Calls", "09:00:00", "12:00:00"), (P1, "Inbound Calls", "11:00:00", "14:00:00")],
			"is not in team": [(P3, "Outbound", "09:00:00", "12:00:00")],
		}  # fmt: skip
		for text, slots in cases.items():
			with self.subTest(text), self.assertRaises(roster.RosterError) as ctx:
				make_roster(slots)
			self.assertIn(text, str(ctx.exception))
		with self.assertRaises(roster.RosterError) as ctx:
			make_roster([(P1, "Outbound", "09:00:00", "12:00:00")], day_start="18:00:00", day_end="09:00:00")
		self.assertIn("The working day must end after it starts", str(ctx.exception))
		with self.assertRaises(roster.RosterError) as ctx:
			make_roster([], team=P1)  # not a group Sales Person
		self.assertIn("must be a group Sales Person", str(ctx.exception))
		self.assertEqual(frappe.db.count("Sales Roster"), before)

	def test_one_roster_per_team_and_day(self):
		make_roster([(P1, "Outbound", "09:00:00", "12:00:00")], day=str(MONDAY))
		with self.assertRaises(roster.RosterError) as ctx:
			make_roster([(P2, "Outbound", "09:00:00", "12:00:00")], day=str(MONDAY))
		self.assertIn("already has a roster for this day", str(ctx.exception))
		# the weekly template of the same weekday is another roster; the dated one wins on its date
		make_roster([(P2, "Outbound", "09:00:00", "12:00:00")], weekday="Monday")
		self.assertEqual([s.person for r in roster.day_rosters(MONDAY) for s in r["slots"]], [P1])
		self.assertEqual([s.person for r in roster.day_rosters(MONDAY + timedelta(days=7)) for s in r["slots"]], [P2])

	def test_a_team_lead_plans_only_their_team_and_a_sales_user_not_at_all(self):
		other = make_roster([(P3, "Outbound", "09:00:00", "12:00:00")], team=OTHER, day=str(MONDAY))
		frappe.set_user(LEAD)
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc("Sales Roster", other.name)
		self.assertTrue(frappe.db.exists("Sales Roster", other.name))
		make_roster([(P1, "Outbound", "09:00:00", "12:00:00")], day=str(MONDAY))
		with self.assertRaises(frappe.PermissionError):
			make_roster([(P3, "Outbound", "09:00:00", "12:00:00")], team=OTHER, day=str(MONDAY + timedelta(days=2)))
		frappe.set_user(M1)
		with self.assertRaises(frappe.PermissionError):
			make_roster([(P1, "Outbound", "13:00:00", "14:00:00")], day=str(MONDAY + timedelta(days=1)))
		# a sales user reads the roster of the day
		self.assertTrue(frappe.get_list("Sales Roster", filters={"team": TEAM}))

	def test_weekly_inbound_calls_are_published_to_erpnexts_incoming_call_settings(self):
		make_roster([(P1, "Inbound Calls", "09:00:00", "13:00:00"), (P2, "Inbound Calls", "12:00:00", "18:00:00"),
			(P2, "Outbound", "09:00:00", "12:00:00")], weekday="Tuesday")  # fmt: skip
		frappe.set_user(M1)
		with self.assertRaises(frappe.PermissionError):
			roster.sync_call_schedule(TEAM)
		frappe.set_user(HEAD)
		name = roster.sync_call_schedule(TEAM)
		settings = frappe.get_doc("Incoming Call Settings", name)
		employee = {p: frappe.db.get_value("Sales Person", p, "employee") for p in (P1, P2)}
		rows = [(r.day_of_week, str(r.from_time), str(r.to_time),
			sorted(frappe.get_all("Employee Group Table", {"parent": r.agent_group}, pluck="employee")))
			for r in settings.call_handling_schedule]  # fmt: skip
		self.assertEqual(rows, [
			("Tuesday", "9:00:00", "12:00:00", [employee[P1]]),
			("Tuesday", "12:00:00", "13:00:00", sorted([employee[P1], employee[P2]])),
			("Tuesday", "13:00:00", "18:00:00", [employee[P2]]),
		])  # fmt: skip
		self.assertEqual(roster.sync_call_schedule(TEAM), name)  # rewritten, not duplicated

	# --- routing

	def test_an_inbound_lead_nobody_chose_an_owner_for_goes_to_the_person_on_duty(self):
		today_on_duty()
		frappe.set_user(M2)  # not on inbound-leads duty: the default owner (the creator) is replaced
		self.assertEqual(lead(WEB).lead_owner, M1)
		# an incoming-call lead goes to the person on that duty; a creator on duty keeps it
		frappe.set_user(M1)
		self.assertEqual(lead(PHONE).lead_owner, M2)
		self.assertEqual(lead(WEB).lead_owner, M1)
		# an owner chosen by the user, and a source that is not inbound, are left alone
		frappe.set_user(M2)
		self.assertEqual(lead(WEB, lead_owner=M3).lead_owner, M3)
		self.assertEqual(lead(FAIR).lead_owner, M2)

	def test_an_inbound_opportunity_without_an_owner_is_routed(self):
		today_on_duty()
		opp = make_opportunity(source=WEB)
		self.assertEqual(opp.opportunity_owner, M1)
		self.assertEqual(make_opportunity(source=WEB, opportunity_owner=M3).opportunity_owner, M3)

	def test_nobody_on_duty_leaves_the_owner_and_a_rosterless_day_routes_nothing(self):
		make_roster([(P1, "Inbound Leads", "00:00:00", "00:00:01")])
		frappe.set_user(M2)
		self.assertEqual(lead(WEB).lead_owner, M2)

	# --- where the roster shows

	def test_my_sales_day_shows_the_persons_slots(self):
		make_roster([(P2, "Outbound", "14:00:00", "18:00:00"), (P2, "Inbound Calls", "09:00:00", "15:00:00")])
		frappe.set_user(M2)
		slots = frappe.call("sales_drive.day.get_my_day")["slots"]
		self.assertEqual([(s["from"], s["to"], s["duty"], s["conflict"]) for s in slots],
			[("09:00", "15:00", "Inbound Calls", True), ("14:00", "18:00", "Outbound", True)])  # fmt: skip

	def test_the_morning_report_shows_gaps_and_double_bookings_of_the_day_it_is_read(self):
		doc = make_roster([(P1, "Inbound Calls", "09:00:00", "13:00:00"), (P2, "Inbound Calls", "14:00:00", "18:00:00"),
			(P2, "Inbound Leads", "09:00:00", "18:00:00"), (P2, "Outbound", "09:00:00", "10:30:00")], day=str(MONDAY))  # fmt: skip
		self.assertTrue(doc.name)  # a double booking is saved (with a warning): sometimes it is the plan
		inputs = digests.gather(MONDAY - timedelta(days=1))
		found = digests.morning_digest(inputs, {P1, P2}).roster
		self.assertEqual([(g.duty, str(g.start), str(g.end)) for g in found["gaps"]], [("Inbound Calls", "13:00:00", "14:00:00")])
		self.assertEqual([(c.person, str(c.start), str(c.end)) for c in found["conflicts"]], [(P2, "09:00:00", "10:30:00")])
		# another team's lead does not get this team's findings
		self.assertEqual(digests.morning_digest(inputs, {P3}).roster["gaps"], [])
		built = digests.build_morning_report(inputs, digests.Recipient(HEAD, None, None))
		self.assertIn("13:00–14:00", built.html)
		self.assertIn("09:00–10:30", built.html)
		self.assertIn(TEAM, built.html)


class TestCallLogActivity(FrappeTestCase):
	"""Part 4: a Call Log counts wherever activities count, each call once."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fixtures()
		reset_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")

	def test_a_call_log_with_the_customer_passes_the_activity_gate(self):
		opp = opportunity_at("Needs Assessment")
		with self.assertRaises(StageGateError):
			move(opp, "Presentation")
		call_log([("Customer", opp.party_name)], status="No Answer", kind="Incoming")  # a missed call: nobody's work
		with self.assertRaises(StageGateError):
			move(opp, "Presentation")
		call_log([("Customer", opp.party_name)])
		move(opp, "Presentation")
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sales_stage"), "Presentation")

	def test_a_call_logged_twice_counts_once_at_the_gate(self):
		opp = make_opportunity(with_contact=True)
		count = lambda: facts.gather(frappe.get_doc("Opportunity", opp.name), Needs(activities=True)).activities  # noqa: E731
		self.assertEqual(count(), 0)
		call_log([("Contact", opp.contact_person)])
		self.assertEqual(count(), 1)
		# the same call written up as a Communication on the Opportunity: counted once
		phone_call(("Opportunity", opp.name), at=now_datetime() + timedelta(minutes=3))
		self.assertEqual(count(), 1)
		# a call an hour later is another call
		call_log([("Opportunity", opp.name)], at=now_datetime() + timedelta(hours=1))
		self.assertEqual(count(), 2)

	def test_call_logs_count_in_the_daily_report_and_the_kpi_without_double_counting(self):
		customer, contact = ensure_customer()
		day = datetime.combine(MONDAY, datetime.min.time())
		call_log([("Customer", customer)], at=day + timedelta(hours=9))
		call_log([("Contact", contact)], kind="Incoming", at=day + timedelta(hours=10))
		call_log([("Customer", customer)], status="No Answer", at=day + timedelta(hours=11))  # an outgoing attempt
		call_log([("Customer", customer)], status="No Answer", kind="Incoming", at=day + timedelta(hours=12))  # missed
		call_log([], at=day + timedelta(hours=13))  # no client: not sales work
		call_log([("Customer", customer)], at=day + timedelta(hours=14))
		phone_call(("Customer", customer), at=day + timedelta(hours=14, minutes=5))  # the same call, written up
		phone_call(None, at=day + timedelta(hours=16))
		self.assertEqual(control.activity([M1], company(), MONDAY)[M1]["calls"], 5)
		self.assertEqual(kpi.Facts(company(), [P1], MONDAY, MONDAY).calls(), {P1: Decimal(5)})

	def test_first_response_time_of_leads(self):
		start = datetime.combine(MONDAY, datetime.min.time())
		answered = lead(FAIR, lead_owner=M1)
		frappe.db.set_value("Lead", answered.name, "creation", start + timedelta(hours=9), update_modified=False)
		call_log([("Lead", answered.name)], at=start + timedelta(hours=11))
		e_mailed = lead(FAIR, lead_owner=M1)
		frappe.db.set_value("Lead", e_mailed.name, "creation", start + timedelta(hours=9), update_modified=False)
		frappe.get_doc({"doctype": "Communication", "communication_type": "Communication", "communication_medium": "Email",
			"sent_or_received": "Sent", "subject": "Hello", "content": "Hello", "reference_doctype": "Lead",
			"reference_name": e_mailed.name, "communication_date": start + timedelta(hours=10)}).insert()  # fmt: skip
		# 2 h and 1 h: 1.5 on average; an unanswered lead counts its time up to the end of the period
		facts_ = kpi.Facts(company(), [P1], MONDAY, MONDAY)
		self.assertEqual(facts_.first_response_hours(), {P1: Decimal("1.50")})
		unanswered = lead(FAIR, lead_owner=M1)
		frappe.db.set_value("Lead", unanswered.name, "creation", start + timedelta(hours=20), update_modified=False)
		self.assertEqual(kpi.Facts(company(), [P1], MONDAY, MONDAY).first_response_hours(), {P1: Decimal("2.33")})
		self.assertIn("/app/lead?", kpi.drill_down("first_response_hours", P1, M1, MONDAY, MONDAY, None))


class TestRosterOverRest(TokenAPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		fixtures()
		purge()
		cls.tokens = api_tokens([LEAD, M2])
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		purge()
		for name in frappe.get_all("Lead", {"company_name": ["like", "Romashka REST %"]}, pluck="name"):
			frappe.delete_doc("Lead", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def as_user(self, user):
		return {"Authorization": self.tokens[user]}

	def roster(self, user, slots, **kw):
		return self.post(self.resource("Sales Roster"), {"team": TEAM, "company": company(), "applies_to": "Date",
			"date": nowdate(), "slots": [{"sales_person": p, "duty": d, "from_time": a, "to_time": b} for p, d, a, b in slots],
			**kw}, headers=self.as_user(user))  # fmt: skip

	def test_a_team_lead_plans_the_day_and_an_inbound_lead_posted_over_rest_goes_to_the_person_on_duty(self):
		before = frappe.db.count("Sales Roster")
		bad = self.roster(LEAD, [(P1, "Inbound Leads", "09:00:00", "12:00:00"), (P1, "Inbound Leads", "10:00:00", "13:00:00")])
		self.assertEqual(bad.status_code, 417, bad.json)
		self.assertIn("twice at the same time", frappe.as_json(bad.json))
		frappe.db.rollback()
		self.assertEqual(frappe.db.count("Sales Roster"), before)
		made = self.roster(LEAD, [(P1, "Inbound Leads", "00:00:00", "23:59:59")])
		self.assertEqual(made.status_code, 200, made.json)
		response = self.post(self.resource("Lead"), {"first_name": "Olga", "company": company(), "source": WEB,
			"company_name": f"Romashka REST {frappe.generate_hash(length=6)}"}, headers=self.as_user(M2))  # fmt: skip
		self.assertEqual(response.status_code, 200, response.json)
		self.assertEqual(response.json["data"]["lead_owner"], M1)
		# an owner the user chose stays theirs
		response = self.post(self.resource("Lead"), {"first_name": "Oleg", "company": company(), "source": WEB,
			"lead_owner": M3, "company_name": f"Romashka REST {frappe.generate_hash(length=6)}"}, headers=self.as_user(M2))  # fmt: skip
		self.assertEqual(response.json["data"]["lead_owner"], M3)
		# who is on duty, for the desk and a telephony integration
		response = self.get(self.method("sales_drive.roster.on_duty"), {"duty": "Inbound Leads"}, headers=self.as_user(M2))
		self.assertEqual(response.json["message"], [{"sales_person": P1, "user": M1}])
