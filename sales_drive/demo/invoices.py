"""Bulk submitted Sales Invoices for one month: volume for the Plan vs Fact report.

    bench --site bench.localhost execute sales_drive.demo.invoices.run \\
        --kwargs '{"invoices": 200000, "month": "2026-10", "persons": 50}'

What it makes (deterministic for a given ``seed``, ``month`` and database state):

- the sales department of :mod:`sales_drive.demo.generate` (head, team leads,
  managers: User → Employee → Sales Person) with at least ``persons``
  managers; the first ``persons`` of them sell;
- ``invoices`` submitted Sales Invoices (``docstatus`` 1) in ``month``, as
  ``tabSales Invoice`` rows (company, customer, posting date, currency and
  totals in company currency, ``base_net_total``, receivable account, status,
  owner = the selling manager's User) and their ``tabSales Team`` rows, both
  inserted with ``frappe.db.bulk_insert`` in chunks — no GL entries, no
  items: it only makes volume for the fact query. Sales Teams: 60 % one
  person (100 %), 25 % two (60/40, 50/50 or 70/30), 5 % three (50/30/20),
  10 % none (the fact then counts for the owner's Sales Person). Managers
  differ in how much they sell; 3 % of invoices fall on days off. Besides,
  ``cancelled_share`` of cancelled (``docstatus`` 2) and ``draft_share`` of
  draft invoices, which the fact must ignore;
- a submitted Sales Plan for the month (basis Sales Invoice, next-day
  carry-over, fixed amounts ≈ each person's month × 1.05, rounded), titled
  ``Bulk invoices YYYY-MM``; reused when it exists.

Running again tops the month up to ``invoices`` submitted bulk invoices; it
never adds a second plan. Names are ``SD-BSI-YYYYMM-NNNNNNN``.
"""

from __future__ import annotations

import math
import random
import time
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe.utils import add_months, get_first_day, get_last_day, getdate, nowdate

from sales_drive import plans, regulations
from sales_drive.demo import generate

INVOICE_FIELDS = [
	"name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "naming_series", "title",
	"customer", "customer_name", "company", "posting_date", "posting_time", "set_posting_time", "due_date",
	"currency", "conversion_rate", "price_list_currency", "plc_conversion_rate", "total_qty", "total",
	"base_total", "net_total", "base_net_total", "grand_total", "base_grand_total", "rounded_total",
	"base_rounded_total", "outstanding_amount", "debit_to", "status", "is_return", "language",
]  # fmt: skip
TEAM_FIELDS = [
	"name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "parent", "parentfield",
	"parenttype", "sales_person", "allocated_percentage", "allocated_amount", "commission_rate", "incentives",
]  # fmt: skip
SPLITS = (
	(0.60, ((100,),)),
	(0.25, ((60, 40), (50, 50), (70, 30))),
	(0.05, ((50, 30, 20),)),
	(0.10, ((),)),  # no Sales Team: counts for the owner
)
PASSWORD = "SalesDrive#Demo2026"


def _say(msg):
	print(f"[sales_drive.demo.invoices] {msg}", flush=True)


def month_bounds(month: str | None) -> tuple[date, date]:
	"""'YYYY-MM' (default: the month before today's) -> first and last day."""
	first = getdate(f"{month}-01") if month else getdate(get_first_day(add_months(nowdate(), -1)))
	return first, getdate(get_last_day(first))


def sellers(company: str, persons: int, seed: int, joined: date) -> list[generate.Member]:
	per_spec = max(1, math.ceil(persons / len(generate.SPECIALISATIONS)))
	members = generate.ensure_department(company, seed, per_spec, joined, PASSWORD)
	managers = [m for m in members if m.role == "manager"]
	if len(managers) < persons:
		frappe.throw(f"only {len(managers)} managers could be made, {persons} asked")
	return managers[:persons]


def customers(seed: int) -> list[tuple[str, str]]:
	rows = frappe.db.sql(
		"select name, customer_name from tabCustomer where disabled = 0 order by name limit 5000"
	)
	if len(rows) < 50:
		generate.bulk_customers(500, seed)
		rows = frappe.db.sql(
			"select name, customer_name from tabCustomer where disabled = 0 order by name limit 5000"
		)
	return [(r[0], r[1] or r[0]) for r in rows]


