"""How long the "Base Burn" report takes over 200k leads and 100k cooling records.

Runs the script report's ``execute(filters)`` as Administrator (the default
company, the last 3 months) grouped by Team, by Sales Person and by Territory,
on the data of ``sales_drive.demo.cooling`` (200k leads, 100k cooling records)
plus the log of ``sales_drive.demo.generate`` (~100k opportunities / ~500k
transitions) — and in the same run a baseline: one hand-written grouped query
over the same leads::

    SELECT territory, status, count(*) FROM tabLead GROUP BY territory, status

One warm-up call each, then ``--runs`` measured calls, interleaved; medians
with ``time.perf_counter``. Target: every grouping <= 2 s.

    bench --site bench.localhost execute sales_drive.demo.cooling.generate --kwargs '{"leads": 200000, "records": 100000}'
    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/base_burn.py --site bench.localhost
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

REPORT = "sales_drive.sales_drive.report.base_burn.base_burn"
TARGET_S = 2.0
GROUPS = ("Team", "Sales Person", "Territory")
BASELINE = "select territory, status, count(*) from tabLead group by territory, status"


def run(frappe, runs):
	from frappe.utils import add_months, nowdate

	report = importlib.import_module(REPORT)
	leads = frappe.db.count("Lead")
	records = frappe.db.count("Cooling Record")
	if leads < 200_000 or records < 100_000:
		raise SystemExit(f"{leads} leads, {records} cooling records: run sales_drive.demo.cooling.generate first")
	filters = {
		"from_date": add_months(nowdate(), -3),
		"to_date": nowdate(),
		"company": frappe.defaults.get_global_default("company"),
		"burn_alarm": 30,
	}
	calls = {g: (lambda g=g: report.execute(frappe._dict(filters, group_by=g))) for g in GROUPS}
	calls["baseline"] = lambda: frappe.db.sql(BASELINE)
	times = {k: [] for k in calls}
	sizes = {}
	for key, call in calls.items():  # warm-up
		out = call()
		if key != "baseline":
			sizes[key] = {"rows": len(out[1]), "summary": {s["label"]: s["value"] for s in out[4]}}
	for _ in range(runs):
		for key, call in calls.items():
			t0 = time.perf_counter()
			call()
			times[key].append(time.perf_counter() - t0)
	result = {
		"benchmark": "base_burn",
		"target_s": TARGET_S,
		"data": {"leads": leads, "cooling_records": records,
			"transition_log": frappe.db.count("Sales Stage Transition Log")},  # fmt: skip
		"filters": filters,
		"runs": runs,
		"environment": common.environment(),
		"median_s": {k: round(common.median(v), 3) for k, v in times.items()},
		"max_s": {k: round(max(v), 3) for k, v in times.items()},
		"output": sizes,
	}
	result["meets_target"] = all(result["median_s"][g] <= TARGET_S for g in GROUPS)
	for key, s in result["median_s"].items():
		print(f"  {key:<14} median {s:6.3f} s  (max {result['max_s'][key]:.3f} s)")
	print(f"target: <= {TARGET_S} s -> {'met' if result['meets_target'] else 'NOT met'}")
	return result


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--runs", type=int, default=7)
	args = p.parse_args()
	common.run_rolled_back(args, "base_burn", lambda frappe: run(frappe, max(args.runs, 5)))


if __name__ == "__main__":
	main()
