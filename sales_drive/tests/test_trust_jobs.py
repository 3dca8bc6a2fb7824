"""Issue 14 (Trust), items 9, 12, 13, 14 and 16: attacked as the role named.

- 9: a plain Sales User files a colleague's Sales Daily Report over REST (refused), forges its
  figures, deadline and "late" at submission (the server's own figures win); a team lead files
  for their team and that is kept in ``filed_by``.
- 12: every scheduled job of hooks.py runs twice: the second run adds no e-mail, Notification
  Log or ToDo; the key-account review (job and button) tells the head of sales once.
- 13: state-changing whitelisted methods refuse GET over REST; two computations of one
  scorecard, the second unaware of the first, leave one scorecard (a unique key decides).
- 14: one failing item of each job is rolled back and logged with its record; the others stay.
- 16: ``email_overdue`` e-mails the overdue notice; a user's Notification Settings turn the
  notice or its e-mail off.

The REST classes commit their fixtures (a request runs on its own connection) and delete them
at the end; the others run in one transaction rolled back after the class.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_first_day, get_last_day, getdate, now_datetime, nowdate

import sales_drive
from sales_drive import deviation, digests, key_accounts, kpi, plans, repeat_sales, tasks
from sales_drive.tests.utils import (
	TokenAPITestCase,
	api_tokens,
	company,
	ensure_sales_person,
	ensure_user,
	make_opportunity,
	reset_cache,
)

SETTINGS = "Sales Drive Settings"
DAY = "2025-03-12"  # a Wednesday of a period no other test of this module reports on

# item 9 (REST, committed)
M1, M2, LEAD = "sdtj.m1@example.com", "sdtj.m2@example.com", "sdtj.lead@example.com"
TEAM, P1, P2 = "_SDTJ Team", "_SDTJ M1", "_SDTJ M2"
REGULATION = "_SDTJ Daily report by 18:00"

# jobs (rolled back)
J_LEAD, J_M1, J_M2, J_HEAD, J_DIRECTOR = (
	"sdtj.job.lead@example.com",
	"sdtj.job.m1@example.com",
	"sdtj.job.m2@example.com",
	"sdtj.job.head@example.com",
	"sdtj.job.director@example.com",
)
J_TEAM, J_P1, J_P2 = "_SDTJ Job Team", "_SDTJ Job M1", "_SDTJ Job M2"


def forget_outgoing_account():
	"""Frappe caches the outgoing Email Account on ``frappe.local``: never keep the rolled-back one."""
	if hasattr(frappe.local, "outgoing_email_account"):
		del frappe.local.outgoing_email_account


def email_account(testcase):
	"""An outgoing account, so frappe.sendmail queues mails (muted: never sent)."""
	testcase.addClassCleanup(forget_outgoing_account)
	forget_outgoing_account()
	testcase.addClassCleanup(setattr, frappe.flags, "mute_emails", frappe.flags.mute_emails)
	frappe.flags.mute_emails = True
	if not frappe.db.exists("Email Account", "_SDTJ Outgoing"):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "_SDTJ Outgoing",
				"email_id": "sdtj-jobs@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "smtp.example.com",
				"password": "secret",
			}
		).insert(ignore_permissions=True)


def job_people():
	frappe.set_user("Administrator")
	ensure_user(J_LEAD, ["Sales User", "Sales Team Lead"])
	ensure_user(J_M1, ["Sales User"])
	ensure_user(J_M2, ["Sales User"])
	ensure_user(J_HEAD, ["Sales User", "Sales Manager"])
	ensure_user(J_DIRECTOR, ["Sales User"])
	ensure_sales_person(J_TEAM, J_LEAD, is_group=1, gender="Male")
	ensure_sales_person(J_P1, J_M1, parent=J_TEAM, gender="Male")
	ensure_sales_person(J_P2, J_M2, parent=J_TEAM, gender="Male")


def counts() -> dict[str, int]:
	return {dt: frappe.db.count(dt) for dt in ("Email Queue", "Notification Log", "ToDo")}


def error_logged(doctype, name, since) -> bool:
	"""An Error Log naming the record, made since ``since`` (Error Logs outlive the test's rollback)."""
	return bool(frappe.db.exists("Error Log", {"reference_doctype": doctype, "reference_name": name,
		"creation": [">=", since]}))  # fmt: skip


def kpi_scheme(title, persons, metric="Calls", target=5, period="Week", valid_from="2025-01-06", valid_to=None):
	return frappe.get_doc(
		{
			"doctype": "KPI Scheme",
			"title": title,
			"company": company(),
			"period": period,
			"valid_from": valid_from,
			"valid_to": valid_to,
			"applies_to": "Sales Persons",
			"sales_persons": [{"sales_person": p} for p in persons],
			"base_pay": 1000,
			"variable_pay": 100,
			"components": [{"metric": metric, "weight": 100, "target": target}],
		}
	).insert()


def deviation_rule(title, person, **kw):
	return frappe.get_doc(
		{
			"doctype": "Deviation Rule",
			"title": title,
			"company": company(),
			"metric": "Calls",
			"scope": "Sales Person",
			"sales_person": person,
			"compare_to": "KPI Target",
			"threshold_percent": 80,
			"periodicity": "Day",
			"consecutive_periods": 1,
			"action_notify": 1,
			"action_todo": 1,
			"action_coaching": 0,
			"action_escalate": 1,
			"decision": "Listen to two calls together",
			**kw,
		}
	).insert()


# ----------------------------------------------------------------------------- item 9 over REST


def purge_reports():
	names = frappe.get_all("Sales Daily Report", filters={"sales_person": ["in", [P1, P2]]}, pluck="name")
	if names:
		frappe.db.delete("Sales Daily Report", {"name": ["in", names]})
		frappe.db.delete("Comment", {"reference_doctype": "Sales Daily Report", "reference_name": ["in", names]})
	frappe.db.delete("Report Regulation", {"title": REGULATION})


class TestDailyReportOverRest(TokenAPITestCase):

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		ensure_user(M1, ["Sales User"])
		ensure_user(M2, ["Sales User"])
		ensure_user(LEAD, ["Sales User", "Sales Team Lead"])
		ensure_sales_person(TEAM, LEAD, is_group=1, gender="Male")
		ensure_sales_person(P1, M1, parent=TEAM, gender="Male")
		ensure_sales_person(P2, M2, parent=TEAM, gender="Male")
		purge_reports()
		frappe.get_doc({"doctype": "Report Regulation", "title": REGULATION, "company": company(),
			"report_kind": "Daily Activity Report", "due_from": "Team", "team": TEAM, "due_time": "18:00:00"}).insert()  # fmt: skip
		cls.tokens = api_tokens([M1, M2, LEAD])
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		purge_reports()
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		names = frappe.get_all("Sales Daily Report", filters={"sales_person": ["in", [P1, P2]]}, pluck="name")
		if names:  # each test starts with no report of the day
			frappe.db.delete("Sales Daily Report", {"name": ["in", names]})
			frappe.db.commit()

	def as_user(self, user):
		return {"Authorization": self.tokens[user]}

	def report(self, as_user, person, **values):
		return self.post(
			self.resource("Sales Daily Report"),
			{"sales_person": person, "company": company(), "date": DAY, **values},
			headers=self.as_user(as_user),
		)

	def test_sales_user_cannot_file_or_block_a_colleagues_report(self):
		response = self.report(M1, P2, plan_tomorrow="Pretend to be M2")
		frappe.db.commit()
		self.assertEqual(response.status_code, 403, response.json)
		self.assertIn("only for your own Sales Person", frappe.as_json(response.json))
		self.assertFalse(frappe.db.exists("Sales Daily Report", {"sales_person": P2}))
		# the colleague is not blocked: they file their own
		response = self.report(M2, P2, plan_tomorrow="Three calls")
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.json)
		# nor can M1 turn their own draft into M2's
		mine = self.report(M1, P1).json["data"]["name"]
		frappe.db.commit()
		response = self.put(self.resource("Sales Daily Report", mine), {"sales_person": P2}, headers=self.as_user(M1))
		frappe.db.commit()
		self.assertIn(response.status_code, (403, 417), response.json)
		self.assertEqual(frappe.db.get_value("Sales Daily Report", mine, "sales_person"), P1)

	def test_figures_deadline_and_late_are_the_servers_at_submission(self):
		forged = {"calls": 99, "meetings": 7, "due_by": "2099-01-01 00:00:00", "late": 0,
			"submitted_on": f"{DAY} 09:00:00", "filed_by": LEAD, "user": M2}  # fmt: skip
		response = self.report(M1, P1, plan_tomorrow="Call back", **forged)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.json)
		name = response.json["data"]["name"]
		draft = frappe.db.get_value("Sales Daily Report", name, ["calls", "meetings", "due_by", "late", "submitted_on",
			"filed_by", "user"], as_dict=True)  # fmt: skip
		self.assertEqual((draft.calls, draft.meetings, str(draft.due_by), draft.late, draft.submitted_on, draft.filed_by,
			draft.user), (0, 0, f"{DAY} 18:00:00", 0, None, None, M1))  # fmt: skip
		# submitting years after the deadline, with the figures forged again in the same request
		response = self.put(self.resource("Sales Daily Report", name), {"docstatus": 1, **forged}, headers=self.as_user(M1))
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.json)
		done = frappe.db.get_value("Sales Daily Report", name, ["docstatus", "calls", "meetings", "due_by", "late",
			"submitted_on", "filed_by"], as_dict=True)  # fmt: skip
		self.assertEqual((done.docstatus, done.calls, done.meetings, str(done.due_by), done.late, done.filed_by),
			(1, 0, 0, f"{DAY} 18:00:00", 1, None))  # fmt: skip
		self.assertGreater(getdate(done.submitted_on), getdate(DAY))

	def test_team_lead_files_for_their_team_and_it_is_kept(self):
		response = self.report(LEAD, P2, plan_tomorrow="Filed by the lead while M2 is ill")
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.json)
		name = response.json["data"]["name"]
		response = self.put(self.resource("Sales Daily Report", name), {"docstatus": 1, "filed_by": M2}, headers=self.as_user(LEAD))
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.json)
		self.assertEqual(frappe.db.get_value("Sales Daily Report", name, ["filed_by", "user", "docstatus"]), (LEAD, M2, 1))
		self.assertTrue(frappe.db.exists("Comment", {"reference_doctype": "Sales Daily Report", "reference_name": name,
			"comment_type": "Info", "content": ["like", f"Filed by {LEAD}%"]}))  # fmt: skip
		# a member files nothing for the lead's colleagues in another team either
		response = self.report(M1, P2)
		frappe.db.commit()
		self.assertEqual(response.status_code, 403)


