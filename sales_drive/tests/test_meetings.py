"""Planning meetings and one-on-ones on a site: the agenda from the app's data, attendance, decisions that
become checked-up Sales Tasks; a one-on-one seen by its two people only (desk and REST)."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from sales_drive import checkups, meetings
from sales_drive.tests.utils import (
	EachTestRolledBack,
	TokenAPITestCase,
	api_tokens,
	company,
	ensure_sales_person,
	ensure_user,
	make_opportunity,
)

TEAM, M1, M2 = "_SD MT Team", "_SD MT Manager 1", "_SD MT Manager 2"
TEAM2, M3 = "_SD MT Team 2", "_SD MT Manager 3"
HEAD, HEAD2 = "sd.mt.head@example.com", "sd.mt.head2@example.com"
LEAD, LEAD2 = "sd.mt.lead@example.com", "sd.mt.lead2@example.com"
U1, U2, U3 = "sd.mt.m1@example.com", "sd.mt.m2@example.com", "sd.mt.m3@example.com"


def people():
	ensure_user(HEAD, ["Sales User", "Sales Manager"])
	ensure_user(HEAD2, ["Sales User", "Sales Manager"])
	for lead in (LEAD, LEAD2):
		ensure_user(lead, ["Sales User", "Sales Team Lead"])
	for user in (U1, U2, U3):
		ensure_user(user, ["Sales User"])
	ensure_sales_person(TEAM, LEAD, is_group=1, gender="Male")
	ensure_sales_person(TEAM2, LEAD2, is_group=1, gender="Male")
	ensure_sales_person(M1, U1, parent=TEAM, gender="Male")
	ensure_sales_person(M2, U2, parent=TEAM, gender="Male")
	ensure_sales_person(M3, U3, parent=TEAM2, gender="Male")


def firing(person, last_percent):
	doc = frappe.get_doc({"doctype": "Deviation Firing", "sales_person": person, "company": company(), "metric": "Calls",
		"periodicity": "Week", "fired_on": frappe.utils.now_datetime(), "firing_status": "Open",
		"threshold_percent": 80, "last_percent": last_percent})  # fmt: skip
	doc.flags.ignore_mandatory = True
	return doc.insert(ignore_permissions=True).name


def overdue_task(person, title):
	"""A check-up task of ``person`` whose due date has passed."""
	task = frappe.get_doc({"doctype": "Sales Task", "title": title, "sales_person": person, "due_date": nowdate(),
		"checkup_date": nowdate()}).insert()  # fmt: skip
	frappe.db.set_value("Sales Task", task.name, {"due_date": add_days(nowdate(), -3),
		"checkup_date": add_days(nowdate(), -3)})  # fmt: skip
	return task.name


def agenda_refs(doc):
	return {(r.section, r.reference_name) for r in doc.agenda}


class TestSalesMeeting(EachTestRolledBack):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()  # rolled back after the class
		frappe.set_user("Administrator")
		people()
		cls.today = getdate(nowdate())
		cls.dev1, cls.dev3 = firing(M1, 40), firing(M3, 10)
		cls.task1, cls.task3 = overdue_task(M1, "Call Acme back"), overdue_task(M3, "Other team's task")
		opp = make_opportunity(opportunity_owner=U2)
		frappe.db.set_value("Opportunity", opp.name, "sd_step_due", add_days(nowdate(), -2))
		cls.opp = opp.name
		cls.digest = frappe.get_doc({"doctype": "Sales Digest", "kind": "Morning Report", "recipient": LEAD,
			"scope": TEAM, "report_date": add_days(nowdate(), -1),
			"period_key": f"morning|{LEAD}|{add_days(nowdate(), -1)}|sd-mt"}).insert(ignore_permissions=True).name  # fmt: skip

	def meeting(self, **kw):
		return frappe.get_doc({"doctype": "Sales Meeting", "company": company(), "team": TEAM,
			"meeting_date": nowdate(), **kw}).insert()  # fmt: skip

	def test_agenda_from_the_apps_data_and_attendance_of_the_team(self):
		frappe.set_user(LEAD)
		doc = self.meeting()
		refs = agenda_refs(doc)
		self.assertEqual(doc.chair, LEAD)
		self.assertEqual(doc.digest, self.digest)
		self.assertIn(("Morning Report", self.digest), refs)
		self.assertIn(("Deviation", self.dev1), refs)
		self.assertIn(("Task", self.task1), refs)
		self.assertIn(("Overdue Step", self.opp), refs)
		# another team's deviation and task are not on this team's agenda
		self.assertNotIn(("Deviation", self.dev3), refs)
		self.assertNotIn(("Task", self.task3), refs)
		self.assertEqual(doc.agenda[0].section, "Morning Report")
		self.assertEqual([(a.sales_person, a.user, a.present) for a in doc.attendees], [(M1, U1, 1), (M2, U2, 1)])
		# the chair rebuilds the agenda of the draft: what was noted on an item that stays is kept
		row = next(r for r in doc.agenda if r.reference_name == self.dev1)
		row.discussed, row.comment = 1, "Coach the calls"
		doc.save()
		meetings.rebuild_agenda("Sales Meeting", doc.name)
		doc.reload()
		row = next(r for r in doc.agenda if r.reference_name == self.dev1)
		self.assertEqual((row.discussed, row.comment), (1, "Coach the calls"))
		frappe.set_user(U1)  # an attendee reads it, does not change it
		with self.assertRaises(frappe.PermissionError):
			meetings.rebuild_agenda("Sales Meeting", doc.name)
		# the head of sales' department meeting lists every team's items
		frappe.set_user(HEAD)
		department = frappe.get_doc({"doctype": "Sales Meeting", "company": company(), "meeting_date": nowdate()}).insert()
		self.assertIn(("Deviation", self.dev3), agenda_refs(department))

	def test_a_decision_becomes_a_checked_up_sales_task(self):
		frappe.set_user(LEAD)
		due = add_days(nowdate(), 2)
		doc = self.meeting(decisions=[{"decision": "Send the proposal to Acme", "sales_person": M1, "due_date": due}])
		doc.attendees[1].present = 0
		doc.save()
		doc.submit()
		task = frappe.get_doc("Sales Task", doc.decisions[0].sales_task)
		self.assertEqual((task.title, task.sales_person, task.manager_user, task.team_lead, str(task.due_date),
			str(task.checkup_date), task.status), ("Send the proposal to Acme", M1, U1, LEAD, due, due, "Open"))  # fmt: skip
		self.assertIn(doc.name, task.description)
		self.assertTrue(frappe.db.exists("ToDo", {"reference_type": "Sales Task", "reference_name": task.name,
			"allocated_to": U1, "status": "Open"}))  # fmt: skip
		# checked up as every task: the reminder on the check-up day, then listed overdue if still open
		frappe.set_user("Administrator")
		checkups.remind_checkups(due)
		self.assertTrue(frappe.db.exists("Notification Log", {"for_user": U1, "document_name": task.name}))
		overdue = checkups.stuck_and_overdue(add_days(due, 1), [M1])
		self.assertIn(task.name, [t.name for t in overdue])
		# the manager answers it as any task
		frappe.set_user(U1)
		task.reload()
		task.status = "Done"
		task.save()
		self.assertEqual(task.checked_by, U1)

	def test_bad_decisions_are_refused_and_nothing_is_saved(self):
		frappe.set_user(LEAD)
		before = frappe.db.count("Sales Meeting")
		with self.assertRaises(frappe.ValidationError) as ctx:
			self.meeting(decisions=[{"decision": "Too late", "sales_person": M1, "due_date": add_days(nowdate(), -1)}])
		self.assertIn("before the meeting", str(ctx.exception))
		with self.assertRaises(frappe.PermissionError) as ctx:  # a manager of another team
			self.meeting(decisions=[{"decision": "x", "sales_person": M3, "due_date": nowdate()}])
		self.assertIn("not a manager of your team", str(ctx.exception))
		with self.assertRaises(frappe.PermissionError):  # another team's meeting
			self.meeting(team=TEAM2)
		with self.assertRaises(frappe.PermissionError):  # only the head of sales holds the department's
			self.meeting(team=None)
		self.assertEqual(frappe.db.count("Sales Meeting"), before)
		self.assertEqual(frappe.db.count("Sales Task", {"title": ["in", ["Too late", "x"]]}), 0)

	def test_who_sees_a_meeting(self):
		frappe.set_user(LEAD)
		doc = self.meeting()
		for user, allowed in ((U1, True), (LEAD, True), (HEAD, True), (U3, False), (LEAD2, False)):
			self.assertEqual(bool(frappe.has_permission("Sales Meeting", "read", doc.name, user=user)), allowed, user)
		self.assertFalse(frappe.has_permission("Sales Meeting", "write", doc.name, user=U1))
		frappe.set_user(U3)
		self.assertNotIn(doc.name, frappe.get_list("Sales Meeting", pluck="name"))


class TestOneOnOne(EachTestRolledBack):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		people()
		cls.dev1, cls.dev2 = firing(M1, 55), firing(M2, 30)
		cls.task1, cls.task2 = overdue_task(M1, "M1 task"), overdue_task(M2, "M2 task")

	def one_on_one(self, person=M1, **kw):
		return frappe.get_doc({"doctype": "One-on-One", "sales_person": person, "company": company(),
			"meeting_date": nowdate(), **kw}).insert()  # fmt: skip

	def test_the_managers_figures_deviations_and_agreed_actions(self):
		frappe.set_user(LEAD)
		doc = self.one_on_one(actions=[{"decision": "Twenty calls a day", "sales_person": M1, "due_date": nowdate()}])
		self.assertEqual((doc.leader, doc.manager_user), (LEAD, U1))
		self.assertEqual(doc.agenda[0].section, "Figures")
		refs = agenda_refs(doc)
		self.assertIn(("Deviation", self.dev1), refs)
		self.assertIn(("Task", self.task1), refs)
		self.assertNotIn(("Deviation", self.dev2), refs)  # another manager's
		self.assertNotIn(("Task", self.task2), refs)
		self.assertEqual(str(doc.from_date), str(frappe.utils.get_first_day(nowdate())))
		doc.submit()
		task = frappe.get_doc("Sales Task", doc.actions[0].sales_task)
		self.assertEqual((task.sales_person, task.manager_user, task.team_lead), (M1, U1, LEAD))

	def test_only_its_two_people_see_it(self):
		frappe.set_user(LEAD)
		doc = self.one_on_one()
		for user, allowed in ((LEAD, True), (U1, True), (U2, False), (HEAD, False), (HEAD2, False), (LEAD2, False)):
			self.assertEqual(bool(frappe.has_permission("One-on-One", "read", doc.name, user=user)), allowed, user)
			frappe.set_user(user)
			self.assertEqual(doc.name in frappe.get_list("One-on-One", pluck="name"), allowed, user)
			self.assertEqual(bool(frappe.get_list("Sales Meeting Agenda Item", parent_doctype="One-on-One",
				filters={"parent": doc.name}, pluck="name")), allowed, user)  # fmt: skip
		frappe.set_user("Administrator")
		# the manager reads it, only the leader changes it; nobody shares it
		self.assertFalse(frappe.has_permission("One-on-One", "write", doc.name, user=U1))
		self.assertTrue(frappe.has_permission("One-on-One", "write", doc.name, user=LEAD))
		self.assertFalse(frappe.has_permission("One-on-One", "share", doc.name, user=LEAD))
		# saving oneself in as the leader gains nothing: the stored leader stays
		frappe.set_user(LEAD)
		doc.reload()
		doc.leader = HEAD2
		doc.save()
		self.assertEqual(frappe.db.get_value("One-on-One", doc.name, "leader"), LEAD)

	def test_who_may_hold_one(self):
		frappe.set_user(HEAD)  # the head of sales with any manager
		self.assertEqual(self.one_on_one(person=M3).leader, HEAD)
		frappe.set_user(LEAD2)  # a team lead only with the managers of their team
		with self.assertRaises(frappe.PermissionError):
			self.one_on_one(person=M1)
		frappe.set_user(U2)  # a manager does not hold one-on-ones
		with self.assertRaises(frappe.PermissionError):
			self.one_on_one(person=M1)
		frappe.set_user(LEAD)
		with self.assertRaises(frappe.ValidationError) as ctx:  # nor with oneself
			self.one_on_one(person=TEAM)
		self.assertIn("not with yourself", str(ctx.exception))
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("One-on-One", {"leader": ["in", [LEAD2, U2, LEAD]]}), 0)


class TestOneOnOneOverRest(TokenAPITestCase):
	"""Over REST a one-on-one is refused to a third manager and to a Sales Manager who is not in it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		people()
		frappe.set_user(LEAD)
		cls.doc = frappe.get_doc({"doctype": "One-on-One", "sales_person": M1, "company": company(),
			"meeting_date": nowdate(), "notes": "Private notes of the one-on-one"}).insert().name  # fmt: skip
		frappe.set_user("Administrator")
		cls.tokens = api_tokens([U1, U2, HEAD2, LEAD])
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in frappe.get_all("One-on-One", filters={"sales_person": M1}, pluck="name"):
			for task in frappe.get_all("Sales Meeting Decision", filters={"parent": name}, pluck="sales_task"):
				if task:
					frappe.delete_doc("Sales Task", task, force=True, ignore_permissions=True)
			frappe.db.delete("One-on-One", {"name": name})
			frappe.db.delete("Sales Meeting Agenda Item", {"parent": name})
			frappe.db.delete("Sales Meeting Decision", {"parent": name})
		frappe.db.commit()
		super().tearDownClass()

	def as_(self, user):
		return {"Authorization": self.tokens[user]}

	def test_third_manager_and_another_sales_manager_are_refused(self):
		for user in (U2, HEAD2):
			self.assertEqual(self.get(self.resource("One-on-One", self.doc), headers=self.as_(user)).status_code, 403, user)
			listed = self.get(self.resource("One-on-One"), {"fields": '["name", "notes"]'}, headers=self.as_(user))
			self.assertNotIn(self.doc, [r["name"] for r in listed.json["data"]], user)
			put = self.put(self.resource("One-on-One", self.doc), {"notes": "x"}, headers=self.as_(user))
			self.assertEqual(put.status_code, 403, user)
		mine = self.get(self.resource("One-on-One", self.doc), headers=self.as_(U1))
		self.assertEqual((mine.status_code, mine.json["data"]["notes"]), (200, "Private notes of the one-on-one"))
		# the manager reads it but does not rewrite it
		self.assertEqual(self.put(self.resource("One-on-One", self.doc), {"notes": "x"}, headers=self.as_(U1)).status_code, 403)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("One-on-One", self.doc, "notes"), "Private notes of the one-on-one")

	def test_agreed_action_over_rest_becomes_a_task(self):
		body = {"doctype": "One-on-One", "sales_person": M1, "company": company(), "meeting_date": nowdate(),
			"leader": HEAD2, "actions": [{"decision": "Update the pipeline", "sales_person": M1, "due_date": nowdate()}],
			"docstatus": 1}  # fmt: skip
		made = self.post(self.resource("One-on-One"), body, headers=self.as_(LEAD))
		self.assertEqual(made.status_code, 200, made.json)
		data = made.json["data"]
		self.assertEqual((data["leader"], data["docstatus"]), (LEAD, 1))
		task = data["actions"][0]["sales_task"]
		frappe.db.rollback()  # see what the request committed
		self.assertEqual(frappe.db.get_value("Sales Task", task, ["manager_user", "team_lead"]), (U1, LEAD))
		# a manager cannot create one over REST
		refused = self.post(self.resource("One-on-One"), {**body, "docstatus": 0}, headers=self.as_(U2))
		self.assertEqual(refused.status_code, 403)
