"""How long building the morning reports takes (the head of sales' and every team lead's), without sending.

Builds :func:`sales_drive.digests.build_morning_reports` for one day of the
bulk data (default 2026-10-20, a Tuesday of the generated October) on
``bench.localhost``: the plan ``Bulk invoices 202610`` (200k invoices), ~500k
transition-log rows, 100k opportunities, 500 Sales Persons. Two cases:

- ``real``: the real recipients: the department report (the head of sales)
  plus each team lead the Sales Person tree has (a group whose Employee has a
  user);
- ``per_team_of_5``: the department report plus one report per five Sales
  Persons over all 500 (100 more recipients), to show that the cost does not
  grow per manager: every input is gathered once with grouped queries.

Baseline in the same run: one hand-written GROUP BY over the transition log
for that day::

    SELECT sales_person, from_step, to_step, kind, count(*) FROM `tabSales Stage Transition Log`
    WHERE reference_doctype IN ('Opportunity', 'Lead') AND transition_time >= day AND transition_time < day + 1
    GROUP BY 1, 2, 3, 4

The bulk plan allocates to 50 of the 500 Sales Persons. So that the report
covers 500 managers with plan lines, the script first adds the other
enabled Sales Persons to that plan (Fixed Amount rows inserted inside the
transaction that is rolled back at the end); ``--plan-as-is`` skips that.

One warm-up call each, then ``--runs`` (>= 5) measured calls, interleaved;
medians with ``time.perf_counter``. Target: <= 5 s. Nothing is written (no
Sales Digest, no e-mail); the transaction is rolled back.

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/morning_report.py --site bench.localhost
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

TARGET_S = 5.0
BASELINE = """select sales_person, from_step, to_step, kind, count(*) from `tabSales Stage Transition Log`
where reference_doctype in ('Opportunity', 'Lead') and transition_time >= %(start)s and transition_time < %(end)s
group by 1, 2, 3, 4"""


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--runs", type=int, default=7, help="measured runs of each case (default 7, at least 5)")
	p.add_argument("--day", default="2026-10-20", help="the report's day (default 2026-10-20)")
	p.add_argument("--plan-as-is", action="store_true", help="do not add every Sales Person to the day's plan")
	args = p.parse_args()
	common.run_rolled_back(args, "morning_report", lambda frappe: run(frappe, max(5, args.runs), args.day, not args.plan_as_is))


def plan_everyone(frappe, day, persons) -> int:
	"""Add every Sales Person missing from the plan covering ``day`` to it (rolled back later)."""
	from frappe.utils import now_datetime

	plan = frappe.get_all(
		"Sales Plan", filters={"docstatus": 1, "from_date": ["<=", day], "to_date": [">=", day]}, pluck="name", limit=1
	)
	if not plan:
		raise SystemExit(f"no submitted Sales Plan covers {day}")
	have = set(frappe.get_all("Sales Plan Allocation", {"parent": plan[0]}, pluck="sales_person"))
	missing = [p for p in persons if p not in have]
	now = now_datetime()
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "parent", "parenttype",
		"parentfield", "sales_person", "amount"]  # fmt: skip
	rows = [
		(f"_SD-BENCH-ALLOC-{i:05d}", now, now, "Administrator", "Administrator", 1, len(have) + i + 1, plan[0],
			"Sales Plan", "allocations", person, 100000)  # fmt: skip
		for i, person in enumerate(missing)
	]
	frappe.db.bulk_insert("Sales Plan Allocation", fields, rows)
	return len(missing)


def run(frappe, runs, day, everyone=True):
	from datetime import timedelta

	from frappe.utils import getdate

	from sales_drive import digests

	day = getdate(day)
	values = {"start": day, "end": day + timedelta(days=1)}
	persons = frappe.get_all(
		"Sales Person", filters={"is_group": 0, "enabled": 1}, pluck="name", order_by="lft"
	)
	added = plan_everyone(frappe, day, persons) if everyone else 0
	head = frappe.db.get_single_value("Sales Drive Settings", "head_of_sales") or "Administrator"
	department = digests.Recipient(head, None, None)
	real = [department, *digests.team_leads(exclude={head})]
	per_five = [department] + [
		digests.Recipient("Administrator", f"team {i // 5 + 1}", set(persons[i : i + 5]))
		for i in range(0, len(persons), 5)
	]
	rows, _currency, plan_of = digests.plan_rows(day)
	volume = {
		"sales_persons": len(persons),
		"persons_in_plan": len(plan_of),
		"persons_added_to_the_plan_for_the_run": added,
		"plans": sorted(set(plan_of.values())),
		"transitions_that_day": frappe.db.sql(
			"select count(*) from `tabSales Stage Transition Log` where transition_time >= %(start)s and transition_time < %(end)s",
			values,
		)[0][0],
		"transitions_total": frappe.db.count("Sales Stage Transition Log"),
		"invoices_in_month": frappe.db.sql(
			"select count(*) from `tabSales Invoice` where docstatus = 1 and posting_date between %s and %s",
			(
				day.replace(day=1),
				(day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1),
			),
		)[0][0],
		"overdue_records": frappe.db.sql(
			"select (select count(*) from tabOpportunity where sd_overdue = 1) + (select count(*) from tabLead where sd_overdue = 1)"
		)[0][0],
		"opportunities": frappe.db.count("Opportunity"),
	}
	print(f"day {day}; {volume}")
	cases = {
		"real": lambda: digests.build_morning_reports(day, real),
		"per_team_of_5": lambda: digests.build_morning_reports(day, per_five),
		"plan_rows_only": lambda: digests.plan_rows(
			day
		),  # the share of the plan's fact query and decomposition
		"baseline_sql": lambda: frappe.db.sql(BASELINE, values),
	}
	shapes = {}
	for name, fn in cases.items():  # warm-up, and what each returns
		out = fn()
		if name == "baseline_sql":
			shapes[name] = {"rows": len(out), "transitions": int(sum(r[4] for r in out))}
		elif name == "plan_rows_only":
			shapes[name] = {"plan_rows": len(out[0]), "persons": len(out[2])}
		else:
			shapes[name] = {
				"recipients": len(out),
				"html_kb": round(sum(len(b.html) for b in out) / 1024, 1),
				"plan_lines_in_department_report": len(out[0].figures.digest.plan),
				"funnel_entered_in_department_report": sum(f.entered for f in out[0].figures.digest.funnel),
				"overdue_in_department_report": sum(len(v) for v in out[0].figures.digest.overdue.values()),
			}
	times = common.interleaved(cases, runs)
	med = {name: common.median(ts) for name, ts in times.items()}
	baseline = med["baseline_sql"]
	figures = {}
	for name, ts in times.items():
		figures[name] = {
			"median_s": round(med[name], 4),
			"min_s": round(min(ts), 4),
			"max_s": round(max(ts), 4),
			"runs_s": [round(t, 4) for t in ts],
			**shapes[name],
		}
		if name != "baseline_sql":
			figures[name]["ratio_to_baseline"] = round(med[name] / baseline, 1) if baseline else None
			figures[name]["meets_time_target"] = med[name] <= TARGET_S
	result = {
		"benchmark": "morning_report",
		"day": str(day),
		"runs": runs,
		"targets": {"max_s": TARGET_S},
		"volume": volume,
		"figures": figures,
		"meets_targets": all(figures[n]["meets_time_target"] for n in ("real", "per_team_of_5")),
		"environment": common.environment(),
	}
	print("\nsummary (median of runs):")
	for name in cases:
		f = figures[name]
		print(f"  {name:<14} {f['median_s']:>7.3f} s  ratio to baseline {f.get('ratio_to_baseline', '')}")
	print(f"  target: <= {TARGET_S} s -> {'met' if result['meets_targets'] else 'NOT met'}")
	return result


if __name__ == "__main__":
	main()