# ----------------------------------------------------------------------------- item 13 over REST


STATE_CHANGING = {
	"sales_drive.key_accounts.review_now",
	"sales_drive.kpi.enqueue_compute",
	"sales_drive.adoption.start_adoption",
	"sales_drive.repeat_sales.run_rule",
	"sales_drive.base_cooling.lift",
	"sales_drive.api.move_to_regulation",
	"sales_drive.probabilities.use_historical",
	"sales_drive.sales_models.apply_model_change",
}
# whitelisted methods that only read (GET allowed); anything else the app whitelists must be POST only
READ_ONLY = {
	"sales_drive.day.get_my_day",
	"sales_drive.roster.on_duty",
	"sales_drive.day.get_team_day",
	"sales_drive.day.card_today_target",
	"sales_drive.day.card_month_done",
	"sales_drive.base_cooling.cooling_status",
	"sales_drive.sales_models.preview_model_change",
	"sales_drive.key_accounts.report_defaults",
	"sales_drive.api.step_panel",
	"sales_drive.probabilities.step_probabilities",
	"sales_drive.probabilities.report_defaults",
	"sales_drive.adoption.adoption_status",
	"sales_drive.adoption.enforce_preview",
	"sales_drive.repeat_sales.dry_run",
	"sales_drive.sales_drive.report.plan_vs_fact.plan_vs_fact.",  # the report's link-field search
	"sales_drive.sales_drive.report.stage_duration_and_overdue.stage_duration_and_overdue.get_steps",
}


