"""How long the "Plan vs Fact" report takes for a month of 200k invoices.

Runs the script report's ``execute(filters)`` (as Administrator, the plan of
the month made by ``sales_drive.demo.invoices``, "as of" its last day, so
every invoice of the month counts) for the department and for one person,
and in the same run the baseline: one hand-written grouped query over the
same rows::

    SELECT si.posting_date, st.sales_person,
           SUM(si.base_net_total * st.allocated_percentage / 100)
    FROM `tabSales Invoice` si
    JOIN `tabSales Team` st ON st.parent = si.name AND st.parenttype = 'Sales Invoice'
    WHERE si.docstatus = 1 AND si.company = %s AND si.posting_date BETWEEN %s AND %s
    GROUP BY si.posting_date, st.sales_person

One warm-up call each, then ``--runs`` (>= 5) measured calls, interleaved;
medians with ``time.perf_counter``. Targets: report <= 2 s and within 3x of
the baseline. The fact query the report ran is captured and EXPLAINed into
the result, and the report's department fact is checked against the
baseline's sum plus the invoices without a Sales Team.

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/plan_vs_fact.py --site bench.localhost
    # makes the data first when the month has fewer than --invoices bulk invoices
    # (same as: bench --site bench.localhost execute sales_drive.demo.invoices.run --kwargs '{"invoices": 200000}')
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

REPORT = "sales_drive.sales_drive.report.plan_vs_fact.plan_vs_fact"
TARGET_S = 2.0
TARGET_RATIO = 3.0
BASELINE = """select si.posting_date, st.sales_person, sum(si.base_net_total * st.allocated_percentage / 100)
from `tabSales Invoice` si
join `tabSales Team` st on st.parent = si.name and st.parenttype = 'Sales Invoice'
where si.docstatus = 1 and si.company = %(company)s and si.posting_date between %(from_date)s and %(to_date)s
group by si.posting_date, st.sales_person"""


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--runs", type=int, default=7, help="measured runs of each case (default 7, at least 5)")
	p.add_argument("--month", help="YYYY-MM (default: the month before today's)")
	p.add_argument(
		"--invoices", type=int, default=200000, help="bulk invoices wanted in the month (default 200000)"
	)
	p.add_argument("--persons", type=int, default=50, help="selling managers (default 50)")
	p.add_argument("--no-generate", action="store_true", help="fail instead of generating missing data")
	p.add_argument(
		"--try-indexes",
		action="store_true",
		help="measure again with the covering indexes of INDEXES (then dropped)",
	)
	args = p.parse_args()
	common.run_rolled_back(
		args, "plan_vs_fact", lambda frappe: run(frappe, prepare(frappe, args), max(5, args.runs), args.try_indexes)
	)


def prepare(frappe, args):
	from sales_drive.demo import invoices

	first, _last = invoices.month_bounds(args.month)
	tag = first.strftime("%Y%m")
	have = frappe.db.sql(
		"select count(*) from `tabSales Invoice` where name like %s and docstatus = 1", (f"SD-BSI-{tag}-%",)
	)[0][0]
	plan = frappe.db.get_value("Sales Plan", {"title": f"Bulk invoices {tag}", "docstatus": 1})
	if have < args.invoices or not plan:
		if args.no_generate:
			raise SystemExit(
				f"{have} bulk invoices in {tag}, plan {plan!r}: run sales_drive.demo.invoices.run first"
			)
		print(f"{have} bulk invoices in {tag}: generating up to {args.invoices} ...", flush=True)
		summary = invoices.run(invoices=args.invoices, month=first.strftime("%Y-%m"), persons=args.persons)
		plan = summary["sales_plan"]
	return frappe.get_doc("Sales Plan", plan)





def measure(cases, shapes, runs):
	"""Interleaved runs of every case; medians, and each report's ratio to the baseline."""
	times = common.interleaved(cases, runs)
	med = {name: common.median(ts) for name, ts in times.items()}
	baseline = med["baseline_sql"]
	figures = {}
	for name in cases:
		figures[name] = {
			"median_s": round(med[name], 4),
			"min_s": round(min(times[name]), 4),
			"max_s": round(max(times[name]), 4),
			"runs_s": [round(t, 4) for t in times[name]],
			**shapes[name],
		}
		if name != "baseline_sql":
			figures[name].update(
				ratio_to_baseline=round(med[name] / baseline, 2) if baseline else None,
				meets_time_target=med[name] <= TARGET_S,
				meets_ratio_target=bool(baseline) and med[name] / baseline <= TARGET_RATIO,
			)
	return figures


