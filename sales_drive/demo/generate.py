"""Fill a site with a sales department: people, clients, leads, deals, the log.

Run it with bench::

    bench --site SITE execute sales_drive.demo.generate.run --kwargs '{"mode": "realistic"}'
    bench --site SITE execute sales_drive.demo.generate.run \
        --kwargs '{"mode": "bulk", "opportunities": 100000, "transitions": 500000}'

Two modes:

``realistic`` (default, small)
    Everything goes through the ORM and through the app's stage gates, the way
    a user works: the generator ticks checklist items, fills the fields a step
    asks for, logs calls and meetings, makes and submits Quotations, Sales
    Orders, Sales Invoices and Payment Entries, then moves ``sd_step`` /
    ``sales_stage`` one step and saves. The Sales Stage Transition Log is
    written by the app itself. Each action is done "now" but has a planned
    moment in the past (spread over ``months`` before ``today``); at the end
    the timestamps created by every action are moved to its planned moment
    with set-based UPDATEs (creation/modified of every row the action made,
    ``transition_time``, ``sd_step_entered_on``, ``done_on``...), and the
    values derived from them (``days_in_previous``, ``hours_in_previous``,
    ``sd_step_due``) are recomputed with the company's working calendar. A
    gate that blocks a move is not bypassed: the record stays where it is and
    the block is reported in the summary (``gate_blocks``).
    Then the head of sales' side (:mod:`sales_drive.demo.management`): the
    head of sales and a director in Sales Drive Settings, a key-account
    regulation, key account managers and farmers on the customers, the monthly
    key-account reviews, a repeat-sale rule run once, check-up tasks answered
    every way, and the morning reports of the last working day (and the
    director's weekly) stored as Sales Digests.

``bulk`` (benchmarks)
    Opportunity rows and Sales Stage Transition Log rows consistent with them
    (Enter/Forward/Skip/Backward/Lost/Won, working days in the previous step,
    owner, sales person, team) inserted with ``frappe.db.bulk_insert`` in
    chunks. No gates, no documents: it only makes volume for reports.

Deterministic for a given ``seed`` and database state. Running twice adds more
data: masters (people, customers, items, reasons) are reused.
Emails are muted and the gravatar lookup (ERPNext's Lead and frappe's Contact
call ``has_gravatar``, an HTTP request, on save) is switched off for the run.
"""

from __future__ import annotations

import contextlib
import random
import time
import zlib
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

import frappe
from frappe.utils import add_days, add_months, get_datetime, get_first_day, getdate, now_datetime, nowdate

from sales_drive import regulations
from sales_drive.demo.management import Management
from sales_drive.integrations.pipeline import StageGateError, sales_person_of

# --- reference data ------------------------------------------------------------

SPECIALISATIONS = ("Full Cycle", "Hunter", "Closer", "Farmer", "Key Account Manager")
# team node -> specialisations of its managers (a three-level department, METHOD.md §6)
TEAMS = (
	("Team Acquisition", ("Hunter", "Full Cycle")),
	("Team Closing", ("Closer",)),
	("Team Accounts", ("Farmer", "Key Account Manager")),
)
HEAD_NODE = "Head of Sales"
EMAIL_DOMAIN = "salesdrive.example"
AVATAR = "/assets/frappe/images/default-avatar.png"

MALE_FIRST = (
	("Александр", "Aleksandr"), ("Дмитрий", "Dmitry"), ("Сергей", "Sergey"), ("Андрей", "Andrey"),
	("Алексей", "Aleksey"), ("Максим", "Maksim"), ("Иван", "Ivan"), ("Михаил", "Mikhail"),
	("Николай", "Nikolay"), ("Павел", "Pavel"), ("Артём", "Artyom"), ("Егор", "Egor"),
	("Роман", "Roman"), ("Владимир", "Vladimir"), ("Денис", "Denis"), ("Олег", "Oleg"),
	("Кирилл", "Kirill"), ("Илья", "Ilya"), ("Тимур", "Timur"), ("Григорий", "Grigory"),
)  # fmt: skip
FEMALE_FIRST = (
	("Анна", "Anna"), ("Мария", "Maria"), ("Елена", "Elena"), ("Ольга", "Olga"),
	("Наталья", "Natalya"), ("Татьяна", "Tatyana"), ("Ирина", "Irina"), ("Екатерина", "Ekaterina"),
	("Светлана", "Svetlana"), ("Юлия", "Yulia"), ("Дарья", "Darya"), ("Ксения", "Ksenia"),
	("Виктория", "Viktoria"), ("Полина", "Polina"), ("Алина", "Alina"), ("Вера", "Vera"),
)  # fmt: skip
LAST = (
	("Иванов", "Ivanov"), ("Смирнов", "Smirnov"), ("Кузнецов", "Kuznetsov"), ("Попов", "Popov"),
	("Васильев", "Vasilyev"), ("Петров", "Petrov"), ("Соколов", "Sokolov"), ("Михайлов", "Mikhaylov"),
	("Новиков", "Novikov"), ("Фёдоров", "Fedorov"), ("Морозов", "Morozov"), ("Волков", "Volkov"),
	("Алексеев", "Alekseev"), ("Лебедев", "Lebedev"), ("Семёнов", "Semenov"), ("Егоров", "Egorov"),
	("Павлов", "Pavlov"), ("Козлов", "Kozlov"), ("Степанов", "Stepanov"), ("Николаев", "Nikolaev"),
	("Орлов", "Orlov"), ("Андреев", "Andreev"), ("Макаров", "Makarov"), ("Никитин", "Nikitin"),
	("Захаров", "Zakharov"), ("Зайцев", "Zaytsev"), ("Соловьёв", "Solovyov"), ("Борисов", "Borisov"),
)  # fmt: skip
FORMS = ("ООО", "АО", "ООО", "ПАО", "ООО")
ROOTS = (
	"Альфа", "Вектор", "Гранит", "Север", "Техно", "Строй", "Интер", "Сибирь", "Волга", "Урал",
	"Логистик", "Инвест", "Агро", "Медиа", "Энерго", "Пром", "Сервис", "Транс", "Мега", "Дельта",
	"Орион", "Атлант", "Меридиан", "Горизонт", "Базис", "Ресурс", "Капитал", "Фарм", "Эко", "Нева",
)  # fmt: skip
CITIES = (
	"Москва", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск", "Нижний Новгород",
	"Самара", "Краснодар", "Пермь", "Воронеж", "Тюмень", "Уфа",
)  # fmt: skip
INDUSTRIES = ("Manufacturing", "Retail & Wholesale", "Construction", "Technology", "Transportation", "Service")
LEAD_SOURCES = ("Cold Calling", "Advertisement", "Campaign", "Exhibition", "Reference", "Mass Mailing")
EMPLOYEES = ("1-10", "11-50", "51-200", "201-500", "501-1000")

# code, name, item group, price (RUB)
ITEMS = (
	("SD-CRM-IMPL", "Внедрение CRM", "Services", 350000),
	("SD-AUDIT", "Аудит отдела продаж", "Services", 120000),
	("SD-TRAIN", "Тренинг менеджеров (день)", "Services", 80000),
	("SD-COACH", "Коучинг руководителя (месяц)", "Services", 150000),
	("SD-LIC-YEAR", "Лицензия CRM на год (пользователь)", "Products", 24000),
	("SD-SCRIPTS", "Пакет скриптов продаж", "Products", 45000),
)
OPPORTUNITY_LOST_REASONS = (
	"Выбрали конкурента",
	"Дорого",
	"Нет бюджета",
	"Не вышли на ЛПР",
	"Отложили проект",
	"Нет потребности",
	"Компания закрылась",
)
QUOTATION_LOST_REASONS = ("Цена выше, чем у конкурента", "Не устроили условия оплаты", "Отложили закупку")

# Russian public holidays (Labour Code art. 112) and, for the years whose
# government decree is known here, the moved days off and working Saturdays.
# Other years: a fixed holiday on a weekend moves to the next working day
# (except the January holidays).
FIXED_HOLIDAYS = (
	(1, 1, "Новогодние каникулы"), (1, 2, "Новогодние каникулы"), (1, 3, "Новогодние каникулы"),
	(1, 4, "Новогодние каникулы"), (1, 5, "Новогодние каникулы"), (1, 6, "Новогодние каникулы"),
	(1, 7, "Рождество Христово"), (1, 8, "Новогодние каникулы"), (2, 23, "День защитника Отечества"),
	(3, 8, "Международный женский день"), (5, 1, "Праздник Весны и Труда"), (5, 9, "День Победы"),
	(6, 12, "День России"), (11, 4, "День народного единства"),
)  # fmt: skip
DECREE = {
	# year: (extra days off, working Saturdays)
	2024: (("2024-04-29", "2024-04-30", "2024-05-10", "2024-12-30", "2024-12-31"), ("2024-04-27", "2024-11-02", "2024-12-28")),
	2025: (("2025-05-02", "2025-05-08", "2025-06-13", "2025-11-03", "2025-12-31"), ("2025-11-01",)),
	2026: (("2026-01-09", "2026-03-09", "2026-05-11", "2026-12-31"), ()),
}  # fmt: skip

