"""Coaching module on a real site: bad input, action items as ToDos, the report, and who sees what.

The permission tests go through the REST API as each role (coach, team lead, two managers, head
of sales), with API keys. REST requests run in another thread with their own database connection,
so :class:`TestCoachingPrivacyOverRest` commits its fixtures and deletes them in tearDownClass.

Team structure used (Sales Person tree, users through Employee.user_id):

    _SDC Head (group, head of sales: Sales Manager + Sales User)
      _SDC Team (group, team lead: Sales Team Lead)
        _SDC M1 (manager 1: Sales User)
        _SDC M2 (manager 2: Sales User)
    coach: Sales Coach, outside the tree
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import frappe
from frappe.tests.test_api import FrappeAPITestCase
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from sales_drive.sales_drive.report.coaching_summary.coaching_summary import execute as coaching_summary
from sales_drive.sales_drive.report.coaching_summary.coaching_summary import (
	get_chart as coaching_summary_chart,
)
from sales_drive.tests.utils import api_tokens, ensure_employee, ensure_sales_person, ensure_user

COACH = "sdc.coach@example.com"
LEAD = "sdc.lead@example.com"
M1 = "sdc.m1@example.com"
M2 = "sdc.m2@example.com"
HEAD = "sdc.head@example.com"
ROLES = {
	COACH: ["Sales Coach"],
	LEAD: ["Sales Team Lead", "Sales User"],
	M1: ["Sales User"],
	M2: ["Sales User"],
	HEAD: ["Sales Manager", "Sales User"],
}
SCRIPT = "_SDC Outgoing Call"
SECRET = "SDC-SECRET"


def today():
	return getdate(nowdate())


def ensure_people():
	"""Users, employees and the Sales Person tree above (idempotent)."""
	frappe.set_user("Administrator")
	for user, roles in ROLES.items():
		ensure_user(user, roles)
	for user in (HEAD, LEAD, M1, M2):
		ensure_employee(user, user.split("@")[0])
	tree = [
		("_SDC Head", "Sales Team", 1, HEAD),
		("_SDC Team", "_SDC Head", 1, LEAD),
		("_SDC M1", "_SDC Team", 0, M1),
		("_SDC M2", "_SDC Team", 0, M2),
	]
	for name, parent, is_group, user in tree:
		ensure_sales_person(name, user, parent, is_group)


def ensure_script():
	if not frappe.db.exists("Call Script", SCRIPT):
		frappe.get_doc(
			{
				"doctype": "Call Script",
				"script_name": SCRIPT,
				"mandatory_cap": 50,
				"criteria": [
					{"criterion": "Greeting", "weight": 10, "scale_max": 1, "mandatory": 1},
					{"criterion": "Needs questions", "weight": 40, "scale_max": 5},
					{"criterion": "Budget asked", "weight": 20, "scale_max": 1, "mandatory": 1},
					{"criterion": "Next step agreed", "weight": 30, "scale_max": 5},
				],
			}
		).insert(ignore_permissions=True)
	return SCRIPT


def session(coach=COACH, people=(M1,), items=None, **kw):
	return frappe.get_doc(
		{
			"doctype": "Coaching Session",
			"session_date": kw.pop("session_date", add_days(nowdate(), -10)),
			"kind": kw.pop("kind", "Problem Zone"),
			"coach": coach,
			"participants": [{"user": u} for u in people],
			"observations": kw.pop("observations", f"{SECRET} observation"),
			"action_items": items or [],
			**kw,
		}
	)


def review(manager=M1, reviewer=COACH, scores=(1, 4, 1, 3), **kw):
	names = ["Greeting", "Needs questions", "Budget asked", "Next step agreed"]
	return frappe.get_doc(
		{
			"doctype": "Call Review",
			"call_script": ensure_script(),
			"manager": manager,
			"reviewer": reviewer,
			"review_date": kw.pop("review_date", add_days(nowdate(), -5)),
			"recording_url": "https://records.example.com/call/1",
			"comments": kw.pop("comments", f"{SECRET} comment"),
			"scores": [{"criterion": n, "score": s} for n, s in zip(names, scores, strict=True)],
			**kw,
		}
	)


def feedback(**kw):
	return frappe.get_doc(
		{
			"doctype": "Sales Feedback",
			"direction": "Team Lead to Manager",
			"recipient": M1,
			"what_worked": "Calls in the morning",
			"what_to_change": f"{SECRET} feedback",
			"ratings": [{"skill": "Closing", "rating": 4}],
			**kw,
		}
	)


class TestCoachingBadInput(FrappeTestCase):
	"""Each bad input of the issue: a clear error, and nothing saved."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_people()
		ensure_script()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"

	def tearDown(self):
		frappe.local.lang = "en"

	def assert_refused(self, doc, text):
		before = frappe.db.count(doc.doctype)
		todos = frappe.db.count("ToDo")
		with self.assertRaises(frappe.ValidationError) as ctx:
			doc.insert()
		self.assertIn(text, str(ctx.exception))
		self.assertEqual(frappe.db.count(doc.doctype), before)
		self.assertEqual(frappe.db.count("ToDo"), todos)

	def test_script_weights_must_add_up_to_100(self):
		doc = frappe.get_doc(
			{
				"doctype": "Call Script",
				"script_name": "_SDC Bad Weights",
				"criteria": [
					{"criterion": "A", "weight": 50, "scale_max": 1},
					{"criterion": "B", "weight": 40, "scale_max": 5},
				],
			}
		)
		self.assert_refused(doc, "The weights of the criteria add up to 90, not 100")

	def test_script_error_is_translated(self):
		frappe.local.lang = "ru"
		doc = frappe.get_doc(
			{
				"doctype": "Call Script",
				"script_name": "_SDC Bad RU",
				"criteria": [{"criterion": "A", "weight": 90}],
			}
		)
		self.assert_refused(doc, "Сумма весов критериев равна 90, а не 100")

	def test_review_score_outside_the_scale(self):
		self.assert_refused(
			review(scores=(2, 4, 1, 3)), "Criterion Greeting: the score 2 is outside its scale from 0 to 1"
		)
		self.assert_refused(review(scores=(1, 6, 1, 3)), "the score 6 is outside its scale from 0 to 5")

	def test_action_item_without_owner_or_due_date(self):
		self.assert_refused(
			session(items=[{"description": "Call three lost clients", "due_date": add_days(nowdate(), 5)}]),
			"Action item 1 has no owner",
		)
		self.assert_refused(
			session(items=[{"description": "Call three lost clients", "responsible": M1}]),
			"Action item 1 has no due date",
		)

	def test_follow_up_before_the_session(self):
		self.assert_refused(session(follow_up_date=add_days(nowdate(), -20)), "is before the session date")

	def test_anonymous_feedback_addressed_to_nobody(self):
		frappe.set_user(M1)
		self.assert_refused(
			feedback(direction="Manager to Team Lead", anonymous=1, recipient=None),
			"Anonymous feedback must be addressed to someone",
		)

	def test_anonymous_only_from_manager_to_team_lead(self):
		frappe.set_user(LEAD)
		self.assert_refused(
			feedback(anonymous=1), "Only feedback from a manager to a team lead can be anonymous"
		)

	def test_session_needs_someone_coached(self):
		self.assert_refused(session(people=()), "Add the team lead or the managers being coached")

	def test_sprint_with_more_than_20_processes(self):
		doc = frappe.get_doc(
			{
				"doctype": "Sprint",
				"title": "_SDC Sprint",
				"start_date": nowdate(),
				"processes": [{"process_name": f"P{i}", "responsible": LEAD} for i in range(21)],
			}
		)
		self.assert_refused(doc, "A sprint runs at most 20 processes at once, not 21")

	def test_review_is_scored_with_the_cap(self):
		doc = review(scores=(1, 5, 0, 5)).insert()
		self.assertEqual((doc.raw_score, doc.score, doc.passed), (80, 50, 0))
		self.assertEqual(doc.missed_items, "Budget asked")


