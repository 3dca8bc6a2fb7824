"""Trust, privacy and pay (issue 14, items 1-4 and 10), attacked over REST as each role.

REST requests run in another thread with their own database connection, so the class commits its
fixtures in setUpClass and deletes them in tearDownClass (and purges leftovers of a broken run first).

Sales Person tree (users through Employee.user_id):

    _SDP Dept (group; DEPT: Sales Team Lead — a higher group lead)
      _SDP Team A (group; LEAD: Sales Team Lead)
        _SDP M1 (M1: Sales User, coached by COACH)
        _SDP M2 (M2: Sales User)
      _SDP Team B (group; LEADB: Sales Team Lead)
        _SDP M3 (M3: Sales User)
    HEAD: Sales Manager (the head of sales), no Sales Person
    COACH: Sales Coach; SYS: System Manager
"""

from __future__ import annotations

import json

import frappe
from frappe.utils import add_days, get_first_day, get_last_day, now_datetime, nowdate

from sales_drive.tests.utils import TokenAPITestCase, api_tokens, company, ensure_sales_person, ensure_user

P = "_SDP"
DEPT, LEAD, LEADB = "sdp.dept@example.com", "sdp.lead@example.com", "sdp.leadb@example.com"
M1, M2, M3 = "sdp.m1@example.com", "sdp.m2@example.com", "sdp.m3@example.com"
HEAD, COACH, SYS = "sdp.head@example.com", "sdp.coach@example.com", "sdp.sys@example.com"
ROLES = {
	DEPT: ["Sales Team Lead", "Sales User"],
	LEAD: ["Sales Team Lead", "Sales User"],
	LEADB: ["Sales Team Lead", "Sales User"],
	M1: ["Sales User"],
	M2: ["Sales User"],
	M3: ["Sales User"],
	HEAD: ["Sales Manager", "Sales User"],
	COACH: ["Sales Coach"],
	SYS: ["System Manager"],
}
SP = {M1: f"{P} M1", M2: f"{P} M2", M3: f"{P} M3"}
PAY = {M1: 11111.11, M2: 22222.22, M3: 33333.33}  # each person's base pay, to look for in responses
SECRET = f"SDP-SECRET-{frappe.generate_hash(length=6)}"
SCRIPT = f"{P} Script"
USERS = tuple(ROLES)


def ensure_people():
	frappe.set_user("Administrator")
	for user, roles in ROLES.items():
		ensure_user(user, roles)
	for name, user, parent, is_group in (
		(f"{P} Dept", DEPT, "Sales Team", 1),
		(f"{P} Team A", LEAD, f"{P} Dept", 1),
		(f"{P} Team B", LEADB, f"{P} Dept", 1),
		(SP[M1], M1, f"{P} Team A", 0),
		(SP[M2], M2, f"{P} Team A", 0),
		(SP[M3], M3, f"{P} Team B", 0),
	):
		ensure_sales_person(name, user, parent, is_group)


def purge():
	"""Everything this module creates (also what a broken run left behind)."""
	frappe.set_user("Administrator")
	sessions = frappe.get_all("Coaching Session", filters={"coach": COACH}, pluck="name")
	reviews = frappe.get_all("Call Review", filters={"reviewer": ["in", [COACH, LEADB]]}, pluck="name")
	for doctype, names in (("Coaching Session", sessions), ("Call Review", reviews)):
		if names:
			frappe.db.delete("Comment", {"reference_doctype": doctype, "reference_name": ["in", names]})
			frappe.db.delete("ToDo", {"reference_type": doctype, "reference_name": ["in", names]})
		for name in names:
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.delete("ToDo", {"allocated_to": ["in", list(USERS)]})
	schemes = frappe.get_all("KPI Scheme", filters={"title": ["like", f"{P}%"]}, pluck="name")
	if schemes:
		cards = frappe.get_all("KPI Scorecard", filters={"kpi_scheme": ["in", schemes]}, pluck="name")
		if cards:
			frappe.db.delete("KPI Scorecard Line", {"parent": ["in", cards]})
			frappe.db.delete("KPI Scorecard", {"name": ["in", cards]})
		frappe.db.delete("KPI Scheme Component", {"parent": ["in", schemes]})
		frappe.db.delete("KPI Scheme Person", {"parent": ["in", schemes]})
		frappe.db.delete("KPI Scheme", {"name": ["in", schemes]})
	for plan in frappe.get_all("Sales Plan", filters={"title": ["like", f"{P}%"]}, pluck="name"):
		frappe.db.delete("Sales Plan Day", {"sales_plan": plan})
		frappe.db.delete("Sales Plan Allocation", {"parent": plan})
		frappe.db.delete("Sales Plan", {"name": plan})
	frappe.db.delete("Sales Stage Transition Log", {"reference_name": ["like", f"{P}-%"]})
	frappe.db.commit()