WORK_START, WORK_END = 9 * 60, 19 * 60  # minutes of the day

# --- small helpers -----------------------------------------------------------


def _say(msg):
	print(f"[sales_drive.demo] {msg}", flush=True)


@contextlib.contextmanager
def _quiet_run():
	"""Mute emails and turn the gravatar HTTP lookup off for this process."""
	import frappe.utils as futils

	targets = [futils]
	for mod in (
		"erpnext.crm.doctype.lead.lead",
		"frappe.contacts.doctype.contact.contact",
		"frappe.core.doctype.user.user",
	):
		with contextlib.suppress(ImportError):
			targets.append(frappe.get_module(mod))
	saved = [(m, m.has_gravatar) for m in targets if hasattr(m, "has_gravatar")]
	mute = frappe.flags.mute_emails
	frappe.flags.mute_emails = True
	for m, _fn in saved:
		m.has_gravatar = _no_gravatar
	try:
		yield
	finally:
		for m, fn in saved:
			m.has_gravatar = fn
		frappe.flags.mute_emails = mute


def _no_gravatar(email=None, *args, **kwargs):
	return ""


def _strip_html(text) -> str:
	import re

	return re.sub(r"<[^>]+>", " ", str(text or "")).replace("&nbsp;", " ").strip()


def _update_rows(table: str, cols: list[str], rows: list[tuple], key: str = "name", chunk: int = 1000):
	"""Set ``cols`` of many rows in one UPDATE per chunk: rows are (key, *values)."""
	for i in range(0, len(rows), chunk):
		part = rows[i : i + chunk]
		one = "select %s as k" + "".join(f", %s as c{j}" for j in range(len(cols)))
		derived = " union all ".join([one] * len(part))
		sets = ", ".join(f"t.`{c}` = r.c{j}" for j, c in enumerate(cols))
		values = [v for row in part for v in row]
		frappe.db.sql(f"update `tab{table}` t join ({derived}) r on r.k = t.`{key}` set {sets}", values)


def _chunks(seq, n):
	for i in range(0, len(seq), n):
		yield seq[i : i + n]


# --- the period and the working calendar -------------------------------------


@dataclass
class Period:
	today: date
	start: date
	horizon: datetime  # nothing is planned after this moment

	@classmethod
	def of(cls, today, months):
		today = getdate(today or nowdate())
		start = getdate(add_months(today, -int(months)))
		now = now_datetime()
		end_of_day = datetime.combine(today, dtime(23, 59, 59))
		return cls(today, start, min(now, end_of_day) if today >= now.date() else end_of_day)


TERRITORY = "Russian Federation"


def ensure_territory() -> str:
	"""The demo company's market as a Territory (a site set up for another country has none)."""
	if not frappe.db.exists("Territory", TERRITORY):
		root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]}) or frappe.db.get_value(
			"Territory", {"is_group": 1}
		)
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": TERRITORY, "parent_territory": root, "is_group": 0}
		).insert(ignore_permissions=True)
	return TERRITORY


def ensure_fiscal_years(first: date, last: date):
	"""Fiscal years over [first, last], starting where the site's own years start (any country)."""
	from sales_drive.fiscal import ensure_fiscal_year

	made, day = [], first
	while True:
		name = ensure_fiscal_year(day)
		made.append(name)
		end = getdate(frappe.db.get_value("Fiscal Year", name, "year_end_date"))
		if end >= last:
			return made
		day = add_days(end, 1)


def russian_days_off(first: date, last: date) -> dict[date, str]:
	"""Weekends and public holidays of the Russian Federation in [first, last]."""
	out: dict[date, str] = {}
	for year in range(first.year, last.year + 1):
		fixed = {date(year, m, d): name for m, d, name in FIXED_HOLIDAYS}
		if year in DECREE:
			extra, working_saturdays = DECREE[year]
			moved = {getdate(d): "Перенесённый выходной" for d in extra}
			working = {getdate(d) for d in working_saturdays}
		else:
			moved, working = {}, set()
			taken = set(fixed)
			for day, _name in sorted(fixed.items()):
				if day.month == 1 or day.weekday() < 5:
					continue
				shift = day + timedelta(days=1)
				while shift.weekday() >= 5 or shift in taken:
					shift += timedelta(days=1)
				moved[shift] = "Перенесённый выходной"
				taken.add(shift)
		day = max(first, date(year, 1, 1))
		end = min(last, date(year, 12, 31))
		while day <= end:
			if day in fixed:
				out[day] = fixed[day]
			elif day in moved:
				out[day] = moved[day]
			elif day.weekday() >= 5 and day not in working:
				out[day] = "Выходной"
			day += timedelta(days=1)
	return out


def ensure_holiday_list(company: str, first: date, last: date) -> str:
	"""The company's default Holiday List; ours is created (or extended) to cover [first, last]."""
	current = frappe.db.get_value("Company", company, "default_holiday_list")
	name = f"{company} — РФ"
	if current and current != name:
		return current  # somebody else's calendar: leave it alone
	first, last = get_first_day(first), getdate(f"{last.year}-12-31")
	if frappe.db.exists("Holiday List", name):
		hl = frappe.get_doc("Holiday List", name)
		first, last = min(first, getdate(hl.from_date)), max(last, getdate(hl.to_date))
		have = {getdate(h.holiday_date) for h in hl.holidays}
	else:
		hl = frappe.get_doc({"doctype": "Holiday List", "holiday_list_name": name})
		have = set()
	hl.from_date, hl.to_date = first, last
	added = 0
	for day, desc in sorted(russian_days_off(first, last).items()):
		if day not in have:
			hl.append("holidays", {"holiday_date": day, "description": desc, "weekly_off": int(desc == "Выходной")})
			added += 1
	if added or hl.is_new():
		hl.flags.ignore_permissions = True
		hl.save()
	if current != name:
		frappe.db.set_value("Company", company, "default_holiday_list", name)
	regulations.clear_cache()
	return name


def is_cooling(customer: str, contact: str | None) -> bool:
	"""Whether an opportunity for ``customer`` would be refused by Base Cooling today.

	Cooling Records are dated on the machine's day, not the simulated one (the back-dating pass
	comes after), so a party refused earlier in the run is still cooling when it is picked again.
	"""
	from sales_drive import base_cooling
	from sales_drive.engine import cooling as cooling_engine

	party = base_cooling.opportunity_party(
		{"opportunity_from": "Customer", "party_name": customer, "contact_person": contact}
	)
	keys = cooling_engine.target_keys(party) if party else set()
	return bool(keys and base_cooling.active_coolings(keys, getdate(nowdate())))


def enforce_regulations():
	"""The demo company has introduced its regulations: they are enforced (a fresh install observes)."""
	for name in frappe.get_all("Sales Pipeline Regulation", {"is_active": 1, "rollout_mode": ["!=", "Enforce"]}, pluck="name"):
		frappe.db.set_value("Sales Pipeline Regulation", name, "rollout_mode", "Enforce")
	regulations.clear_cache()


# --- people --------------------------------------------------------------------


@dataclass
class Person:
	first: str
	last: str
	first_lat: str
	last_lat: str
	gender: str

	@property
	def full(self):
		return f"{self.first} {self.last}"

	@property
	def email(self):
		return f"{self.first_lat}.{self.last_lat}@{EMAIL_DOMAIN}".lower()


@dataclass
class Member:
	user: str
	node: str  # Sales Person name
	specialisation: str
	team: str | None
	role: str  # head / lead / manager


def people_stream(seed: int):
	"""An endless, deterministic stream of distinct people."""
	rng = random.Random(f"people:{seed}")
	combos = [(f, l, "Male") for f in MALE_FIRST for l in LAST] + [
		(f, (l[0] + "а", l[1] + "a"), "Female") for f in FEMALE_FIRST for l in LAST
	]
	rng.shuffle(combos)
	for (first, first_lat), (last, last_lat), gender in combos:
		yield Person(first, last, first_lat, last_lat, gender)


def ensure_user(p: Person, roles: tuple[str, ...], password: str | None) -> str:
	if frappe.db.exists("User", p.email):
		user = frappe.get_doc("User", p.email)
		missing = [r for r in roles if r not in {d.role for d in user.roles}]
		if missing or not user.enabled:
			user.enabled = 1
			for role in missing:
				user.append("roles", {"role": role})
			user.save(ignore_permissions=True)
		return user.name
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": p.email,
			"first_name": p.first,
			"last_name": p.last,
			"gender": p.gender,
			"enabled": 1,
			"user_type": "System User",
			"send_welcome_email": 0,
			"user_image": AVATAR,  # no gravatar lookup job for this user
			"language": "ru",
			"time_zone": "Europe/Moscow",
			"roles": [{"role": r} for r in roles],
		}
	)
	if password:
		user.new_password = password
	user.flags.no_welcome_mail = True
	user.insert(ignore_permissions=True)
	return user.name


