"""Issue 16, parts 5 and 6: receivables (My Sales Day, the morning report, the collection KPI),
lead channels, the refusal reason of a Lead and the Refusals report; the desk's paths and REST."""

from __future__ import annotations

import json
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, now_datetime, nowdate

from sales_drive import day as sales_day
from sales_drive import digests, kpi
from sales_drive.engine import kpi as kpi_engine
from sales_drive.sales_drive.report.lead_channels import lead_channels
from sales_drive.sales_drive.report.refusals import refusals
from sales_drive.tests.utils import (
	TokenAPITestCase,
	api_tokens,
	company,
	ensure_customer,
	ensure_sales_person,
	ensure_user,
	lead_lost_reason,
	make_invoice,
	payment_for,
	reset_cache,
)

P = "_SDRC"
HEAD, LEAD, M1, M2, M3 = (f"sdrc.{x}@example.com" for x in ("head", "lead", "m1", "m2", "m3"))
ROLES = {
	HEAD: ["Sales Manager", "Sales User"],
	LEAD: ["Sales Team Lead", "Sales User"],
	M1: ["Sales User"],
	M2: ["Sales User"],
	M3: ["Sales User"],
}
TEAM_A, TEAM_B = f"{P} Team A", f"{P} Team B"
SP = {M1: f"{P} M1", M2: f"{P} M2", M3: f"{P} M3"}
WEB, FAIR = f"{P} Web", f"{P} Fair"
REASON = f"{P} No Budget"
OPP_REASON = f"{P} Price"


def ensure_people():
	frappe.set_user("Administrator")
	for user, roles in ROLES.items():
		ensure_user(user, roles)
	ensure_sales_person(TEAM_A, LEAD, is_group=1)
	ensure_sales_person(TEAM_B, is_group=1)
	ensure_sales_person(SP[M1], M1, parent=TEAM_A)
	ensure_sales_person(SP[M2], M2, parent=TEAM_A)
	ensure_sales_person(SP[M3], M3, parent=TEAM_B)
	for source in (WEB, FAIR):
		if not frappe.db.exists("Lead Source", source):
			frappe.get_doc({"doctype": "Lead Source", "source_name": source}).insert(ignore_permissions=True)
	lead_lost_reason(REASON)
	if not frappe.db.exists("Opportunity Lost Reason", OPP_REASON):
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": OPP_REASON}).insert(ignore_permissions=True)


def new_lead(owner, source=None, campaign=None, **kw):
	"""A Lead of ``owner``, made as them (a company name of its own: a refusal cools the organisation)."""
	frappe.set_user(owner)
	try:
		return frappe.get_doc(
			{
				"doctype": "Lead",
				"lead_name": f"{P} {frappe.generate_hash(length=6)}",
				"company_name": f"{P} Org {frappe.generate_hash(length=8)}",
				"lead_owner": owner,
				"source": source,
				"campaign_name": campaign,
				"company": company(),
				**kw,
			}
		).insert()
	finally:
		frappe.set_user("Administrator")


def won_opportunity(lead, amount):
	"""An Opportunity made from ``lead``, won (its Won move in the transition log)."""
	frappe.flags.sd_gates_off = True  # the lead's conversion gate is not what is tested here
	try:
		opp = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Lead",
				"party_name": lead.name,
				"company": company(),
				"opportunity_amount": amount,
				"transaction_date": nowdate(),
			}
		).insert(ignore_permissions=True)
	finally:
		frappe.flags.sd_gates_off = False
	frappe.get_doc(
		{
			"doctype": "Sales Stage Transition Log",
			"reference_doctype": "Opportunity",
			"reference_name": opp.name,
			"kind": "Won",
			"from_step": "Money",
			"transition_time": now_datetime(),
			"user": lead.lead_owner,
			"record_owner": lead.lead_owner,
			"sales_person": SP.get(lead.lead_owner),
			"company": company(),
			"amount": amount,
			"verdict": "Not Checked",
		}
	).insert(ignore_permissions=True, ignore_links=True)
	return opp


