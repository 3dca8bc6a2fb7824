"""How long the key-account classification, the whole review and the Key Accounts report take over 200k invoices.

On ``bench.localhost`` (200k submitted Sales Invoices in Oct 2026 from
``sales_drive.demo.invoices``, ~2k customers), with ``today`` = 2026-11-25 and a
12-month rolling period, measures in the same run:

- ``baseline``: one hand-written grouped query over the same rows::

      SELECT customer, sum(base_net_total) FROM `tabSales Invoice`
      WHERE docstatus = 1 AND posting_date BETWEEN %s AND %s GROUP BY customer

- ``classification``: :func:`sales_drive.key_accounts.revenue` (the adapter's query) +
  :func:`sales_drive.key_accounts.classify` (the engine), Sales Drive Settings' basis and threshold;
- ``review``: :func:`sales_drive.key_accounts.run_review` — query, classification, the
  comparison with the previous review, the Customer flag UPDATEs and the stored Key Account
  Review (the same day again replaces it, so the flags are already right: the monthly case);
- ``review_all_flags``: the same with every flag cleared and no earlier review first
  (untimed), so that every key account is flagged by the timed run;
- ``report``: the Key Accounts report's ``execute(filters)`` for the same date and period.

One warm-up call each, then ``--runs`` interleaved measured calls; medians with
``time.perf_counter``. Target: classification <= 3 s. Everything is rolled back at the
end (the script writes nothing that stays).

    bench --site bench.localhost migrate
    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/key_accounts.py --site bench.localhost
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

TODAY = "2026-11-25"
MONTHS = 12
TARGET_S = 3.0
INDEX = "sd_si_customer_revenue"  # (customer, docstatus, posting_date, company, base_net_total), see README
BASELINE = """select customer, sum(base_net_total) from `tabSales Invoice`
	where docstatus = 1 and posting_date between %s and %s group by customer"""


def run(frappe, runs):
	from frappe.utils import getdate

	from sales_drive import key_accounts as ka
	from sales_drive.sales_drive.report.key_accounts import key_accounts as report

	today = getdate(TODAY)
	invoices = frappe.db.count("Sales Invoice", {"docstatus": 1})
	if invoices < 200_000:
		raise SystemExit(f"{invoices} submitted Sales Invoices: run sales_drive.demo.invoices.run first")
	frappe.db.set_single_value("Sales Drive Settings", "key_account_months", MONTHS)  # rolled back at the end
	s = ka.settings()
	from_date, to_date = ka.period(today, s.months)
	in_period = frappe.db.count(
		"Sales Invoice", {"docstatus": 1, "posting_date": ("between", (from_date, to_date))}
	)

	def classification():
		return ka.classify(ka.revenue(from_date, to_date), s.threshold, s.basis)

	def clear():
		frappe.db.sql("update `tabCustomer` set sd_key_account = 0, sd_key_account_since = null")
		frappe.db.delete("Key Account Review Line")
		frappe.db.delete("Key Account Review")

	filters = {"to_date": TODAY, "months": MONTHS, "company": frappe.defaults.get_global_default("company")}
	calls = {
		"baseline": (None, lambda: frappe.db.sql(BASELINE, (from_date, to_date))),
		"classification": (None, classification),
		"review": (None, lambda: ka.run_review(today, notify=False)),
		"review_all_flags": (clear, lambda: ka.run_review(today, notify=False)),
		"report": (None, lambda: report.execute(frappe._dict(filters))),
	}
	times = {k: [] for k in calls}
	for _key, (prepare, call) in calls.items():  # warm-up
		if prepare:
			prepare()
		call()
	for _ in range(runs):
		for key, (prepare, call) in calls.items():
			if prepare:
				prepare()
			t0 = time.perf_counter()
			call()
			times[key].append(time.perf_counter() - t0)

	result_c = classification()
	review = frappe.get_last_doc("Key Account Review")
	_c, rows, _m, _ch, summary = report.execute(frappe._dict(filters))
	median = {k: round(common.median(v), 3) for k, v in times.items()}
	result = {
		"benchmark": "key_accounts",
		"target_s": TARGET_S,
		"today": TODAY,
		"period": [str(from_date), str(to_date)],
		"settings": {"basis": s.basis, "threshold": s.threshold, "months": s.months},
		"data": {
			"submitted_invoices": invoices,
			"invoices_in_period": in_period,
			"customers": frappe.db.count("Customer"),
			"customers_with_revenue": len(result_c.ranking),
		},  # fmt: skip
		"output": {
			"key_accounts": len(result_c.key_accounts),
			"review_lines": len(review.lines),
			"report_rows": len(rows),
			"report_summary": {x["label"]: x["value"] for x in summary},
		},
		"runs": runs,
		"environment": common.environment(),
		"median_s": median,
		"max_s": {k: round(max(v), 3) for k, v in times.items()},
		"ratio_to_baseline": {
			k: round(v / median["baseline"], 2) for k, v in median.items() if k != "baseline"
		},
		"index_sd_si_customer_revenue": INDEX
		in {r[2] for r in frappe.db.sql("show index from `tabSales Invoice`")},
		"query_plan": [list(r) for r in frappe.db.sql("explain " + BASELINE, (from_date, to_date))],
	}
	result["meets_target"] = median["classification"] <= TARGET_S
	for key, sec in median.items():
		ratio = result["ratio_to_baseline"].get(key)
		extra = f"  x{ratio} baseline" if ratio else ""
		print(f"  {key:<17} median {sec:6.3f} s  (max {result['max_s'][key]:.3f} s){extra}")
	print(f"target: classification <= {TARGET_S} s -> {'met' if result['meets_target'] else 'NOT met'}")
	return result


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--runs", type=int, default=7)
	args = p.parse_args()
	common.run_rolled_back(args, "key_accounts", lambda frappe: run(frappe, max(args.runs, 5)))


if __name__ == "__main__":
	main()