def ensure_employee(p: Person, user: str, company: str, rng: random.Random, joined: date) -> str:
	name = frappe.db.get_value("Employee", {"user_id": user})
	if name:
		return name
	emp = frappe.get_doc(
		{
			"doctype": "Employee",
			"first_name": p.first,
			"last_name": p.last,
			"gender": p.gender,
			"date_of_birth": date(rng.randint(1975, 2000), rng.randint(1, 12), rng.randint(1, 28)),
			"date_of_joining": joined,
			"company": company,
			"status": "Active",
			"user_id": user,
		}
	)
	emp.insert(ignore_permissions=True)
	return emp.name


def ensure_sales_person(node: str, parent: str, is_group: int, employee: str | None, spec: str | None):
	if frappe.db.exists("Sales Person", node):
		sp = frappe.get_doc("Sales Person", node)
		changed = False
		for field_, value in (("employee", employee), ("sd_specialisation", spec), ("enabled", 1)):
			if value and sp.get(field_) != value:
				sp.set(field_, value)
				changed = True
		if changed:
			sp.save(ignore_permissions=True)
		return node
	frappe.get_doc(
		{
			"doctype": "Sales Person",
			"sales_person_name": node,
			"parent_sales_person": parent,
			"is_group": is_group,
			"employee": employee,
			"enabled": 1,
			"sd_specialisation": spec or "",
		}
	).insert(ignore_permissions=True)
	return node


def ensure_department(company: str, seed: int, per_spec: int, joined: date, password: str | None) -> list[Member]:
	"""Head of sales, a team lead per team (group nodes), ``per_spec`` managers of each specialisation."""
	rng = random.Random(f"employees:{seed}")
	people = people_stream(seed)
	root = frappe.db.sql(
		"select name from `tabSales Person` where ifnull(parent_sales_person, '') = '' order by lft limit 1"
	)
	root = root[0][0] if root else "Sales Team"
	members: list[Member] = []

	head = next(people)
	user = ensure_user(head, ("Sales Manager", "Sales User"), password)
	ensure_sales_person(HEAD_NODE, root, 1, ensure_employee(head, user, company, rng, joined), "Full Cycle")
	members.append(Member(user, HEAD_NODE, "Full Cycle", None, "head"))

	team_of_spec = {}
	for team, specs in TEAMS:
		lead = next(people)
		user = ensure_user(lead, ("Sales Team Lead", "Sales User"), password)
		ensure_sales_person(team, HEAD_NODE, 1, ensure_employee(lead, user, company, rng, joined), specs[0])
		members.append(Member(user, team, specs[0], HEAD_NODE, "lead"))
		for spec in specs:
			team_of_spec[spec] = team

	for _k in range(per_spec):
		for spec in SPECIALISATIONS:
			p = next(people)
			user = ensure_user(p, ("Sales User",), password)
			emp = ensure_employee(p, user, company, rng, joined)
			ensure_sales_person(p.full, team_of_spec[spec], 0, emp, spec)
			members.append(Member(user, p.full, spec, team_of_spec[spec], "manager"))
	return members


# --- clients, items, reasons --------------------------------------------------------


def company_names(tag: str, seed: int):
	"""An endless, deterministic stream of company names."""
	rng = random.Random(f"companies:{tag}:{seed}")
	combos = [(a, b) for a in ROOTS for b in ROOTS if a != b]
	rng.shuffle(combos)
	round_ = 0
	while True:
		for a, b in combos:
			name = f"{rng.choice(FORMS)} «{a}{b.lower()}»"
			yield name if not round_ else f"{name} ({CITIES[(round_ - 1) % len(CITIES)]})"
		round_ += 1


def ensure_customers(n: int, seed: int, rng: random.Random) -> list[tuple[str, str | None]]:
	"""``n`` customers with a primary contact: [(customer, contact)]."""
	out = []
	names = company_names("customer", seed)
	people = people_stream(seed + 7)
	for i in range(n):
		cname = next(names)
		p = next(people)
		if frappe.db.exists("Customer", cname):
			contact = frappe.db.get_value("Customer", cname, "customer_primary_contact")
			out.append((cname, contact))
			continue
		cust = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": cname,
				"customer_type": "Company",
				"customer_group": "Commercial" if frappe.db.exists("Customer Group", "Commercial") else None,
				"territory": TERRITORY,
			}
		).insert(ignore_permissions=True)
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": p.first,
				"last_name": p.last,
				"company_name": cname,
				"is_primary_contact": 1,
				"email_ids": [{"email_id": f"{p.first_lat}.{p.last_lat}.c{i}@client.example".lower(), "is_primary": 1}],
				"phone_nos": [{"phone": f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}", "is_primary_mobile_no": 1}],
				"links": [{"link_doctype": "Customer", "link_name": cust.name}],
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Customer", cust.name, "customer_primary_contact", contact.name, update_modified=False)
		out.append((cust.name, contact.name))
	return out


def bulk_customers(n: int, seed: int) -> list[str]:
	"""``n`` customers inserted in bulk (no contacts): names."""
	names_iter = company_names("bulk", seed)
	wanted = [next(names_iter) for _ in range(n)]
	have = set()
	for part in _chunks(wanted, 1000):
		have |= set(frappe.db.sql_list("select name from tabCustomer where name in %s", [part]))
	now = now_datetime()
	group = "Commercial" if frappe.db.exists("Customer Group", "Commercial") else None
	territory = TERRITORY
	rows = [
		(c, now, now, "Administrator", "Administrator", 0, 0, c, "Company", group, territory)
		for c in wanted
		if c not in have
	]
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "customer_name", "customer_type", "customer_group", "territory"]
	frappe.db.bulk_insert("Customer", fields, rows)
	return wanted


def ensure_items():
	for code, name, group, price in ITEMS:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": name,
					"item_group": group if frappe.db.exists("Item Group", group) else "All Item Groups",
					"stock_uom": "Nos",
					"is_stock_item": 0,
					"include_item_in_manufacturing": 0,
					"is_sales_item": 1,
					"description": name,
				}
			).insert(ignore_permissions=True)
		if not frappe.db.exists("Item Price", {"item_code": code, "price_list": "Standard Selling"}):
			frappe.get_doc(
				{"doctype": "Item Price", "item_code": code, "price_list": "Standard Selling", "price_list_rate": price, "uom": "Nos"}
			).insert(ignore_permissions=True)


def ensure_reasons():
	for r in OPPORTUNITY_LOST_REASONS:
		if not frappe.db.exists("Opportunity Lost Reason", r):
			frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": r}).insert(ignore_permissions=True)
	for r in QUOTATION_LOST_REASONS:
		if not frappe.db.exists("Quotation Lost Reason", r):
			frappe.get_doc({"doctype": "Quotation Lost Reason", "order_lost_reason": r}).insert(ignore_permissions=True)


# --- planned time -> real time ----------------------------------------------------


class Clock:
	"""Each action is done now but belongs to a planned moment in the past.

	``at(planned)`` marks the start of an action. Afterwards every timestamp
	written at or after a mark (and before the next one) is moved to the
	mark's planned moment plus the same offset.
	"""

	def __init__(self):
		self.real: list[datetime] = []
		self.planned: list[datetime] = []

	def at(self, planned: datetime):
		real = now_datetime()
		if self.real and real <= self.real[-1]:
			real = self.real[-1] + timedelta(microseconds=1)
		self.real.append(real)
		self.planned.append(planned)

	@property
	def first(self):
		return self.real[0] if self.real else None

	def map(self, ts):
		if ts is None:
			return None
		ts = get_datetime(ts)
		i = bisect_right(self.real, ts) - 1
		if i < 0:
			return None
		return self.planned[i] + (ts - self.real[i])


