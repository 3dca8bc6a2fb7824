"""The demo's sales department: people, their users, employees and Sales Persons.

Used by :mod:`sales_drive.demo.generate` (both modes), :mod:`sales_drive.demo.management`
(the director, key account managers) and :mod:`sales_drive.demo.invoices`. It imports no
other demo module, so every one of them can use it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import frappe

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


def ensure_department(
	company: str, seed: int, per_spec: int, joined: date, password: str | None
) -> list[Member]:
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
