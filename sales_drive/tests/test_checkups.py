"""Task check-ups on a real site: a team lead sets tasks, the manager answers, who sees what,
the check-up reminder, the stuck/overdue list for the morning report and the board.

:class:`TestTaskCheckupsOverRest` goes through the REST API with each user's API key; REST requests
run with their own database connection, so that class commits its tasks and deletes them at the end.

Team structure used (Sales Person tree, users through Employee.user_id):

    _SDT Head (group, head of sales: Sales Manager + Sales User)
      _SDT Team A (group, team lead A: Sales Team Lead + Sales User)
        _SDT A1 (manager 1: Sales User)
        _SDT A2 (manager 2: Sales User)
      _SDT Team B (group, team lead B)
        _SDT B1 (manager 3: Sales User)
"""

from __future__ import annotations

import json

import frappe
from frappe.tests.test_api import FrappeAPITestCase
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from sales_drive import checkups
from sales_drive.sales_drive.report.task_check_up_board.task_check_up_board import execute as board_report
from sales_drive.tests.utils import api_tokens, ensure_sales_person, ensure_user

HEAD = "sdt.head@example.com"
LEAD_A = "sdt.lead.a@example.com"
LEAD_B = "sdt.lead.b@example.com"
M1 = "sdt.m1@example.com"
M2 = "sdt.m2@example.com"
M3 = "sdt.m3@example.com"
ROLES = {
	HEAD: ["Sales Manager", "Sales User"],
	LEAD_A: ["Sales Team Lead", "Sales User"],
	LEAD_B: ["Sales Team Lead", "Sales User"],
	M1: ["Sales User"],
	M2: ["Sales User"],
	M3: ["Sales User"],
}
TREE = [  # name, parent, is_group, user
	("_SDT Head", "Sales Team", 1, HEAD),
	("_SDT Team A", "_SDT Head", 1, LEAD_A),
	("_SDT Team B", "_SDT Head", 1, LEAD_B),
	("_SDT A1", "_SDT Team A", 0, M1),
	("_SDT A2", "_SDT Team A", 0, M2),
	("_SDT B1", "_SDT Team B", 0, M3),
]
PEOPLE = [name for name, _p, group, _u in TREE if not group]


def today():
	return getdate(nowdate())


def ensure_people():
	frappe.set_user("Administrator")
	for user, roles in ROLES.items():
		ensure_user(user, roles)
	for name, parent, is_group, user in TREE:
		ensure_sales_person(name, user, parent=parent, is_group=is_group)


def make_task(sales_person="_SDT A1", as_user=LEAD_A, title="Call the ten biggest customers", **values):
	frappe.set_user(as_user)
	try:
		doc = frappe.get_doc(
			{
				"doctype": "Sales Task",
				"title": title,
				"sales_person": sales_person,
				"due_date": values.pop("due_date", add_days(today(), 5)),
				"checkup_date": values.pop("checkup_date", add_days(today(), 7)),
				**values,
			}
		).insert()
	finally:
		frappe.set_user("Administrator")
	return doc


def answer(name, as_user=M1, **values):
	frappe.set_user(as_user)
	try:
		doc = frappe.get_doc("Sales Task", name)
		doc.update(values)
		doc.save()
	finally:
		frappe.set_user("Administrator")
	return doc


def backdate(name, due_date, checkup_date):
	"""Move a task's dates into the past (as if set a while ago), without the save's validation."""
	frappe.db.set_value(
		"Sales Task", name, {"due_date": due_date, "checkup_date": checkup_date}, update_modified=False
	)


def open_todos(name):
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": "Sales Task", "reference_name": name, "status": "Open"},
		pluck="allocated_to",
	)


