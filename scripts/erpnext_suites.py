#!/usr/bin/env python3
"""Run ERPNext's own test suites on two sites, one without Sales Drive and one with it, and compare.

Usage (from the bench directory):

    python apps/sales_drive/scripts/erpnext_suites.py --without plain.localhost --with erpapp.localhost

Each suite runs as ``CI=1 bench --site SITE run-tests --doctype X`` (or ``--module M``), one after the
other; the script prints a table of ``ran / failures / errors`` per suite and site, lists every failing
test by name, and exits 1 when a test fails with the app that does not fail without it. Logs are kept
in ``--logs`` (default ``./logs/erpnext_suites``). Both sites need ``allow_tests`` and the payments app
(the Payment Gateway doctype that ERPNext's test records use).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

DOCTYPES = ["Lead", "Opportunity", "Prospect", "Customer", "Quotation", "Sales Order", "Payment Entry"]
MODULES = [
	"erpnext.crm.report.opportunity_summary_by_sales_stage.test_opportunity_summary_by_sales_stage",
	"erpnext.crm.report.sales_pipeline_analytics.test_sales_pipeline_analytics",
	"erpnext.selling.report.sales_analytics.test_analytics",
	"erpnext.selling.report.sales_order_analysis.test_sales_order_analysis",
	"erpnext.selling.report.sales_person_target_variance_based_on_item_group.test_sales_person_target_variance_based_on_item_group",
	"erpnext.selling.report.sales_partner_target_variance_based_on_item_group.test_sales_partner_target_variance_based_on_item_group",
	"erpnext.selling.report.payment_terms_status_for_sales_order.test_payment_terms_status_for_sales_order",
	"erpnext.selling.report.pending_so_items_for_purchase_request.test_pending_so_items_for_purchase_request",
]
RAN = re.compile(r"^Ran (\d+) tests? in")
FAILED = re.compile(r"^FAILED \((.*)\)")
TEST_LINE = re.compile(r"^(FAIL|ERROR): (\S+) \(([^)]+)\)")


def run(site: str, kind: str, target: str, logs: Path, bench: str) -> dict:
	log = logs / f"{site}__{target.replace(' ', '_').split('.')[-1]}.log"
	cmd = [bench, "--site", site, "run-tests", f"--{kind}", target]
	env = {**os.environ, "CI": "1"}
	with log.open("w") as out:
		proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
	text = log.read_text(errors="replace").splitlines()
	ran = failures = errors = 0
	failing = []
	for line in text:
		m = RAN.match(line)
		if m:
			ran = int(m.group(1))
		m = FAILED.match(line)
		if m:
			for part in m.group(1).split(","):
				key, _sep, value = part.strip().partition("=")
				if key == "failures":
					failures = int(value)
				elif key == "errors":
					errors = int(value)
		m = TEST_LINE.match(line)
		if m:
			# "ERROR: test_x (module.TestClass.test_x)": name it TestClass.test_x
			failing.append(f"{m.group(1)} {'.'.join(m.group(3).split('.')[-2:])}")
	if not ran and proc.returncode:
		errors = errors or 1
		failing.append(f"ERROR (suite did not run, rc {proc.returncode}; see {log})")
	return {"ran": ran, "failures": failures, "errors": errors, "failing": sorted(set(failing)), "rc": proc.returncode}


def main() -> int:
	ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	ap.add_argument("--without", required=True, help="site without Sales Drive")
	ap.add_argument("--with", dest="with_", required=True, help="site with Sales Drive installed")
	ap.add_argument("--logs", default="logs/erpnext_suites")
	ap.add_argument("--bench", default="bench")
	ap.add_argument("--only", nargs="*", help="run only these doctypes/modules")
	args = ap.parse_args()
	logs = Path(args.logs)
	logs.mkdir(parents=True, exist_ok=True)
	suites = [("doctype", d) for d in DOCTYPES] + [("module", m) for m in MODULES]
	if args.only:
		suites = [s for s in suites if s[1] in args.only]
	results = {}
	for kind, target in suites:
		for site in (args.without, args.with_):
			results[(target, site)] = r = run(site, kind, target, logs, args.bench)
			print(f"{target:<40} {site:<22} ran {r['ran']:>3}  failures {r['failures']}  errors {r['errors']}", flush=True)
	print()
	print(f"| suite | without app ({args.without}) ran/fail/err | with app ({args.with_}) ran/fail/err |")
	print("|---|---|---|")
	regressions = []
	for _kind, target in suites:
		a, b = results[(target, args.without)], results[(target, args.with_)]
		name = target.split(".")[-1]
		print(f"| {name} | {a['ran']}/{a['failures']}/{a['errors']} | {b['ran']}/{b['failures']}/{b['errors']} |")
		new = sorted(set(b["failing"]) - set(a["failing"]))
		if new or b["ran"] < a["ran"]:
			regressions.append((name, new, a["ran"], b["ran"]))
	print()
	for _kind, target in suites:
		for site in (args.without, args.with_):
			for t in results[(target, site)]["failing"]:
				print(f"failing on {site}: {t}")
	if regressions:
		print("\nwith the app only:")
		for name, new, ran_a, ran_b in regressions:
			print(f"  {name}: ran {ran_a} -> {ran_b}; {', '.join(new) or '-'}")
		return 1
	print("\nsame results with and without the app")
	return 0


if __name__ == "__main__":
	sys.exit(main())