# tables and datetime columns moved to the planned time
BACKDATE = {
	"Lead": ("creation", "modified", "sd_step_entered_on"),
	"Opportunity": ("creation", "modified", "sd_step_entered_on"),
	"Opportunity Item": ("creation", "modified"),
	"Opportunity Lost Reason Detail": ("creation", "modified"),
	"Sales Checklist Item": ("creation", "modified", "done_on"),
	"Sales Stage Transition Log": ("creation", "modified", "transition_time"),
	"Communication": ("creation", "modified", "communication_date"),
	"Communication Link": ("creation", "modified"),
	"Event": ("creation", "modified"),
	"Event Participants": ("creation", "modified"),
	"Quotation": ("creation", "modified"),
	"Quotation Item": ("creation", "modified"),
	"Sales Order": ("creation", "modified"),
	"Sales Order Item": ("creation", "modified"),
	"Sales Invoice": ("creation", "modified"),
	"Sales Invoice Item": ("creation", "modified"),
	"Payment Entry": ("creation", "modified"),
	"Payment Entry Reference": ("creation", "modified"),
	"GL Entry": ("creation", "modified"),
	"Payment Ledger Entry": ("creation", "modified"),
	"Customer": ("creation", "modified"),
	"Contact": ("creation", "modified"),
	"Contact Email": ("creation", "modified"),
	"Contact Phone": ("creation", "modified"),
	"Dynamic Link": ("creation", "modified"),
	"Address": ("creation", "modified"),
	"ToDo": ("creation", "modified"),
	"Version": ("creation", "modified"),
	"Comment": ("creation", "modified"),
	"Activity Log": ("creation", "modified"),
	"User": ("creation", "modified"),
	"Employee": ("creation", "modified"),
	"Sales Person": ("creation", "modified"),
	"Item": ("creation", "modified"),
	"Item Price": ("creation", "modified"),
	"Has Role": ("creation", "modified"),
	# the head of sales' side (sales_drive.demo.management)
	"Sales Task": ("creation", "modified", "answered_on"),
	"Key Account Review": ("creation", "modified"),
	"Key Account Review Line": ("creation", "modified"),
	"Repeat Sale Rule": ("creation", "modified", "last_run_on"),
	"Notification Log": ("creation", "modified"),
}


def backdate(clock: Clock) -> dict:
	"""Move every timestamp written during the run to its planned moment."""
	if not clock.real:
		return {}
	since = clock.first
	moved = Counter()
	for doctype, cols in BACKDATE.items():
		if not frappe.db.table_exists(doctype):
			continue
		have = set(frappe.db.get_table_columns(doctype))
		cols = [c for c in cols if c in have]
		for col in cols:
			rows = frappe.db.sql(f"select name, `{col}` from `tab{doctype}` where `{col}` >= %s", since)
			updates = [(name, clock.map(ts)) for name, ts in rows]
			updates = [u for u in updates if u[1] is not None]
			if updates:
				_update_rows(doctype, [col], updates)
				moved[doctype] += len(updates) if col == cols[0] else 0
	return dict(moved)


def recompute_durations(names: dict[str, list[str]]) -> int:
	"""days/hours in the previous step of log rows, and step due dates, after backdating."""
	changed = 0
	for doctype, docs in names.items():
		active = regulations.active(doctype)
		if not active or not docs:
			continue
		reg = active.regulation
		step_field = "sales_stage" if doctype == "Opportunity" else "sd_step"
		for part in _chunks(docs, 1000):
			rows = frappe.db.sql(
				"""select name, reference_name, kind, from_step, to_step, transition_time, company
				from `tabSales Stage Transition Log`
				where reference_doctype = %s and reference_name in %s
				order by reference_name, transition_time, creation""",
				(doctype, part),
				as_dict=True,
			)
			updates = []
			entered, current = None, None
			for r in rows:
				if r.reference_name != current:
					current, entered = r.reference_name, None
				days = hours = None
				if r.from_step and entered:
					cal = regulations.calendar_for(r.company, active)
					days = cal.days_between(entered, r.transition_time)
					hours = round((r.transition_time - entered).total_seconds() / 3600, 2)
				if r.kind in ("Enter", "Forward", "Skip", "Backward", "Reopen") and r.to_step:
					entered = r.transition_time
				# the columns are NOT NULL (Int/Float): "no previous step" is stored as 0, as the app does
				updates.append((r.name, days or 0, hours or 0))
			_update_rows("Sales Stage Transition Log", ["days_in_previous", "hours_in_previous"], updates)
			changed += len(updates)
			docs_rows = frappe.db.sql(
				f"select name, `{step_field}`, sd_step_entered_on, company from `tab{doctype}` where name in %s",
				[part],
			)
			won = set(
				frappe.db.sql_list(
					"""select reference_name from `tabSales Stage Transition Log`
					where reference_doctype = %s and kind = 'Won' and reference_name in %s""",
					(doctype, part),
				)
			)
			dues = []
			for name, step, entered_on, company in docs_rows:
				s = reg.step(step)
				due = None
				if s and entered_on and name not in won:  # a won record has no step due any more
					due = regulations.calendar_for(company, active).add_working_days(entered_on, s.max_days)
				dues.append((name, due))
			_update_rows(doctype, ["sd_step_due"], dues)
	return changed


# --- realistic mode ------------------------------------------------------------------


class GateBlocked(Exception):
	def __init__(self, info: dict):
		super().__init__(info.get("message"))
		self.info = info


@dataclass
class Ctx:
	company: str
	period: Period
	rng: random.Random
	members: list[Member]
	customers: list[tuple[str, str | None]]
	clock: Clock = field(default_factory=Clock)
	made: dict = field(default_factory=lambda: {"Lead": [], "Opportunity": []})
	docs: Counter = field(default_factory=Counter)
	blocks: list = field(default_factory=list)
	errors: list = field(default_factory=list)

	def of_spec(self, *specs):
		return [m for m in self.members if m.role == "manager" and m.specialisation in specs]


LEAD_LOSS = {"New Lead": 0.2, "MQL": 0.25}
OPP_LOSS = {
	"Qualification": 0.12,
	"Needs Assessment": 0.12,
	"Presentation": 0.10,
	"Proposal Preparation": 0.05,
	"Proposal Approval": 0.18,
	"Contract": 0.08,
}
STALL = 0.04  # a deal that nobody moves any more (shows overdue)


