"""Open is one thing everywhere (issue 15): every job, list, figure and hand-off that means the open
pipeline takes it from :func:`sales_drive.queries.open_condition`.

Each test makes the same set of Opportunities of one fresh owner: a won one (Converted), a Lost and a
Closed one, one logged Won by Sales Drive though its status is still Open, one in status Quotation whose
Quotation was ordered, and two genuinely open ones (Open; Quotation with a quotation not ordered).
Only the last two may be treated as open.
"""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_first_day, get_last_day, nowdate

from sales_drive import adoption, kpi, regulations, repeat_sales
from sales_drive.api import step_panel
from sales_drive.day import contact_counts, contact_lists
from sales_drive.engine import handoff
from sales_drive.integrations.pipeline import _pick_assignee, _row, write_log
from sales_drive.tasks import notify_overdue_steps
from sales_drive.tests.utils import company, ensure_sales_person, ensure_user, make_opportunity, reset_cache

OPEN = ("open", "quoted")
NOT_OPEN = ("converted", "lost", "closed", "logged_won", "ordered")
STATUS = {"open": "Open", "quoted": "Quotation", "converted": "Converted", "lost": "Lost", "closed": "Closed",
	"logged_won": "Open", "ordered": "Quotation"}  # fmt: skip
REGULATION = "Opportunity B2B"


def user(tag, *roles):
	"""A user of this module; the tests that count per user each have their own (Frappe throttles new users)."""
	return ensure_user(f"sd.open.{tag}@example.com", ["Sales User", *roles])


def quotation_of(opportunity, status):
	"""A submitted Quotation of the opportunity in ``status`` (inserted directly: only the link counts)."""
	q = frappe.new_doc("Quotation")
	q.update({"name": f"_SD-OE-{frappe.generate_hash(length=10)}", "opportunity": opportunity, "docstatus": 1,
		"status": status, "company": company(), "transaction_date": nowdate(), "quotation_to": "Customer"})  # fmt: skip
	q.db_insert()


def log_won(name):
	doc = frappe.get_doc("Opportunity", name)
	write_log(doc, [_row(doc, regulations.for_record(doc), "Won", doc.sales_stage, "", verdict="Passed")])


def opportunities(owner, labels=OPEN + NOT_OPEN, **fields) -> dict[str, str]:
	"""label -> Opportunity name, owned by ``owner``, each in the state its label says."""
	made = {}
	for label in labels:
		doc = make_opportunity(opportunity_owner=owner)
		frappe.db.set_value("Opportunity", doc.name, {"status": STATUS[label], **fields}, update_modified=False)
		made[label] = doc.name
	if "quoted" in made:
		quotation_of(made["quoted"], "Open")
	if "ordered" in made:
		quotation_of(made["ordered"], "Ordered")
	if "logged_won" in made:
		log_won(made["logged_won"])
	return made


def names(made, labels):
	return {made[label] for label in labels if label in made}


