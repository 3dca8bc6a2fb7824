"""Shared fixtures for the bench-tier integration tests."""

from __future__ import annotations

import frappe
from frappe.tests.test_api import FrappeAPITestCase
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client
from frappe.utils import add_days, nowdate

from sales_drive import fiscal, regulations

ITEM = "_SD Test Service"


class EachTestRolledBack(FrappeTestCase):
	"""A test class whose ``setUpClass`` data serves all its tests and whose tests each roll back to it: a
	savepoint before each test, back to it (as Administrator) after. The class's own data is rolled back by
	FrappeTestCase's class cleanup."""

	SAVEPOINT = "sd_each_test"

	def setUp(self):
		frappe.db.savepoint(self.SAVEPOINT)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point=self.SAVEPOINT)


def company() -> str:
	return frappe.defaults.get_global_default("company") or frappe.get_all("Company", limit=1, pluck="name")[0]


def ensure_item() -> str:
	if not frappe.db.exists("Item", ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": ITEM,
				"item_name": ITEM,
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"include_item_in_manufacturing": 0,
			}
		).insert(ignore_permissions=True)
	return ITEM


def ensure_customer(name="_SD Test Customer") -> tuple[str, str]:
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
				"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name") or "All Territories",
			}
		).insert(ignore_permissions=True)
	contact = frappe.db.get_value("Dynamic Link", {"link_doctype": "Customer", "link_name": name, "parenttype": "Contact"}, "parent")
	if not contact:
		c = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": "Ivan",
				"last_name": name,
				"links": [{"link_doctype": "Customer", "link_name": name}],
			}
		).insert(ignore_permissions=True)
		contact = c.name
	return name, contact


def ensure_user(email, roles) -> str:
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		)
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.add_roles(*roles)
	return email


def ensure_employee(user=None, name=None, gender="Female", **fields) -> str:
	"""The Employee of ``user``, made if there is none; without a user, a new Employee each call."""
	existing = user and frappe.db.get_value("Employee", {"user_id": user})
	if existing:
		return existing
	return (
		frappe.get_doc(
			{
				"doctype": "Employee",
				"first_name": name,
				"user_id": user,
				"gender": gender,
				"date_of_birth": "1990-01-01",
				"date_of_joining": "2020-01-01",
				"status": "Active",
				"company": company(),
				**fields,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def ensure_sales_person(
	name, user=None, parent="Sales Team", is_group=0, enabled=1, with_employee=None, gender="Female", **employee_fields
) -> str:
	"""A Sales Person under ``parent`` (idempotent).

	Its Employee is the one of ``user`` (made if missing, see ``ensure_employee``);
	``with_employee`` defaults to "if there is a user".
	"""
	if not frappe.db.exists("Sales Person", name):
		if with_employee is None:
			with_employee = bool(user)
		employee = ensure_employee(user, name, gender, **employee_fields) if with_employee else None
		frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": name,
				"parent_sales_person": parent,
				"is_group": is_group,
				"employee": employee,
				"enabled": enabled,
			}
		).insert(ignore_permissions=True)
	return name


def ensure_fiscal_year(day) -> None:
	"""A Fiscal Year of the test company holding ``day`` (a fresh site may have only the current one)."""
	fiscal.ensure_fiscal_year(day, company())


def make_invoice(team=(), rate=1000, posting_date=None, owner=None, submit=True, due_date=None, customer=None):
	"""A Sales Invoice of one item, its Sales Team split as ``[(sales_person, percent), ...]``."""
	posting_date = posting_date or nowdate()
	ensure_fiscal_year(posting_date)
	customer = customer or ensure_customer()[0]
	si = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": company(),
			"posting_date": posting_date,
			"set_posting_time": 1,
			"due_date": due_date or add_days(posting_date, 30),
			"items": [{"item_code": ensure_item(), "qty": 1, "rate": rate}],
			"sales_team": [{"sales_person": p, "allocated_percentage": pct} for p, pct in (team or ())],
		}
	)
	si.insert()
	if submit:
		si.submit()
	if owner:  # insert() always makes the session user the owner
		frappe.db.set_value("Sales Invoice", si.name, "owner", owner, update_modified=False)
	return si


def activity(user, medium=None, meeting=False, when=None):
	"""A sent Communication by ``user`` over ``medium`` (a call with "Phone"), or with ``meeting`` an Event they own."""
	when = when or f"{nowdate()} 10:00:00"
	if meeting:
		ev = frappe.get_doc({"doctype": "Event", "subject": "KPI meeting", "starts_on": when, "event_type": "Private"})
		ev.insert(ignore_permissions=True)
		frappe.db.set_value("Event", ev.name, "owner", user, update_modified=False)
		return
	frappe.get_doc({"doctype": "Communication", "communication_type": "Communication", "communication_medium": medium,
		"sent_or_received": "Sent", "subject": "KPI call", "content": "call", "sender": user, "user": user,
		"communication_date": when}).insert(ignore_permissions=True)  # fmt: skip