class TestTaskCheckups(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_people()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"
		frappe.db.delete("Sales Task", {"sales_person": ["in", PEOPLE]})

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"

	def test_team_lead_sets_a_task_and_the_manager_gets_a_todo(self):
		task = make_task()
		self.assertEqual(task.manager_user, M1)
		self.assertEqual(task.team_lead, LEAD_A)
		self.assertEqual(task.status, "Open")
		self.assertIsNone(task.answered_on)
		self.assertEqual(open_todos(task.name), [M1])
		todo_date = frappe.db.get_value("ToDo", {"reference_name": task.name}, "date")
		self.assertEqual(getdate(todo_date), task.checkup_date)

	def test_the_manager_answers_with_each_outcome(self):
		done = make_task(title="Done one")
		answered = answer(done.name, status="Done", answer_note="12 of 10 called")
		self.assertEqual(answered.checked_by, M1)
		self.assertIsNotNone(answered.answered_on)
		self.assertEqual(open_todos(done.name), [])  # the answer closes the manager's ToDo

		not_done = make_task(title="Not done one")
		self.assertEqual(answer(not_done.name, status="Not Done").status, "Not Done")

		differently = make_task(title="Differently one")
		with self.assertRaisesRegex(frappe.ValidationError, "what was done"):
			answer(differently.name, status="Done Differently")
		self.assertEqual(frappe.db.get_value("Sales Task", differently.name, "status"), "Open")
		answer(differently.name, status="Done Differently", answer_note="Sent a mailing instead of calls")
		self.assertEqual(frappe.db.get_value("Sales Task", differently.name, "status"), "Done Differently")

		stuck = make_task(title="Stuck one")
		with self.assertRaisesRegex(frappe.ValidationError, "needs the question"):
			answer(stuck.name, status="Stuck on a Question")
		self.assertEqual(frappe.db.get_value("Sales Task", stuck.name, "status"), "Open")
		answer(stuck.name, status="Stuck on a Question", question="Which discount may I offer?")
		self.assertEqual(
			frappe.db.get_value("Sales Task", stuck.name, "question"), "Which discount may I offer?"
		)
		# the team lead hears about the question
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{"for_user": LEAD_A, "document_type": "Sales Task", "document_name": stuck.name},
			)
		)

		# back to Open (reopened by the team lead): the stamps go, the ToDo comes back
		reopened = answer(done.name, as_user=LEAD_A, status="Open")
		self.assertIsNone(reopened.answered_on)
		self.assertIsNone(reopened.checked_by)
		self.assertEqual(open_todos(done.name), [M1])

	def test_the_manager_cannot_change_what_the_team_lead_set(self):
		task = make_task()
		for field, value in (
			("due_date", add_days(today(), 30)),
			("checkup_date", add_days(today(), 30)),
			("title", "Something easier"),
			("sales_person", "_SDT A2"),
		):
			with self.assertRaises(frappe.ValidationError, msg=field):
				answer(task.name, **{field: value})
		stored = frappe.db.get_value(
			"Sales Task", task.name, ["due_date", "checkup_date", "title", "sales_person"], as_dict=True
		)
		self.assertEqual(
			(stored.due_date, stored.checkup_date, stored.title, stored.sales_person),
			(task.due_date, task.checkup_date, task.title, "_SDT A1"),
		)
		# the answer together with a date change is refused as a whole
		with self.assertRaises(frappe.ValidationError):
			answer(task.name, status="Done", due_date=add_days(today(), 30))
		self.assertEqual(frappe.db.get_value("Sales Task", task.name, "status"), "Open")

	def test_a_manager_cannot_answer_someone_elses_task(self):
		task = make_task()  # for M1
		with self.assertRaises(frappe.PermissionError):
			answer(task.name, as_user=M2, status="Done")
		self.assertEqual(frappe.db.get_value("Sales Task", task.name, "status"), "Open")
		self.assertFalse(checkups.has_permission(task, "write", M2))
		self.assertFalse(checkups.has_permission(task, "read", M2))
		self.assertTrue(checkups.has_permission(task, "write", M1))
		self.assertFalse(checkups.has_permission(task, "delete", M1))  # the manager only answers
		self.assertFalse(checkups.has_permission(task, "share", M1))

	def test_who_sees_a_task(self):
		a1 = make_task("_SDT A1")
		b1 = make_task("_SDT B1", as_user=LEAD_B)
		for user, expected in (
			(LEAD_A, {a1.name}),
			(LEAD_B, {b1.name}),
			(M1, {a1.name}),
			(M2, set()),
			(M3, {b1.name}),
		):
			self.assertEqual(self.visible(user), expected, user)
		self.assertTrue(checkups.has_permission(a1, "read", LEAD_A))
		self.assertFalse(checkups.has_permission(a1, "read", LEAD_B))
		self.assertFalse(checkups.has_permission(a1, "write", LEAD_B))
		self.assertEqual(checkups.query_conditions(HEAD), "")  # the head of sales sees every team
		self.assertIsNone(checkups.has_permission(a1, "read", HEAD))  # left to the role permissions
		if "Sales Task" in frappe.get_hooks("permission_query_conditions"):  # once hooks.py registers it
			frappe.set_user(LEAD_B)
			names = set(frappe.get_list("Sales Task", filters={"sales_person": ["in", PEOPLE]}, pluck="name"))
			frappe.set_user("Administrator")
			self.assertEqual(names, {b1.name})

	def visible(self, user):
		rule = checkups.query_conditions(user)
		return set(
			frappe.db.sql_list(
				f"""select name from `tabSales Task`
			where sales_person in %(people)s and {rule}""",
				{"people": PEOPLE},
			)
		)

	def test_a_team_lead_sees_the_sub_teams_under_the_team(self):
		frappe.db.savepoint("sdt_sub_team")  # the other tests count the class's two teams only
		try:
			user = ensure_user("sdt.m4@example.com", ["Sales User"])
			ensure_sales_person("_SDT Team A North", parent="_SDT Team A", is_group=1)
			ensure_sales_person("_SDT A3", user, parent="_SDT Team A North")
			task = make_task("_SDT A3")  # set by LEAD_A for a manager of a sub-team
			self.assertTrue(checkups.in_team("_SDT A3", LEAD_A))
			self.assertFalse(checkups.in_team("_SDT A3", LEAD_B))
			self.assertTrue(checkups.has_permission(task, "read", LEAD_A))
			self.assertFalse(checkups.has_permission(task, "read", LEAD_B))
			self.assertTrue(checkups.has_permission(task, "read", user))
		finally:
			frappe.set_user("Administrator")
			frappe.db.rollback(save_point="sdt_sub_team")

	def test_another_teams_lead_cannot_set_tasks_for_my_managers(self):
		with self.assertRaises(frappe.PermissionError):
			make_task("_SDT A1", as_user=LEAD_B)
		self.assertFalse(frappe.db.exists("Sales Task", {"sales_person": "_SDT A1"}))
		# the head of sales may set a task for anybody
		self.assertEqual(make_task("_SDT B1", as_user=HEAD).manager_user, M3)

	def test_checkup_before_creation_is_refused(self):
		yesterday = add_days(today(), -1)
		with self.assertRaisesRegex(
			frappe.ValidationError, "check-up date .* is before the task was created"
		):
			make_task(checkup_date=yesterday)
		with self.assertRaisesRegex(frappe.ValidationError, "due date .* is before the task was created"):
			make_task(due_date=yesterday)
		frappe.local.lang = "ru"
		with self.assertRaisesRegex(frappe.ValidationError, "Дата чек-апа .* раньше создания задачи"):
			make_task(checkup_date=yesterday)
		self.assertFalse(frappe.db.exists("Sales Task", {"sales_person": ["in", PEOPLE]}))
		# an existing task keeps the rule: the check-up cannot be moved before its creation
		frappe.local.lang = "en"
		task = make_task()
		with self.assertRaises(frappe.ValidationError):
			answer(task.name, as_user=LEAD_A, checkup_date=add_days(today(), -3))
		self.assertEqual(frappe.db.get_value("Sales Task", task.name, "checkup_date"), task.checkup_date)

	def test_stuck_and_overdue_for_the_morning_report(self):
		t = today()
		past_due = make_task("_SDT A1", title="past due")
		backdate(past_due.name, add_days(t, -1), add_days(t, 3))
		missed_checkup = make_task("_SDT A2", title="missed check-up")
		backdate(missed_checkup.name, add_days(t, 5), add_days(t, -2))
		due_today = make_task("_SDT A1", title="due today")
		backdate(due_today.name, t, t)
		stuck = make_task("_SDT A2", title="stuck")
		answer(stuck.name, as_user=M2, status="Stuck on a Question", question="Who pays for delivery?")
		done_late = make_task("_SDT A1", title="answered late")
		answer(done_late.name, status="Not Done")
		backdate(done_late.name, add_days(t, -4), add_days(t, -4))
		other_team = make_task("_SDT B1", as_user=LEAD_B, title="other team")
		backdate(other_team.name, add_days(t, -1), add_days(t, -1))

		rows = checkups.stuck_and_overdue(t, PEOPLE)
		got = {r["name"]: r["reason"] for r in rows}
		self.assertEqual(
			got,
			{
				past_due.name: "Overdue",
				missed_checkup.name: "Overdue",
				stuck.name: "Stuck",
				other_team.name: "Overdue",
			},
		)
		row = next(r for r in rows if r["name"] == stuck.name)
		self.assertEqual(
			{k: row[k] for k in ("title", "sales_person", "assigned_to", "team_lead", "status", "question")},
			{
				"title": "stuck",
				"sales_person": "_SDT A2",
				"assigned_to": M2,
				"team_lead": LEAD_A,
				"status": "Stuck on a Question",
				"question": "Who pays for delivery?",
			},
		)
		self.assertEqual(
			set(rows[0]),
			{
				"name",
				"title",
				"sales_person",
				"assigned_to",
				"team_lead",
				"status",
				"due_date",
				"checkup_date",
				"reason",
				"question",
			},
		)
		self.assertEqual(
			{r["name"] for r in checkups.stuck_and_overdue(t, ["_SDT A2"])}, {missed_checkup.name, stuck.name}
		)
		self.assertEqual(checkups.stuck_and_overdue(t, []), [])
		# tomorrow the task due today is overdue too; a week ago only the stuck one shows
		self.assertIn(due_today.name, {r["name"] for r in checkups.stuck_and_overdue(add_days(t, 1), PEOPLE)})
		self.assertEqual(
			{r["name"] for r in checkups.stuck_and_overdue(add_days(t, -7), PEOPLE)}, {stuck.name}
		)

	def test_the_board_counts_per_manager_for_the_team(self):
		t = today()
		for status, extra in (
			("Done", {}),
			("Not Done", {}),
			("Done Differently", {"answer_note": "emails"}),
			("Stuck on a Question", {"question": "Which price list?"}),
		):
			answer(make_task("_SDT A1", title=status).name, status=status, **extra)
		late = make_task("_SDT A1", title="late")
		backdate(late.name, add_days(t, -2), add_days(t, -1))
		make_task("_SDT A1", title="fresh")
		make_task("_SDT A2", title="a2 open")
		make_task("_SDT B1", as_user=LEAD_B, title="b1 open")

		frappe.set_user(LEAD_A)
		try:
			columns, data, _m, chart, summary = board_report({"view": "Board"})
			_c, attention = board_report({"view": "Stuck and Overdue"})[:2]
			_c, done_only = board_report({"view": "All Tasks", "status": "Done"})[:2]
		finally:
			frappe.set_user("Administrator")
		rows = {r["sales_person"]: r for r in data if not r.get("bold")}
		self.assertEqual(set(rows), {"_SDT A1", "_SDT A2"})  # not the other team's B1
		a1 = rows["_SDT A1"]
		self.assertEqual(
			{k: a1[k] for k in ("open", "done", "not_done", "done_differently", "stuck", "overdue", "total")},
			{
				"open": 2,
				"done": 1,
				"not_done": 1,
				"done_differently": 1,
				"stuck": 1,
				"overdue": 1,
				"total": 6,
			},
		)
		self.assertEqual((rows["_SDT A2"]["open"], rows["_SDT A2"]["total"]), (1, 1))
		self.assertEqual(data[-1]["total"], 7)
		self.assertEqual({s["label"]: s["value"] for s in summary}["Overdue"], 1)
		self.assertEqual({r["title"] for r in attention}, {"late", "Stuck on a Question"})
		self.assertEqual([r["title"] for r in done_only], ["Done"])
		# the head of sales sees both teams; filtered by a team lead, only that team
		frappe.set_user(HEAD)
		try:
			people = {r["sales_person"] for r in board_report({})[1] if not r.get("bold")}
			team_b = {r["sales_person"] for r in board_report({"team_lead": LEAD_B})[1] if not r.get("bold")}
		finally:
			frappe.set_user("Administrator")
		self.assertTrue({"_SDT A1", "_SDT A2", "_SDT B1"} <= people)
		self.assertEqual(team_b, {"_SDT B1"})

	def test_checkup_reminder_once_per_task(self):
		t = today()
		due = make_task("_SDT A1", title="check-up today", checkup_date=t, due_date=t)
		later = make_task("_SDT A1", title="check-up later")
		answered = make_task("_SDT A2", title="answered", checkup_date=t, due_date=t)
		answer(answered.name, as_user=M2, status="Done")
		self.assertGreaterEqual(checkups.remind_checkups(t), 1)
		logs = frappe.get_all(
			"Notification Log",
			filters={"document_type": "Sales Task", "subject": ["like", "Check-up today%"]},
			fields=["for_user", "document_name"],
		)
		self.assertIn({"for_user": M1, "document_name": due.name}, logs)
		self.assertNotIn(later.name, {log.document_name for log in logs})
		self.assertNotIn(answered.name, {log.document_name for log in logs})
		self.assertEqual(frappe.db.get_value("Sales Task", due.name, "reminded_on"), t)
		self.assertEqual(checkups.remind_checkups(t), 0)  # never twice
		# moving the check-up date re-arms the reminder
		answer(due.name, as_user=LEAD_A, checkup_date=add_days(t, 2))
		self.assertIsNone(frappe.db.get_value("Sales Task", due.name, "reminded_on"))


