"""How long the "Step Probabilities" report takes over a big transition log.

Runs the script report's ``execute(filters)`` (as Administrator) for the
default Opportunity regulation and for every regulation, over the window of
``--months`` (default 12) ending ``--to-date`` (default today), on the data
of the bulk generator (~100k opportunities / ~500k transitions), and in the
same run the baseline, one hand-written grouped query over the log::

    SELECT to_step, count(*) FROM `tabSales Stage Transition Log`
    WHERE reference_doctype = 'Opportunity' AND transition_time BETWEEN %s AND %s
    GROUP BY to_step

(the baseline of ``funnel_report.py``, over the same window). The report
reads more than that: each record's last outcome from the window's start
on, then every log row of the records closed in the window, however old.

One warm-up call each, then ``--runs`` (>= 5) measured calls, interleaved;
medians with ``time.perf_counter``. Aim: report <= 2 s (the issue names no
target for it). The SQL the report ran is captured once and EXPLAINed into
the result. Read-only: nothing is written to the site.

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/step_probabilities.py --site bench.localhost
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

REPORT = "sales_drive.sales_drive.report.step_probabilities.step_probabilities"
AIM_S = 2.0
BASELINE = """select to_step, count(*) from `tabSales Stage Transition Log`
where reference_doctype = 'Opportunity' and transition_time between %(start)s and %(end)s
group by to_step"""


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--runs", type=int, default=7, help="measured runs of each case (default 7, at least 5)")
	p.add_argument("--months", type=int, default=12, help="the window in months (default 12)")
	p.add_argument("--to-date", help="end of the window (default today)")
	args = p.parse_args()
	common.run_rolled_back(args, "step_probabilities", lambda frappe: run(frappe, max(5, args.runs), args.months, args.to_date))


def run(frappe, runs, months, to_date):
	from datetime import datetime

	from frappe.utils import getdate, nowdate

	from sales_drive import regulations
	from sales_drive.engine.probabilities import window

	module = frappe.get_module(REPORT)
	to_date = getdate(to_date or nowdate())
	since, until = window(to_date, months)
	start, end = datetime.combine(since, datetime.min.time()), datetime.combine(until, datetime.max.time())
	active = regulations.active("Opportunity")
	regulation = active.regulation.name if active else None
	volume = {
		"opportunities": frappe.db.count("Opportunity"),
		"log_rows": frappe.db.count("Sales Stage Transition Log"),
		"closed_in_window": frappe.db.sql(
			"""select count(distinct reference_name) from `tabSales Stage Transition Log`
			where kind in ('Won', 'Lost') and transition_time between %s and %s""",
			(start, end),
		)[0][0],
	}
	print(
		f"window {since} .. {until}; {volume['opportunities']} opportunities, {volume['log_rows']} log rows, "
		f"{volume['closed_in_window']} records closed in the window"
	)
	if volume["log_rows"] < 100000:
		print("  warning: fewer than 100k log rows; run the bulk generator first (see benchmarks/README.md)")

	base = {"months": months, "min_sample": 20, "to_date": str(to_date)}
	cases = {
		"report": lambda: module.execute(dict(base, regulation=regulation)),
		"report_all_regulations": lambda: module.execute(dict(base)),
		"baseline_sql": lambda: frappe.db.sql(BASELINE, {"start": start, "end": end}),
	}
	shapes, plans = {}, {}
	for name, fn in cases.items():  # warm-up, and what each returns
		with common.Captured(frappe) as cap:
			out = fn()
		if name == "baseline_sql":
			shapes[name] = {"rows": len(out)}
			plans[name] = common.explain(frappe, BASELINE, {"start": start, "end": end})
		else:
			shapes[name] = {"rows": len(out[1]), "first_rows": out[1][:3]}
			plans[name] = [
				{"query": " ".join(q.split())[:900], "plan": common.explain(frappe, q, v)} for q, v in cap.queries
			]
	times = common.interleaved(cases, runs)
	med = {name: common.median(ts) for name, ts in times.items()}
	baseline = med["baseline_sql"]
	figures = {
		name: {
			"median_s": round(med[name], 4),
			"min_s": round(min(times[name]), 4),
			"max_s": round(max(times[name]), 4),
			"ratio_to_baseline": round(med[name] / baseline, 2)
			if baseline and name != "baseline_sql"
			else None,
			"within_aim": med[name] <= AIM_S if name != "baseline_sql" else None,
			"runs_s": [round(t, 4) for t in times[name]],
			**shapes[name],
		}
		for name in cases
	}
	result = {
		"benchmark": "step_probabilities",
		"report": REPORT,
		"filters": dict(base, regulation=regulation),
		"runs": runs,
		"aim": {"report_max_s": AIM_S, "note": "no target in the issue"},
		"volume": volume,
		"figures": figures,
		"query_plans": plans,
		"environment": common.environment(),
	}
	print("\nsummary (median of runs):")
	print(f"  {'case':<24} {'median':>9} {'ratio to baseline':>18}")
	for name in cases:
		f = figures[name]
		ratio = f.get("ratio_to_baseline")
		print(f"  {name:<24} {f['median_s']:>7.3f} s {ratio if ratio is not None else '':>18}")
	return result


if __name__ == "__main__":
	main()
