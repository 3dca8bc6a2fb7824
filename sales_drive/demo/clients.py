"""The demo's clients and what they buy: customers with contacts, items, lost reasons."""

from __future__ import annotations

import random

import frappe
from frappe.utils import now_datetime

from sales_drive.demo.people import people_stream
from sales_drive.demo.period import TERRITORY
from sales_drive.demo.util import _chunks

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
# a refused lead needs its reason (sales_drive/channels.py)
LEAD_LOST_REASONS = ("Нет потребности", "Нет бюджета", "Не дозвонились", "Работают с конкурентом")




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
	wanted, seen = [], set()
	for i in range(n):  # the stream repeats after ~10k names: number the repeats
		name = next(names_iter)
		name = name if name not in seen else f"{name} #{i}"
		seen.add(name)
		wanted.append(name)
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
	for r in LEAD_LOST_REASONS:
		if not frappe.db.exists("Lead Lost Reason", r):
			frappe.get_doc({"doctype": "Lead Lost Reason", "lost_reason": r}).insert(ignore_permissions=True)
	for r in QUOTATION_LOST_REASONS:
		if not frappe.db.exists("Quotation Lost Reason", r):
			frappe.get_doc({"doctype": "Quotation Lost Reason", "order_lost_reason": r}).insert(ignore_permissions=True)