class Realistic:
	def __init__(self, ctx: Ctx, items_share: float):
		self.c = ctx
		self.rng = ctx.rng
		self.items_share = items_share
		self.lead_reg = regulations.active("Lead")
		self.opp_reg = regulations.active("Opportunity")
		if not self.lead_reg or not self.opp_reg:
			frappe.throw("Sales Drive: no active Lead / Opportunity regulation on this site")
		self.cal = regulations.calendar_for(ctx.company)
		self.lead_no = frappe.db.count("Lead")
		self.ref_no = frappe.db.count("Payment Entry")

	# time
	def moment(self, day: date, earliest: int = WORK_START) -> datetime:
		while not self.cal.is_working(day):
			day += timedelta(days=1)
		minute = self.rng.randint(min(earliest, WORK_END - 30), WORK_END - 1)
		return datetime.combine(day, dtime()) + timedelta(minutes=minute, seconds=self.rng.randint(0, 59))

	def later(self, t: datetime, working_days: int) -> datetime:
		if working_days <= 0:
			nxt = t + timedelta(minutes=self.rng.randint(15, 180))
			if nxt.hour * 60 + nxt.minute < WORK_END - 1 and nxt.date() == t.date():
				return nxt
			working_days = 1
		return self.moment(self.cal.add_working_days(t.date(), working_days))

	def between(self, a: datetime, b: datetime) -> datetime:
		"""A working moment strictly between a and b (a call, a meeting, a document)."""
		days = [d for d in self.cal.working_days(a.date(), b.date())] or [a.date()]
		day = self.rng.choice(days)
		lo = a.hour * 60 + a.minute + 1 if day == a.date() else WORK_START
		hi = b.hour * 60 + b.minute - 1 if day == b.date() else WORK_END - 1
		if lo > hi:  # no room in working hours: halfway
			return a + (b - a) / 2
		moment = datetime.combine(day, dtime()) + timedelta(minutes=self.rng.randint(lo, hi), seconds=self.rng.randint(0, 59))
		return moment if a < moment < b else a + (b - a) / 2

	def duration(self, max_days: int) -> int:
		return max(0, round(self.rng.triangular(0, max(1, max_days) * 1.6, max(1, max_days) * 0.6)))

	def done(self, t: datetime) -> bool:
		return t > self.c.period.horizon

	# actions
	def act(self, planned: datetime, user: str, fn, *args, **kwargs):
		self.c.clock.at(planned)
		frappe.set_user(user)
		frappe.db.savepoint("sd_demo")
		try:
			return fn(planned, *args, **kwargs)
		except StageGateError as e:
			frappe.db.rollback(save_point="sd_demo")
			log = getattr(frappe.local, "message_log", None) or []
			title = log[-1].get("title") if log and isinstance(log[-1], dict) else None
			frappe.clear_messages()
			raise GateBlocked(
				{
					"action": fn.__name__.strip("_"),
					"record": args[0] if args else None,
					"gate": _strip_html(title) if title else None,
					"message": _strip_html(e)[:400],
					"user": user,
				}
			) from e
		except Exception:
			frappe.db.rollback(save_point="sd_demo")
			frappe.clear_messages()
			raise
		finally:
			frappe.set_user("Administrator")

	def _new_lead(self, t, owner: Member):
		self.lead_no += 1
		p = next(self.lead_people)
		company_name = next(self.lead_companies)
		doc = frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": p.first,
				"last_name": p.last,
				"gender": p.gender,
				"company_name": company_name,
				# each organisation its own domain: a refusal cools that organisation, not every demo lead
				"email_id": f"{p.first_lat}.{p.last_lat}.{self.lead_no}@{self._lead_domain(company_name)}".lower(),
				"mobile_no": f"+7 9{self.rng.randint(10, 99)} {self.rng.randint(100, 999)}-{self.rng.randint(10, 99)}-{self.rng.randint(10, 99)}",
				"source": self.rng.choice(LEAD_SOURCES),
				"lead_owner": owner.user,
				"company": self.c.company,
				"territory": TERRITORY,
				"country": "Russian Federation",
				"city": self.rng.choice(CITIES),
				"no_of_employees": self.rng.choice(EMPLOYEES),
				"qualification_status": "Unqualified",
				"status": "Lead",
				"type": "Client",
				"request_type": "Product Enquiry",
			}
		)
		if frappe.db.exists("Industry Type", ind := self.rng.choice(INDUSTRIES)):
			doc.industry = ind
		doc.insert()
		self.c.made["Lead"].append(doc.name)
		return doc.name

	def _lead_domain(self, company_name: str) -> str:
		domains = self.__dict__.setdefault("_lead_domains", {})
		if company_name not in domains:
			domains[company_name] = f"org{zlib.crc32(company_name.encode()):08x}.lead.example"
		return domains[company_name]

	def _tick(self, doc, step):
		for row in doc.get("sd_checklist") or []:
			if row.step == step:
				row.done = 1

	def _lead_move(self, t, name, to_step, qualify=False):
		doc = frappe.get_doc("Lead", name)
		self._tick(doc, doc.sd_step)
		if qualify:
			doc.qualification_status = "Qualified"
			doc.qualified_by = frappe.session.user
			doc.qualified_on = t.date()
		doc.sd_step = to_step
		doc.save()

	def _lead_refuse(self, t, name):
		doc = frappe.get_doc("Lead", name)
		doc.status = "Do Not Contact"
		doc.save()

	def _communication(self, t, doctype, name, medium, subject, content, to=None):
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": medium,
				"sent_or_received": "Sent",
				"subject": subject,
				"content": content,
				"sender": frappe.session.user,
				"recipients": to if medium == "Email" else None,
				"phone_no": to if medium == "Phone" else None,
				"reference_doctype": doctype,
				"reference_name": name,
				"communication_date": t,
				"status": "Linked",
				"user": frappe.session.user,
			}
		).insert(ignore_permissions=True)
		self.c.docs[f"Communication ({medium})"] += 1

	def _meeting(self, t, doctype, name, subject):
		frappe.get_doc(
			{
				"doctype": "Event",
				"subject": subject,
				"event_category": "Meeting",
				"event_type": "Private",
				"starts_on": t,
				"ends_on": t + timedelta(hours=1),
				"status": "Completed",
				"send_reminder": 0,
				"event_participants": [{"reference_doctype": doctype, "reference_docname": name}],
			}
		).insert(ignore_permissions=True)
		self.c.docs["Event"] += 1

	def activity(self, t, user, doctype, name, what="call"):
		party = frappe.db.get_value(doctype, name, "email_id" if doctype == "Lead" else "contact_email") or None
		phone = frappe.db.get_value(doctype, name, "mobile_no" if doctype == "Lead" else "contact_mobile")
		if what == "meeting":
			self.act(t, user, self._meeting, doctype, name, "Презентация решения для ЛПР")
		elif what == "email" and party:
			self.act(t, user, self._communication, doctype, name, "Email", "Материалы по нашему предложению",
				"Добрый день! Направляю материалы, о которых договорились.", party)  # fmt: skip
		else:
			self.act(t, user, self._communication, doctype, name, "Phone", "Звонок клиенту",
				"Обсудили задачи, бюджет и сроки.", phone or "+7 900 000-00-00")  # fmt: skip

	# lead life
	def lead_life(self, start: datetime, owner: Member):
		reg = self.lead_reg.regulation
		t = start
		name = self.act(t, owner.user, self._new_lead, owner)
		for step, nxt in zip(reg.order(), reg.order()[1:]):
			exit_t = self.later(t, self.duration(reg.step(step).max_days))
			if step == "MQL" or self.rng.random() < 0.4:
				call = self.between(t, exit_t)
				if self.done(call):
					return
				self.activity(call, owner.user, "Lead", name, "call" if self.rng.random() < 0.7 else "email")
			if self.done(exit_t):
				return
			if self.rng.random() < LEAD_LOSS.get(step, 0):
				self.act(exit_t, owner.user, self._lead_refuse, name)
				self.c.docs["Lead refused"] += 1
				return
			self.act(exit_t, owner.user, self._lead_move, name, nxt, qualify=(nxt == "SQL"))
			t = exit_t
		# SQL: hand the lead to a closer (a full-cycle manager keeps it)
		convert_t = self.later(t, self.duration(reg.step(reg.order()[-1]).max_days))
		if self.done(convert_t):
			return
		if owner.specialisation == "Full Cycle" or not self.c.of_spec("Closer"):
			closer = owner
		else:
			closer = self.rng.choice(self.c.of_spec("Closer"))
		opp = self.act(convert_t, closer.user, self._opportunity_from_lead, name, closer)
		self.opportunity_life(opp, convert_t, closer)

	def _opportunity_from_lead(self, t, lead, owner: Member):
		from erpnext.crm.doctype.lead.lead import make_opportunity

		opp = make_opportunity(lead)
		opp.opportunity_owner = owner.user
		opp.transaction_date = t.date()
		opp.company = self.c.company
		opp.opportunity_type = "Sales"
		opp.currency = frappe.db.get_value("Company", self.c.company, "default_currency")
		if not opp.contact_person:
			opp.contact_person = frappe.db.get_value(
				"Dynamic Link", {"link_doctype": "Lead", "link_name": lead, "parenttype": "Contact"}, "parent"
			)
		opp.insert()
		self.c.made["Opportunity"].append(opp.name)
		return opp.name

	def _opportunity_from_customer(self, t, customer, contact, owner: Member):
		opp = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Customer",
				"party_name": customer,
				"contact_person": contact,
				"opportunity_owner": owner.user,
				"opportunity_type": "Sales",
				"source": "Existing Customer" if frappe.db.exists("Lead Source", "Existing Customer") else None,
				"company": self.c.company,
				"transaction_date": t.date(),
				"currency": frappe.db.get_value("Company", self.c.company, "default_currency"),
			}
		)
		opp.insert()
		self.c.made["Opportunity"].append(opp.name)
		return opp.name

	def _opp_move(self, t, name, to_step, fill=False):
		doc = frappe.get_doc("Opportunity", name)
		self._tick(doc, doc.sales_stage)
		if fill:
			if self.rng.random() < self.items_share:
				for code, _n, _g, price in self.rng.sample(ITEMS, self.rng.randint(1, 3)):
					doc.append("items", {"item_code": code, "qty": self.rng.randint(1, 5), "rate": price, "uom": "Nos"})
				amount = sum(i.qty * i.rate for i in doc.items)
			else:
				amount = self.rng.choice(ITEMS)[3] * self.rng.randint(1, 6)
			doc.opportunity_amount = amount
			doc.expected_closing = add_days(t.date(), self.rng.randint(20, 60))
			doc.probability = 30
		doc.sales_stage = to_step
		doc.save()

	def _opp_refuse(self, t, name):
		doc = frappe.get_doc("Opportunity", name)
		reason = self.rng.choice(OPPORTUNITY_LOST_REASONS)
		doc.declare_enquiry_lost([{"lost_reason": reason}], [], detailed_reason=f"Отказ: {reason.lower()}")

	def _quotation_refuse(self, t, quotation):
		q = frappe.get_doc("Quotation", quotation)
		q.declare_enquiry_lost([{"lost_reason": self.rng.choice(QUOTATION_LOST_REASONS)}], [])

	def _quotation(self, t, opp_name):
		from erpnext.crm.doctype.opportunity.opportunity import make_quotation

		q = make_quotation(opp_name)
		q.transaction_date = t.date()
		q.valid_till = None  # set afterwards: validity is checked against the real date
		if not [i for i in q.items if i.item_code]:
			q.set("items", [])
			amount = frappe.db.get_value("Opportunity", opp_name, "opportunity_amount") or 100000
			code, _n, _g, price = min(ITEMS, key=lambda it: abs(amount - it[3] * round(amount / it[3])))
			q.append("items", {"item_code": code, "qty": max(1, round(amount / price)), "rate": price, "uom": "Nos"})
		q.insert()
		q.submit()
		self.c.docs["Quotation"] += 1
		return q.name

	def _sales_order(self, t, quotation):
		from erpnext.selling.doctype.quotation.quotation import make_sales_order

		so = make_sales_order(quotation)
		so.transaction_date = t.date()
		so.delivery_date = add_days(t.date(), 14)
		for item in so.items:
			item.delivery_date = so.delivery_date
		so.set("payment_schedule", [])  # recomputed from the (past) order date
		so.insert()
		so.submit()
		self.c.docs["Sales Order"] += 1
		return so.name

	def _sales_invoice(self, t, order):
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		si = make_sales_invoice(order)
		si.set_posting_time = 1
		si.posting_date = t.date()
		si.posting_time = t.strftime("%H:%M:%S")
		si.due_date = add_days(t.date(), 10)
		si.set("payment_schedule", [])  # recomputed from the (past) posting date
		si.insert()
		si.submit()
		self.c.docs["Sales Invoice"] += 1
		return si.name

	def _payment(self, t, invoice):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		pe = get_payment_entry("Sales Invoice", invoice)
		self.ref_no += 1
		pe.posting_date = t.date()
		pe.reference_no = f"ПП-{self.ref_no:05d}"
		pe.reference_date = t.date()
		pe.insert()
		pe.submit()
		self.c.docs["Payment Entry"] += 1
		return pe.name

	# opportunity life
	def opportunity_life(self, name: str, start: datetime, owner: Member):
		reg = self.opp_reg.regulation
		order = reg.order()
		user = owner.user
		t = start
		quotation = order_ = invoice = None
		backs = 0
		i = 0
		while i < len(order):
			step = order[i]
			exit_t = self.later(t, self.duration(reg.step(step).max_days))
			# the work of the step, between entering and leaving it
			work_t = self.between(t, exit_t)
			if self.done(work_t):
				return
			if step in ("Qualification", "Needs Assessment"):
				self.activity(work_t, user, "Opportunity", name, "call" if self.rng.random() < 0.6 else "email")
			elif step == "Presentation":
				self.activity(work_t, user, "Opportunity", name, "meeting")
			elif step == "Proposal Preparation":
				quotation = self.act(work_t, user, self._quotation, name)
			elif step == "Proposal Approval" and self.rng.random() < 0.5:
				self.activity(work_t, user, "Opportunity", name, "email")
			elif step == "Contract":
				if self.rng.random() < OPP_LOSS[step]:
					if not self.done(exit_t):
						self.act(exit_t, user, self._quotation_refuse, quotation)
						self.c.docs["Opportunity lost via Quotation"] += 1
					return
				order_ = self.act(work_t, user, self._sales_order, quotation)
			elif step == "Invoice":
				invoice = self.act(work_t, "Administrator", self._sales_invoice, order_)
			elif step == "Payment":
				if self.done(exit_t):
					return
				self.act(exit_t, "Administrator", self._payment, invoice)
				return
			if self.done(exit_t):
				return
			if step != "Contract" and self.rng.random() < OPP_LOSS.get(step, 0):
				if quotation:
					self.act(exit_t, user, self._quotation_refuse, quotation)
					self.c.docs["Opportunity lost via Quotation"] += 1
				else:
					self.act(exit_t, user, self._opp_refuse, name)
					self.c.docs["Opportunity lost"] += 1
				return
			if self.rng.random() < STALL:
				self.c.docs["Opportunity stalled"] += 1
				return
			if step == "Proposal Approval" and backs < 1 and self.rng.random() < 0.12:
				# the client asks for changes: back to the proposal, a revised quotation
				self.act(exit_t, user, self._opp_move, name, "Proposal Preparation")
				backs += 1
				t = exit_t
				i -= 1
				continue
			self.act(exit_t, user, self._opp_move, name, order[i + 1], fill=(step == "Needs Assessment"))
			t = exit_t
			i += 1

	def run(self, n_leads: int, n_opportunities: int, seed: int):
		c = self.c
		self.lead_people = people_stream(seed + 11 + self.lead_no)
		self.lead_companies = company_names(f"lead:{self.lead_no}", seed)
		window = (c.period.horizon.date() - c.period.start).days
		hunters = c.of_spec("Hunter", "Full Cycle") or [m for m in c.members if m.role == "manager"]
		plans = sorted(
			(self.moment(c.period.start + timedelta(days=self.rng.randint(0, max(window - 1, 0)))), self.rng.choice(hunters))
			for _ in range(n_leads)
		)
		for k, (start, owner) in enumerate(plans, 1):
			self.life(self.lead_life, "Lead", start, owner)
			if k % 25 == 0:
				_say(f"leads {k}/{n_leads}, opportunities so far {len(c.made['Opportunity'])}")
		rest = max(0, n_opportunities - len(c.made["Opportunity"]))
		farmers = c.of_spec("Farmer", "Key Account Manager", "Full Cycle") or hunters
		starts = sorted(self.moment(c.period.start + timedelta(days=self.rng.randint(0, max(window - 1, 0)))) for _ in range(rest))
		for k, start in enumerate(starts, 1):
			owner = self.rng.choice(farmers)
			customer, contact = self.rng.choice(c.customers)
			if is_cooling(customer, contact):
				continue  # a farmer does not call a customer that refused and rests (Base Cooling)
			self.life(self.customer_life, "Opportunity", start, owner, customer, contact)
			if k % 25 == 0:
				_say(f"customer opportunities {k}/{rest}")

	def customer_life(self, start, owner, customer, contact):
		name = self.act(start, owner.user, self._opportunity_from_customer, customer, contact, owner)
		self.opportunity_life(name, start, owner)

	def life(self, fn, doctype, *args):
		try:
			fn(*args)
		except GateBlocked as e:
			self.c.blocks.append(e.info)
		except Exception as e:
			import traceback

			self.c.errors.append({"doctype": doctype, "error": f"{type(e).__name__}: {_strip_html(e)[:300]}"})
			_say(f"error in a {doctype} life: {traceback.format_exc()[-1200:]}")
			if len(self.c.errors) > 25:
				raise
		frappe.db.commit()


