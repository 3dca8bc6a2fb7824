"""Shared helpers of the benchmark scripts: connect to a site, medians, results.

The scripts are run from the bench's ``sites`` directory with the bench's
Python, e.g.::

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/gate_save.py --site bench.localhost
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def parser(description: str) -> argparse.ArgumentParser:
	p = argparse.ArgumentParser(description=description)
	p.add_argument("--site", required=True, help="site name, e.g. bench.localhost")
	p.add_argument(
		"--sites-path",
		default=os.environ.get("FRAPPE_SITES_PATH", "."),
		help="the bench's sites directory (default: the current directory)",
	)
	p.add_argument("--out", help="where to write the JSON result (default: benchmarks/results/<name>.json)")
	return p


def connect(site: str, sites_path: str = "."):
	"""frappe.init + frappe.connect as Administrator, like ``bench --site SITE console``."""
	import frappe

	sites_path = os.path.abspath(sites_path)
	if not os.path.exists(os.path.join(sites_path, site, "site_config.json")):
		raise SystemExit(f"no site {site!r} in {sites_path}: run from the bench's sites directory or pass --sites-path")
	os.chdir(sites_path)
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	frappe.set_user("Administrator")
	return frappe


def ms(seconds: float) -> float:
	return round(seconds * 1000, 3)


def interleaved(cases: dict, runs: int) -> dict:
	"""Run every case once per round, ``runs`` rounds (interleaved against a changing machine);
	name -> list of seconds (``time.perf_counter``)."""
	import time

	times = {name: [] for name in cases}
	for r in range(runs):
		for name, fn in cases.items():
			t0 = time.perf_counter()
			fn()
			times[name].append(time.perf_counter() - t0)
		print(f"  run {r + 1}: " + ", ".join(f"{name} {times[name][-1]:.3f} s" for name in cases), flush=True)
	return times


def median(values) -> float:
	return statistics.median(values) if values else float("nan")


def percentile(values, q: float) -> float:
	if not values:
		return float("nan")
	xs = sorted(values)
	k = max(0, min(len(xs) - 1, round(q * (len(xs) - 1))))
	return xs[k]


def environment() -> dict:
	import frappe

	def git(path):
		try:
			return subprocess.run(
				["git", "-C", path, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
			).stdout.strip()
		except Exception:
			return None

	versions = {}
	for app in ("frappe", "erpnext", "sales_drive"):
		try:
			versions[app] = frappe.get_attr(f"{app}.__version__")
		except Exception:
			versions[app] = None
	return {
		"site": frappe.local.site,
		"when": datetime.now().isoformat(timespec="seconds"),
		"python": platform.python_version(),
		"machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
		"mariadb": frappe.db.sql("select version()")[0][0],
		"versions": versions,
		"sales_drive_commit": git(str(HERE.parent)),
	}


def write_result(name: str, data: dict, out: str | None = None) -> Path:
	path = Path(out) if out else RESULTS / f"{name}.json"
	path.parent.mkdir(parents=True, exist_ok=True)
	path.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n")
	return path


class Captured:
	"""Record the SQL statements run through ``frappe.db.sql`` while active whose text contains
	``needle`` (lower case; by default those over the transition log; None: every statement):
	``queries`` as (query, values), ``timed`` as (seconds, query, values)."""

	def __init__(self, frappe, needle="from `tabsales stage transition log`"):
		self.frappe = frappe
		self.needle = needle
		self.queries = []
		self.timed = []

	def __enter__(self):
		import time

		db = self.frappe.db
		self.original = db.sql

		def sql(query, values=(), *args, **kwargs):
			if self.needle is not None and self.needle not in " ".join(str(query).split()).lower():
				return self.original(query, values, *args, **kwargs)
			t0 = time.perf_counter()
			try:
				return self.original(query, values, *args, **kwargs)
			finally:
				self.queries.append((str(query), values))
				self.timed.append((time.perf_counter() - t0, str(query), values))

		db.sql = sql
		return self

	def __exit__(self, *exc):
		self.frappe.db.sql = self.original


def explain(frappe, query, values):
	"""MariaDB's plan of a query, the informative columns only."""
	try:
		rows = frappe.db.sql("explain " + query, values, as_dict=True)
	except Exception as e:  # pragma: no cover - informative only
		return [{"error": str(e)}]
	return [{k: r.get(k) for k in ("select_type", "table", "type", "key", "rows", "Extra")} for r in rows]


def run_rolled_back(args, name: str, run):
	"""Connect, ``run(frappe)``, roll everything back, write the result JSON and say where."""
	frappe = connect(args.site, args.sites_path)
	try:
		result = run(frappe)
	finally:
		frappe.db.rollback()
		frappe.destroy()
	print(f"\nwritten {write_result(name, result, args.out)}")
	return result
