"""Key accounts on a real site: the review, the Customer flags, the report, permissions, bad thresholds.

Ten customers of our own with invoices of known amounts in March and April 2026 (a period
no other test posts in); reviews are run with a fixed "today".

March (one invoice each unless said): A 50,000 · B 5,000 + 15,000 · C 10,000 · D 8,000 ·
E 5,000 · F 3,000 · G 2,000 · H 1,000 · I 600 · J 400 — total 100,000.
April: J 40,000; B returns the 15,000 invoice.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from sales_drive import key_accounts
from sales_drive.sales_drive.report.key_accounts import key_accounts as report
from sales_drive.tests.utils import ensure_customer, ensure_user, make_invoice

SETTINGS = "Sales Drive Settings"
MARCH = {"A": [50000], "B": [5000, 15000], "C": [10000], "D": [8000], "E": [5000], "F": [3000],
	"G": [2000], "H": [1000], "I": [600], "J": [400]}  # fmt: skip
FIRST, SECOND = getdate("2026-03-31"), getdate("2026-04-30")
HEAD = "_sd_ka_head@example.com"
SHARE_OF_REVENUE = "Customers Making a Share of Revenue"
TOP_SHARE = "Top Share of Customers"


def cust(letter: str) -> str:
	return f"_SD KA {letter}"


def invoice(customer, rate, posting_date):
	return make_invoice(rate=rate, posting_date=posting_date, due_date=posting_date, customer=customer)


def sales_return(si, posting_date):
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	ret = make_sales_return(si.name)
	ret.posting_date = posting_date
	ret.set_posting_time = 1
	ret.due_date = posting_date
	ret.insert()
	ret.submit()
	return ret


def flags():
	"""Our customers flagged as key accounts: {letter: since}."""
	rows = frappe.get_all("Customer", filters={"name": ("like", "_SD KA %"), "sd_key_account": 1},
		fields=["name", "sd_key_account_since"])  # fmt: skip
	return {r.name.removeprefix("_SD KA "): str(r.sd_key_account_since) for r in rows}


def set_settings(**values):
	frappe.db.set_single_value(SETTINGS, values)


class TestKeyAccounts(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		others = frappe.db.sql(
			"""select count(*) from `tabSales Invoice` where docstatus = 1
			and posting_date between '2026-02-01' and '2026-04-30' and customer not like '\\_SD KA %%'"""
		)[0][0]
		assert not others, f"{others} other invoices in Feb–Apr 2026 would change the ranking"
		for letter, amounts in MARCH.items():
			ensure_customer(cust(letter))
			for amount in amounts:
				si = invoice(cust(letter), amount, "2026-03-10")
		cls.b_big = frappe.get_all(
			"Sales Invoice", {"customer": cust("B"), "base_net_total": 15000}, pluck="name"
		)[0]
		invoice(cust("J"), 40000, "2026-04-15")
		sales_return(frappe.get_doc("Sales Invoice", cls.b_big), "2026-04-20")
		cls.head = ensure_user(HEAD, ["Sales Manager"])
		del si

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.delete("Key Account Review Line")
		frappe.db.delete("Key Account Review")
		frappe.db.sql("update `tabCustomer` set sd_key_account = 0, sd_key_account_since = null")
		set_settings(key_account_months=2, key_account_threshold=80, key_account_basis=SHARE_OF_REVENUE,
			key_account_review=1, head_of_sales=None)  # fmt: skip

	def test_share_of_revenue_makes_the_fewest_top_customers_reaching_the_threshold(self):
		name = key_accounts.run_review(FIRST)
		# A 50% + B 20% + C 10% = 80%
		self.assertEqual(flags(), {"A": "2026-03-31", "B": "2026-03-31", "C": "2026-03-31"})
		self.assertTrue(key_accounts.is_key_account(cust("A")))
		self.assertFalse(key_accounts.is_key_account(cust("D")))
		review = frappe.get_doc("Key Account Review", name)
		self.assertEqual((str(review.from_date), str(review.to_date)), ("2026-02-01", "2026-03-31"))
		self.assertEqual((review.total_revenue, review.key_revenue), (100000, 80000))
		self.assertEqual((review.key_accounts, review.moved_in, review.moved_out), (3, 3, 0))
		self.assertEqual(
			[
				(r.customer, r.revenue, r.share, r.cumulative_share, r.is_key, r.key_change)
				for r in review.lines
			],
			[
				(cust("A"), 50000, 50, 50, 1, "Moved In"),
				(cust("B"), 20000, 20, 70, 1, "Moved In"),
				(cust("C"), 10000, 10, 80, 1, "Moved In"),
			],
		)

	def test_top_share_of_customers_takes_that_share_of_the_customers(self):
		set_settings(key_account_basis=TOP_SHARE, key_account_threshold=20)
		key_accounts.run_review(FIRST)
		self.assertEqual(set(flags()), {"A", "B"})  # 20% of 10 customers
		set_settings(key_account_threshold=35)
		key_accounts.run_review(FIRST)  # the same day again replaces that day's review
		self.assertEqual(set(flags()), {"A", "B", "C", "D"})  # 3.5 rounded up
		self.assertEqual(frappe.db.count("Key Account Review"), 1)

	def test_second_review_moves_in_and_out_and_returns_lower_revenue(self):
		key_accounts.run_review(FIRST)
		name = key_accounts.run_review(SECOND)
		# Mar–Apr: A 50,000 · J 40,400 · C 10,000 · D 8,000 · B 5,000 (15,000 returned) · E 5,000 ... = 125,000
		self.assertEqual(flags(), {"A": "2026-03-31", "C": "2026-03-31", "J": "2026-04-30"})
		review = frappe.get_doc("Key Account Review", name)
		self.assertEqual((review.total_revenue, review.key_revenue), (125000, 100400))
		self.assertEqual((review.key_accounts, review.moved_in, review.moved_out), (3, 1, 1))
		lines = {r.customer: (r.revenue, r.is_key, r.key_change) for r in review.lines}
		self.assertEqual(
			lines,
			{
				cust("A"): (50000, 1, "Stayed"),
				cust("J"): (40400, 1, "Moved In"),
				cust("C"): (10000, 1, "Stayed"),
				cust("B"): (5000, 0, "Moved Out"),
			},
		)
		self.assertEqual(frappe.db.get_value("Customer", cust("B"), "sd_key_account_since"), None)

	def test_head_of_sales_is_told_who_moved(self):
		key_accounts.run_review(FIRST)
		set_settings(head_of_sales=HEAD)
		name = key_accounts.run_review(SECOND)
		log = frappe.get_all("Notification Log", filters={"for_user": HEAD, "document_name": name},
			fields=["subject", "email_content", "document_type"])  # fmt: skip
		self.assertEqual(len(log), 1)
		self.assertEqual(log[0].document_type, "Key Account Review")
		self.assertIn("3 key accounts; 1 moved in; 1 moved out", log[0].subject)
		self.assertIn(f"Moved in:</b> {cust('J')}", log[0].email_content)
		self.assertIn(f"Moved out:</b> {cust('B')}", log[0].email_content)

	def test_report_ranks_and_compares_with_the_review_before(self):
		key_accounts.run_review(FIRST)
		columns, rows, message, _chart, summary = report.execute(
			{"to_date": "2026-04-30", "months": 2, "threshold": 80, "basis": SHARE_OF_REVENUE}
		)
		self.assertEqual(
			[(r["customer"][-1], r["revenue"], r["share"], r["cumulative_share"], r["is_key"], r["key_change"])
				for r in rows],
			[("A", 50000, 40, 40, 1, "Stayed"), ("J", 40400, 32.3, 72.3, 1, "Moved In"),
				("C", 10000, 8, 80.3, 1, "Stayed"), ("D", 8000, 6.4, 86.7, 0, None),
				("B", 5000, 4, 90.7, 0, "Moved Out"), ("E", 5000, 4, 94.7, 0, None), ("F", 3000, 2.4, 97.1, 0, None),
				("G", 2000, 1.6, 98.7, 0, None), ("H", 1000, 0.8, 99.5, 0, None), ("I", 600, 0.5, 100, 0, None)],
		)  # fmt: skip
		self.assertEqual(
			rows[0]["customer_group"], frappe.db.get_value("Customer", cust("A"), "customer_group")
		)
		self.assertEqual(
			[c["fieldname"] for c in columns][:3], ["customer", "customer_group", "account_manager"]
		)
		self.assertEqual(
			{s["label"]: s["value"] for s in summary},
			{"Period Revenue": 125000, "Key-Account Revenue": 100400, "Key-Account Share %": 80.3,
				"Number of Key Accounts": 3, "Moved In": 1, "Moved Out": 1},
		)  # fmt: skip
		self.assertIn(frappe.get_all("Key Account Review", pluck="name")[0], message)

	def test_report_defaults_to_the_settings_and_refuses_bad_filters(self):
		set_settings(key_account_basis=TOP_SHARE, key_account_threshold=20)
		_c, rows, *_ = report.execute({"to_date": "2026-03-31"})
		self.assertEqual([r["customer"][-1] for r in rows if r["is_key"]], ["A", "B"])
		self.assertEqual(rows[0]["key_change"], "Moved In")  # no earlier review
		with self.assertRaises(frappe.ValidationError) as ctx:
			report.execute({"to_date": "2026-03-31", "threshold": 120})
		self.assertIn("must be within 0–100%", str(ctx.exception))
		with self.assertRaises(frappe.ValidationError):
			report.execute({"to_date": "2026-03-31", "months": -1})

	def test_review_now_is_refused_for_a_sales_user(self):
		user = ensure_user("_sd_ka_seller@example.com", ["Sales User"])
		frappe.set_user(user)
		try:
			with self.assertRaises(frappe.PermissionError) as ctx:
				key_accounts.review_now()
		finally:
			frappe.set_user("Administrator")
		self.assertIn("Only a Sales Manager or a System Manager", str(ctx.exception))
		self.assertEqual(frappe.db.count("Key Account Review"), 0)
		self.assertEqual(flags(), {})

	def test_review_now_for_a_sales_manager(self):
		frappe.set_user(self.head)
		try:
			out = key_accounts.review_now()
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Key Account Review", out["name"], "review_date"), getdate())

	def test_settings_never_saved_take_their_defaults(self):
		frappe.db.delete("Singles", {"doctype": SETTINGS, "field": ("like", "key_account%")})
		s = key_accounts.settings()
		self.assertEqual((s.basis, s.threshold, s.months, s.review), (TOP_SHARE, 20, 12, 1))
		set_settings(key_account_threshold=0)
		self.assertEqual(key_accounts.settings().threshold, 0)

	def test_monthly_review_runs_only_when_switched_on(self):
		set_settings(key_account_review=0)
		key_accounts.monthly_review()
		self.assertEqual(frappe.db.count("Key Account Review"), 0)
		set_settings(key_account_review=1)
		key_accounts.monthly_review()
		self.assertEqual(frappe.db.count("Key Account Review"), 1)


class TestKeyAccountThreshold(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.before = frappe.db.get_single_value(SETTINGS, "key_account_threshold")

	def assertRefused(self, value, text):
		doc = frappe.get_single(SETTINGS)
		doc.key_account_threshold = value
		with self.assertRaises(frappe.ValidationError) as ctx:
			doc.save()
		self.assertIn(text, str(ctx.exception))
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "key_account_threshold"), self.before)

	def test_threshold_outside_0_to_100_is_refused(self):
		self.assertRefused(120, "must be within 0–100%, not 120")
		self.assertRefused(-5, "must be within 0–100%, not -5")

	def test_message_is_translated(self):
		frappe.local.lang = "ru"
		try:
			self.assertRefused(120, "Порог ключевого клиента должен быть в пределах 0–100%, а не 120")
			self.assertRefused(-5, "Порог ключевого клиента должен быть в пределах 0–100%, а не -5")
		finally:
			frappe.local.lang = "en"