# --- bulk mode ------------------------------------------------------------------------

BULK_LOSS = {
	"Qualification": 0.14,
	"Needs Assessment": 0.12,
	"Presentation": 0.10,
	"Proposal Preparation": 0.05,
	"Proposal Approval": 0.16,
	"Contract": 0.07,
	"Invoice": 0.01,
	"Payment": 0.01,
}
BULK_BACK = {"Proposal Approval": ("Proposal Preparation", 0.08), "Contract": ("Proposal Approval", 0.04)}
BULK_SKIP = 0.01
BULK_STALL = 0.02
PROBABILITY = {
	"Qualification": 10,
	"Needs Assessment": 20,
	"Presentation": 30,
	"Proposal Preparation": 40,
	"Proposal Approval": 50,
	"Contract": 70,
	"Invoice": 90,
	"Payment": 95,
}
OWNER_MIX = (("Closer", 35), ("Full Cycle", 25), ("Farmer", 15), ("Key Account Manager", 10), ("Hunter", 15))
LOG_FIELDS = [
	"name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "reference_doctype",
	"reference_name", "regulation", "kind", "from_step", "to_step", "from_stage", "to_stage",
	"transition_time", "user", "record_owner", "sales_person", "team", "assigned_to", "company", "amount",
	"days_in_previous", "hours_in_previous", "verdict", "override_reason", "missing",
]  # fmt: skip
OPP_FIELDS = [
	"name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "naming_series",
	"opportunity_from", "party_name", "customer_name", "title", "status", "opportunity_type", "source",
	"opportunity_owner", "sales_stage", "expected_closing", "probability", "currency", "conversion_rate",
	"opportunity_amount", "base_opportunity_amount", "company", "transaction_date", "territory",
	"customer_group", "order_lost_reason", "sd_regulation", "sd_step_entered_on", "sd_step_due",
	"sd_overdue", "sd_overdue_notified",
]  # fmt: skip
LOST_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "lost_reason", "parent", "parentfield", "parenttype"]