def whitelisted_in_app() -> dict[str, list[str]]:
	"""Every function (and controller method) the app whitelists → its allowed HTTP methods."""
	root = Path(sales_drive.__file__).parent
	for path in root.rglob("*.py"):
		rel = path.relative_to(root.parent).with_suffix("")
		if "tests" not in rel.parts and "frappe.whitelist" in path.read_text(encoding="utf-8"):
			importlib.import_module(".".join(rel.parts))
	out = {}
	for fn, methods in frappe.allowed_http_methods_for_whitelisted_func.items():
		module = getattr(fn, "__module__", "") or ""
		if module.startswith("sales_drive."):
			out[f"{module}.{fn.__qualname__}"] = list(methods)
	return out


class TestPostOnlyOverRest(TokenAPITestCase):

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		ensure_user(J_HEAD, ["Sales User", "Sales Manager"])
		cls.tokens = api_tokens([J_HEAD])
		frappe.db.commit()

	def test_state_changing_methods_refuse_get(self):
		reviews = frappe.db.count("Key Account Review")
		for method in sorted(STATE_CHANGING):
			with self.subTest(method):
				response = self.get(self.method(method), headers={"Authorization": self.tokens[J_HEAD]})
				self.assertEqual(response.status_code, 403, (method, response.status_code))
		frappe.db.commit()
		self.assertEqual(frappe.db.count("Key Account Review"), reviews)

	def test_post_still_works(self):
		with patch("sales_drive.key_accounts.run_review", return_value="KAR-none") as run:
			response = self.post(self.method("sales_drive.key_accounts.review_now"), {},
				headers={"Authorization": self.tokens[J_HEAD]})  # fmt: skip
		self.assertEqual(response.status_code, 200, response.json)
		run.assert_called_once()

	def test_every_whitelisted_method_is_read_only_or_post_only(self):
		found = whitelisted_in_app()
		for name in STATE_CHANGING:
			# controller methods are registered by their qualified name (Cooling Record's lift)
			self.assertIn(name, found)
		self.assertEqual(found["sales_drive.sales_drive.doctype.cooling_record.cooling_record.CoolingRecord.lift"], ["POST"])
		for name, methods in sorted(found.items()):
			if any(name.startswith(r) for r in READ_ONLY):
				continue
			with self.subTest(name):
				self.assertEqual(methods, ["POST"], f"{name} changes state but answers {methods}")