# Covering indexes tried by --try-indexes (created for the measurement, dropped after it).
INDEXES = {
	"tabSales Invoice": (
		"sd_company_posting_date",
		"company, posting_date, docstatus, base_net_total, owner",
	),
	"tabSales Team": ("sd_parent_sales_person", "parent, parenttype, sales_person, allocated_percentage"),
}


def try_indexes(frappe, cases, shapes, runs):
	"""The same measurement with the covering indexes of INDEXES in place."""
	made = []
	try:
		for table, (name, columns) in INDEXES.items():
			if name not in indexes(frappe, table):
				t0 = time.perf_counter()
				frappe.db.sql_ddl(f"alter table `{table}` add index `{name}` ({columns})")
				made.append((table, name, round(time.perf_counter() - t0, 2)))
		print("\nwith the covering indexes " + ", ".join(f"{t}.{n}" for t, (n, _c) in INDEXES.items()) + ":")
		for fn in cases.values():
			fn()  # warm-up
		return {
			"ddl": [f"ALTER TABLE `{t}` ADD INDEX `{n}` ({c})" for t, (n, c) in INDEXES.items()],
			"build_seconds": {f"{t}.{n}": s for t, n, s in made},
			"figures": measure(cases, shapes, runs),
		}
	finally:
		for table, name, _s in made:
			frappe.db.sql_ddl(f"alter table `{table}` drop index `{name}`")


def indexes(frappe, table):
	out = {}
	for r in frappe.db.sql(f"show index from `{table}`", as_dict=True):
		out.setdefault(r["Key_name"], []).append(r["Column_name"])
	return out