class TestTaskCheckupsOverRest(FrappeAPITestCase):
	"""The same rules through /api: lists, single reads, answers and the board report."""

	tasks: dict = {}
	keys: dict = {}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_people()
		cls.keys.update(api_tokens(ROLES))
		frappe.db.delete("Sales Task", {"sales_person": ["in", PEOPLE]})
		cls.tasks = {
			"A1": make_task("_SDT A1", title="REST A1").name,
			"A1_ANSWER": make_task("_SDT A1", title="REST A1 answer").name,
			"B1": make_task("_SDT B1", as_user=LEAD_B, title="REST B1").name,
		}
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		names = list(cls.tasks.values())
		frappe.db.delete("ToDo", {"reference_type": "Sales Task", "reference_name": ["in", names]})
		frappe.db.delete("Notification Log", {"document_type": "Sales Task", "document_name": ["in", names]})
		frappe.db.delete("Sales Task", {"name": ["in", names]})
		frappe.db.commit()
		super().tearDownClass()

	def as_user(self, user):
		return {"headers": {"Authorization": self.keys[user]}}

	def ours(self, names):
		mine = {v: k for k, v in self.tasks.items()}
		return {mine[n] for n in names if n in mine}

	def test_lists_and_single_reads(self):
		expected = {
			LEAD_A: {"A1", "A1_ANSWER"},
			LEAD_B: {"B1"},
			M1: {"A1", "A1_ANSWER"},
			M2: set(),
			M3: {"B1"},
			HEAD: {"A1", "A1_ANSWER", "B1"},
		}
		for user, keys in expected.items():
			with self.subTest(user=user):
				response = self.get(
					self.resource("Sales Task"), {"limit_page_length": 0}, **self.as_user(user)
				)
				self.assertEqual(response.status_code, 200, response.text)
				self.assertEqual(self.ours(r["name"] for r in response.json["data"]), keys)
				for key, name in self.tasks.items():
					response = self.get(self.resource("Sales Task", name), **self.as_user(user))
					self.assertEqual(response.status_code, 200 if key in keys else 403, (key, response.text))

	def test_answers_through_rest(self):
		name = self.tasks["A1_ANSWER"]
		# the manager may not move the dates, another manager may not answer
		response = self.put(
			self.resource("Sales Task", name), {"due_date": str(add_days(today(), 40))}, **self.as_user(M1)
		)
		self.assertEqual(response.status_code, 417, response.text)
		response = self.put(self.resource("Sales Task", name), {"status": "Done"}, **self.as_user(M2))
		self.assertEqual(response.status_code, 403, response.text)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Sales Task", name, "status"), "Open")
		# the manager answers
		response = self.put(
			self.resource("Sales Task", name),
			{"status": "Stuck on a Question", "question": "May I promise delivery in May?"},
			**self.as_user(M1),
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json["data"]["checked_by"], M1)
		# the other team's lead gets neither the task nor its manager on the board
		response = self.get(
			self.method("frappe.desk.query_report.run"),
			{"report_name": "Task Check-up Board", "filters": json.dumps({"view": "All Tasks"})},
			**self.as_user(LEAD_B),
		)
		self.assertEqual(response.status_code, 200, response.text)
		titles = {r.get("title") for r in response.json["message"]["result"] if isinstance(r, dict)}
		self.assertIn("REST B1", titles)
		self.assertFalse(titles & {"REST A1", "REST A1 answer"})
