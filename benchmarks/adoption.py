"""How long adopting the open opportunities of a live ERPNext takes (issue 13: 100k in <= 60 s).

On ``bench.localhost`` (the realistic demo plus the bulk data: about 100k opportunities), each run:

- makes every Opportunity open and unbound, as on a site that has just installed the app with
  100k open deals (status ``Open``, ``sd_regulation`` cleared, untimed; the bulk data has about
  10k open ones, so the closed ones are reopened for the run), with stage history in Version rows
  for a share of them (two ``sales_stage`` changes each, added once, untimed);
- ``adopt``: :func:`sales_drive.adoption.adopt_pipeline` for Opportunity, timed: one read of the
  open records, one read of their Version history, the engine per record, chunked set-based
  UPDATEs and bulk inserts of the history and adoption rows into the transition log;
- ``baseline``: one hand-written GROUP BY over tabOpportunity, timed in the same run::

      SELECT sales_stage, count(*) FROM `tabOpportunity` GROUP BY sales_stage

- rolls the run back to a savepoint, so the next run adopts the same records.

Medians of ``--runs`` runs; everything is rolled back at the end.

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/adoption.py --site bench.localhost
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

TARGET_S = 60.0
HISTORY_SHARE = 3  # every third open opportunity has a stage history in Version rows
BASELINE = "select sales_stage, count(*) from `tabOpportunity` group by sales_stage"
STAGES = ("Prospecting", "Needs Analysis", "Proposal/Price Quote")


def add_versions(frappe, names):
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "ref_doctype", "docname", "data"]
	rows = []
	for i, name in enumerate(names):
		if i % HISTORY_SHARE:
			continue
		for k, (old, new) in enumerate(zip(STAGES, STAGES[1:])):
			when = f"2025-0{k + 2}-{1 + i % 27:02d} 10:00:00"
			data = json.dumps({"changed": [["sales_stage", old, new]], "added": [], "removed": [], "row_changed": []})
			rows.append([frappe.generate_hash(length=12), when, when, "Administrator", "Administrator", 0, 0,
				"Opportunity", name, data])  # fmt: skip
	frappe.db.bulk_insert("Version", fields, rows, ignore_duplicates=True)
	return len(rows)


def run(frappe, runs):
	from sales_drive import adoption, regulations

	open_names = frappe.db.sql_list("select name from `tabOpportunity`")
	if len(open_names) < 50_000:
		raise SystemExit(f"{len(open_names)} opportunities: generate the bulk data first (see benchmarks/README.md)")
	versions = add_versions(frappe, open_names)
	regulations.clear_cache()
	adopt_s, base_s, adopted, history = [], [], [], []
	for _ in range(runs):
		frappe.db.savepoint("sd_adopt_bench")
		frappe.db.sql("update `tabOpportunity` set sd_regulation = null, status = 'Open'")
		t = time.perf_counter()
		frappe.db.sql(BASELINE)
		base_s.append(time.perf_counter() - t)
		t = time.perf_counter()
		result = adoption.adopt_pipeline("Opportunity")
		adopt_s.append(time.perf_counter() - t)
		adopted.append(result["records"])
		history.append(result["history"])
		frappe.db.rollback(save_point="sd_adopt_bench")
	adopt_m, base_m = common.median(adopt_s), common.median(base_s)
	figures = {
		"open_opportunities": len(open_names),
		"version_rows_added": versions,
		"adopted_per_run": adopted,
		"history_rows_per_run": history,
		"adopt_median_s": round(adopt_m, 3),
		"adopt_runs_s": [round(x, 3) for x in adopt_s],
		"baseline_group_by_median_ms": common.ms(base_m),
		"ratio_to_baseline": round(adopt_m / base_m, 1) if base_m else None,
		"target_s": TARGET_S,
		"meets_target": adopt_m <= TARGET_S,
	}
	print(json.dumps(figures, indent=1))
	return {"benchmark": "adoption", "environment": common.environment(), "figures": figures}


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--runs", type=int, default=3)
	args = p.parse_args()
	common.run_rolled_back(args, "adoption", lambda frappe: run(frappe, args.runs))


if __name__ == "__main__":
	main()
