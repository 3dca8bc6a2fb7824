"""The head of sales' side of the realistic demo (issue 8): settings, key accounts, repeat sales, check-ups, digests.

Called by :func:`sales_drive.demo.generate.run` (realistic mode) after the leads and deals
have lived, with the same :class:`~sales_drive.demo.generate.Ctx` (company, period, people,
clock). Everything goes through the ORM as the user who would do it; each action is marked on
the run's clock with its planned moment, so the generator's backdating moves its timestamps:

1. **Sales Drive Settings**: the demo head of sales as *Head of Sales*, a demo director (a desk
   user without any sales role) as *Director*, both reports switched on.
2. **Key accounts**: a key-account regulation, a copy of the default Opportunity regulation
   (segment *Key Accounts Only*, priority 10, *Give New Records to the Account Manager*, every
   step for the Key Account Manager); the biggest customers get a Key Account Manager as
   *Account Manager*; the monthly review runs for the 1st of the last two months (so one review
   compares with the other); two new opportunities of key accounts are created by the head of
   sales and go to their KAM under the key-account regulation.
3. **Repeat sales**: farmers become account managers of customers who ordered; one rule
   "No Order" (60 days, at most 50) runs once on the demo's today.
4. **Check-ups**: each team lead sets a task for each of their managers eight working days
   before today, due and checked five working days later; the managers answer every way the
   method knows (Done, Not Done, Done Differently with a note, Stuck on a Question with a
   question) and some leave it Open, so it is overdue. A task's dates may not be before the
   day it is created, so the tasks are created with dates counted from the real today and
   their dates are moved back with the task (:func:`shift_task_dates`, after backdating).
5. **Digests** (:func:`digests`, after backdating): the morning reports of the last working
   day before today and the director's weekly of the last full week, built and stored as
   Sales Digests. The run mutes e-mail, so they are stored and not e-mailed (``emailed`` = 0).

Deterministic for a seed, today and database state; a second run reuses what exists (the
regulation, the rule, the director, the tasks, the key-account opportunities) and does not fail.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from datetime import time as dtime

import frappe
from frappe.utils import get_first_day, getdate, nowdate

from sales_drive import queries
from sales_drive.demo.people import ensure_employee, ensure_sales_person, ensure_user, people_stream

SETTINGS = "Sales Drive Settings"
KEY_REGULATION = "Opportunity Key Accounts"
KEY_PRIORITY = 10
KAM = "Key Account Manager"
RULE_TITLE = "Клиенты без заказа 60 дней"
RULE_DAYS, RULE_MAX = 60, 50
KEY_OPPORTUNITIES = 2
DIRECTOR_ROLE = "Analytics"  # a desk role that is not a sales role
TASK_SET_BEFORE, TASK_DAYS = 8, 5  # working days: set before today; due and check-up after setting
# status, answer note, question
ANSWERS = (
	("Done", None, None),
	("Not Done", None, None),
	("Done Differently", "Вместо обзвона отправил письма с предложением, трое ответили", None),
	("Stuck on a Question", None, "Какие скидки можно давать постоянным клиентам?"),
	("Open", None, None),
)
TASKS = (
	("Обзвонить 20 клиентов северного региона", "Выйти на ЛПР, предложить аудит отдела продаж"),
	("Назначить три встречи на следующую неделю", "Встречи с ЛПР по текущим сделкам"),
	("Довести зависшие сделки до решения", "Все сделки без движения больше двух недель"),
	("Подготовить КП для постоянных клиентов", "С учётом прошлых заказов"),
	("Обновить этапы сделок в CRM", "Чек-листы и поля, которые требует регламент"),
)


def _say(msg):
	print(f"[sales_drive.demo] {msg}", flush=True)


class Management:
	def __init__(self, ctx, seed: int, password: str | None):
		from sales_drive import regulations

		self.c = ctx
		self.today = ctx.period.today
		self.rng = random.Random(f"management:{seed}:{self.today}")
		self.seed = seed
		self.password = password
		self.cal = regulations.calendar_for(ctx.company)
		self.head = next(m for m in ctx.members if m.role == "head")
		self.out: dict = {"errors": []}
		self.tasks: list[tuple[str, date]] = []  # (task, planned day it was set)

	# --- time ---------------------------------------------------------------------------

	def back(self, day: date, n: int) -> date:
		"""``n`` working days before ``day``."""
		while n > 0:
			day -= timedelta(days=1)
			if self.cal.is_working(day):
				n -= 1
		return day

	def at(self, day: date, hour: int, minute: int = 0) -> datetime:
		"""A planned moment, never after the demo's horizon."""
		moment = datetime.combine(day, dtime(hour, minute))
		horizon = self.c.period.horizon - timedelta(minutes=5)
		return min(moment, horizon)

	def mark(self, day: date, hour: int, minute: int = 0):
		self.c.clock.at(self.at(day, hour, minute))

	def step(self, label: str, fn, *args):
		"""Run one part; a failure is reported in the summary and rolled back, the others go on."""
		frappe.db.savepoint("sd_demo_management")
		try:
			fn(*args)
		except Exception as e:
			import traceback

			try:
				frappe.db.rollback(save_point="sd_demo_management")
			except Exception:  # a part that committed (the digests commit per recipient) has no savepoint left
				frappe.db.rollback()
			frappe.clear_messages()
			self.out["errors"].append(f"{label}: {type(e).__name__}: {frappe.utils.strip_html(str(e))[:300]}")
			_say(f"{label} failed: {traceback.format_exc()[-1500:]}")
		finally:
			frappe.set_user("Administrator")
		frappe.db.commit()

	# --- 1. settings ------------------------------------------------------------------------

	def settings(self):
		self.mark(self.c.period.start - timedelta(days=30), 11)
		director = frappe.db.get_single_value(SETTINGS, "director")
		if not director or not frappe.db.get_value("User", director, "enabled"):
			director = self._director()
		s = frappe.get_single(SETTINGS)
		s.head_of_sales = self.head.user
		s.director = director
		s.send_morning_report = 1
		s.send_weekly_report = 1
		s.save(ignore_permissions=True)
		self.out["head_of_sales"], self.out["director"] = s.head_of_sales, s.director

	def _director(self) -> str:
		taken = {m.user for m in self.c.members}
		person = next(p for p in people_stream(self.seed + 23) if p.email not in taken)
		role = DIRECTOR_ROLE if frappe.db.exists("Role", DIRECTOR_ROLE) else "Accounts User"
		return ensure_user(person, (role,), self.password)

	# --- 2. key accounts ----------------------------------------------------------------------

	def kams(self) -> list[str]:
		users = [m.user for m in self.c.of_spec(KAM)]
		if users:
			return users
		taken = {m.user for m in self.c.members}
		p = next(p for p in people_stream(self.seed + 29) if p.email not in taken)
		user = ensure_user(p, ("Sales User",), self.password)
		emp = ensure_employee(p, user, self.c.company, self.rng, self.c.period.start - timedelta(days=60))
		team = next((m.node for m in self.c.members if m.role == "lead"), None)
		ensure_sales_person(p.full, team or self.head.node, 0, emp, KAM)
		return [user]

	def key_regulation(self):
		from sales_drive import regulations

		self.mark(self.c.period.start - timedelta(days=30), 11, 30)
		if not frappe.db.exists("Sales Pipeline Regulation", KEY_REGULATION):
			default = regulations.default_name("Opportunity")
			if not default:
				raise frappe.ValidationError("no default Opportunity regulation")
			doc = frappe.copy_doc(frappe.get_doc("Sales Pipeline Regulation", default))
			doc.title = KEY_REGULATION
			doc.is_active = 1
			doc.priority = KEY_PRIORITY
			doc.key_account = "Key Accounts Only"
			doc.assign_to_account_manager = 1
			for table in ("customer_groups", "territories", "opportunity_types", "sources"):
				doc.set(table, [])
			for row in doc.steps:
				row.specialisation = KAM
				row.handoff_role = row.handoff_specialisation = None
			doc.description = "Ключевые клиенты: все этапы ведёт менеджер по ключевым клиентам"
			doc.insert(ignore_permissions=True)
		self.out["key_regulation"] = KEY_REGULATION

	def account_managers(self):
		"""The biggest customers get a KAM, other customers who ordered a farmer (only where none is set)."""
		from sales_drive import key_accounts

		kams = self.kams()
		farmers = [m.user for m in self.c.of_spec("Farmer")] or kams
		from_date, to_date = key_accounts.period(self.today, key_accounts.settings().months)
		revenue = key_accounts.revenue(from_date, to_date, self.c.company)
		ranked = [c for c, v in sorted(revenue.items(), key=lambda kv: (-kv[1], kv[0])) if v > 0]
		big = ranked[: max(3, -(-len(ranked) // 5))]  # about the key-account threshold's 20 %
		ordered = frappe.db.sql_list(
			"select distinct customer from `tabSales Order` where docstatus = 1 and company = %s order by customer",
			self.c.company,
		)
		rest = [c for c in ordered if c not in big]
		self.rng.shuffle(rest)
		rest = rest[: max(1, len(rest) * 4 // 5)]  # some customers stay without a farmer: the head hands them out
		plan = [(c, kams[i % len(kams)]) for i, c in enumerate(big)]
		plan += [(c, farmers[i % len(farmers)]) for i, c in enumerate(sorted(rest))]
		have = dict(frappe.db.sql("select name, account_manager from tabCustomer where ifnull(account_manager, '') != ''"))
		for customer, user in plan:
			if customer not in have:
				frappe.db.set_value("Customer", customer, "account_manager", user, update_modified=False)
		self.out["account_managers"] = {
			"key_account_managers": sum(1 for c, _u in plan if c in big),
			"farmers": sum(1 for c, _u in plan if c not in big),
		}

	def reviews(self):
		"""The monthly review as the scheduler runs it: the 1st of last month and of this month."""
		from sales_drive import key_accounts

		this_month = getdate(get_first_day(self.today))
		last_month = getdate(get_first_day(this_month - timedelta(days=1)))
		done = []
		for day in (last_month, this_month):
			self.mark(day, 7)
			name = key_accounts.run_review(day)
			done.append(frappe.db.get_value("Key Account Review", name, ["review_date", "key_accounts", "moved_in", "moved_out"], as_dict=True))
		self.out["key_account_reviews"] = [
			f"{r.review_date}: {r.key_accounts} key accounts, {r.moved_in} in, {r.moved_out} out" for r in done
		]
		self.out["key_accounts"] = frappe.db.sql_list("select name from tabCustomer where sd_key_account = 1 order by name")

	def key_opportunities(self):
		"""New opportunities of key accounts made by the head of sales: the regulation gives them to the KAM."""
		existing = frappe.db.count(
			"Opportunity", {"sd_regulation": KEY_REGULATION, "status": ["not in", queries.NOT_OPEN["Opportunity"]]}
		)
		kams = set(self.kams())
		customers = frappe.db.sql_list(
			"select name from tabCustomer where sd_key_account = 1 and account_manager in %s order by name", [sorted(kams)]
		)
		made = []
		day = self.today
		for k, customer in enumerate(customers[: max(0, KEY_OPPORTUNITIES - existing)]):
			self.mark(day, 10 + k)
			frappe.set_user(self.head.user)
			contact = frappe.db.get_value("Customer", customer, "customer_primary_contact")
			opp = frappe.get_doc(
				{
					"doctype": "Opportunity",
					"opportunity_from": "Customer",
					"party_name": customer,
					"contact_person": contact,
					"opportunity_owner": self.head.user,
					"opportunity_type": "Sales",
					"source": "Existing Customer" if frappe.db.exists("Lead Source", "Existing Customer") else None,
					"company": self.c.company,
					"transaction_date": day,
					"currency": frappe.db.get_value("Company", self.c.company, "default_currency"),
				}
			).insert()
			frappe.set_user("Administrator")
			made.append(opp.name)
		self.c.made["Opportunity"].extend(made)
		self.out["key_account_opportunities"] = frappe.db.sql(
			"""select name, party_name, opportunity_owner, sales_stage from tabOpportunity
			where sd_regulation = %s order by name""",
			KEY_REGULATION,
			as_dict=True,
		)

	# --- 3. repeat sales --------------------------------------------------------------------------

	def repeat_sales(self):
		from sales_drive import repeat_sales
		from sales_drive.engine import repeat_sales as engine

		self.mark(self.c.period.start - timedelta(days=30), 11, 45)
		name = frappe.db.get_value("Repeat Sale Rule", {"title": RULE_TITLE, "company": self.c.company})
		if name:
			doc = frappe.get_doc("Repeat Sale Rule", name)
		else:
			doc = frappe.get_doc(
				{
					"doctype": "Repeat Sale Rule",
					"title": RULE_TITLE,
					"company": self.c.company,
					"enabled": 1,
					"kind": "No Order",
					"days_without_order": RULE_DAYS,
					"max_per_run": RULE_MAX,
					"opportunity_type": "Sales" if frappe.db.exists("Opportunity Type", "Sales") else None,
					"template_text": "<p>Давно не было заказа: узнать, как идут дела, предложить продление лицензий и тренинг.</p>",
				}
			).insert(ignore_permissions=True)
		self.out["repeat_sale_rule"] = doc.name
		if not frappe.db.exists("Sales Order", {"docstatus": 1, "company": self.c.company}):
			self.out["repeat_sale_run"] = "no Sales Orders: not run"
			return
		self.mark(self.today, 8)
		try:
			result = repeat_sales.evaluate(doc, self.today)
		except engine.TooMany as e:
			self.out["repeat_sale_run"] = f"over the maximum: {len(e.candidates)} > {e.maximum}, nothing created"
			return
		created = repeat_sales.create(doc, result)
		names = [c["opportunity"] for c in created["created"]]
		if names and self.today != getdate(nowdate()):
			frappe.db.sql("update tabOpportunity set transaction_date = %s where name in %s", (self.today, names))
		self.c.made["Opportunity"].extend(names)
		self.out["repeat_sale_run"] = {
			"created": len(names),
			"unassigned": len(created["unassigned"]),
			"skipped_open": len(created["skipped_open"]),
			"skipped_cooling": len(created["skipped_cooling"]),
			"failed": len(created["failed"]),
		}

	# --- 4. check-ups -----------------------------------------------------------------------------

	def checkups(self):
		set_on = self.back(self.today, TASK_SET_BEFORE)
		due = self.cal.add_working_days(set_on, TASK_DAYS)
		real = getdate(nowdate())
		due_real = real + (due - set_on)  # a task's dates may not be before its real creation day
		k = 0
		for lead in (m for m in self.c.members if m.role == "lead"):
			managers = [m for m in self.c.members if m.role == "manager" and m.team == lead.node]
			for manager in managers:
				title, description = TASKS[k % len(TASKS)]
				status, note, question = ANSWERS[k % len(ANSWERS)]
				k += 1
				if frappe.db.exists("Sales Task", {"title": title, "sales_person": manager.node, "team_lead": lead.user}):
					continue
				self.mark(set_on, 10, k)
				frappe.set_user(lead.user)
				task = frappe.get_doc(
					{
						"doctype": "Sales Task",
						"title": title,
						"sales_person": manager.node,
						"due_date": due_real,
						"checkup_date": due_real,
						"description": description,
					}
				).insert()
				self.tasks.append((task.name, set_on))
				if status == "Open":
					continue
				self.mark(due, 16, k)
				frappe.set_user(manager.user)
				task = frappe.get_doc("Sales Task", task.name)
				task.status, task.answer_note, task.question = status, note, question
				task.save()
				frappe.set_user("Administrator")
		frappe.set_user("Administrator")

	def shift_task_dates(self):
		"""After backdating: the tasks' dates (and their ToDos') move back with their creation."""
		real = getdate(nowdate())
		for name, set_on in self.tasks:
			shift = (set_on - real).days
			if not shift:
				continue
			frappe.db.sql(
				"""update `tabSales Task` set due_date = date_add(due_date, interval %(d)s day),
				checkup_date = date_add(checkup_date, interval %(d)s day) where name = %(n)s""",
				{"d": shift, "n": name},
			)
			frappe.db.sql(
				"""update tabToDo set date = date_add(date, interval %(d)s day)
				where reference_type = 'Sales Task' and reference_name = %(n)s and date is not null""",
				{"d": shift, "n": name},
			)
		frappe.db.commit()
		from sales_drive import checkups

		rows = frappe.db.sql("select status, count(*) from `tabSales Task` group by status")
		self.out["sales_tasks"] = dict(rows)
		self.out["stuck_or_overdue_tasks_yesterday"] = len(checkups.stuck_and_overdue(self.back(self.today, 1)))

	# --- 5. digests ---------------------------------------------------------------------------------

	def digests(self):
		from sales_drive import digests

		day = self.back(self.today, 1)
		week_end = self.today - timedelta(days=self.today.weekday() + 1)  # the last Sunday
		# without an outgoing Email Account (the demo's case) the digests are stored, not e-mailed
		digests.send_morning_reports(day)
		digests.send_weekly_report(week_end)
		frappe.db.commit()
		self.out["digests"] = [
			f"{d.kind} {d.report_date} → {d.recipient} ({d.scope or 'all'}), emailed={d.emailed}"
			for d in frappe.get_all(
				"Sales Digest",
				filters={"report_date": ["in", (day, week_end)]},
				fields=["kind", "report_date", "recipient", "scope", "emailed"],
				order_by="kind, recipient",
			)
		]

	# --- the whole ----------------------------------------------------------------------------------

	def before_backdate(self):
		self.step("settings", self.settings)
		self.step("key-account regulation", self.key_regulation)
		self.step("account managers", self.account_managers)
		self.step("key-account reviews", self.reviews)
		self.step("key-account opportunities", self.key_opportunities)
		self.step("repeat sales", self.repeat_sales)
		self.step("check-ups", self.checkups)

	def after_backdate(self) -> dict:
		self.step("check-up dates", self.shift_task_dates)
		self.step("digests", self.digests)
		return self.out