class TestOpenEverywhere(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()
		self.owner = user("owner")

	def notified(self, name):
		return frappe.get_all("Notification Log", {"document_type": "Opportunity", "document_name": name}, pluck="for_user")

	# --------------------------------------------------------------------------- tasks.py: overdue notices
	def test_overdue_notices_only_for_open_records(self):
		made = opportunities(self.owner, sd_step_due=add_days(nowdate(), -3), sd_overdue=0, sd_overdue_notified=0)
		notify_overdue_steps()
		for label, name in made.items():
			with self.subTest(label):
				flagged = frappe.db.get_value("Opportunity", name, "sd_overdue")
				if label in OPEN:
					self.assertEqual(flagged, 1)
					self.assertIn(self.owner, self.notified(name))
				else:
					self.assertEqual(flagged, 0)
					self.assertEqual(self.notified(name), [])

	def test_overdue_job_clears_the_flag_of_records_no_longer_open(self):
		made = opportunities(self.owner, sd_step_due=add_days(nowdate(), -3), sd_overdue=1, sd_overdue_notified=1)
		notify_overdue_steps()
		for label, name in made.items():
			with self.subTest(label):
				flags = frappe.db.get_value("Opportunity", name, ["sd_overdue", "sd_overdue_notified"])
				self.assertEqual(flags, (1, 1) if label in OPEN else (0, 0))
		self.assertEqual([n for n in made.values() if self.notified(n)], [])  # told before, not again

	# --------------------------------------------------------------------------- day.py: My Sales Day
	def test_my_sales_day_lists_and_counts_only_open_records(self):
		today = nowdate()
		owner = user("day")
		made = opportunities(owner, sd_next_contact=add_days(today, -1), sd_overdue=1, sd_step_due=add_days(today, -2))
		lists = contact_lists([owner], today, viewer="Administrator")[owner]
		self.assertEqual({r.name for r in lists["contacts"]}, names(made, OPEN))
		self.assertEqual({r.name for r in lists["overdue"]}, names(made, OPEN))
		counts = contact_counts([owner], today, viewer="Administrator")[owner]
		self.assertEqual((counts["contacts"], counts["overdue"]), (len(OPEN), len(OPEN)))

	def test_my_sales_day_overdue_leads_leave_out_won_and_converted_leads(self):
		today, owner = nowdate(), user("day.lead")
		leads = {}
		for label, status in (("open", "Open"), ("replied", "Replied"), ("converted", "Converted"),
				("opportunity", "Opportunity"), ("lost", "Lost Quotation"), ("logged_won", "Open")):  # fmt: skip
			doc = frappe.get_doc({"doctype": "Lead", "first_name": "Olga", "lead_owner": owner,
				"company_name": f"_SD Open Org {frappe.generate_hash(length=8)}", "company": company()}).insert()  # fmt: skip
			frappe.db.set_value("Lead", doc.name, {"status": status, "sd_overdue": 1}, update_modified=False)
			leads[label] = doc.name
		lead = frappe.get_doc("Lead", leads["logged_won"])
		write_log(lead, [_row(lead, regulations.for_record(lead), "Won", lead.sd_step, "", verdict="Passed")])
		lists = contact_lists([owner], today, viewer="Administrator")[owner]
		self.assertEqual({r.name for r in lists["overdue"]}, {leads["open"], leads["replied"]})
		self.assertEqual(contact_counts([owner], today, viewer="Administrator")[owner]["overdue"], 2)

	# --------------------------------------------------------------------------- kpi.py: overdue steps figure
	def test_kpi_overdue_steps_counts_only_open_records(self):
		owner = user("kpi")
		person = ensure_sales_person("_SD Open KPI", owner)
		opportunities(owner, sd_overdue=1)
		start, end = get_first_day(nowdate()), get_last_day(nowdate())
		self.assertEqual(kpi.Facts(company(), [person], start, end).overdue_steps(), {person: len(OPEN)})

	# --------------------------------------------------------------------------- api.py: the form's step clock
	def test_step_clock_runs_only_for_open_records(self):
		made = opportunities(self.owner, sd_step_entered_on=add_days(nowdate(), -10), sd_step_due=add_days(nowdate(), -2))
		for label, name in made.items():
			with self.subTest(label):
				panel = step_panel("Opportunity", name)
				self.assertTrue(panel["regulated"])
				if label in OPEN:
					self.assertTrue(panel["clock"]["overdue"])
				else:
					self.assertNotIn("clock", panel)

	# --------------------------------------------------------------------------- pipeline.py: least-loaded hand-off
	def test_least_loaded_hand_off_counts_only_open_records(self):
		role = self.role()
		# "a" sorts first and wins a tie: it holds two open records; "z" holds one open record and
		# one record of each kind that is not open. "z" is the less loaded only if none of those counts.
		first, second = user("load.a", role), user("load.z", role)
		opportunities(first, ("open", "quoted"))
		opportunities(second, ("open",) + NOT_OPEN)
		step = frappe._dict(handoff_role=role, handoff_specialisation=None, handoff_method=handoff.LEAST_LOADED)
		self.assertEqual(_pick_assignee(frappe.get_doc("Opportunity", make_opportunity().name), step), second)
		# and an open record does count: one more open record of "z" makes "a" the less loaded
		opportunities(second, ("open",))
		self.assertEqual(_pick_assignee(frappe.get_doc("Opportunity", make_opportunity().name), step), first)

	def role(self):
		name = f"_SD Open Load {frappe.generate_hash(length=6)}"
		frappe.get_doc({"doctype": "Role", "role_name": name, "desk_access": 1}).insert(ignore_permissions=True)
		return name

	# --------------------------------------------------------------------------- adoption.py
	def test_adoption_binds_only_open_records(self):
		made = opportunities(self.owner)
		for name in made.values():
			frappe.db.set_value("Opportunity", name, {"sd_regulation": None, "sd_step_entered_on": None,
				"sales_stage": "Prospecting"}, update_modified=False)  # fmt: skip
		adoption.adopt_pipeline("Opportunity")
		bound = {name for name in made.values() if frappe.db.get_value("Opportunity", name, "sd_regulation")}
		self.assertEqual(bound, names(made, OPEN))

	def test_adoption_binds_only_open_leads(self):
		leads = {}
		for status in ("Open", "Replied", "Opportunity", "Quotation", "Lost Quotation", "Converted", "Do Not Contact"):
			doc = frappe.get_doc({"doctype": "Lead", "first_name": "Olga", "lead_owner": self.owner,
				"company_name": f"_SD Open Org {frappe.generate_hash(length=8)}", "company": company()}).insert()  # fmt: skip
			frappe.db.set_value("Lead", doc.name, {"status": status, "sd_regulation": None, "sd_step": None},
				update_modified=False)  # fmt: skip
			leads[status] = doc.name
		adoption.adopt_pipeline("Lead")
		bound = {s for s, name in leads.items() if frappe.db.get_value("Lead", name, "sd_regulation")}
		self.assertEqual(bound, {"Open", "Replied"})

	def test_stage_mapping_rewrites_only_open_records(self):
		value, step = next((v, s) for v, s in regulations.by_name(REGULATION).mapping if v != s)
		made = opportunities(self.owner, sd_regulation=REGULATION, sales_stage=value)
		adoption.apply_mapping(REGULATION)
		for label, name in made.items():
			with self.subTest(label):
				want = step if label in OPEN else value
				self.assertEqual(frappe.db.get_value("Opportunity", name, "sales_stage"), want)

	def test_enforce_preview_counts_only_open_records(self):
		made = opportunities(self.owner, sd_regulation=REGULATION)

		def counts():
			preview = adoption.enforce_preview(REGULATION)
			return preview["open"], preview["unbound"]

		bound_open, unbound = counts()
		# unbinding the records that are not open changes neither count: they were never counted
		for name in names(made, NOT_OPEN):
			frappe.db.set_value("Opportunity", name, "sd_regulation", None, update_modified=False)
		self.assertEqual(counts(), (bound_open, unbound))
		# unbinding the open ones moves them from one count to the other
		for name in names(made, OPEN):
			frappe.db.set_value("Opportunity", name, "sd_regulation", None, update_modified=False)
		self.assertEqual(counts(), (bound_open - len(OPEN), unbound + len(OPEN)))

	# --------------------------------------------------------------------------- repeat_sales.py
	def test_repeat_sale_rule_sees_only_open_opportunities(self):
		rule = f"_SD Open Rule {frappe.generate_hash(length=8)}"
		made = opportunities(self.owner, sd_repeat_sale_rule=rule)
		parties = {label: frappe.db.get_value("Opportunity", name, "party_name") for label, name in made.items()}
		self.assertEqual(repeat_sales.open_for_rule(rule), {parties[label] for label in OPEN})

	# --------------------------------------------------------------------------- the fixture itself
	def test_the_fixture_states(self):
		"""The records are in the states the tests rely on (the open_condition is the judge)."""
		from sales_drive.queries import is_open

		made = opportunities(self.owner)
		self.assertEqual({n for n in made.values() if is_open("Opportunity", n)}, names(made, OPEN))