def _money(value: float) -> Decimal:
	return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _split(rng: random.Random):
	r = rng.random()
	for share, options in SPLITS:
		if r < share:
			return rng.choice(options)
		r -= share
	return SPLITS[0][1][0]


def run(
	invoices: int = 200000,
	month: str | None = None,
	persons: int = 50,
	seed: int = 42,
	chunk: int = 10000,
	cancelled_share: float = 0.02,
	draft_share: float = 0.01,
	plan: bool = True,
):
	"""Top the month up to ``invoices`` submitted bulk invoices; make the month's plan. Returns a summary."""
	t_start = time.perf_counter()
	invoices, persons, seed, chunk = int(invoices), int(persons), int(seed), int(chunk)
	first, last = month_bounds(month)
	tag = first.strftime("%Y%m")
	company = frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")
	if not company:
		frappe.throw("No company on this site: complete the setup wizard first")
	frappe.set_user("Administrator")
	frappe.flags.mute_emails = True
	currency, receivable = frappe.get_cached_value(
		"Company", company, ["default_currency", "default_receivable_account"]
	)

	generate.ensure_fiscal_years(first - timedelta(days=31), last + timedelta(days=31))
	holiday_list = generate.ensure_holiday_list(
		company, first - timedelta(days=31), last + timedelta(days=31)
	)
	team = sellers(company, persons, seed, first - timedelta(days=60))
	pool = customers(seed)
	frappe.db.commit()

	calendar = regulations.calendar(holiday_list)
	all_days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
	work_days = [d for d in all_days if calendar.is_working(d)] or all_days
	off_days = [d for d in all_days if not calendar.is_working(d)] or work_days

	prefix = f"SD-BSI-{tag}-"
	have = frappe.db.sql(
		"select count(*), max(name) from `tabSales Invoice` where name like %s and docstatus = 1",
		(prefix + "%",),
	)[0]
	last_no = frappe.db.sql("select max(name) from `tabSales Invoice` where name like %s", (prefix + "%",))[
		0
	][0]
	number = int(last_no[len(prefix) :]) if last_no else 0
	to_add = max(0, invoices - int(have[0] or 0))
	rng = random.Random(f"invoices:{seed}:{tag}:{number}")
	# how much each manager sells: a few stars, a long tail
	weights = [rng.lognormvariate(0, 0.5) for _ in team]
	cum = []
	acc = 0.0
	for w in weights:
		acc += w
		cum.append(acc)

	def pick():
		return team[min(len(team) - 1, _bisect(cum, rng.random() * acc))]

	_say(f"{company}: {int(have[0] or 0)} bulk invoices in {tag} already, adding {to_add} submitted "
		f"(+{cancelled_share:.0%} cancelled, +{draft_share:.0%} draft) for {len(team)} managers")  # fmt: skip
	made = {"submitted": 0, "cancelled": 0, "draft": 0, "team_rows": 0, "without_team": 0}
	inv_rows, team_rows = [], []
	t_insert = 0.0
	total_wanted = int(to_add * (1 + cancelled_share + draft_share))

	def flush():
		nonlocal inv_rows, team_rows, t_insert
		t0 = time.perf_counter()
		frappe.db.bulk_insert("Sales Invoice", INVOICE_FIELDS, inv_rows, chunk_size=chunk)
		frappe.db.bulk_insert("Sales Team", TEAM_FIELDS, team_rows, chunk_size=chunk)
		frappe.db.commit()
		t_insert += time.perf_counter() - t0
		inv_rows, team_rows = [], []

	submitted_target = to_add
	k = 0
	while made["submitted"] < submitted_target:
		k += 1
		number += 1
		name = f"{prefix}{number:07d}"
		r = rng.random()
		if r < cancelled_share / (1 + cancelled_share + draft_share):
			docstatus, status = 2, "Cancelled"
		elif r < (cancelled_share + draft_share) / (1 + cancelled_share + draft_share):
			docstatus, status = 0, "Draft"
		else:
			docstatus, status = 1, "Unpaid"
		day = rng.choice(off_days) if rng.random() < 0.03 else rng.choice(work_days)
		seller = pick()
		split = _split(rng)
		people = [seller.node] if split else []  # no Sales Team: the fact counts for the owner
		while len(people) < len(split):
			other = pick().node
			if other not in people:
				people.append(other)
		owner = seller.user
		amount = _money(rng.lognormvariate(10.6, 0.9))  # ~40,000 median
		at = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randint(9 * 60, 19 * 60))
		customer, customer_name = rng.choice(pool)
		inv_rows.append(
			(
				name, at, at, owner, owner, docstatus, 0, "ACC-SINV-.YYYY.-", customer_name, customer, customer_name,
				company, day, at.time(), 1, day + timedelta(days=30), currency, 1, currency, 1, 1, amount, amount,
				amount, amount, amount, amount, amount, amount, amount if docstatus == 1 else 0, receivable, status,
				0, "ru",
			)
		)  # fmt: skip
		for idx, (person, pct) in enumerate(zip(people, split, strict=True), 1):
			team_rows.append(
				(
					f"{name}-st{idx}", at, at, owner, owner, docstatus, idx, name, "sales_team", "Sales Invoice",
					person, pct, _money(float(amount) * pct / 100), 0, 0,
				)
			)  # fmt: skip
		made["team_rows"] += len(split)
		made["without_team"] += int(not split)
		made[{1: "submitted", 2: "cancelled", 0: "draft"}[docstatus]] += 1
		if len(inv_rows) >= chunk:
			flush()
		if k % 50000 == 0:
			_say(f"{k}/{total_wanted} invoices")
	flush()
	summary = {
		"site": frappe.local.site,
		"company": company,
		"month": tag,
		"period": f"{first} .. {last}",
		"holiday_list": holiday_list,
		"working_days": len(work_days),
		"sellers": len(team),
		"customers_pool": len(pool),
		"added": made,
		"insert_seconds": round(t_insert, 1),
	}
	summary["bulk_invoices_in_month"] = _counts(prefix)
	if plan:
		summary["sales_plan"] = ensure_plan(company, first, last, team, tag)
	summary["seconds"] = round(time.perf_counter() - t_start, 1)
	generate._print_summary(summary)
	return summary