class Bulk:
	"""Paths through the regulation on a working-day grid: (day index, minute of day)."""

	def __init__(self, company, period: Period, members: list[Member], customers: list[str], seed: int):
		active = regulations.active("Opportunity")
		if not active:
			frappe.throw("Sales Drive: no active Opportunity regulation on this site")
		self.reg = active.regulation
		self.order = self.reg.order()
		self.company = company
		self.period = period
		self.customers = customers
		self.seed = seed
		cal = regulations.calendar_for(company, active)
		self.days = cal.working_days(period.start - timedelta(days=10), period.today + timedelta(days=120))
		self.first_idx = bisect_right(self.days, period.start - timedelta(days=1))
		self.today_idx = bisect_right(self.days, period.horizon.date()) - 1
		h = period.horizon
		self.horizon = (self.today_idx, h.hour * 60 + h.minute if self.days[self.today_idx] == h.date() else 24 * 60)
		managers = [m for m in members if m.role == "manager"]
		self.owner_pool = []
		for spec, weight in OWNER_MIX:
			pool = [m for m in managers if m.specialisation == spec] or managers
			self.owner_pool.append((pool, weight))
		self.people = {m.user: sales_person_of(m.user) for m in members}
		self.leads_of = {m.team: m.user for m in members if m.role == "lead"}
		self.stage = {s.name: s.stage for s in self.reg.steps}
		self.max_days = {s.name: s.max_days for s in self.reg.steps}
		self.loss_scale = 1.0

	# one path
	def _after(self, rng, at, max_days):
		idx, minute = at
		d = max(0, round(rng.triangular(0, max(1, max_days) * 1.6, max(1, max_days) * 0.6)))
		if d == 0:
			m = minute + rng.randint(10, 240)
			if m < WORK_END:
				return idx, m
			d = 1
		return idx + d, rng.randint(WORK_START, WORK_END - 1)

	def path(self, rng, start):
		"""[(kind, from, to, at, verdict)], final step, status."""
		events = [("Enter", "", self.order[0], start, "Passed")]
		at, i, backs = start, 0, 0
		last = len(self.order) - 1
		while True:
			step = self.order[i]
			nxt_at = self._after(rng, at, self.max_days[step])
			if nxt_at > self.horizon or nxt_at[0] >= len(self.days):
				return events, step, "Open"
			r = rng.random()
			loss = min(0.95, BULK_LOSS.get(step, 0) * self.loss_scale)
			if r < loss:
				events.append(("Lost", step, "", nxt_at, "Not Checked"))
				return events, step, "Lost"
			r = rng.random()
			if r < BULK_STALL:
				return events, step, "Open"
			if i == last:
				events.append(("Won", step, "", nxt_at, "Passed"))
				return events, step, "Converted"
			back = BULK_BACK.get(step)
			if back and backs < 2 and rng.random() < back[1]:
				events.append(("Backward", step, back[0], nxt_at, "Passed"))
				i, at, backs = self.order.index(back[0]), nxt_at, backs + 1
				continue
			if i + 2 <= last and rng.random() < BULK_SKIP:
				events.append(("Skip", step, self.order[i + 2], nxt_at, "Overridden"))
				i += 2
			else:
				events.append(("Forward", step, self.order[i + 1], nxt_at, "Passed"))
				i += 1
			at = nxt_at

	def _start(self, rng):
		return rng.randint(self.first_idx, self.today_idx), rng.randint(WORK_START, WORK_END - 1)

	def calibrate(self, per_opportunity: float, sample: int = 4000) -> float:
		"""Scale the loss rates so that a path has ``per_opportunity`` transitions on average."""

		def mean(scale):
			self.loss_scale = scale
			rng = random.Random(f"calibrate:{self.seed}")
			return sum(len(self.path(rng, self._start(rng))[0]) for _ in range(sample)) / sample

		lo, hi = 0.0, 6.0
		if mean(lo) <= per_opportunity:
			self.loss_scale = lo
			return lo
		if mean(hi) >= per_opportunity:
			self.loss_scale = hi
			return hi
		for _ in range(18):
			mid = (lo + hi) / 2
			if mean(mid) > per_opportunity:
				lo = mid
			else:
				hi = mid
		self.loss_scale = (lo + hi) / 2
		return self.loss_scale

	def when(self, at, rng) -> datetime:
		idx, minute = at
		return datetime.combine(self.days[idx], dtime()) + timedelta(minutes=minute, seconds=rng.randint(0, 59), microseconds=rng.randint(0, 999999))

	def owner(self, rng):
		r = rng.uniform(0, sum(w for _p, w in self.owner_pool))
		for pool, w in self.owner_pool:
			if r < w:
				return rng.choice(pool)
			r -= w
		return rng.choice(self.owner_pool[-1][0])

	def run(self, n: int, transitions: int, chunk: int) -> dict:
		rng = random.Random(f"bulk:{self.seed}:{frappe.db.count('Opportunity')}")
		scale = self.calibrate(transitions / max(n, 1))
		_say(f"bulk: loss scale {scale:.3f} for ~{transitions / max(n, 1):.2f} transitions per opportunity")
		tag = "%04x" % rng.getrandbits(16)
		while frappe.db.exists("Sales Stage Transition Log", f"b{tag}00000000"):
			tag = "%04x" % rng.getrandbits(16)
		starts = sorted(self._start(rng) for _ in range(n))
		series: dict[str, int] = {}
		stats = Counter()
		kinds = Counter()
		stages = Counter()
		log_no = lost_no = 0
		reg_name = self.reg.name
		opp_rows, log_rows, lost_rows = [], [], []
		t_insert = 0.0

		def flush():
			nonlocal opp_rows, log_rows, lost_rows, t_insert
			t0 = time.perf_counter()
			frappe.db.bulk_insert("Opportunity", OPP_FIELDS, opp_rows)
			frappe.db.bulk_insert("Opportunity Lost Reason Detail", LOST_FIELDS, lost_rows)
			frappe.db.bulk_insert("Sales Stage Transition Log", LOG_FIELDS, log_rows)
			frappe.db.commit()
			t_insert += time.perf_counter() - t0
			opp_rows, log_rows, lost_rows = [], [], []

		for k, start in enumerate(starts, 1):
			events, step, status = self.path(rng, start)
			owner = self.owner(rng)
			sp, team = self.people.get(owner.user) or (None, None)
			created = self.when(start, rng)
			year = created.year
			key = f"CRM-OPP-{year}-"
			if key not in series:
				row = frappe.db.sql("select current from tabSeries where name = %s", key)
				series[key] = int(row[0][0]) if row else 0
			series[key] += 1
			name = f"{key}{series[key]:05d}"
			customer = rng.choice(self.customers)
			amount = round(rng.lognormvariate(12.4, 0.8), -3)
			times = [created] + [self.when(e[3], rng) for e in events[1:]]
			for j in range(1, len(times)):  # same-day events keep their order
				if times[j] <= times[j - 1]:
					times[j] = times[j - 1] + timedelta(minutes=rng.randint(1, 30))
			entered_idx, entered_t = events[0][3][0], times[0]
			for (kind, frm, to, at, verdict), t in zip(events, times):
				days = hours = 0  # NOT NULL columns: 0 when there is no previous step, as the app stores it
				if frm:
					days = at[0] - entered_idx
					hours = round((t - entered_t).total_seconds() / 3600, 2)
				user = owner.user if verdict != "Overridden" else self.leads_of.get(owner.team, owner.user)
				log_no += 1
				log_rows.append(
					(
						f"b{tag}{log_no:08x}", t, t, user, user, 0, 0, "Opportunity", name, reg_name, kind,
						frm, to, self.stage.get(frm, ""), self.stage.get(to, ""), t, user, owner.user, sp, team,
						None, self.company, amount, days, hours, verdict,
						"Клиент подписал договор без отдельной презентации" if verdict == "Overridden" else None,
						f"Checklist item not done: skipped step {self.order[self.order.index(frm) + 1]}" if verdict == "Overridden" else None,
					)
				)  # fmt: skip
				kinds[kind] += 1
				if to and kind != "Lost":
					entered_idx, entered_t = at[0], t
			due_idx = entered_idx + self.max_days.get(step, 0)
			# a won (paid) deal has left its last step: it has no due date, as the app does
			due = None if status == "Converted" else self.days[min(due_idx, len(self.days) - 1)]
			overdue = int(status == "Open" and due is not None and due < self.period.today)
			lost_reason = None
			if status == "Lost":
				lost_reason = rng.choice(OPPORTUNITY_LOST_REASONS)
				lost_no += 1
				lost_rows.append((f"b{tag}L{lost_no:07x}", times[-1], times[-1], owner.user, owner.user, 0, 1, lost_reason, name, "lost_reasons", "Opportunity"))
			opp_rows.append(
				(
					name, created, times[-1], owner.user, owner.user, 0, 0, "CRM-OPP-.YYYY.-", "Customer", customer,
					customer, customer, status, "Sales", None, owner.user, step,
					(created + timedelta(days=rng.randint(20, 90))).date(), PROBABILITY.get(step, 0), "RUB", 1,
					amount, amount, self.company, created.date(), "Russian Federation", "Commercial",
					f"Отказ: {lost_reason.lower()}" if lost_reason else None, reg_name, entered_t, due, overdue, overdue,
				)
			)  # fmt: skip
			stats[status] += 1
			stages[step] += 1
			if len(log_rows) >= chunk:
				flush()
			if k % 20000 == 0:
				_say(f"bulk: {k}/{n} opportunities, {log_no} transitions")
		flush()
		for key, current in series.items():
			frappe.db.sql(
				"insert into tabSeries (name, current) values (%s, %s) on duplicate key update current = greatest(current, values(current))",
				(key, current),
			)
		frappe.db.commit()
		return {
			"opportunities_inserted": n,
			"transitions_inserted": log_no,
			"lost_reason_rows": lost_no,
			"by_status": dict(stats),
			"by_stage": dict(stages),
			"by_kind": dict(kinds),
			"loss_scale": round(scale, 4),
			"insert_seconds": round(t_insert, 1),
		}