class TestTrustPrivacyOverRest(TokenAPITestCase):
	keys: dict = {}
	made: dict = {}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		purge()
		ensure_people()
		cls.keys.update(api_tokens(USERS))
		cls.far = add_days(nowdate(), 60)
		due = add_days(nowdate(), 3)
		co = company()

		# coaching: a session of M1 with an action item, a review of M1 (coach) and of M3 (team lead B)
		frappe.set_user(COACH)
		session = frappe.get_doc(
			{
				"doctype": "Coaching Session",
				"session_date": add_days(nowdate(), -10),
				"kind": "Problem Zone",
				"coach": COACH,
				"participants": [{"user": M1}],
				"observations": f"{SECRET} observation",
				"action_items": [{"description": f"{SECRET} item", "responsible": M1, "due_date": due}],
			}
		).insert()
		cls.made["session"] = session.name
		cls.made["coaching_todo"] = session.action_items[0].todo
		cls.made["review_m1"] = cls.review(M1, COACH, add_days(nowdate(), -5), (1, 4, 1, 3))
		frappe.set_user(LEADB)
		cls.made["review_m3"] = cls.review(M3, LEADB, add_days(nowdate(), -4), (1, 1, 0, 1))
		frappe.set_user("Administrator")
		cls.made["plain_todo"] = (
			frappe.get_doc({"doctype": "ToDo", "allocated_to": M1, "date": nowdate(), "description": "Call back"})
			.insert(ignore_permissions=True)
			.name
		)

		# pay: scheme A for M1 and M2, scheme B for team B; a scorecard each
		base = {"doctype": "KPI Scheme", "company": co, "enabled": 0, "period": "Month",
			"valid_from": get_first_day(nowdate()), "base_pay": 98765.43, "variable_pay": 1000,
			"components": [{"metric": "Calls", "weight": 100, "target": 5}]}  # fmt: skip
		cls.made["scheme_a"] = (
			frappe.get_doc({**base, "title": f"{P} A", "applies_to": "Sales Persons",
				"sales_persons": [{"sales_person": SP[M1]}, {"sales_person": SP[M2]}]}).insert().name
		)  # fmt: skip
		cls.made["scheme_b"] = (
			frappe.get_doc({**base, "title": f"{P} B", "applies_to": "Team", "team": f"{P} Team B"}).insert().name
		)
		cls.cards = {}
		for user, pay in PAY.items():
			scheme = cls.made["scheme_b"] if user == M3 else cls.made["scheme_a"]
			cls.cards[user] = (
				frappe.get_doc(
					{
						"doctype": "KPI Scorecard",
						"kpi_scheme": scheme,
						"sales_person": SP[user],
						"company": co,
						"from_date": get_first_day(nowdate()),
						"to_date": get_last_day(nowdate()),
						"currency": frappe.get_cached_value("Company", co, "default_currency"),
						"base_pay": pay,
						"variable": pay,
						"total": pay + 1,
						"lines": [{"metric": "Calls", "metric_key": "calls", "weight": 100, "payout": pay}],
					}
				)
				.insert(ignore_permissions=True)
				.name
			)

		# plans: a submitted plan of the three, its daily rows stored on submit
		plan = frappe.get_doc(
			{
				"doctype": "Sales Plan",
				"title": f"{P} Plan",
				"company": co,
				"basis": "Sales Invoice",
				"from_date": get_first_day(nowdate()),
				"to_date": get_last_day(nowdate()),
				"target_amount": 90000,
				"carry_over": "next_day",
				"allocation_method": "Equal",
				"allocations": [{"sales_person": SP[u]} for u in (M1, M2, M3)],
			}
		).insert()
		plan.submit()
		cls.made["plan"] = plan.name

		# the transition log: one row per person
		cls.logs = {}
		for user in (M1, M2, M3):
			log = frappe.get_doc(
				{
					"doctype": "Sales Stage Transition Log",
					"reference_doctype": "Opportunity",
					"reference_name": f"{P}-{user}",
					"kind": "Forward",
					"from_step": "Qualification",
					"to_step": "Needs Assessment",
					"transition_time": now_datetime(),
					"user": user,
					"record_owner": user,
					"sales_person": SP[user],
					"company": co,
					"amount": PAY[user],
					"verdict": "Passed",
				}
			)
			log.insert(ignore_permissions=True, ignore_links=True)
			cls.logs[user] = log.name
		frappe.db.commit()

	@classmethod
	def review(cls, manager, reviewer, day, scores):
		if not frappe.db.exists("Call Script", SCRIPT):
			frappe.get_doc(
				{
					"doctype": "Call Script",
					"script_name": SCRIPT,
					"criteria": [
						{"criterion": "Greeting", "weight": 10, "scale_max": 1, "mandatory": 1},
						{"criterion": "Needs questions", "weight": 40, "scale_max": 5},
						{"criterion": "Budget asked", "weight": 20, "scale_max": 1, "mandatory": 1},
						{"criterion": "Next step agreed", "weight": 30, "scale_max": 5},
					],
				}
			).insert(ignore_permissions=True)
		names = ["Greeting", "Needs questions", "Budget asked", "Next step agreed"]
		return (
			frappe.get_doc(
				{
					"doctype": "Call Review",
					"call_script": SCRIPT,
					"manager": manager,
					"reviewer": reviewer,
					"review_date": day,
					"comments": f"{SECRET} comment",
					"scores": [{"criterion": n, "score": s} for n, s in zip(names, scores, strict=True)],
				}
			)
			.insert()
			.name
		)

	@classmethod
	def tearDownClass(cls):
		purge()
		super().tearDownClass()

	# ------------------------------------------------------------------ helpers

	def call(self, as_user, method, **data):
		return self.post(self.method(method), data, headers={"Authorization": self.keys[as_user]})

	def ok(self, as_user, method, **data):
		response = self.call(as_user, method, **data)
		self.assertEqual(response.status_code, 200, f"{as_user} {method}: {response.text[:500]}")
		return response

	def names(self, user, doctype, **kw):
		response = self.ok(user, "frappe.client.get_list", doctype=doctype, fields=["name"], limit_page_length=0, **kw)
		return {r["name"] for r in response.json["message"]}

	def report(self, user, name, **filters):
		return self.call(user, "frappe.desk.query_report.run", report_name=name, filters=json.dumps(filters))

	# ------------------------------------------------------------------ 1. coaching ToDos in Sales Day

	def test_coaching_todos_stay_out_of_other_peoples_day(self):
		todo = self.made["coaching_todo"]
		for viewer in (HEAD, DEPT, LEAD, SYS):
			with self.subTest(viewer=viewer):
				response = self.ok(viewer, "sales_drive.day.get_my_day", sales_person=SP[M1], date=self.far)
				text = response.text
				self.assertNotIn(SECRET, text)
				self.assertNotIn(todo, text)
				day = response.json["message"]
				self.assertEqual([t["name"] for t in day["todos"]], [self.made["plain_todo"]])
				self.assertEqual(day["counts"]["todos"], 1)
		# the team's table counts it neither
		response = self.ok(HEAD, "sales_drive.day.get_team_day", date=self.far)
		row = next(r for r in response.json["message"]["rows"] if r["sales_person"] == SP[M1])
		self.assertEqual(row["todos"], 1)

	def test_the_coached_person_sees_the_item_text_in_their_own_day(self):
		day = self.ok(M1, "sales_drive.day.get_my_day", date=self.far).json["message"]
		mine = {t["name"]: t["description"] for t in day["todos"]}
		self.assertIn(self.made["coaching_todo"], mine)
		self.assertIn(SECRET, mine[self.made["coaching_todo"]])
		self.assertEqual(day["counts"]["todos"], 2)

	# ------------------------------------------------------------------ 4. System Manager and the ToDo text

	def test_todo_and_assignment_comment_carry_no_coaching_text(self):
		todos = self.ok(
			SYS, "frappe.client.get_list", doctype="ToDo", fields=["name", "description"],
			filters={"reference_name": self.made["session"]}, limit_page_length=0,
		).json["message"]  # fmt: skip
		self.assertEqual([t["name"] for t in todos], [self.made["coaching_todo"]])
		self.assertNotIn(SECRET, todos[0]["description"])
		self.assertIn(self.made["session"], todos[0]["description"])  # the link to the session
		comments = self.ok(
			SYS, "frappe.client.get_list", doctype="Comment", fields=["name", "content", "comment_type"],
			filters={"reference_name": self.made["session"]}, limit_page_length=0,
		).json["message"]  # fmt: skip
		self.assertIn("Assigned", {c["comment_type"] for c in comments})
		self.assertNotIn(SECRET, json.dumps(comments))
		# the assignee still reads the text in the session they take part in
		response = self.get(self.resource("Coaching Session", self.made["session"]), headers={"Authorization": self.keys[M1]})
		self.assertEqual(response.status_code, 200)
		self.assertIn(f"{SECRET} item", response.text)

	# ------------------------------------------------------------------ 10. the action item's todo link

	def test_action_item_cannot_take_over_another_todo(self):
		victim = frappe.get_doc(
			{"doctype": "ToDo", "allocated_to": M2, "date": nowdate(), "description": "Victim's own task"}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		frappe.set_user(COACH)  # a session of its own: the other tests count M1's ToDos
		session = frappe.get_doc(
			{
				"doctype": "Coaching Session",
				"session_date": nowdate(),
				"kind": "Problem Zone",
				"coach": COACH,
				"participants": [{"user": M1}],
				"action_items": [{"description": "A", "responsible": M1, "due_date": add_days(nowdate(), 90)}],
			}
		).insert()
		frappe.set_user("Administrator")
		frappe.db.commit()
		before = frappe.db.get_value("ToDo", victim.name, ["description", "allocated_to", "status", "date",
			"reference_type", "reference_name", "modified"], as_dict=True)  # fmt: skip
		row = session.action_items[0]
		own_todo = row.todo
		due = str(add_days(nowdate(), 90))
		response = self.put(
			self.resource("Coaching Session", session.name),
			{
				"action_items": [
					{"name": row.name, "description": f"{SECRET} item changed", "responsible": M1,
						"due_date": due, "status": "Open", "todo": victim.name},
					{"description": f"{SECRET} new", "responsible": M1, "due_date": due, "todo": victim.name},
					{"description": f"{SECRET} dropped", "responsible": M1, "due_date": due, "status": "Cancelled",
						"todo": victim.name},
				]
			},
			headers={"Authorization": self.keys[COACH]},
		)  # fmt: skip
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.text[:500])
		after = frappe.db.get_value("ToDo", victim.name, list(before), as_dict=True)
		self.assertEqual(after, before)
		rows = frappe.get_all(
			"Coaching Action Item", filters={"parent": session.name}, fields=["name", "todo", "description"],
			order_by="idx",
		)  # fmt: skip
		self.assertEqual(rows[0].todo, own_todo)
		self.assertTrue(rows[1].todo and rows[1].todo != victim.name)
		self.assertEqual(frappe.db.get_value("ToDo", rows[1].todo, "reference_name"), session.name)
		self.assertFalse(rows[2].todo)
		self.assertNotIn(victim.name, [r.todo for r in rows])

	# ------------------------------------------------------------------ 2. pay and plans

	def test_scorecards_own_team_everyone(self):
		cards = self.cards
		expected = {
			M1: {cards[M1]},
			M3: {cards[M3]},
			LEAD: {cards[M1], cards[M2]},
			LEADB: {cards[M3]},
			DEPT: set(cards.values()),
			HEAD: set(cards.values()),
			SYS: set(cards.values()),
		}
		for user, seen in expected.items():
			with self.subTest(user=user):
				self.assertEqual(self.names(user, "KPI Scorecard", filters={"name": ["in", list(cards.values())]}), seen)
		# pay fields through a list and through the child table
		response = self.ok(M1, "frappe.client.get_list", doctype="KPI Scorecard",
			fields=["name", "base_pay", "total"], limit_page_length=0)  # fmt: skip
		self.assertNotIn("22222", response.text)
		self.assertNotIn("33333", response.text)
		response = self.ok(M1, "frappe.client.get_list", doctype="KPI Scorecard Line", parent="KPI Scorecard",
			fields=["parent", "payout"], limit_page_length=0)  # fmt: skip
		self.assertIn(cards[M1], {r["parent"] for r in response.json["message"]})
		self.assertFalse({cards[M2], cards[M3]} & {r["parent"] for r in response.json["message"]})
		# a single colleague's scorecard
		for user, other in ((M1, M2), (LEAD, M3)):
			with self.subTest(user=user, other=other):
				response = self.get(self.resource("KPI Scorecard", cards[other]), headers={"Authorization": self.keys[user]})
				self.assertEqual(response.status_code, 403, response.text[:300])
		response = self.get(self.resource("KPI Scorecard", cards[M1]), headers={"Authorization": self.keys[M1]})
		self.assertEqual(response.status_code, 200)
		self.assertIn("11111", response.text)

	def test_schemes_applying_to_the_viewer_only(self):
		a, b = self.made["scheme_a"], self.made["scheme_b"]
		expected = {M1: {a}, M2: {a}, M3: {b}, LEAD: {a}, LEADB: {b}, DEPT: {a, b}, HEAD: {a, b}}
		for user, seen in expected.items():
			with self.subTest(user=user):
				self.assertEqual(self.names(user, "KPI Scheme", filters={"name": ["in", [a, b]]}), seen)
		response = self.get(self.resource("KPI Scheme", b), headers={"Authorization": self.keys[M1]})
		self.assertEqual(response.status_code, 403)

	def test_plan_days_and_transition_log(self):
		plan = self.made["plan"]
		for user, persons in ((M1, {SP[M1]}), (LEAD, {SP[M1], SP[M2]}), (HEAD, set(SP.values()))):
			with self.subTest(user=user):
				rows = self.ok(user, "frappe.client.get_list", doctype="Sales Plan Day", fields=["sales_person"],
					filters={"sales_plan": plan}, limit_page_length=0).json["message"]  # fmt: skip
				self.assertEqual({r["sales_person"] for r in rows}, persons)
				logs = self.names(user, "Sales Stage Transition Log", filters={"name": ["in", list(self.logs.values())]})
				self.assertEqual(logs, {self.logs[u] for u in SP if SP[u] in persons})
		other_day = frappe.get_all("Sales Plan Day", filters={"sales_plan": plan, "sales_person": SP[M2]}, pluck="name")[0]
		for doctype, name in (("Sales Plan Day", other_day), ("Sales Stage Transition Log", self.logs[M2])):
			with self.subTest(doctype=doctype):
				response = self.get(self.resource(doctype, name), headers={"Authorization": self.keys[M1]})
				self.assertEqual(response.status_code, 403)
		# no sharing (a share would bypass the rules) and no export for a Sales User
		response = self.call(M1, "frappe.share.add", doctype="Sales Stage Transition Log", name=self.logs[M1],
			user=M2, read=1)  # fmt: skip
		self.assertNotEqual(response.status_code, 200)
		self.assertFalse(frappe.db.exists("DocShare", {"share_name": self.logs[M1], "user": M2}))
		response = self.call(M1, "frappe.desk.reportview.export_query", doctype="Sales Stage Transition Log",
			file_format_type="CSV", fields=json.dumps(["name", "amount"]))  # fmt: skip
		self.assertNotEqual(response.status_code, 200)
		self.assertNotIn("22222", response.text)

	def test_plan_vs_fact_shows_the_allowed_persons(self):
		plan = self.made["plan"]
		for user, persons, total in (
			(M1, {SP[M1]}, "Total"),
			(LEAD, {SP[M1], SP[M2]}, "Total"),
			(HEAD, set(SP.values()), "Department Total"),
		):
			with self.subTest(user=user):
				response = self.report(user, "Plan vs Fact", sales_plan=plan, as_of=nowdate())
				self.assertEqual(response.status_code, 200, response.text[:500])
				rows = response.json["message"]["result"]
				self.assertEqual({r["sales_person"] for r in rows if not r.get("is_total_row")}, persons)
				self.assertEqual(rows[-1]["sales_person"], total)
				self.assertEqual(rows[-1]["allocation"], 30000 * len(persons))
		response = self.report(M1, "Plan vs Fact", sales_plan=plan, as_of=nowdate(), sales_person=SP[M3])
		self.assertEqual(response.status_code, 403)
		# the person filter's search offers only the allowed persons
		response = self.ok(M1, "sales_drive.sales_drive.report.plan_vs_fact.plan_vs_fact.persons_of_plan",
			doctype="Sales Person", txt="", searchfield="name", start=0, page_len=20,
			filters={"sales_plan": plan})  # fmt: skip
		self.assertEqual([r[0] for r in response.json["message"]], [SP[M1]])

	def test_manager_rating_ranks_without_pay(self):
		response = self.report(LEAD, "Manager Rating", kpi_scheme=self.made["scheme_a"], week=nowdate(), weeks=0)
		self.assertEqual(response.status_code, 200, response.text[:500])
		result = response.json["message"]
		self.assertEqual({r["sales_person"] for r in result["result"]}, {SP[M1], SP[M2]})
		self.assertNotIn("98765", response.text)  # the scheme's base pay
		fields = {c["fieldname"] for c in result["columns"]}
		self.assertFalse(fields & {"base_pay", "variable", "team_bonus", "best_bonus", "total", "payout"})

	# ------------------------------------------------------------------ 3. Coaching Summary

	def test_coaching_summary_rows_of_the_team_and_the_coached(self):
		window = {"from_date": add_days(nowdate(), -30), "to_date": nowdate()}
		for user, present, absent in (
			(LEAD, {M1}, {M3}),
			(COACH, {M1}, {M3}),
			(LEADB, {M3}, {M1}),
			(DEPT, {M1, M3}, set()),
			(HEAD, {M1, M3}, set()),
		):
			with self.subTest(user=user):
				response = self.report(user, "Coaching Summary", **window)
				self.assertEqual(response.status_code, 200, response.text[:500])
				users = {r["user"] for r in response.json["message"]["result"]}
				self.assertLessEqual(present, users)
				self.assertFalse(absent & users)
		# the chart's average is that of the rows shown: the team lead's is M1's review alone (1,4,1,3)
		chart = self.report(LEAD, "Coaching Summary", **window).json["message"]["chart"]
		m1_score = frappe.db.get_value("Call Review", self.made["review_m1"], "score")
		self.assertEqual(chart["data"]["datasets"][0]["values"], [round(m1_score, 2)])

	def test_coaching_summary_narrow_period_reveals_no_one_elses_review(self):
		day = frappe.db.get_value("Call Review", self.made["review_m3"], "review_date")
		response = self.report(LEAD, "Coaching Summary", from_date=str(day), to_date=str(day))
		self.assertEqual(response.status_code, 200, response.text[:500])
		message = response.json["message"]
		self.assertEqual(message["result"], [])
		self.assertFalse(message.get("chart"))
		average = next(s for s in message["report_summary"] if s["label"] == "Average Call Score")
		self.assertEqual(average["value"], 0)
		# the head of sales sees it
		response = self.report(HEAD, "Coaching Summary", from_date=str(day), to_date=str(day))
		self.assertIn(M3, {r["user"] for r in response.json["message"]["result"]})
