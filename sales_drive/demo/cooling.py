"""Bulk data for the base cooling benchmarks: leads and cooling records, inserted in bulk.

Every row it makes is named with a prefix of its own (``SDC-LEAD-``, ``SDC-COOL-``), so
the data can be counted, topped up and removed without touching anything else::

    bench --site bench.localhost execute sales_drive.demo.cooling.generate --kwargs '{"leads": 200000, "records": 100000}'
    bench --site bench.localhost execute sales_drive.demo.cooling.remove

Leads: Russian company names in legal-form variants (so many leads share an
organisation key), company e-mail domains and some free mail, statuses spread
over the base (untouched, warm, lost), territories / industries / owners taken
from the site. Cooling records: one per refusal of a generated lead (about 60 %
active, 30 % returned, 10 % closed for good), each with the keys the lookup
uses (the lead, its address, its organisation), so the check runs against a
realistic key table (about three rows per record).
"""

from __future__ import annotations

import random
from datetime import timedelta

import frappe
from frappe.utils import getdate, now_datetime, nowdate

from sales_drive.engine import cooling as engine

LEAD_PREFIX, COOL_PREFIX = "SDC-LEAD-", "SDC-COOL-"
FORMS = ("ООО", "ООО «{}»", 'ООО "{}"', "АО {}", "{} ООО", "ПАО «{}»", "ИП {}")
ROOTS = (
	"Альфа", "Вектор", "Гранит", "Север", "Техно", "Строй", "Интер", "Сибирь", "Волга", "Урал", "Логистик",
	"Инвест", "Агро", "Медиа", "Энерго", "Пром", "Сервис", "Транс", "Мега", "Дельта", "Орион", "Атлант",
)  # fmt: skip
LATIN = {r: f"c{i:02d}" for i, r in enumerate(ROOTS)}
STATUSES = (("Lead", 30), ("Open", 25), ("Replied", 10), ("Interested", 8), ("Opportunity", 5),
	("Quotation", 2), ("Lost Quotation", 10), ("Do Not Contact", 10))  # fmt: skip
FREE = ("gmail.com", "mail.ru", "yandex.ru", "bk.ru")


def _say(msg):
	print(f"[sales_drive.demo.cooling] {msg}", flush=True)


def _choices(rng, pairs, k):
	values, weights = zip(*pairs, strict=True)
	return rng.choices(values, weights, k=k)


def _company_name(rng, i):
	root = rng.choice(ROOTS)
	number = i % 4000  # about 4000 organisations per root-form family: many leads per organisation
	name = f"{root}-{number}"
	form = rng.choice(FORMS)
	return (form.format(name) if "{}" in form else f"{form} {name}"), root, number


def _lead_attrs(seed, i):
	"""A lead's company name and address, the same every time (the cooling records re-derive them)."""
	rng = random.Random(f"{seed}:{i}")
	name, root, number = _company_name(rng, i)
	if rng.random() < 0.15:
		email = f"user{i}@{rng.choice(FREE)}"
	else:
		email = f"m{i}@{LATIN[root]}-{number}.example"
	return name, email


