"""Every report of issue 15 over a big transition log, against the issue's figures and a GROUP BY.

Runs, as Administrator and with the filters the desk sends, each report's
``execute(filters)``:

- Sales Funnel Conversion, 24 months (and the same grouped by Owner),
- Step Probabilities, 24 and 12 months (the default Opportunity regulation),
- Base Burn, grouped by Team, 24 months,
- Stage Duration and Overdue (the open Opportunities now),
- Internal vs Top-down Plan, Historical probabilities (this month, no plan),

and in the same rounds one hand-written GROUP BY: over the daily aggregate
table when the site has it (``--aggregate``, default ``Sales Funnel
Aggregate``; the query is ``--baseline-sql`` or ``AGG_BASELINE``: the moves
per step of the whole months of the 24-month period, from the Month rows read
as a primary-key range), else over the log itself (``GROUP BY to_step`` over 24
months, the baseline of ``funnel_report.py``). The log GROUP BY is always
timed too, for reference.

One warm-up call each, then ``--runs`` interleaved rounds; medians. Printed
side by side with the issue's figures (measured on ~500k transitions). Every
SQL statement a report runs is timed during the warm-up; the slowest one is
its "main query" and its EXPLAIN goes into the JSON. The load average before
and after is recorded (the machine is shared).

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/reports_scale.py --site SITE --label new_500k
    # options: --runs 7, --only funnel_24m,stage_duration, --to-date YYYY-MM-DD, --out FILE

Targets: each report <= 0.3 s on ~500k transitions, <= 1 s on ~5M.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

R = "sales_drive.sales_drive.report.{0}.{0}"
# the figures (old code, ~100k opportunities / ~500k transitions), seconds
OLD = {
	"funnel_24m": 1.43,
	"funnel_24m_owner": 2.69,
	"step_probabilities_24m": 4.91,
	"step_probabilities_12m": 2.59,
	"base_burn_team_24m": 3.45,
	"stage_duration": 1.19,
	"internal_vs_top_down_historical": 3.00,
}
LABELS = {
	"funnel_24m": "Sales Funnel Conversion, 24 months",
	"funnel_24m_owner": "the same grouped by Owner",
	"step_probabilities_24m": "Step Probabilities, 24 months",
	"step_probabilities_12m": "Step Probabilities, 12 months",
	"base_burn_team_24m": "Base Burn, Team, 24 months",
	"stage_duration": "Stage Duration and Overdue",
	"internal_vs_top_down_historical": "Internal vs Top-down, Historical",
}
LOG_BASELINE = """select to_step, count(*) from `tabSales Stage Transition Log`
where reference_doctype = 'Opportunity' and transition_time between %(start)s and %(end)s
group by to_step"""

# the Month rows of move counts for the whole months of the 24-month period, read as a range of the
# primary key (the aggregate's names start with grain, row type and period: "MC2025-01-01...")
AGG_BASELINE = """select to_step, sum(moves) from `tabSales Funnel Aggregate`
where name >= concat('MC', %(first_month)s) and name < concat('MC', %(after_month)s)
and reference_doctype = 'Opportunity'
group by to_step"""


def loadavg():
	try:
		return [round(x, 2) for x in os.getloadavg()]
	except OSError:  # pragma: no cover
		return None


def aggregate_baseline(frappe, doctype: str, sql: str | None):
	"""The hand-written GROUP BY over the aggregate table, or None when the site has no such table."""
	table = f"tab{doctype}"
	if not frappe.db.sql("show tables like %s", table):
		return None
	if sql:
		return sql
	if doctype == "Sales Funnel Aggregate":
		return AGG_BASELINE
	raise SystemExit(f"pass --baseline-sql for the aggregate {doctype}")


def run(frappe, args):
	from datetime import datetime

	from frappe.utils import add_months, getdate, nowdate

	runs = max(1, args.runs)
	to_date = getdate(args.to_date or nowdate())
	from_24 = getdate(add_months(to_date, -24))
	start, end = datetime.combine(from_24, datetime.min.time()), datetime.combine(to_date, datetime.max.time())
	company = frappe.defaults.get_global_default("company")
	from sales_drive import regulations

	active = regulations.active("Opportunity")
	regulation = active.regulation.name if active else None
	mod = {k: importlib.import_module(R.format(k)) for k in (
		"sales_funnel_conversion", "step_probabilities", "base_burn", "stage_duration_and_overdue",
		"internal_vs_top_down_plan")}  # fmt: skip
	funnel = {"document_type": "Opportunity", "from_date": str(from_24), "to_date": str(to_date), "company": company}
	cases = {
		"funnel_24m": lambda: mod["sales_funnel_conversion"].execute(dict(funnel)),
		"funnel_24m_owner": lambda: mod["sales_funnel_conversion"].execute(dict(funnel, group_by="Owner")),
		"step_probabilities_24m": lambda: mod["step_probabilities"].execute(
			{"regulation": regulation, "months": 24, "min_sample": 20, "to_date": str(to_date)}
		),
		"step_probabilities_12m": lambda: mod["step_probabilities"].execute(
			{"regulation": regulation, "months": 12, "min_sample": 20, "to_date": str(to_date)}
		),
		"base_burn_team_24m": lambda: mod["base_burn"].execute(
			frappe._dict(from_date=str(from_24), to_date=str(to_date), company=company, group_by="Team", burn_alarm=30)
		),
		"stage_duration": lambda: mod["stage_duration_and_overdue"].execute(
			{"document_type": "Opportunity", "company": company}
		),
		"internal_vs_top_down_historical": lambda: mod["internal_vs_top_down_plan"].execute(
			{"company": company, "probabilities": "Historical"}
		),
	}
	if args.only:
		keep = set(args.only.split(","))
		cases = {k: v for k, v in cases.items() if k in keep}
	from frappe.utils import add_days, get_first_day, get_last_day

	first_month = from_24 if from_24.day == 1 else getdate(add_months(get_first_day(from_24), 1))
	after_month = getdate(add_days(to_date, 1)) if to_date == getdate(get_last_day(to_date)) else getdate(get_first_day(to_date))
	params = {
		"start": start, "end": end, "from_date": from_24, "to_date": to_date,
		"first_month": str(first_month), "after_month": str(after_month),
	}  # fmt: skip
	agg_sql = aggregate_baseline(frappe, args.aggregate, args.baseline_sql)
	if agg_sql:
		cases["baseline_aggregate"] = lambda: frappe.db.sql(agg_sql, params)
	if not (args.skip_log_baseline and agg_sql):
		cases["baseline_log"] = lambda: frappe.db.sql(LOG_BASELINE, params)
	baseline = "baseline_aggregate" if agg_sql else "baseline_log"

	volume = {
		"opportunities": frappe.db.count("Opportunity"),
		"log_rows": frappe.db.count("Sales Stage Transition Log"),
		"opportunity_transitions_24m": frappe.db.sql(
			"select count(*) from `tabSales Stage Transition Log` where reference_doctype = 'Opportunity' and transition_time between %s and %s",
			(start, end),
		)[0][0],
		"leads": frappe.db.count("Lead"),
		"aggregate_rows": frappe.db.count(args.aggregate) if agg_sql else None,
	}
	print(f"{frappe.local.site}: {volume}", flush=True)
	load_before = loadavg()

	shapes, plans = {}, {}
	for name, fn in cases.items():  # warm-up: shape, every query timed, the main one EXPLAINed
		t0 = time.perf_counter()
		with common.Captured(frappe, needle=None) as cap:
			out = fn()
		took = time.perf_counter() - t0
		if name.startswith("baseline"):
			shapes[name] = {"rows": len(out)}
			q = agg_sql if name == "baseline_aggregate" else LOG_BASELINE
			plans[name] = {"query": " ".join(q.split()), "plan": common.explain(frappe, q, params)}
		else:
			shapes[name] = {"rows": len(out[1]) if isinstance(out, tuple | list) and len(out) > 1 else None}
			sql_time = sum(t for t, _q, _v in cap.timed)
			main = max(cap.timed, default=None, key=lambda x: x[0])
			plans[name] = {
				"queries": len(cap.timed),
				"sql_s": round(sql_time, 4),
				"warm_up_s": round(took, 4),
			}
			if main:
				q = main[1]
				plans[name].update(
					main_query_s=round(main[0], 4),
					main_query=" ".join(q.split())[:1500],
					plan=common.explain(frappe, q, main[2]) if q.lstrip().lower().startswith(("select", "with")) else None,
				)
		print(f"  warm-up {name}: {took:.3f} s, {shapes[name]}", flush=True)

	times = common.interleaved(cases, runs)
	load_after = loadavg()
	med = {k: common.median(v) for k, v in times.items()}
	base = med[baseline]
	target = args.target if args.target else (0.3 if volume["opportunity_transitions_24m"] < 2_000_000 else 1.0)
	figures = {}
	for name in cases:
		f = {
			"median_s": round(med[name], 4),
			"min_s": round(min(times[name]), 4),
			"max_s": round(max(times[name]), 4),
			"runs_s": [round(t, 4) for t in times[name]],
			**shapes[name],
		}
		if not name.startswith("baseline"):
			f["issue_old_s"] = OLD.get(name)
			f["ratio_to_baseline"] = round(med[name] / base, 2) if base else None
			f["ratio_to_log_baseline"] = round(med[name] / med["baseline_log"], 3) if "baseline_log" in med else None
			f["meets_target"] = med[name] <= target
		figures[name] = f
	reports = [n for n in cases if not n.startswith("baseline")]
	result = {
		"benchmark": "reports_scale",
		"label": args.label,
		"runs": runs,
		"target_s": target,
		"baseline": baseline,
		"baseline_sql": " ".join((agg_sql or LOG_BASELINE).split()),
		"volume": volume,
		"load_average": {"before": load_before, "after": load_after},
		"figures": figures,
		"meets_targets": all(figures[n]["meets_target"] for n in reports),
		"query_plans": plans,
		"environment": common.environment(),
		"sales_drive_code": os.path.dirname(importlib.import_module("sales_drive").__file__),
	}
	print(f"\nsummary ({args.label}; median of {runs} interleaved runs; load {load_before} -> {load_after}):")
	print(f"  code: {result['sales_drive_code']}; baseline: {baseline}")
	print(f"  {'report':<34} {'issue (old)':>11} {'now':>9} {'ratio':>9} {'ratio to log':>12}")
	for name in reports:
		f = figures[name]
		print(
			f"  {LABELS[name]:<34} {OLD[name]:>9.2f} s {f['median_s']:>7.3f} s {f['ratio_to_baseline']:>9} "
			f"{f['ratio_to_log_baseline'] if f['ratio_to_log_baseline'] is not None else '-':>12}"
		)
	for name in [n for n in cases if n.startswith("baseline")]:
		print(f"  {name:<34} {'':>11} {figures[name]['median_s']:>7.3f} s")
	print(f"  target <= {target} s each -> {'met' if result['meets_targets'] else 'NOT met'}")
	return result


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--label", default="run", help="a name for this run (default 'run'); the JSON is reports_scale_<label>.json")
	p.add_argument("--runs", type=int, default=7, help="interleaved rounds (default 7; fewer only for very slow code)")
	p.add_argument("--only", help="comma-separated case names")
	p.add_argument(
		"--skip-log-baseline", action="store_true", help="do not time the GROUP BY over the log (80 s a call on 5M rows)"
	)
	p.add_argument("--to-date", help="end of the periods (default today)")
	p.add_argument("--target", type=float, help="seconds per report (default 0.3 under 2M transitions, else 1.0)")
	p.add_argument("--aggregate", default="Sales Funnel Aggregate", help="the aggregate doctype")
	p.add_argument("--baseline-sql", help="the GROUP BY over the aggregate (%%(start)s/%%(end)s/%%(from_date)s/%%(to_date)s)")
	p.add_argument(
		"--code",
		help="a directory holding another copy of the sales_drive package, imported instead of the installed one "
		"(the old code: git archive HEAD sales_drive | tar -x -C DIR)",
	)
	args = p.parse_args()
	if args.code:
		sys.path.insert(0, os.path.abspath(args.code))
	if not args.out:
		args.out = str(common.RESULTS / f"reports_scale_{args.label}.json")
	common.run_rolled_back(args, "reports_scale", lambda frappe: run(frappe, args))


if __name__ == "__main__":
	main()