# --- entry point -------------------------------------------------------------------------


def run(
	mode: str = "realistic",
	seed: int = 42,
	today: str | None = None,
	months: int | None = None,
	managers: int | None = None,
	leads: int = 200,
	opportunities: int | None = None,
	customers: int | None = None,
	transitions: int | None = None,
	items_share: float = 0.3,
	chunk: int = 20000,
	password: str | None = "SalesDrive#Demo2026",
	flag_overdue: bool = False,
):
	"""Generate demo data; returns (and prints) a summary of what was made.

	Realistic: ``managers`` per specialisation (2), ``leads`` (200),
	``opportunities`` (150: those converted from leads, the rest from existing
	customers), ``customers`` (40), over ``months`` (6) before ``today``;
	``items_share`` of the deals get items on the Opportunity.
	Bulk: ``opportunities`` (100000) and ~``transitions`` (5 per opportunity)
	over ``months`` (24), ``managers`` (6) per specialisation, ``customers``
	(opportunities / 50), inserted ``chunk`` log rows at a time.
	``flag_overdue`` (realistic only) runs the app's hourly job
	``sales_drive.tasks.notify_overdue_steps`` once at the end. Off by
	default: that job also flags and notifies won (paid) opportunities, as
	their status "Converted" is not treated as closed — on a site that also
	holds bulk data that is tens of thousands of notifications.
	``password`` is set on the demo users (all of them: ``first.last@salesdrive.example``).
	"""
	if mode not in ("realistic", "bulk"):
		frappe.throw("mode must be 'realistic' or 'bulk'")
	t_start = time.perf_counter()
	seed = int(seed)
	bulk = mode == "bulk"
	months = int(months or (24 if bulk else 6))
	managers = int(managers or (6 if bulk else 2))
	opportunities = int(opportunities or (100000 if bulk else 150))
	period = Period.of(today, months)
	company = frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")
	if not company:
		frappe.throw("No company on this site: complete the setup wizard first")
	timings = {}
	frappe.set_user("Administrator")
	with _quiet_run():
		clock = Clock()
		clock.at(datetime.combine(period.start - timedelta(days=30), dtime(10, 0)))
		t0 = time.perf_counter()
		fiscal_years = ensure_fiscal_years(period.start - timedelta(days=31), period.today + timedelta(days=120))
		holiday_list = ensure_holiday_list(company, period.start - timedelta(days=31), period.today + timedelta(days=120))
		members = ensure_department(company, seed, managers, period.start - timedelta(days=60), password)
		ensure_territory()
		ensure_items()
		ensure_reasons()
		enforce_regulations()
		rng = random.Random(f"{mode}:{seed}:{period.today}")
		frappe.db.commit()
		timings["masters"] = time.perf_counter() - t0
		summary = {
			"site": frappe.local.site,
			"mode": mode,
			"seed": seed,
			"period": f"{period.start} .. {period.today}",
			"company": company,
			"holiday_list": holiday_list,
			"fiscal_years_created": fiscal_years,
			"sales_people": len(members),
			"managers_by_specialisation": dict(Counter(m.specialisation for m in members if m.role == "manager")),
		}
		if bulk:
			t0 = time.perf_counter()
			pool = bulk_customers(int(customers or max(200, opportunities // 50)), seed)
			summary["customers_pool"] = len(pool)
			timings["customers"] = time.perf_counter() - t0
			t0 = time.perf_counter()
			summary.update(Bulk(company, period, members, pool, seed).run(opportunities, int(transitions or opportunities * 5), int(chunk)))
			timings["bulk"] = time.perf_counter() - t0
		else:
			t0 = time.perf_counter()
			custs = ensure_customers(int(customers or 40), seed, rng)
			frappe.db.commit()
			timings["customers"] = time.perf_counter() - t0
			ctx = Ctx(company, period, rng, members, custs, clock=clock)
			t0 = time.perf_counter()
			Realistic(ctx, float(items_share)).run(int(leads), opportunities, seed)
			timings["through_gates"] = time.perf_counter() - t0
			t0 = time.perf_counter()
			head_of_sales = Management(ctx, seed, password)
			head_of_sales.before_backdate()
			timings["head_of_sales"] = time.perf_counter() - t0
			t0 = time.perf_counter()
			frappe.set_user("Administrator")
			moved = backdate(clock)
			recompute_durations(ctx.made)
			qs = frappe.db.sql_list(
				"select name from tabQuotation where creation >= %s and valid_till is null", period.start - timedelta(days=31)
			)
			for part in _chunks(qs, 1000):
				frappe.db.sql("update tabQuotation set valid_till = date_add(transaction_date, interval 30 day) where name in %s", [part])
			frappe.db.commit()
			timings["backdate"] = time.perf_counter() - t0
			t0 = time.perf_counter()
			summary["head_of_sales_day"] = head_of_sales.after_backdate()
			timings["digests"] = time.perf_counter() - t0
			if flag_overdue:
				from sales_drive.tasks import notify_overdue_steps

				summary["overdue_notifications"] = notify_overdue_steps(period.today)
			summary.update(_realistic_counts(ctx))
			summary["rows_backdated"] = sum(moved.values())
		frappe.db.commit()
	timings["total"] = time.perf_counter() - t_start
	summary["seconds"] = {k: round(v, 1) for k, v in timings.items()}
	summary["site_totals"] = {
		dt: frappe.db.count(dt)
		for dt in ("Lead", "Opportunity", "Sales Stage Transition Log", "Customer", "Quotation", "Sales Order", "Sales Invoice", "Payment Entry")
	}
	_print_summary(summary)
	return summary


def _realistic_counts(ctx: Ctx) -> dict:
	leads, opps = ctx.made["Lead"], ctx.made["Opportunity"]
	out = {"leads_created": len(leads), "opportunities_created": len(opps)}

	def grouped(sql, names):
		acc = Counter()
		for part in _chunks(names, 1000):
			for key, n in frappe.db.sql(sql, [part]):
				acc[key or "-"] += n
		return dict(acc)

	out["leads_by_step"] = grouped("select sd_step, count(*) from tabLead where name in %s group by sd_step", leads)
	out["leads_by_status"] = grouped("select status, count(*) from tabLead where name in %s group by status", leads)
	out["opportunities_by_stage"] = grouped(
		"select sales_stage, count(*) from tabOpportunity where name in %s group by sales_stage", opps
	)
	out["opportunities_by_status"] = grouped("select status, count(*) from tabOpportunity where name in %s group by status", opps)
	out["log_by_kind"] = grouped(
		"select concat(reference_doctype, ' ', kind), count(*) from `tabSales Stage Transition Log` where reference_name in %s group by reference_doctype, kind",
		leads + opps,
	)
	out["log_by_verdict"] = grouped(
		"select verdict, count(*) from `tabSales Stage Transition Log` where reference_name in %s group by verdict", leads + opps
	)
	out["documents"] = dict(ctx.docs)
	# consistency of the record state with the log the app wrote
	checks = {}
	for label, sql in (
		(
			"opportunities_lost_without_lost_log_row",
			"""select count(*) from tabOpportunity o where o.name in %s and o.status = 'Lost' and not exists (
				select 1 from `tabSales Stage Transition Log` l where l.reference_doctype = 'Opportunity'
				and l.reference_name = o.name and l.kind = 'Lost')""",
		),
		(
			"won_opportunities_flagged_overdue",
			"""select count(*) from tabOpportunity o where o.name in %s and o.sd_overdue = 1 and exists (
				select 1 from `tabSales Stage Transition Log` l where l.reference_doctype = 'Opportunity'
				and l.reference_name = o.name and l.kind = 'Won')""",
		),
		(
			"leads_refused_without_lost_log_row",
			"""select count(*) from tabLead d where d.name in %s and d.status = 'Do Not Contact' and not exists (
				select 1 from `tabSales Stage Transition Log` l where l.reference_doctype = 'Lead'
				and l.reference_name = d.name and l.kind = 'Lost')""",
		),
	):
		names = leads if label.startswith("leads") else opps
		checks[label] = sum(frappe.db.sql(sql, [part])[0][0] for part in _chunks(names, 1000)) if names else 0
	out["checks"] = checks
	blocks = Counter((b["gate"], b["message"][:300]) for b in ctx.blocks)
	out["gate_blocks"] = [{"gate": g, "message": m, "count": n} for (g, m), n in blocks.most_common()]
	out["gate_blocked_records"] = [b["record"] for b in ctx.blocks][:50]
	out["errors"] = ctx.errors[:10]
	out["error_count"] = len(ctx.errors)
	return out


def _print_summary(summary: dict):
	import json

	print("=" * 72)
	print("Sales Drive demo data — summary")
	print(json.dumps(summary, indent=1, ensure_ascii=False, default=str))
	print("=" * 72, flush=True)
