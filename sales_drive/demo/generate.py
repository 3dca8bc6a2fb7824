"""Fill a site with a sales department: people, clients, leads, deals, the log.

This module is the entry point; the pieces are made by :mod:`~sales_drive.demo.people` (the
department), :mod:`~sales_drive.demo.period` (fiscal years and the working calendar),
:mod:`~sales_drive.demo.clients` (customers, items, reasons), :mod:`~sales_drive.demo.realistic`
and :mod:`~sales_drive.demo.bulk` (the two modes) and :mod:`~sales_drive.demo.management` (the head
of sales' side), with :mod:`~sales_drive.demo.util` for what they share.

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
    owner, sales person, team) inserted with raw multi-row INSERTs in
    chunks. No gates, no documents: it only makes volume for reports.
    ``transitions`` sets the total (the loss rates are scaled so that the
    paths average that many per opportunity; without losses a path has
    about 10): e.g. 100k opportunities / 500k
    transitions, or 1M / 5M (about 20-25 minutes on 2 busy CPUs).
    Both modes rebuild the log's aggregates (``sales_drive.aggregates``) at
    the end, as their rows do not go through the app's log writer.

Deterministic for a given ``seed`` and database state. Running twice adds more
data: masters (people, customers, items, reasons) are reused.
Emails are muted and the gravatar lookup (ERPNext's Lead and frappe's Contact
call ``has_gravatar``, an HTTP request, on save) is switched off for the run.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as dtime

import frappe

from sales_drive.demo.bulk import Bulk, refresh_aggregates
from sales_drive.demo.clients import bulk_customers, ensure_customers, ensure_items, ensure_reasons
from sales_drive.demo.management import Management
from sales_drive.demo.people import (
	SPECIALISATIONS,  # noqa: F401 (generate.SPECIALISATIONS is used elsewhere)
	Member,  # noqa: F401 (generate.Member is used elsewhere)
	ensure_department,
)
from sales_drive.demo.period import Period, ensure_fiscal_years, ensure_holiday_list, ensure_territory
from sales_drive.demo.realistic import (
	Clock,
	Ctx,
	Realistic,
	_realistic_counts,
	backdate,
	enforce_regulations,
	is_cooling,  # noqa: F401 (generate.is_cooling is used elsewhere)
	recompute_durations,
)
from sales_drive.demo.util import _chunks, _quiet_run

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
			summary.update(refresh_aggregates())
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


def _print_summary(summary: dict):
	import json

	print("=" * 72)
	print("Sales Drive demo data — summary")
	print(json.dumps(summary, indent=1, ensure_ascii=False, default=str))
	print("=" * 72, flush=True)