# ----------------------------------------------------------------------------- item 13: one scorecard


class TestScorecardDedupe(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		job_people()
		cls.scheme = kpi_scheme("_SDTJ Scorecards", [J_P1, J_P2], valid_from=str(get_first_day(nowdate())))

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		super().tearDownClass()

	def cards(self):
		return frappe.get_all("KPI Scorecard", filters={"kpi_scheme": self.scheme.name, "docstatus": ["<", 2]},
			fields=["name", "sales_person", "docstatus", "period_key"])  # fmt: skip

	def test_a_computation_unaware_of_the_other_leaves_one_scorecard_each(self):
		since = now_datetime()
		first = kpi.compute_scorecards(self.scheme.name)
		self.assertEqual(len(first), 2)
		real_get_all = frappe.get_all

		def blind(doctype, *args, **kwargs):  # as a job that read before the first one committed
			return [] if doctype == "KPI Scorecard" else real_get_all(doctype, *args, **kwargs)

		with patch.object(frappe, "get_all", side_effect=blind):
			second = kpi.compute_scorecards(self.scheme.name)
		self.assertEqual(sorted(second), sorted(first))  # the same scorecards, refreshed
		cards = self.cards()
		self.assertEqual(sorted(c.sales_person for c in cards), [J_P1, J_P2])
		self.assertFalse(frappe.get_all("Error Log", filters={"reference_name": ["in", [J_P1, J_P2]],
			"creation": [">=", since], "method": ["like", "KPI scorecard%"]}))  # fmt: skip

	def test_the_database_refuses_a_second_live_scorecard(self):
		kpi.compute_scorecards(self.scheme.name)
		card = frappe.get_doc("KPI Scorecard", self.cards()[0].name)
		twin = frappe.copy_doc(card)
		twin.period_key = card.period_key
		with self.assertRaises(frappe.UniqueValidationError):
			twin.db_insert()
		# cancelling frees the key: the recomputation makes the new live scorecard
		card.submit()
		card.cancel()
		kpi.compute_scorecards(self.scheme.name)
		self.assertEqual(len([c for c in self.cards() if c.sales_person == card.sales_person]), 1)


# ----------------------------------------------------------------------------- item 12: fire once


def scheduled_jobs() -> list[str]:
	from sales_drive import hooks

	jobs = []
	for key, value in hooks.scheduler_events.items():
		for paths in value.values() if key == "cron" else [value]:
			jobs.extend(paths)
	return jobs


class TestJobsFireOnce(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		job_people()
		reset_cache()
		email_account(cls)
		frappe.db.set_single_value(SETTINGS, {"head_of_sales": J_HEAD, "key_account_review": 1, "send_morning_report": 1,
			"send_weekly_report": 1, "director": J_DIRECTOR, "notify_overdue": 1, "email_overdue": 1})  # fmt: skip
		cls.addClassCleanup(reset_cache)
		reset_cache()
		# the month has no key account review yet (a site with data may have made this month's): the
		# monthly job reviews and tells the head once (rolled back with the class)
		frappe.db.delete("Key Account Review", {"review_date": (">=", get_first_day(nowdate()))})
		# an overdue opportunity of M1 (the lead is told too)
		cls.opp = make_opportunity(opportunity_owner=J_M1)
		frappe.db.set_value("Opportunity", cls.opp.name, "sd_step_due", add_days(nowdate(), -2))
		# a deviation rule firing today: no calls on the last working day against 1 a day
		kpi_scheme("_SDTJ Job Calls", [J_P1])
		deviation_rule("_SDTJ Job calls below plan", J_P1)
		# a check-up due today
		from sales_drive.tests.test_checkups import backdate, make_task

		task = make_task(sales_person=J_P1, as_user=J_LEAD, title="_SDTJ call the ten biggest")
		backdate(task.name, add_days(nowdate(), -1), add_days(nowdate(), -1))
		# a repeat-sale rule with one customer to call back
		from sales_drive.tests.test_repeat_sales import customer, ensure_catalogue, order, rule

		items = ensure_catalogue()
		buyer = customer("SDTJ Buyer", farmer=J_M2)
		order(buyer, add_days(nowdate(), -60), items["fert"])
		rule("_SDTJ Repeat after 30 days", days_without_order=30, max_per_run=500)

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		reset_cache()
		super().tearDownClass()

	def run_all_jobs(self):
		for path in scheduled_jobs():
			frappe.set_user("Administrator")
			frappe.get_attr(path)()

	def test_every_job_twice_adds_nothing_the_second_time(self):
		self.assertGreaterEqual(len(scheduled_jobs()), 10)
		before = counts()
		self.run_all_jobs()
		first = counts()
		for doctype in ("Email Queue", "Notification Log", "ToDo"):
			self.assertGreater(first[doctype], before[doctype], f"the first run made no {doctype}: the test has no teeth")
		# what the first run did, each once
		self.assertTrue(frappe.db.exists("Notification Log", {"for_user": J_HEAD, "document_type": "Key Account Review"}))
		self.assertTrue(frappe.db.exists("Notification Log", {"document_name": self.opp.name, "for_user": J_LEAD}))
		self.assertTrue(frappe.db.exists("Email Queue", {"reference_doctype": "Opportunity", "reference_name": self.opp.name}))
		self.assertTrue(frappe.db.exists("Deviation Firing", {"sales_person": J_P1, "firing_status": "Open"}))
		self.run_all_jobs()
		self.assertEqual(counts(), first)

	def test_key_account_review_tells_the_head_once(self):
		def told():
			return frappe.get_all("Notification Log", filters={"for_user": J_HEAD, "document_type": "Key Account Review"},
				fields=["name", "document_name", "subject"])  # fmt: skip

		start = len(told())
		frappe.set_user(J_HEAD)
		try:
			first = key_accounts.review_now()
			second = key_accounts.review_now()
		finally:
			frappe.set_user("Administrator")
		logs = told()
		self.assertEqual(len(logs), start + 1 if start == 0 else start)
		# the one notification points at the review that replaced the first
		self.assertFalse(frappe.db.exists("Key Account Review", first["name"]))
		self.assertIn(second["name"], [log.document_name for log in logs])
		# the monthly job: the month has its review
		self.assertIsNone(key_accounts.monthly_review())
		self.assertEqual(len(told()), len(logs))


# ----------------------------------------------------------------------------- item 14: one bad record


class TestOneBadRecord(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		job_people()
		reset_cache()
		cls.addClassCleanup(reset_cache)

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		reset_cache()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		self.since = now_datetime()

	def test_deviation_rules(self):
		kpi_scheme("_SDTJ Bad Calls", [J_P1, J_P2], valid_to="2025-12-31")
		good = deviation_rule("_SDTJ good rule", J_P1)
		bad = deviation_rule("_SDTJ bad rule", J_P2)
		original = deviation.evaluate_rule

		def evaluate(rule, day):
			done = original(rule, day)  # it fires (writes), then fails
			if rule.name == bad.name:
				raise frappe.ValidationError("broken rule")
			return done

		with patch("sales_drive.deviation.evaluate_rule", side_effect=evaluate):
			deviation.run_all(DAY)
		self.assertTrue(frappe.db.exists("Deviation Firing", {"deviation_rule": good.name}))
		self.assertFalse(frappe.db.exists("Deviation Firing", {"deviation_rule": bad.name}))
		self.assertFalse(frappe.db.exists("ToDo", {"reference_type": "Deviation Firing", "description": ["like", "%"],
			"allocated_to": J_LEAD, "reference_name": ["not in", frappe.get_all("Deviation Firing", pluck="name")]}))  # fmt: skip
		self.assertTrue(error_logged("Deviation Rule", bad.name, self.since))

	def test_repeat_sale_rules(self):
		from sales_drive.tests.test_repeat_sales import ensure_catalogue, rule

		groups = ensure_catalogue()
		nobody = {"kind": "Cross Sell", "item_group": frappe.db.get_value("Item", groups["fert"], "item_group"),
			"missing_item_group": frappe.db.get_value("Item", groups["seed"], "item_group"), "days_without_order": 30}  # fmt: skip
		good = rule("_SDTJ good repeat", **nobody)
		bad = rule("_SDTJ bad repeat", **nobody)
		original = repeat_sales.create

		def create(doc, result):
			out = original(doc, result)  # records its run, then fails
			if doc.name == bad.name:
				raise RuntimeError("broken rule")
			return out

		with patch("sales_drive.repeat_sales.create", side_effect=create):
			repeat_sales.run_all()
		self.assertIsNotNone(frappe.db.get_value("Repeat Sale Rule", good.name, "last_run_on"))
		self.assertIsNone(frappe.db.get_value("Repeat Sale Rule", bad.name, "last_run_on"))
		self.assertTrue(error_logged("Repeat Sale Rule", bad.name, self.since))

	def test_sales_plans(self):
		start, end = getdate(get_first_day(nowdate())), getdate(get_last_day(nowdate()))
		made = []
		for person in (J_P1, J_P2):
			plan = frappe.get_doc({"doctype": "Sales Plan", "company": company(), "basis": "Sales Invoice",
				"from_date": start, "to_date": end, "target_amount": 10000, "carry_over": "next_day",
				"allocation_method": "Equal", "allocations": [{"sales_person": person}]}).insert()  # fmt: skip
			plan.submit()
			made.append(plan.name)
		good, bad = made

		def days(plan):
			return sorted(frappe.get_all("Sales Plan Day", filters={"sales_plan": plan}, pluck="name"))

		before = {p: days(p) for p in made}
		self.assertTrue(before[bad])
		original = plans.store

		def store(plan, persons=None):
			original(plan, persons)  # replaces the figures, then fails
			if plan.name == bad:
				raise RuntimeError("broken plan")

		with patch("sales_drive.plans.store", side_effect=store):
			plans.reconcile()
		self.assertEqual(days(bad), before[bad])  # kept as they were
		self.assertTrue(days(good))
		self.assertNotEqual(days(good), before[good])  # recomputed (new rows)
		self.assertTrue(error_logged("Sales Plan", bad, self.since))

	def test_morning_reports(self):
		recipients = [
			digests.Recipient(J_HEAD, None, None),
			digests.Recipient(J_LEAD, "_SDTJ broken", {J_P1}),
			digests.Recipient(J_M2, J_TEAM, {J_P2}),
		]
		original = digests.render_morning

		def render(morning, inputs, scope):
			if scope == "_SDTJ broken":
				raise RuntimeError("broken template")
			return original(morning, inputs, scope)

		with patch("sales_drive.digests.render_morning", side_effect=render):
			built = digests.build_morning_reports(DAY, recipients)
		self.assertEqual([b.recipient for b in built], [J_HEAD, J_M2])
		self.assertTrue(error_logged("User", J_LEAD, self.since))

	def test_overdue_notices(self):
		good = make_opportunity(opportunity_owner=J_M1)
		bad = make_opportunity(opportunity_owner=J_M2)
		for opp in (good, bad):
			frappe.db.set_value("Opportunity", opp.name, "sd_step_due", add_days(nowdate(), -2))
		original = tasks._notify

		def notify(user, doctype, row, email):
			original(user, doctype, row, email)
			if row.name == bad.name:
				raise RuntimeError("broken notice")

		with patch("sales_drive.tasks._notify", side_effect=notify):
			tasks.notify_overdue_steps()
		self.assertTrue(frappe.db.exists("Notification Log", {"document_name": good.name, "for_user": J_M1}))
		self.assertFalse(frappe.db.exists("Notification Log", {"document_name": bad.name}))
		self.assertEqual(frappe.db.get_value("Opportunity", good.name, "sd_overdue_notified"), 1)
		self.assertEqual(frappe.db.get_value("Opportunity", bad.name, "sd_overdue_notified"), 0)  # tried again next run
		self.assertTrue(error_logged("Opportunity", bad.name, self.since))

	def test_kpi_schemes(self):
		first = str(get_first_day(nowdate()))
		good = kpi_scheme("_SDTJ good scheme", [J_P1], valid_from=first)
		bad = kpi_scheme("_SDTJ bad scheme", [J_P2], valid_from=first)
		original = kpi.compute_scorecards

		def compute(scheme_name, day=None):
			names = original(scheme_name, day)
			if scheme_name == bad.name:
				raise RuntimeError("broken scheme")
			return names

		with patch("sales_drive.kpi.compute_scorecards", side_effect=compute):
			kpi.compute_all()
		self.assertTrue(frappe.db.exists("KPI Scorecard", {"kpi_scheme": good.name}))
		self.assertFalse(frappe.db.exists("KPI Scorecard", {"kpi_scheme": bad.name}))
		self.assertTrue(error_logged("KPI Scheme", bad.name, self.since))


# ----------------------------------------------------------------------------- item 16: the settings work


class TestOverdueNoticeSettings(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		job_people()
		email_account(cls)
		cls.addClassCleanup(reset_cache)

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		reset_cache()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	def overdue(self, owner):
		opp = make_opportunity(opportunity_owner=owner)
		frappe.db.set_value("Opportunity", opp.name, "sd_step_due", add_days(nowdate(), -2))
		return opp.name

	def notice(self, name):
		return (
			sorted(frappe.get_all("Notification Log", filters={"document_name": name}, pluck="for_user")),
			sorted(frappe.get_all("Email Queue Recipient", filters={"parent": ["in", frappe.get_all("Email Queue",
				filters={"reference_name": name}, pluck="name")]}, pluck="recipient")),
		)  # fmt: skip

	def settings(self, **values):
		frappe.db.set_single_value(SETTINGS, values)
		reset_cache()

	def user_settings(self, user, **values):
		if not frappe.db.exists("Notification Settings", user):
			frappe.get_doc({"doctype": "Notification Settings", "name": user}).insert(ignore_permissions=True)
		frappe.db.set_value("Notification Settings", user, values)

	def test_email_overdue_e_mails_the_notice(self):
		self.settings(notify_overdue=1, email_overdue=1)
		self.user_settings(J_M1, enabled=1, enable_email_notifications=1)
		self.user_settings(J_LEAD, enabled=1, enable_email_notifications=1)
		name = self.overdue(J_M1)
		tasks.notify_overdue_steps()
		self.assertEqual(self.notice(name), (sorted([J_M1, J_LEAD]), sorted([J_M1, J_LEAD])))

	def test_without_email_overdue_only_the_notice(self):
		self.settings(notify_overdue=1, email_overdue=0)
		name = self.overdue(J_M1)
		tasks.notify_overdue_steps()
		self.assertEqual(self.notice(name), (sorted([J_M1, J_LEAD]), []))

	def test_a_user_who_turned_e_mails_off_gets_the_notice_only(self):
		self.settings(notify_overdue=1, email_overdue=1)
		self.user_settings(J_M1, enabled=1, enable_email_notifications=0)
		self.user_settings(J_LEAD, enabled=1, enable_email_notifications=1)
		name = self.overdue(J_M1)
		tasks.notify_overdue_steps()
		self.assertEqual(self.notice(name), (sorted([J_M1, J_LEAD]), [J_LEAD]))

	def test_a_user_who_turned_notifications_off_gets_nothing(self):
		self.settings(notify_overdue=1, email_overdue=1)
		self.user_settings(J_M1, enabled=0)
		self.user_settings(J_LEAD, enabled=1, enable_email_notifications=1)
		name = self.overdue(J_M1)
		tasks.notify_overdue_steps()
		self.assertEqual(self.notice(name), ([J_LEAD], [J_LEAD]))
		self.assertEqual(frappe.db.get_value("Opportunity", name, "sd_overdue"), 1)  # still flagged
