"""How long the "Lead Channels" report (issue 16, part 6) takes on a large lead base.

The app's bulk data has no leads (its opportunities come from customers), so this script adds its
own, marked ``BENCH-LC-``: ``--leads`` leads over the last 12 months (5 sources, 3 campaigns),
``--opportunities`` opportunities made from them and ``--transitions`` log rows on those
opportunities (every 25th a Won move). They are committed (so MariaDB plans with real statistics)
and deleted at the end, whatever happens. Then, as Administrator, ``channel_rows`` over 1, 3 and 12
months grouped by Source and by Source and Campaign, and a baseline: one hand-written
``GROUP BY source`` over the same leads. Medians of ``--runs`` interleaved runs.

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/lead_channels.py --site SITE
"""

from __future__ import annotations

import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

MARK = "BENCH-LC-"


def make_data(frappe, leads: int, opportunities: int, transitions: int) -> None:
	from frappe.utils import now_datetime

	rng = random.Random(16)
	now = now_datetime()
	fields = ["name", "creation", "modified", "owner", "modified_by", "lead_name", "source", "campaign_name", "status", "lead_owner"]
	rows = []
	for i in range(leads):
		t = now - timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 1000))
		source = rng.choice(["Advertisement", "Cold Calling", "Website", "Reference", None])
		rows.append((f"{MARK}L{i}", t, t, "Administrator", "Administrator", f"{MARK}{i}", source, None, "Open", "Administrator"))
	frappe.db.bulk_insert("Lead", fields, rows, chunk_size=10000)
	rows = [
		(f"{MARK}O{i}", now, now, "Administrator", "Administrator", "Lead", f"{MARK}L{rng.randint(0, leads - 1)}", "Open")
		for i in range(opportunities)
	]
	frappe.db.bulk_insert(
		"Opportunity", ["name", "creation", "modified", "owner", "modified_by", "opportunity_from", "party_name", "status"], rows
	)
	rows = []
	for i in range(transitions):
		kind = "Won" if i % 25 == 0 else rng.choice(["Enter", "Forward", "Lost"])
		when = now - timedelta(days=rng.randint(0, 300))
		opp = f"{MARK}O{rng.randint(0, opportunities - 1)}"
		rows.append((f"{MARK}T{i}", now, now, "Administrator", "Administrator", "Opportunity", opp, kind, when, 1000, 0))
	frappe.db.bulk_insert(
		"Sales Stage Transition Log",
		["name", "creation", "modified", "owner", "modified_by", "reference_doctype", "reference_name", "kind",
			"transition_time", "amount", "record_deleted"],
		rows,
		chunk_size=20000,
	)  # fmt: skip
	frappe.db.commit()


def purge(frappe) -> None:
	frappe.db.sql("delete from `tabSales Stage Transition Log` where name like %s", f"{MARK}T%")
	frappe.db.sql("delete from `tabOpportunity` where name like %s", f"{MARK}O%")
	frappe.db.sql("delete from `tabLead` where name like %s", f"{MARK}L%")
	frappe.db.commit()


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--leads", type=int, default=60000)
	p.add_argument("--opportunities", type=int, default=20000)
	p.add_argument("--transitions", type=int, default=200000)
	p.add_argument("--runs", type=int, default=5)
	args = p.parse_args()
	frappe = common.connect(args.site, args.sites_path)
	from frappe.utils import add_days, nowdate

	from sales_drive import channels

	purge(frappe)
	try:
		make_data(frappe, args.leads, args.opportunities, args.transitions)
		today = nowdate()
		cases = {}
		for months, days in ((1, 30), (3, 91), (12, 365)):
			for group_by in ("Source", "Source and Campaign"):
				filters = frappe._dict(from_date=add_days(today, -days), to_date=today, group_by=group_by)
				cases[f"{months} mo, {group_by}"] = lambda f=filters: channels.channel_rows(f)
		cases["baseline GROUP BY source, 12 mo"] = lambda: frappe.db.sql(
			"select source, count(*) from tabLead where creation >= %s group by source", add_days(today, -365)
		)
		times = common.interleaved(cases, args.runs)
		result = {
			"environment": common.environment(),
			"data": {"leads": args.leads, "opportunities": args.opportunities, "transitions": args.transitions},
			"median_ms": {name: common.ms(common.median(t)) for name, t in times.items()},
		}
	finally:
		purge(frappe)
		frappe.destroy()
	for name, value in result["median_ms"].items():
		print(f"{name}: {value} ms")
	print(f"\nwritten {common.write_result('lead_channels', result, args.out)}")


if __name__ == "__main__":
	main()