def make_opportunity(with_contact=False, customer=None, **kw):
	"""A new Opportunity for a customer of its own (or ``customer``).

	Each gets a fresh customer so that one test's refusal (which cools the
	party, see Base Cooling) never blocks another test's opportunity.
	"""
	customer, contact = ensure_customer(customer or f"_SD Test Customer {frappe.generate_hash(length=8)}")
	if with_contact:
		kw.setdefault("contact_person", contact)
	doc = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": customer,
			"company": company(),
			"currency": frappe.db.get_value("Company", company(), "default_currency"),
			"transaction_date": nowdate(),
			**kw,
		}
	)
	doc.insert()
	return doc


def tick(doc, step=None):
	for row in doc.sd_checklist:
		if step is None or row.step == step:
			row.done = 1


def move(doc, step, **values):
	doc.reload()
	doc.update(values)
	doc.set(doc.doctype == "Opportunity" and "sales_stage" or "sd_step", step)
	doc.save()
	return doc


def log_rows(doc):
	return frappe.get_all(
		"Sales Stage Transition Log",
		filters={"reference_doctype": doc.doctype, "reference_name": doc.name},
		fields=["kind", "from_step", "to_step", "verdict", "override_reason", "missing", "assigned_to",
			"days_in_previous", "user"],
		order_by="transition_time asc, creation asc",
	)


def add_call(doc):
	frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Phone",
			"sent_or_received": "Sent",
			"subject": "Call",
			"content": "Discussed the need",
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
		}
	).insert(ignore_permissions=True)


def quotation_for(opp, rate=1000):
	q = frappe.get_doc(
		{
			"doctype": "Quotation",
			"quotation_to": "Customer",
			"party_name": opp.party_name,
			"company": opp.company,
			"opportunity": opp.name,
			"transaction_date": nowdate(),
			"valid_till": add_days(nowdate(), 30),
			"items": [{"item_code": ensure_item(), "qty": 1, "rate": rate}],
		}
	)
	q.insert()
	q.submit()
	return q


def sales_order_for(quotation):
	from erpnext.selling.doctype.quotation.quotation import make_sales_order

	so = make_sales_order(quotation.name)
	so.delivery_date = add_days(nowdate(), 10)
	so.insert()
	so.submit()
	return so


def invoice_for(so):
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

	si = make_sales_invoice(so.name)
	si.insert()
	si.submit()
	return si


def payment_for(si):
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	pe = get_payment_entry("Sales Invoice", si.name)
	pe.reference_no = "SD-TEST"
	pe.reference_date = nowdate()
	pe.insert()
	pe.submit()
	return pe


def opportunity_at(step):
	"""An opportunity walked through the gates up to ``step`` (all criteria met)."""
	from sales_drive.engine.defaults import OPPORTUNITY_STEPS

	opp = make_opportunity(with_contact=True, opportunity_amount=1000, expected_closing=add_days(nowdate(), 20))
	for target in OPPORTUNITY_STEPS[1 : OPPORTUNITY_STEPS.index(step) + 1]:
		current = opp.sales_stage
		opp.reload()
		tick(opp)
		if current in ("Needs Assessment", "Presentation"):
			add_call(opp)
		if current == "Proposal Preparation":
			opp.flags.sd_quotation = quotation_for(opp).name
		if current == "Contract":
			q = frappe.get_all("Quotation", {"opportunity": opp.name, "docstatus": 1}, pluck="name")[0]
			sales_order_for(frappe.get_doc("Quotation", q))
		if current == "Invoice":
			so = _orders_of(opp)[0]
			invoice_for(frappe.get_doc("Sales Order", so))
		opp.reload()
		tick(opp)
		opp.sales_stage = target
		opp.save()
	return opp


def _orders_of(opp):
	return frappe.db.sql_list(
		"""select distinct soi.parent from `tabSales Order Item` soi join `tabQuotation` q
		on q.name = soi.prevdoc_docname where q.opportunity = %s and soi.docstatus = 1""",
		opp.name,
	)


def reset_cache():
	"""The bench tests exercise the regulations in full: Enforce (a fresh install starts in Observe).

	Inside the test class's transaction, so it is rolled back with it.
	"""
	set_mode("Enforce")