def generate(leads: int = 200_000, records: int = 100_000, seed: int = 4, today=None, chunk: int = 5000):
	"""Top the generated data up to ``leads`` leads and ``records`` cooling records."""
	rng = random.Random(seed)
	today = getdate(today or nowdate())
	company = frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name", limit=1)[0]
	territories = frappe.get_all("Territory", {"is_group": 0}, pluck="name") or [None]
	industries = frappe.get_all("Industry Type", pluck="name") or [None]
	segments = frappe.get_all("Market Segment", pluck="name") or [None]
	people = frappe.db.sql(
		"""select e.user_id, sp.name, sp.parent_sales_person from `tabSales Person` sp
		join `tabEmployee` e on e.name = sp.employee where sp.is_group = 0 and sp.enabled = 1 and e.user_id is not null"""
	) or [("Administrator", None, None)]
	have = frappe.db.count("Lead", {"name": ["like", f"{LEAD_PREFIX}%"]})
	now = now_datetime()
	lead_fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "naming_series",
		"lead_name", "first_name", "company_name", "email_id", "status", "territory", "industry", "market_segment",
		"lead_owner", "company", "sd_org_key", "type", "request_type", "qualification_status"]  # fmt: skip
	rows = []
	for i in range(have, leads):
		name, email = _lead_attrs(seed, i)
		user, _sp, _team = rng.choice(people)
		status = _choices(rng, STATUSES, 1)[0]
		rows.append([f"{LEAD_PREFIX}{i:07d}", now, now, "Administrator", "Administrator", 0, 0, "CRM-LEAD-.YYYY.-",
			f"Контакт {i}", f"Контакт {i}", name, email, status, rng.choice(territories), rng.choice(industries),
			rng.choice(segments), user, company, engine.normalise_company(name), "", "", "Unqualified"])  # fmt: skip
		if len(rows) >= chunk:
			frappe.db.bulk_insert("Lead", lead_fields, rows)
			frappe.db.commit()
			rows = []
	if rows:
		frappe.db.bulk_insert("Lead", lead_fields, rows)
		frappe.db.commit()
	_say(f"leads: {max(leads, have)} generated ({max(0, leads - have)} new)")

	have_rec = frappe.db.count("Cooling Record", {"name": ["like", f"{COOL_PREFIX}%"]})
	rec_fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "party_type", "party",
		"party_title", "status", "mode", "from_date", "until_date", "refusals", "final", "rule", "scope", "org_key",
		"source_doctype", "source_name", "reason", "record_owner", "sales_person", "team", "company", "territory",
		"industry", "market_segment", "returned_on", "return_notified"]  # fmt: skip
	key_fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "parent", "parenttype",
		"parentfield", "match_key"]  # fmt: skip
	total_leads = max(leads, have)
	recs, keys = [], []
	for j in range(have_rec, records):
		lead_name = f"{LEAD_PREFIX}{rng.randrange(total_leads):07d}"
		name, email = _lead_attrs(seed, int(lead_name[len(LEAD_PREFIX) :]))
		kind = rng.random()
		start = today - timedelta(days=rng.randrange(0, 150))
		if kind < 0.6:
			status, until, final, returned = "Active", start + timedelta(days=89), 0, None
			if until < today:
				status, returned = "Returned", until + timedelta(days=1)
		elif kind < 0.9:
			start = today - timedelta(days=rng.randrange(91, 400))
			status, until, final, returned = "Returned", start + timedelta(days=89), 0, start + timedelta(days=90)
		else:
			status, until, final, returned = "Closed for Good", None, 1, None
		user, sp, team = rng.choice(people)
		party = engine.Party("Lead", lead_name, name, (email,))
		rec_name = f"{COOL_PREFIX}{j:07d}"
		recs.append([rec_name, now, now, "Administrator", "Administrator", 0, 0, "Lead", lead_name, name[:140], status,
			None if final else "Block", start, until, 1, final, None, "Organisation", f"org:{engine.normalise_company(name)}",
			"Lead", lead_name, "Дорого", user, sp, team, company, rng.choice(territories), rng.choice(industries),
			rng.choice(segments), returned, 1 if returned else 0])  # fmt: skip
		for k, key in enumerate(sorted(engine.cooling_keys(engine.ORGANISATION, party))):
			keys.append([f"{rec_name}-{k}", now, now, "Administrator", "Administrator", 0, k + 1, rec_name,
				"Cooling Record", "keys", key[:240]])  # fmt: skip
		if len(recs) >= chunk:
			_flush(rec_fields, recs, key_fields, keys)
			recs, keys = [], []
	if recs:
		_flush(rec_fields, recs, key_fields, keys)
	# the list filter of the generated leads, in one statement
	frappe.db.sql(
		f"""update `tabLead` l join (select party, max(until_date) as u from `tabCooling Record`
			where name like '{COOL_PREFIX}%%' and status = 'Active' group by party) r on r.party = l.name
		set l.sd_cooling_until = r.u"""
	)
	frappe.db.commit()
	_say(f"cooling records: {max(records, have_rec)} generated ({max(0, records - have_rec)} new)")


def _flush(rec_fields, recs, key_fields, keys):
	frappe.db.bulk_insert("Cooling Record", rec_fields, recs)
	frappe.db.bulk_insert("Cooling Record Key", key_fields, keys)
	frappe.db.commit()


def remove():
	"""Delete everything this module generated."""
	frappe.db.sql(f"delete from `tabCooling Record Key` where parent like '{COOL_PREFIX}%%'")
	frappe.db.sql(f"delete from `tabCooling Record` where name like '{COOL_PREFIX}%%'")
	frappe.db.sql(f"delete from `tabLead` where name like '{LEAD_PREFIX}%%'")
	frappe.db.commit()
	_say("removed")