class TestActionItemsAndToDos(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_people()
		ensure_script()

	def setUp(self):
		frappe.set_user("Administrator")

	def todo_of(self, row):
		return frappe.get_doc("ToDo", row.todo)

	def test_each_item_becomes_a_todo_and_closing_it_marks_the_item_done(self):
		due = add_days(nowdate(), 7)
		doc = session(
			items=[
				{"description": "Ask for the budget on every call", "responsible": M1, "due_date": due},
				{"description": "Listen to two calls", "responsible": LEAD, "due_date": due},
			]
		).insert()
		first, second = doc.action_items
		self.assertTrue(first.todo and second.todo)
		todo = self.todo_of(first)
		self.assertEqual(
			(todo.allocated_to, str(todo.date), todo.status, todo.reference_type, todo.reference_name),
			(M1, str(due), "Open", "Coaching Session", doc.name),
		)
		frappe.set_user(M1)  # the owner closes their ToDo
		todo.status = "Closed"
		todo.save()
		frappe.set_user("Administrator")
		doc.reload()
		self.assertEqual([r.status for r in doc.action_items], ["Done", "Open"])
		self.assertEqual(getdate(doc.action_items[0].completed_on), today())
		# reopening the ToDo reopens the item
		todo.reload()
		todo.status = "Open"
		todo.save()
		self.assertEqual(frappe.db.get_value("Coaching Action Item", first.name, "status"), "Open")

	def test_item_done_in_the_session_closes_the_todo_and_removed_item_cancels_it(self):
		due = add_days(nowdate(), 3)
		doc = session(
			items=[
				{"description": "A", "responsible": M1, "due_date": due},
				{"description": "B", "responsible": M1, "due_date": due},
			]
		).insert()
		todo_a, todo_b = (r.todo for r in doc.action_items)
		doc.action_items[0].status = "Done"
		doc.save()
		self.assertEqual(frappe.db.get_value("ToDo", todo_a, "status"), "Closed")
		doc.reload()
		doc.remove(doc.action_items[1])
		doc.save()
		self.assertEqual(frappe.db.get_value("ToDo", todo_b, "status"), "Cancelled")

	def test_editing_an_item_updates_its_todo_but_does_not_reopen_a_closed_one(self):
		doc = session(
			items=[{"description": "A", "responsible": M1, "due_date": add_days(nowdate(), 3)}]
		).insert()
		todo = doc.action_items[0].todo
		frappe.db.set_value("ToDo", todo, "status", "Closed")
		doc.reload()
		doc.action_items[0].due_date = add_days(nowdate(), 9)
		doc.agreed_goals = "More meetings"
		doc.save()
		self.assertEqual(str(frappe.db.get_value("ToDo", todo, "date")), add_days(nowdate(), 9))
		self.assertEqual(frappe.db.get_value("ToDo", todo, "status"), "Closed")

	def test_sprint_retrospective_items_and_process_reminders(self):
		start = nowdate()
		sprint = frappe.get_doc(
			{
				"doctype": "Sprint",
				"title": "_SDC Sprint 1",
				"team": "_SDC Team",
				"start_date": start,
				"processes": [
					{
						"process_name": "Daily planning",
						"responsible": LEAD,
						"start_date": start,
						"end_date": add_days(start, 13),
						"reminder_date": add_days(start, 2),
					}
				],
				"action_items": [
					{"description": "Shorter stand-ups", "responsible": LEAD, "due_date": add_days(start, 13)}
				],
			}
		).insert()
		self.assertEqual(str(sprint.end_date), add_days(start, 13))  # two weeks by default
		self.assertEqual(frappe.db.get_value("ToDo", sprint.action_items[0].todo, "allocated_to"), LEAD)
		reminder = frappe.db.get_value(
			"Reminder", sprint.processes[0].reminder, ["user", "remind_at", "reminder_docname"], as_dict=True
		)
		self.assertEqual(
			(reminder.user, str(reminder.remind_at.date()), reminder.reminder_docname),
			(LEAD, add_days(start, 2), sprint.name),
		)
		todo = frappe.get_doc("ToDo", sprint.action_items[0].todo)
		todo.status = "Closed"
		todo.save()
		self.assertEqual(
			frappe.db.get_value("Coaching Action Item", sprint.action_items[0].name, "status"), "Done"
		)

	def test_coaching_summary_aggregates(self):
		past = add_days(nowdate(), -3)
		session(
			people=(M2,),
			items=[
				{
					"description": "late",
					"responsible": M2,
					"due_date": add_days(nowdate(), -1),
					"status": "Open",
				},
				{
					"description": "done",
					"responsible": M2,
					"due_date": add_days(nowdate(), 2),
					"status": "Done",
				},
				{"description": "open", "responsible": M2, "due_date": add_days(nowdate(), 2)},
			],
			session_date=add_days(nowdate(), -5),
		).insert()
		review(manager=M2, scores=(1, 5, 1, 5), review_date=past).insert()
		review(manager=M2, scores=(1, 5, 0, 5), review_date=past).insert()
		columns, rows, _msg, chart, summary = coaching_summary(
			{"from_date": add_days(nowdate(), -30), "to_date": nowdate(), "kpi_window": 30}
		)
		row = next(r for r in rows if r["user"] == M2)
		self.assertEqual(row["sessions"], 1)
		self.assertEqual((row["items_done"], row["items_open"], row["items_overdue"]), (1, 1, 1))
		self.assertEqual(row["reviews"], 2)
		self.assertEqual(row["average_score"], 75.0)  # 100 and 50 (capped)
		self.assertEqual(row["passed_rate"], 50.0)
		self.assertIsNotNone(row["won_before"])
		fieldnames = {c["fieldname"] for c in columns}
		self.assertFalse(fieldnames & {"observations", "comments", "agreed_goals", "what_to_change"})
		self.assertNotIn(SECRET, json.dumps([rows, chart, summary], default=str))
		# the person once: the user link, no second column with the same name
		self.assertEqual([c["fieldname"] for c in columns].count("user"), 1)
		self.assertNotIn("full_name", fieldnames)

	def test_coaching_summary_chart_is_a_line_only_with_two_points(self):
		def point(month, average):
			return SimpleNamespace(key=M2, period=getdate(f"2026-{month:02d}-01"), average=average, count=1)

		self.assertIsNone(coaching_summary_chart([]))
		one = coaching_summary_chart([point(1, 80)])
		self.assertEqual(one["type"], "bar")
		self.assertEqual(one["data"]["datasets"][0]["values"], [80.0])
		two = coaching_summary_chart([point(1, 80), point(2, 60)])
		self.assertEqual(two["type"], "line")
		self.assertEqual(len(two["data"]["labels"]), 2)


class TestCoachingSessionTitle(FrappeTestCase):
	"""A title the user typed is kept; an empty one is made from the kind, in the user's language."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_people()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"

	def tearDown(self):
		frappe.local.lang = "en"

	def test_typed_title_is_kept(self):
		doc = session(title="Cold calls in March").insert()
		self.assertEqual(doc.title, "Cold calls in March")
		doc.kind = "Strategic"
		doc.save()
		self.assertEqual(frappe.db.get_value("Coaching Session", doc.name, "title"), "Cold calls in March")

	def test_empty_title_is_made_in_the_users_language(self):
		frappe.local.lang = "ru"
		doc = session(kind="Problem Zone").insert()
		self.assertTrue(doc.title.startswith("Проблемная зона: "), doc.title)
		self.assertNotIn("Problem Zone", doc.title)
		# once made, it is the session's title: another save (in another language) keeps it
		frappe.local.lang = "en"
		title = doc.title
		doc.save()
		self.assertEqual(doc.title, title)
		# cleared, it is made again
		doc.title = "  "
		doc.save()
		self.assertTrue(doc.title.startswith("Problem Zone: "), doc.title)


class TestCoachingPrivacyOverRest(FrappeAPITestCase):
	"""The permission matrix through /api: lists, single reads, report view, exports, reports, search."""

	docs: dict = {}
	keys: dict = {}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_people()
		ensure_script()
		cls.keys.update(api_tokens(ROLES))
		due = add_days(nowdate(), 5)
		frappe.set_user(COACH)
		cls.docs["S_M1"] = (
			session(
				people=(M1,),
				observations=f"{SECRET}-S_M1 talks over the client",
				agreed_goals=f"{SECRET}-goal",
				items=[{"description": f"{SECRET}-item", "responsible": M1, "due_date": due}],
			)
			.insert()
			.name
		)
		cls.docs["S_LEAD"] = session(people=(LEAD,), observations=f"{SECRET}-S_LEAD").insert().name
		cls.docs["R_M1"] = review(manager=M1, reviewer=COACH, comments=f"{SECRET}-R_M1").insert().name
		frappe.set_user(LEAD)
		cls.docs["F_M1"] = feedback(recipient=M1, what_to_change=f"{SECRET}-F_M1").insert().name
		frappe.set_user(M2)
		cls.docs["F_ANON"] = (
			feedback(
				direction="Manager to Team Lead",
				anonymous=1,
				recipient=LEAD,
				what_to_change=f"{SECRET}-F_ANON",
			)
			.insert()
			.name
		)
		frappe.set_user("Administrator")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for key, name in cls.docs.items():
			doctype = {"S": "Coaching Session", "R": "Call Review", "F": "Sales Feedback"}[key[0]]
			if doctype == "Coaching Session":
				frappe.db.delete("ToDo", {"reference_type": doctype, "reference_name": name})
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	# who reads what (the matrix of coaching_permissions.py)
	EXPECTED = {
		COACH: {"S_M1", "S_LEAD", "R_M1"},
		LEAD: {"S_M1", "S_LEAD", "R_M1", "F_M1", "F_ANON"},
		M1: {"S_M1", "R_M1", "F_M1"},
		M2: set(),  # not even their own anonymous feedback
		HEAD: set(),
	}
	DOCTYPES = {
		"S": ("Coaching Session", "observations"),
		"R": ("Call Review", "comments"),
		"F": ("Sales Feedback", "what_to_change"),
	}

	def as_user(self, user):
		return {"headers": {"Authorization": self.keys[user]}}

	def ours(self, names):
		mine = {v: k for k, v in self.docs.items()}
		return {mine[n] for n in names if n in mine}

	def test_lists_with_private_fields(self):
		for user, expected in self.EXPECTED.items():
			for prefix, (doctype, field) in self.DOCTYPES.items():
				with self.subTest(user=user, doctype=doctype):
					response = self.get(
						self.resource(doctype),
						{"fields": json.dumps(["name", field]), "limit_page_length": 0},
						**self.as_user(user),
					)
					if response.status_code == 403:
						seen = set()
					else:
						self.assertEqual(response.status_code, 200, response.text)
						seen = self.ours(r["name"] for r in response.json["data"])
						for r in response.json["data"]:
							if r["name"] not in self.docs.values():
								continue
							key = self.ours([r["name"]]).pop()
							self.assertIn(key, expected)
					self.assertEqual(seen, {k for k in expected if k[0] == prefix})

	def test_single_reads(self):
		for user, expected in self.EXPECTED.items():
			for key, name in self.docs.items():
				doctype, field = self.DOCTYPES[key[0]]
				with self.subTest(user=user, doc=key):
					response = self.get(self.resource(doctype, name), **self.as_user(user))
					if key in expected:
						self.assertEqual(response.status_code, 200, response.text)
						self.assertIn(SECRET, response.json["data"][field])
					else:
						self.assertEqual(response.status_code, 403, response.text)
						self.assertNotIn(SECRET, response.text)

	def test_head_of_sales_gets_no_notes_anywhere(self):
		head = self.as_user(HEAD)
		# report view (the list's "Report" mode), with child-table columns too
		response = self.post(
			self.method("frappe.desk.reportview.get"),
			{
				"doctype": "Coaching Session",
				"fields": json.dumps(
					[
						"`tabCoaching Session`.name",
						"`tabCoaching Session`.observations",
						"`tabCoaching Action Item`.description",
					]
				),
			},
			**head,
		)
		self.assertNotIn(SECRET, response.text)
		# child table queried directly
		for child, parent in (
			("Coaching Action Item", "Coaching Session"),
			("Coaching Participant", "Coaching Session"),
			("Call Review Score", "Call Review"),
		):
			response = self.get(
				self.resource(child),
				{"parent": parent, "fields": json.dumps(["*"]), "limit_page_length": 0},
				**head,
			)
			self.assertIn(response.status_code, (200, 403), response.text)
			self.assertNotIn(SECRET, response.text)
			if response.status_code == 200:
				self.assertFalse({r.get("parent") for r in response.json["data"]} & set(self.docs.values()))
		# export of the report view
		response = self.post(
			self.method("frappe.desk.reportview.export_query"),
			{
				"doctype": "Coaching Session",
				"file_format_type": "CSV",
				"fields": json.dumps(["`tabCoaching Session`.name", "`tabCoaching Session`.observations"]),
				"filters": json.dumps([]),
			},
			**head,
		)
		self.assertIn(response.status_code, (200, 403))
		self.assertNotIn(SECRET, response.get_data(as_text=True))
		for key in ("S_M1", "S_LEAD"):
			self.assertNotIn(self.docs[key], response.get_data(as_text=True))
		# get_value / get_count / link search
		response = self.get(
			self.method("frappe.client.get_value"),
			{
				"doctype": "Coaching Session",
				"fieldname": "observations",
				"filters": json.dumps({"name": self.docs["S_M1"]}),
			},
			**head,
		)
		self.assertNotIn(SECRET, response.text)
		# the list's count goes by the row rules (frappe.client.get_count counts any table unchecked:
		# a number, never a note, and the head of sales gets the counts in the report anyway)
		response = self.get(
			self.method("frappe.desk.reportview.get_count"), {"doctype": "Coaching Session"}, **head
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json["message"], 0)
		response = self.get(
			self.method("frappe.desk.search.search_link"), {"doctype": "Coaching Session", "txt": ""}, **head
		)
		self.assertNotIn(self.docs["S_M1"], response.text)
		# global search: nothing of the private doctypes is indexed
		response = self.get(self.method("frappe.utils.global_search.search"), {"text": SECRET}, **head)
		self.assertNotIn(SECRET, response.text)
		self.assertFalse(
			frappe.db.sql("select 1 from `__global_search` where content like %s", f"%{SECRET}%")
		)

	def test_head_of_sales_reads_the_aggregates(self):
		filters = {"from_date": add_days(nowdate(), -60), "to_date": nowdate()}
		response = self.post(
			self.method("frappe.desk.query_report.run"),
			{"report_name": "Coaching Summary", "filters": json.dumps(filters)},
			**self.as_user(HEAD),
		)
		self.assertEqual(response.status_code, 200, response.text)
		result = response.json["message"]["result"]
		self.assertNotIn(SECRET, response.text)
		row = next(r for r in result if isinstance(r, dict) and r.get("user") == M1)
		self.assertGreaterEqual(row["sessions"], 1)
		self.assertGreaterEqual(row["reviews"], 1)
		# the export of the report: aggregates, no notes
		response = self.post(
			self.method("frappe.desk.query_report.export_query"),
			{
				"report_name": "Coaching Summary",
				"file_format_type": "CSV",
				"filters": json.dumps(filters),
				"visible_idx": json.dumps(list(range(len(result)))),
			},
			**self.as_user(HEAD),
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])
		text = response.get_data(as_text=True)
		self.assertNotIn(SECRET, text)
		self.assertIn(M1, text)
		# managers do not get the report
		response = self.post(
			self.method("frappe.desk.query_report.run"),
			{"report_name": "Coaching Summary", "filters": json.dumps(filters)},
			**self.as_user(M2),
		)
		self.assertEqual(response.status_code, 403)

	def test_nobody_writes_themselves_in_and_nobody_shares(self):
		name = self.docs["S_M1"]
		# the team lead may read it but cannot take it over by naming themselves the coach
		response = self.put(self.resource("Coaching Session", name), {"coach": LEAD}, **self.as_user(LEAD))
		self.assertEqual(response.status_code, 403, response.text)
		response = self.put(self.resource("Coaching Session", name), {"coach": HEAD}, **self.as_user(HEAD))
		self.assertEqual(response.status_code, 403, response.text)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Coaching Session", name, "coach"), COACH)
		# not even the coach can share it with the head of sales
		response = self.post(
			self.method("frappe.share.add"),
			{"doctype": "Coaching Session", "name": name, "user": HEAD, "read": 1},
			**self.as_user(COACH),
		)
		self.assertNotEqual(response.status_code, 200)
		frappe.db.rollback()
		self.assertFalse(
			frappe.db.exists("DocShare", {"share_doctype": "Coaching Session", "share_name": name})
		)
		# the coach edits their own session
		response = self.put(
			self.resource("Coaching Session", name),
			{"agreed_goals": f"{SECRET}-goal 2"},
			**self.as_user(COACH),
		)
		self.assertEqual(response.status_code, 200, response.text)

	def test_anonymous_feedback_keeps_no_trace_of_its_author(self):
		name = self.docs["F_ANON"]
		row = frappe.db.get_value(
			"Sales Feedback", name, ["author", "owner", "modified_by", "recipient"], as_dict=True
		)
		self.assertEqual(
			(row.author, row.owner, row.modified_by, row.recipient), (None, "Guest", "Guest", LEAD)
		)
		for table in ("Sales Feedback", "Sales Feedback Rating"):
			column = "name" if table == "Sales Feedback" else "parent"
			values = frappe.db.sql(f"select * from `tab{table}` where {column} = %s", name, as_dict=True)
			self.assertTrue(values)
			self.assertNotIn(M2, json.dumps(values, default=str))
		self.assertFalse(frappe.db.exists("Version", {"ref_doctype": "Sales Feedback", "docname": name}))
		# the recipient reads it, and sees no author
		response = self.get(self.resource("Sales Feedback", name), **self.as_user(LEAD))
		self.assertEqual(response.status_code, 200, response.text)
		self.assertNotIn(M2, response.text)
		self.assertIn(SECRET, response.text)