def set_mode(mode, regulation=None):
	"""Put one regulation (or every one) in a rollout mode, for the current test class."""
	filters = {"name": regulation} if regulation else {}
	for name in frappe.get_all("Sales Pipeline Regulation", filters, pluck="name"):
		frappe.db.set_value("Sales Pipeline Regulation", name, "rollout_mode", mode, update_modified=False)
	regulations.clear_cache()


def change_regulation(testcase, name, edit):
	"""Edit a regulation for one test and restore it afterwards.

	FrappeTestCase rolls back only at the end of the class, so a test that
	changes shared configuration puts it back itself.
	"""
	doc = frappe.get_doc("Sales Pipeline Regulation", name)
	original = frappe.copy_doc(doc).as_dict()

	def restore():
		frappe.set_user("Administrator")
		current = frappe.get_doc("Sales Pipeline Regulation", name)
		current.steps, current.criteria = [], []
		current.update({k: original[k] for k in ("steps", "criteria", "allow_backward", "is_active", "holiday_list")})
		current.save()
		reset_cache()

	testcase.addCleanup(restore)
	edit(doc)
	doc.save()
	reset_cache()
	return doc


def tree_node(doctype, name, parent, is_group=0):
	"""A Customer Group, Item Group or Territory (``<doctype>_name`` / ``parent_<doctype>``), made once."""
	field = doctype.lower().replace(" ", "_")
	if not frappe.db.exists(doctype, name):
		frappe.get_doc(
			{"doctype": doctype, f"{field}_name": name, f"parent_{field}": parent, "is_group": is_group}
		).insert(ignore_permissions=True)
	return name


def api_tokens(users) -> dict:
	"""``Authorization`` header values (token key:secret) for REST tests, a fresh secret per user."""
	tokens = {}
	for user in users:
		u = frappe.get_doc("User", user)
		u.api_key = u.api_key or frappe.generate_hash(length=15)
		secret = frappe.generate_hash(length=15)
		u.api_secret = secret
		u.save(ignore_permissions=True)
		tokens[user] = f"token {u.api_key}:{secret}"
	return tokens


class TokenAPITestCase(FrappeAPITestCase):
	"""REST requests as a user's API token (:func:`api_tokens`), in a client without cookies.

	``FrappeAPITestCase.TEST_CLIENT`` is one client shared by every REST test class. Once a class
	has used ``self.sid`` its cookie jar holds Administrator's session, which Frappe prefers to the
	API token (``frappe.auth.validate_api_key_secret``): every later "Sales User" request would
	quietly run as Administrator.
	"""

	TEST_CLIENT = get_test_client(use_cookies=False)



def lead_lost_reason(name="_SD Not Interested") -> str:
	"""A Lead Lost Reason (a refused Lead needs one: sales_drive/channels.py), made once."""
	if not frappe.db.exists("Lead Lost Reason", name):
		frappe.get_doc({"doctype": "Lead Lost Reason", "lost_reason": name}).insert(ignore_permissions=True)
	return name


def weekend_holiday_list(from_date, to_date) -> str:
	"""A Holiday List whose only holidays are the Saturdays and Sundays from ``from_date`` to ``to_date``
	(made once): a Monday-Friday calendar that does not depend on the site's own holiday lists (a site
	with data has a company Holiday List with its public holidays, or one that does not cover the period)."""
	from datetime import timedelta

	from frappe.utils import getdate

	start, end = getdate(from_date), getdate(to_date)
	name = f"_SD Weekends {start} {end}"
	if not frappe.db.exists("Holiday List", name):
		days = (start + timedelta(days=i) for i in range((end - start).days + 1))
		frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": name,
				"from_date": start,
				"to_date": end,
				"holidays": [
					{"holiday_date": d, "description": d.strftime("%A"), "weekly_off": 1} for d in days if d.weekday() >= 5
				],
			}
		).insert(ignore_permissions=True)
	return name


def log_row(name, kind, from_step, to_step, when, **fields) -> dict:
	"""A complete Sales Stage Transition Log row of an Opportunity (for ``pipeline.write_log_rows``), with
	neutral values for what ``fields`` does not set: no company, team or person, unknown durations."""
	return {
		"reference_doctype": "Opportunity",
		"reference_name": name,
		"regulation": None,
		"kind": kind,
		"from_step": from_step,
		"to_step": to_step,
		"transition_time": when,
		"user": "Administrator",
		"record_owner": "Administrator",
		"sales_person": None,
		"team": None,
		"company": None,
		"days_in_previous": -1,
		"hours_in_previous": -1,
		"verdict": "Passed",
		**fields,
	}
