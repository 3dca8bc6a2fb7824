"""How long the "Sales Funnel Conversion" report takes over a big log.

Runs the script report's ``execute(filters)`` (as Administrator, filters as
the desk sends them: Opportunity, a 24-month period, the default company) on
the data of the bulk generator (~100k opportunities / ~500k transitions),
with and without the per-owner grouping, and in the same run the baseline:
one hand-written grouped query over the same rows::

    SELECT to_step, count(*) FROM `tabSales Stage Transition Log`
    WHERE reference_doctype = 'Opportunity' AND transition_time BETWEEN %s AND %s
    GROUP BY to_step

One warm-up call each, then ``--runs`` (>= 5) measured calls, interleaved
(report, report by owner, baseline, ...); medians with ``time.perf_counter``.
Targets: report <= 2 s and within 3x of the baseline. The SQL the report ran
is captured once and EXPLAINed into the result.

    bench --site bench.localhost execute sales_drive.demo.generate.run \\
        --kwargs '{"mode": "bulk", "opportunities": 100000, "transitions": 500000}'
    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/funnel_report.py --site bench.localhost
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

REPORT = "sales_drive.sales_drive.report.sales_funnel_conversion.sales_funnel_conversion"
TARGET_S = 2.0
TARGET_RATIO = 3.0
BASELINE = """select to_step, count(*) from `tabSales Stage Transition Log`
where reference_doctype = 'Opportunity' and transition_time between %(start)s and %(end)s
group by to_step"""


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--runs", type=int, default=7, help="measured runs of each query (default 7, at least 5)")
	p.add_argument("--months", type=int, default=24, help="length of the period (default 24 months)")
	p.add_argument("--to-date", help="end of the period (default today)")
	p.add_argument("--wait", type=int, default=0, help="poll up to this many seconds for the report module to exist")
	args = p.parse_args()
	common.run_rolled_back(
		args,
		"funnel_report",
		lambda frappe: run(frappe, load_report(frappe, args.wait), max(5, args.runs), args.months, args.to_date),
	)


def load_report(frappe, wait: int):
	deadline = time.time() + wait
	while True:
		try:
			importlib.invalidate_caches()
			return importlib.import_module(REPORT)
		except ModuleNotFoundError as e:
			if time.time() >= deadline:
				raise SystemExit(f"report module {REPORT} not found ({e}); rerun later or pass --wait SECONDS")
			print(f"waiting for {REPORT} ...", flush=True)
			time.sleep(min(30, max(1, deadline - time.time())))





def run(frappe, module, runs, months, to_date):
	from datetime import datetime

	from frappe.utils import add_months, getdate, nowdate

	to_date = getdate(to_date or nowdate())
	from_date = getdate(add_months(to_date, -months))
	company = frappe.defaults.get_global_default("company")
	start, end = datetime.combine(from_date, datetime.min.time()), datetime.combine(to_date, datetime.max.time())
	volume = {
		"opportunities": frappe.db.count("Opportunity"),
		"transitions_opportunity": frappe.db.count("Sales Stage Transition Log", {"reference_doctype": "Opportunity"}),
		"transitions_in_period": frappe.db.sql(
			"select count(*) from `tabSales Stage Transition Log` where reference_doctype = 'Opportunity' and transition_time between %s and %s",
			(start, end),
		)[0][0],
	}
	print(
		f"period {from_date} .. {to_date}; {volume['opportunities']} opportunities, "
		f"{volume['transitions_in_period']} opportunity transitions in the period"
	)
	if volume["transitions_in_period"] < 100000:
		print("  warning: fewer than 100k transitions; run the bulk generator first (see the docstring)")

	base = {"doctype": "Opportunity", "from_date": str(from_date), "to_date": str(to_date), "company": company}
	cases = {
		"report": lambda: module.execute(dict(base)),
		"report_by_owner": lambda: module.execute(dict(base, group_by="Owner")),
		"baseline_sql": lambda: frappe.db.sql(BASELINE, {"start": start, "end": end}),
	}
	shapes = {}
	plans = {}
	for name, fn in cases.items():  # warm-up, and what each returns
		with common.Captured(frappe) as cap:
			out = fn()
		if name == "baseline_sql":
			shapes[name] = {"rows": len(out), "transitions": int(sum(r[1] for r in out))}
			plans[name] = common.explain(frappe, BASELINE, {"start": start, "end": end})
		else:
			shapes[name] = {"rows": len(out[1]), "columns": len(out[0])}
			plans[name] = [{"query": " ".join(q.split())[:600], "plan": common.explain(frappe, q, v)} for q, v in cap.queries]
	times = common.interleaved(cases, runs)
	med = {name: common.median(ts) for name, ts in times.items()}
	baseline = med["baseline_sql"]
	figures = {}
	for name in ("report", "report_by_owner"):
		figures[name] = {
			"median_s": round(med[name], 4),
			"min_s": round(min(times[name]), 4),
			"max_s": round(max(times[name]), 4),
			"ratio_to_baseline": round(med[name] / baseline, 2) if baseline else None,
			"meets_time_target": med[name] <= TARGET_S,
			"meets_ratio_target": bool(baseline) and med[name] / baseline <= TARGET_RATIO,
			"runs_s": [round(t, 4) for t in times[name]],
			**shapes[name],
		}
	figures["baseline_sql"] = {
		"median_s": round(baseline, 4),
		"min_s": round(min(times["baseline_sql"]), 4),
		"max_s": round(max(times["baseline_sql"]), 4),
		"runs_s": [round(t, 4) for t in times["baseline_sql"]],
		**shapes["baseline_sql"],
	}
	result = {
		"benchmark": "funnel_report",
		"report": REPORT,
		"filters": base,
		"runs": runs,
		"targets": {"report_max_s": TARGET_S, "max_ratio_to_baseline": TARGET_RATIO},
		"volume": volume,
		"figures": figures,
		"meets_targets": all(figures[n]["meets_time_target"] and figures[n]["meets_ratio_target"] for n in ("report", "report_by_owner")),
		"query_plans": plans,
		"environment": common.environment(),
	}
	print("\nsummary (median of runs):")
	print(f"  {'case':<16} {'median':>9} {'ratio to baseline':>18}")
	for name in ("report", "report_by_owner", "baseline_sql"):
		f = figures[name]
		ratio = f.get("ratio_to_baseline")
		print(f"  {name:<16} {f['median_s']:>7.3f} s {ratio if ratio is not None else '':>18}")
	print(
		f"  targets: report <= {TARGET_S} s and <= {TARGET_RATIO}x baseline -> "
		f"{'met' if result['meets_targets'] else 'NOT met'}"
	)
	return result


if __name__ == "__main__":
	main()