def _bisect(cum, x):
	lo, hi = 0, len(cum)
	while lo < hi:
		mid = (lo + hi) // 2
		if cum[mid] < x:
			lo = mid + 1
		else:
			hi = mid
	return lo


def _counts(prefix):
	rows = frappe.db.sql(
		"select docstatus, count(*), sum(base_net_total) from `tabSales Invoice` where name like %s group by docstatus",
		(prefix + "%",),
	)
	return {int(d): {"count": int(n), "base_net_total": str(s)} for d, n, s in rows}


def ensure_plan(company, first, last, team, tag):
	"""The submitted plan of the month for the sellers: fixed amounts ≈ their month × 1.05."""
	title = f"Bulk invoices {tag}"
	name = frappe.db.get_value("Sales Plan", {"title": title, "docstatus": 1, "company": company})
	if name:
		return name
	persons = [m.node for m in team]
	month = {}
	for _day, person, amount in plans.fact_rows("Sales Invoice", company, first, last):
		if person in persons:
			month[person] = month.get(person, Decimal(0)) + amount
	amounts = {
		p: (month.get(p, Decimal(0)) * Decimal("1.05")).quantize(Decimal("1000"), ROUND_HALF_UP)
		or Decimal(100000)
		for p in persons
	}
	doc = frappe.get_doc(
		{
			"doctype": "Sales Plan",
			"title": title,
			"company": company,
			"basis": "Sales Invoice",
			"carry_over": "next_day",
			"from_date": first,
			"to_date": last,
			"target_amount": sum(amounts.values()),
			"allocation_method": "Fixed Amount",
			"allocations": [{"sales_person": p, "amount": a} for p, a in amounts.items()],
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()
	frappe.db.commit()
	return doc.name