def run(frappe, plan, runs, try_idx=False):
	import importlib

	module = importlib.import_module(REPORT)
	values = {"company": plan.company, "from_date": plan.from_date, "to_date": plan.to_date}
	volume = {
		"invoices_in_period": dict(
			frappe.db.sql(
				"""select docstatus, count(*) from `tabSales Invoice`
				where company = %(company)s and posting_date between %(from_date)s and %(to_date)s group by docstatus""",
				values,
			)
		),
		"sales_team_rows_of_submitted": frappe.db.sql(
			"""select count(*) from `tabSales Invoice` si join `tabSales Team` st
			on st.parent = si.name and st.parenttype = 'Sales Invoice'
			where si.docstatus = 1 and si.company = %(company)s and si.posting_date between %(from_date)s and %(to_date)s""",
			values,
		)[0][0],
		"invoices_total": frappe.db.count("Sales Invoice"),
		"persons_in_plan": len(plan.allocations),
		"working_days": plan.working_days,
	}
	submitted = volume["invoices_in_period"].get(1, 0)
	print(
		f"plan {plan.name} {plan.from_date} .. {plan.to_date}: {submitted} submitted invoices in the period, "
		f"{volume['sales_team_rows_of_submitted']} Sales Team rows, {len(plan.allocations)} persons"
	)
	if submitted < 200000:
		print("  warning: fewer than 200k submitted invoices in the period")

	person = plan.allocations[0].sales_person
	base = {"sales_plan": plan.name, "as_of": str(plan.to_date)}
	cases = {
		"report": lambda: module.execute(dict(base)),
		"report_one_person": lambda: module.execute(dict(base, sales_person=person)),
		"baseline_sql": lambda: frappe.db.sql(BASELINE, values),
	}
	shapes, plans_ = {}, {}
	for name, fn in cases.items():  # warm-up, and what each returns
		with common.Captured(frappe, "from `tabsales invoice`") as cap:
			out = fn()
		if name == "baseline_sql":
			shapes[name] = {"rows": len(out), "fact": str(sum(Decimal(str(r[2])) for r in out))}
			plans_[name] = common.explain(frappe, BASELINE, values)
		else:
			shapes[name] = {
				"rows": len(out[1]),
				"fact_queries": len(cap.queries),
				"fact_to_date": out[1][-1]["fact_to_date"],
			}
			plans_[name] = [
				{"query": " ".join(q.split())[:900], "plan": common.explain(frappe, q, v)} for q, v in cap.queries
			]
	# the report's department fact = the Sales Team split (the baseline) + invoices without a Sales Team
	no_team = frappe.db.sql(
		"""select coalesce(sum(si.base_net_total), 0) from `tabSales Invoice` si
		where si.docstatus = 1 and si.company = %(company)s and si.posting_date between %(from_date)s and %(to_date)s
		and not exists (select 1 from `tabSales Team` st where st.parent = si.name and st.parenttype = 'Sales Invoice')
		and si.owner in (select e.user_id from `tabEmployee` e join `tabSales Person` sp on sp.employee = e.name
			join `tabSales Plan Allocation` a on a.sales_person = sp.name and a.parent = %(plan)s)""",
		dict(values, plan=plan.name),
	)[0][0]
	in_plan = {a.sales_person for a in plan.allocations}
	split_in_plan = sum(Decimal(str(r[2])) for r in frappe.db.sql(BASELINE, values) if r[1] in in_plan)
	expected_fact = round(float(split_in_plan + Decimal(str(no_team))), 2)
	consistent = abs(shapes["report"]["fact_to_date"] - expected_fact) < 0.05

	figures = measure(cases, shapes, runs)
	index_experiment = try_indexes(frappe, cases, shapes, runs) if try_idx else None
	result = {
		"benchmark": "plan_vs_fact",
		"report": REPORT,
		"filters": base,
		"runs": runs,
		"targets": {"report_max_s": TARGET_S, "max_ratio_to_baseline": TARGET_RATIO},
		"volume": volume,
		"figures": figures,
		"fact_check": {
			"report_department_fact": shapes["report"]["fact_to_date"],
			"baseline_split_in_plan_plus_owner_fallback": expected_fact,
			"consistent": consistent,
		},
		"meets_targets": all(
			figures[n]["meets_time_target"] and figures[n]["meets_ratio_target"]
			for n in ("report", "report_one_person")
		),
		"indexes": {t: indexes(frappe, t) for t in ("tabSales Invoice", "tabSales Team")},
		"index_experiment": index_experiment,
		"query_plans": plans_,
		"environment": common.environment(),
	}
	print("\nsummary (median of runs):")
	print(f"  {'case':<18} {'median':>9} {'ratio to baseline':>18}")
	for name in ("report", "report_one_person", "baseline_sql"):
		f = figures[name]
		ratio = f.get("ratio_to_baseline")
		print(f"  {name:<18} {f['median_s']:>7.3f} s {ratio if ratio is not None else '':>18}")
	print(f"  department fact {shapes['report']['fact_to_date']} vs baseline + owner fallback {expected_fact}: "
		f"{'consistent' if consistent else 'DIFFERENT'}")  # fmt: skip
	if index_experiment:
		f = index_experiment["figures"]
		print(
			"  with the covering indexes: "
			+ ", ".join(f"{n} {f[n]['median_s']:.3f} s" for n in f)
			+ f" (report {f['report']['ratio_to_baseline']}x baseline)"
		)
	print(
		f"  targets: report <= {TARGET_S} s and <= {TARGET_RATIO}x baseline -> "
		f"{'met' if result['meets_targets'] else 'NOT met'}"
	)
	return result


if __name__ == "__main__":
	main()