def channel(rows, source, campaign=None):
	return next((r for r in rows if r["source"] == source and (campaign is None or r["campaign"] == campaign)), None)


def refusal(rows, pipeline, reason):
	return next((r for r in rows if r["pipeline"] == pipeline and r["reason"] == reason), None)


# ----------------------------------------------------------------------------- the desk's paths


class TestReceivablesAndChannels(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_people()
		reset_cache()
		today = cls.today = getdate(nowdate())
		customer_b = ensure_customer(f"{P} Customer B")[0]
		frappe.db.set_value("Customer", customer_b, "account_manager", M1)
		inv = cls.inv = {}
		inv["m1"] = make_invoice([(SP[M1], 100)], 1000, add_days(today, -50), due_date=add_days(today, -40)).name
		inv["split"] = make_invoice([(SP[M1], 60), (SP[M2], 40)], 500, add_days(today, -10), due_date=add_days(today, -5)).name
		inv["am"] = make_invoice((), 700, add_days(today, -20), due_date=add_days(today, -3), customer=customer_b).name
		inv["m3"] = make_invoice([(SP[M3], 100)], 900, add_days(today, -20), due_date=add_days(today, -2)).name
		inv["future"] = make_invoice([(SP[M1], 100)], 800, add_days(today, -1), due_date=add_days(today, 10)).name

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"

	def outstanding(self, name):
		return Decimal(str(frappe.db.get_value("Sales Invoice", name, "outstanding_amount")))

	# ------------------------------------------------------------------ 5. receivables

	def test_my_day_lists_the_managers_overdue_invoices_with_their_age(self):
		frappe.set_user(M1)
		rec = sales_day.get_my_day()["receivables"]
		by_name = {r["name"]: r for r in rec["invoices"]}
		# the Sales Team's invoices and the one of a customer M1 manages; not M3's, not one still in terms
		self.assertEqual(set(by_name), {self.inv["m1"], self.inv["split"], self.inv["am"]})
		self.assertEqual((by_name[self.inv["m1"]]["days_overdue"], by_name[self.inv["m1"]]["bucket"]), (40, "31-60"))
		self.assertEqual(by_name[self.inv["split"]]["amount"], (self.outstanding(self.inv["split"]) * 60 / 100).quantize(Decimal("0.01")))
		self.assertEqual(rec["invoices"][0]["name"], self.inv["m1"])  # the longest overdue first
		total = sum(self.outstanding(self.inv[k]) for k in ("m1", "split", "am"))
		self.assertEqual((rec["count"], rec["total"]), (3, total))
		buckets = {b["bucket"]: b["amount"] for b in rec["buckets"]}
		self.assertEqual(buckets["31-60"], self.outstanding(self.inv["m1"]))
		# the team lead sees M1's day; M2 may not
		frappe.set_user(LEAD)
		self.assertEqual(sales_day.get_my_day(sales_person=SP[M1])["receivables"]["count"], 3)
		frappe.set_user(M2)
		with self.assertRaises(frappe.PermissionError):
			sales_day.get_my_day(sales_person=SP[M1])
		self.assertEqual({r["name"] for r in sales_day.get_my_day()["receivables"]["invoices"]}, {self.inv["split"]})

	def test_morning_report_lists_overdue_invoices_of_the_recipients_people(self):
		inputs = digests.gather(add_days(self.today, -1))
		team = digests.build_morning_report(inputs, digests.Recipient(LEAD, TEAM_A, {SP[M1], SP[M2]}))
		ageing = team.figures.receivables
		self.assertEqual(set(ageing.by_owner), {SP[M1], SP[M2]})
		self.assertEqual(ageing.by_owner[SP[M1]][0], 3)
		for key in ("m1", "split", "am"):
			self.assertIn(self.inv[key], team.html)
		self.assertNotIn(self.inv["m3"], team.html)
		self.assertNotIn(self.inv["future"], team.html)
		self.assertIn("days overdue: 40", team.html)
		head = digests.build_morning_report(inputs, digests.Recipient(HEAD, None, None))
		self.assertIn(self.inv["m3"], head.html)
		# in the recipient's language
		frappe.db.set_value("User", LEAD, "language", "ru")
		self.addCleanup(frappe.db.set_value, "User", LEAD, "language", None)
		russian = digests.build_morning_report(inputs, digests.Recipient(LEAD, TEAM_A, {SP[M1], SP[M2]}))
		self.assertIn("Просроченные счета", russian.html)

	def test_collection_kpi_is_the_share_paid_within_terms(self):
		today = self.today
		paid = make_invoice([(SP[M3], 100)], 1000, add_days(today, -10), due_date=today)
		late = make_invoice([(SP[M3], 100)], 1000, add_days(today, -10), due_date=add_days(today, -1))
		make_invoice([(SP[M3], 100)], 1000, add_days(today, -10), due_date=add_days(today, -1))  # unpaid
		payment_for(paid)  # today: within terms
		payment_for(late)  # today: a day late
		facts = kpi.Facts(company(), [SP[M3]], add_days(today, -1), today)
		self.assertEqual(facts.get(kpi_engine.Component("collection", Decimal(100))), {SP[M3]: Decimal("33.3")})
		self.assertEqual(kpi_engine.METRICS["collection"].direction, kpi_engine.HIGHER)
		options = frappe.get_meta("KPI Scheme Component").get_field("metric").options.split("\n")
		self.assertIn("Paid Within Terms", options)
		self.assertEqual(kpi.KEY_OF_LABEL["Paid Within Terms"], "collection")
		link = kpi.drill_down("collection", SP[M3], M3, add_days(today, -1), today, None)
		self.assertTrue(link.startswith("/app/sales-invoice?"))

	# ------------------------------------------------------------------ 6. refusal reason

	def test_refusing_a_lead_needs_a_reason_and_nothing_is_saved_without_it(self):
		lead = new_lead(M1)
		frappe.set_user(M1)
		frappe.local.lang = "ru"
		doc = frappe.get_doc("Lead", lead.name)
		doc.status = "Do Not Contact"
		with self.assertRaises(frappe.MandatoryError) as caught:
			doc.save()
		self.assertIn("причину отказа", str(caught.exception))
		frappe.local.lang = "en"
		self.assertNotEqual(frappe.db.get_value("Lead", lead.name, "status"), "Do Not Contact")
		self.assertFalse(frappe.db.exists("Sales Stage Transition Log", {"reference_name": lead.name, "kind": "Lost"}))
		self.assertFalse(frappe.db.exists("Cooling Record", {"source_doctype": "Lead", "source_name": lead.name}))
		doc = frappe.get_doc("Lead", lead.name)
		doc.status = "Do Not Contact"
		doc.sd_lost_reason = REASON
		doc.save()
		self.assertEqual(frappe.db.get_value("Lead", lead.name, ["status", "sd_lost_reason"]), ("Do Not Contact", REASON))
		self.assertTrue(frappe.db.exists("Sales Stage Transition Log", {"reference_name": lead.name, "kind": "Lost"}))
		# the morning report lists the day's refusals with their reasons, the lead's among them
		frappe.set_user("Administrator")
		morning = digests.morning_digest(digests.gather(self.today), {SP[M1]})
		self.assertGreaterEqual(dict(morning.reasons).get(REASON, 0), 1)
		# a lead refused before the rule keeps saving; a new lead refused at once needs its reason too
		old = new_lead(M1)
		frappe.db.set_value("Lead", old.name, "status", "Do Not Contact")
		old = frappe.get_doc("Lead", old.name)
		old.job_title = "Director"
		old.save()
		with self.assertRaises(frappe.MandatoryError):
			new_lead(M1, status="Do Not Contact")
		meta = frappe.get_meta("Lead").get_field("sd_lost_reason")
		self.assertEqual((meta.fieldtype, meta.options), ("Link", "Lead Lost Reason"))

	def test_lead_lost_reason_is_kept_by_sales_managers(self):
		frappe.set_user(M1)
		self.assertTrue(frappe.has_permission("Lead Lost Reason", "read"))
		self.assertFalse(frappe.has_permission("Lead Lost Reason", "create"))
		frappe.set_user(HEAD)
		self.assertTrue(frappe.has_permission("Lead Lost Reason", "create"))
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc({"doctype": "Lead Lost Reason", "lost_reason": "   "}).insert()

	# ------------------------------------------------------------------ 6. channels and refusals

	def test_lead_channels_conversion_won_amount_and_days_per_source(self):
		web = [new_lead(M1, WEB) for _ in range(3)]
		new_lead(M1, FAIR)
		new_lead(M2, WEB)
		won_opportunity(web[0], 5000)
		filters = {"from_date": self.today, "to_date": self.today, "group_by": "Source", "company": company()}
		frappe.set_user(M1)
		_cols, rows, *_ = lead_channels.execute(filters)
		row = channel(rows, WEB)
		self.assertEqual((row["leads"], row["opportunities"], row["won"]), (3, 1, 1))
		self.assertEqual((row["to_opportunity"], row["to_won"], row["won_amount"]), (Decimal("33.3"), Decimal("33.3"), Decimal(5000)))
		self.assertEqual(row["median_days"], Decimal("0.00"))
		self.assertEqual(channel(rows, FAIR)["leads"], 1)
		self.assertTrue(rows[-1]["is_total"])
		# the team lead and the head of sales see the team's; M2 only their own
		for user, web_leads in ((LEAD, 4), (HEAD, 4), (M2, 1)):
			frappe.set_user(user)
			rows = lead_channels.execute(filters)[1]
			self.assertEqual(channel(rows, WEB)["leads"], web_leads, user)
		self.assertIsNone(channel(rows, FAIR))
		frappe.set_user(HEAD)
		with self.assertRaises(frappe.ValidationError):
			lead_channels.execute({**filters, "group_by": "Nonsense"})

	def test_refusals_report_counts_reason_by_step_for_leads_and_opportunities(self):
		lead = new_lead(M1)
		frappe.set_user(M1)
		doc = frappe.get_doc("Lead", lead.name)
		step = doc.sd_step
		doc.status = "Do Not Contact"
		doc.sd_lost_reason = REASON
		doc.save()
		frappe.set_user("Administrator")
		opp = won_opportunity(new_lead(M1), 100)  # an opportunity of M1's, lost below (its Won row aside)
		frappe.db.set_value("Opportunity", opp.name, "opportunity_owner", M1)
		opp = frappe.get_doc("Opportunity", opp.name)
		opp.status = "Lost"
		opp.append("lost_reasons", {"lost_reason": OPP_REASON})
		opp.save()
		opp_step = frappe.db.get_value(
			"Sales Stage Transition Log", {"reference_name": opp.name, "kind": "Lost"}, "from_step"
		)
		filters = {"from_date": self.today, "to_date": self.today}
		frappe.set_user(HEAD)
		cols, rows, _msg, _chart, summary = refusals.execute(filters)
		labels = {c["fieldname"]: c["label"] for c in cols}
		row = refusal(rows, "Lead", REASON)
		field = next(f for f, label in labels.items() if label == (step or "No Step"))
		self.assertEqual((row[field], row["total"]), (1, 1))
		orow = refusal(rows, "Opportunity", OPP_REASON)
		ofield = next(f for f, label in labels.items() if label == (opp_step or "No Step"))
		self.assertEqual((orow[ofield], orow["total"]), (1, 1))
		self.assertGreaterEqual(next(s["value"] for s in summary if "Lead" in s["label"]), 1)
		# one pipeline only; M2 and team B see none of M1's refusals, the team lead does
		rows = refusals.execute({**filters, "pipeline": "Opportunity"})[1]
		self.assertIsNone(refusal(rows, "Lead", REASON))
		frappe.set_user(M2)
		self.assertIsNone(refusal(refusals.execute(filters)[1], "Lead", REASON))
		frappe.set_user(LEAD)
		self.assertIsNotNone(refusal(refusals.execute(filters)[1], "Lead", REASON))
		with self.assertRaises(frappe.ValidationError):
			refusals.execute({**filters, "pipeline": "Nonsense"})
		with self.assertRaises(frappe.ValidationError):
			refusals.execute({"from_date": self.today, "to_date": add_days(self.today, -1)})


# ----------------------------------------------------------------------------- REST


def purge():
	"""What the REST class commits (also what a broken run left behind)."""
	frappe.set_user("Administrator")
	leads = frappe.get_all("Lead", filters={"lead_name": ["like", f"{P} %"]}, pluck="name")
	if leads:
		frappe.db.delete("Sales Stage Transition Log", {"reference_name": ["in", leads]})
		frappe.db.delete("Sales Gate Observation", {"reference_name": ["in", leads]})
		records = frappe.get_all("Cooling Record", filters={"source_name": ["in", leads]}, pluck="name")
		if records:
			frappe.db.delete("Cooling Record Key", {"parent": ["in", records]})
			frappe.db.delete("Cooling Record", {"name": ["in", records]})
		frappe.db.delete("Lead", {"name": ["in", leads]})
	customer = f"{P} REST Customer"
	for name in frappe.get_all("Sales Invoice", filters={"customer": customer}, pluck="name"):
		doc = frappe.get_doc("Sales Invoice", name)
		if doc.docstatus == 1:
			doc.cancel()
		frappe.delete_doc("Sales Invoice", name, force=True, ignore_permissions=True)
	frappe.db.commit()


class TestReceivablesAndChannelsOverRest(TokenAPITestCase):
	keys: dict = {}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		purge()
		ensure_people()
		cls.keys.update(api_tokens([HEAD, M1, M2]))
		today = getdate(nowdate())
		customer = ensure_customer(f"{P} REST Customer")[0]
		cls.invoice = make_invoice([(SP[M1], 100)], 1200, add_days(today, -40), due_date=add_days(today, -35), customer=customer).name
		cls.lead = new_lead(M1, WEB).name
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		purge()
		super().tearDownClass()

	def as_user(self, user):
		return {"headers": {"Authorization": self.keys[user]}}

	def call(self, user, method, **data):
		return self.post(self.method(method), data, **self.as_user(user))

	def test_refusing_a_lead_over_rest_needs_a_reason(self):
		response = self.put(self.resource("Lead", self.lead), {"status": "Do Not Contact"}, **self.as_user(M1))
		self.assertNotEqual(response.status_code, 200)
		self.assertIn("Lost Reason", response.text)
		frappe.db.rollback()
		self.assertNotEqual(frappe.db.get_value("Lead", self.lead, "status"), "Do Not Contact")
		response = self.put(
			self.resource("Lead", self.lead), {"status": "Do Not Contact", "sd_lost_reason": REASON}, **self.as_user(M1)
		)
		self.assertEqual(response.status_code, 200, response.text[:500])
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Lead", self.lead, "sd_lost_reason"), REASON)

	def test_my_day_receivables_over_rest(self):
		response = self.call(M1, "sales_drive.day.get_my_day")
		self.assertEqual(response.status_code, 200, response.text[:500])
		names = [r["name"] for r in response.json["message"]["receivables"]["invoices"]]
		self.assertIn(self.invoice, names)
		response = self.call(M2, "sales_drive.day.get_my_day", sales_person=SP[M1])
		self.assertEqual(response.status_code, 403)
		self.assertNotIn(self.invoice, response.text)

	def test_reports_over_rest_follow_the_row_rules(self):
		filters = json.dumps({"from_date": nowdate(), "to_date": nowdate(), "group_by": "Source"})
		seen = {}
		for user in (HEAD, M1, M2):
			response = self.call(user, "frappe.desk.query_report.run", report_name="Lead Channels", filters=filters)
			self.assertEqual(response.status_code, 200, response.text[:500])
			row = channel(response.json["message"]["result"], WEB)
			seen[user] = row["leads"] if row else 0
		self.assertGreaterEqual(seen[HEAD], 1)
		self.assertEqual((seen[M1], seen[M2]), (1, 0))
		response = self.call(M2, "frappe.desk.query_report.run", report_name="Refusals", filters=json.dumps({"from_date": nowdate(), "to_date": nowdate()}))
		self.assertEqual(response.status_code, 200, response.text[:500])
