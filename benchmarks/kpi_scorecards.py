"""How long KPI scorecards take for 500 sales persons for a month of 200k documents.

Uses the month of the bulk invoices (``sales_drive.demo.invoices``: 200k Sales
Invoices in 2026-10, plan "Bulk invoices 202610", 50 selling managers) plus
the transition log, communications and events of the demo generator. The 50
managers of the plan are joined by 450 more Sales Persons (group
``_BENCH KPI``, created once, without documents) so that every metric query
runs over an IN list of 500 persons.

An unsaved KPI Scheme with ten components (revenue against the plan, deals
won, average deal, conversion, calls, meetings, e-mails, proposals, refusals,
burn rate) is evaluated:

- ``evaluate``: every metric fetched with one grouped query for all 500, plus
  the engine for each person (what the background job computes);
- ``compute``: the same and the 500 draft KPI Scorecards written (inserted,
  then rolled back).

One warm-up, then ``--runs`` measured runs of ``evaluate``; ``compute`` is
measured ``--compute-runs`` times (each rolled back). Target: compute <= 10 s.

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/kpi_scorecards.py --site bench.localhost
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

TARGET_S = 10.0
PLAN_TITLE = "Bulk invoices 202610"
GROUP = "_BENCH KPI"


def ensure_persons(frappe, wanted: int, have: list[str]) -> list[str]:
	if not frappe.db.exists("Sales Person", GROUP):
		frappe.get_doc({"doctype": "Sales Person", "sales_person_name": GROUP, "is_group": 1,
			"parent_sales_person": "Sales Team"}).insert(ignore_permissions=True)
	extra = frappe.get_all("Sales Person", filters={"parent_sales_person": GROUP}, pluck="name", order_by="name")
	for i in range(len(extra), max(0, wanted - len(have))):
		extra.append(frappe.get_doc({"doctype": "Sales Person", "sales_person_name": f"{GROUP} {i:03d}",
			"parent_sales_person": GROUP}).insert(ignore_permissions=True).name)
	frappe.db.commit()
	return (have + extra)[:wanted]


def scheme_doc(frappe, company, persons, first):
	comps = [
		("Revenue", 30, "Sales Plan", None, {}),
		("Deals Won", 10, "Fixed", 20, {}),
		("Average Deal", 5, "Fixed", 50000, {}),
		("Conversion Between Steps", 5, "Fixed", 30, {"from_step": "Qualification", "to_step": "Proposal"}),
		("Calls", 15, "Fixed", 200, {"curve": "Accelerator", "accelerator": 1.5, "cap": 150}),
		("Meetings", 10, "Fixed", 20, {"curve": "Steps", "steps": "50:50, 100:100, 120:130"}),
		("Emails Sent", 5, "Fixed", 100, {}),
		("Proposals Sent", 10, "Fixed", 15, {"threshold": 50}),
		("Refusals", 5, "Fixed", 10, {"cap": 150}),
		("Base Burn Rate", 5, "Fixed", 10, {"cap": 150}),
	]
	return frappe.get_doc({
		"doctype": "KPI Scheme", "name": "_BENCH KPI scheme", "title": "_BENCH KPI", "company": company,
		"period": "Month", "valid_from": first, "applies_to": "Sales Persons", "enabled": 0,
		"currency": frappe.db.get_value("Company", company, "default_currency"),
		"sales_persons": [{"sales_person": p} for p in persons],
		"base_pay": 50000, "variable_pay": 30000, "team_pool": 100000, "best_bonus": 10000, "best_metric": "Revenue",
		"components": [{"metric": m, "weight": w, "target_source": s, "target": t, **kw} for m, w, s, t, kw in comps],
	})


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--runs", type=int, default=5)
	p.add_argument("--compute-runs", type=int, default=2)
	p.add_argument("--persons", type=int, default=500)
	args = p.parse_args()
	frappe = common.connect(args.site, args.sites_path)
	from sales_drive import kpi

	plan = frappe.get_all("Sales Plan", filters={"title": PLAN_TITLE, "docstatus": 1}, fields=["name", "company", "from_date"], limit=1)
	if not plan:
		raise SystemExit(f"no submitted plan {PLAN_TITLE!r}: run sales_drive.demo.invoices.run first")
	plan = plan[0]
	have = frappe.get_all("Sales Plan Allocation", filters={"parent": plan.name}, pluck="sales_person", order_by="idx")
	persons = ensure_persons(frappe, args.persons, have)
	doc = scheme_doc(frappe, plan.company, persons, plan.from_date)
	day = str(plan.from_date)
	counts = {
		"sales_invoices": frappe.db.count("Sales Invoice", {"docstatus": 1, "posting_date": ["between", ["2026-10-01", "2026-10-31"]]}),
		"transitions": frappe.db.count("Sales Stage Transition Log"),
		"communications": frappe.db.count("Communication"),
		"events": frappe.db.count("Event"),
	}

	kpi.evaluate(doc, day)  # warm-up
	times = []
	for _ in range(max(1, args.runs)):
		t = time.perf_counter()
		results, ctx = kpi.evaluate(doc, day)
		times.append(time.perf_counter() - t)

	# compute: evaluate + write 500 drafts, on a saved (disabled) scheme, rolled back after each run
	compute_times = []
	for _ in range(max(1, args.compute_runs)):
		saved = frappe.get_doc(doc.as_dict())
		saved.flags.ignore_validate = True
		saved.insert(ignore_permissions=True, set_name="_BENCH KPI scheme")
		t = time.perf_counter()
		names = kpi.compute_scorecards(saved.name, day)
		compute_times.append(time.perf_counter() - t)
		frappe.db.rollback()

	paid = sum(r.total for r in results)
	data = {
		"what": "KPI scorecards for a month: evaluate (facts + engine) and compute (+ 500 drafts written)",
		"persons": len(persons),
		"persons_with_revenue": sum(1 for r in results if r.lines[0].fact > 0),
		"components": len(doc.components),
		"documents": counts,
		"evaluate_median_s": round(common.median(times), 3),
		"evaluate_runs_s": [round(x, 3) for x in times],
		"compute_median_s": round(common.median(compute_times), 3),
		"compute_runs_s": [round(x, 3) for x in compute_times],
		"scorecards_written": len(names),
		"total_pay": str(paid),
		"target_s": TARGET_S,
		"ok": common.median(compute_times) <= TARGET_S,
		"environment": common.environment(),
	}
	path = common.write_result("kpi_scorecards", data, args.out)
	print({k: v for k, v in data.items() if k != "environment"})
	print(f"written {path}")


if __name__ == "__main__":
	main()
