"""How long the plan engine takes to decompose a month for a large department.

Pure Python, no Frappe: ``sales_drive.engine.plan.decompose`` for 500 sales
persons × 31 working days with the ``next_day`` carry-over and realistic
facts (on ~70 % of the days a person sells; amounts log-normal around the
daily pace, so people fall behind and get ahead and both shortfalls and
credits are carried). One warm-up call, then ``--runs`` (>= 7) measured
calls; the median with ``time.perf_counter``. Target: <= 50 ms. The other
two policies and ``decompose_fixed`` are timed too, for information.

    python3 benchmarks/plan_decompose.py            # from the repo root, any Python 3.10+
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sales_drive.engine import plan as engine  # noqa: E402

TARGET_MS = 50.0


def department(persons: int, days: int, seed: int):
	"""Working days, equal shares, facts per (day, person) and the plan amount."""
	rng = random.Random(seed)
	start = date(2026, 1, 1)
	working_days = [start + timedelta(days=i) for i in range(days)]
	names = [f"Sales Person {i:03d}" for i in range(persons)]
	shares = {p: Decimal(100) / persons for p in names}
	last = names[-1]
	shares[last] = Decimal(100) - sum(v for k, v in shares.items() if k != last)
	amount = Decimal(persons * 1_000_000)  # 1,000,000 a person a month
	pace = 1_000_000 / days
	facts = {}
	for p in names:
		skill = rng.uniform(0.6, 1.4)
		for d in working_days:
			if rng.random() < 0.7:
				value = rng.lognormvariate(0, 0.6) * pace * skill / 0.7 / 1.2
				facts[(d, p)] = Decimal(str(round(value, 2)))
	return working_days, shares, amount, facts


def measure(fn, runs: int) -> list[float]:
	fn()  # warm-up
	out = []
	for _ in range(runs):
		t0 = time.perf_counter()
		fn()
		out.append(time.perf_counter() - t0)
	return out


def main():
	p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	p.add_argument("--persons", type=int, default=500)
	p.add_argument("--days", type=int, default=31)
	p.add_argument("--runs", type=int, default=11, help="measured runs (default 11, at least 7)")
	p.add_argument("--seed", type=int, default=42)
	p.add_argument("--out", default=str(HERE / "results" / "plan_decompose.json"))
	args = p.parse_args()
	runs = max(7, args.runs)

	days, shares, amount, facts = department(args.persons, args.days, args.seed)
	amounts = engine.allocate(amount, shares)
	cases = {
		"decompose_next_day": lambda: engine.decompose(amount, days, shares, facts, "next_day"),
		"decompose_spread": lambda: engine.decompose(amount, days, shares, facts, "spread"),
		"decompose_none": lambda: engine.decompose(amount, days, shares, facts, "none"),
		"decompose_fixed_next_day": lambda: engine.decompose_fixed(amounts, days, facts, "next_day"),
	}
	rows = cases["decompose_next_day"]()
	carried = [r.carried_in for r in rows]
	shape = {
		"rows": len(rows),
		"facts": len(facts),
		"days_with_shortfall_carried_in": sum(1 for c in carried if c > 0),
		"days_with_credit_carried_in": sum(1 for c in carried if c < 0),
		"fact_total": str(sum(facts.values())),
		"plan_total": str(amount),
	}
	assert sum(r.base for r in rows) == amount, "base targets must add up to the plan exactly"

	figures = {}
	for name, fn in cases.items():
		times = measure(fn, runs)
		med = statistics.median(times) * 1000
		figures[name] = {
			"median_ms": round(med, 2),
			"min_ms": round(min(times) * 1000, 2),
			"max_ms": round(max(times) * 1000, 2),
			"runs_ms": [round(t * 1000, 2) for t in times],
		}
		print(
			f"  {name:<26} median {med:8.2f} ms  (min {min(times) * 1000:.2f}, max {max(times) * 1000:.2f})"
		)
	main_case = figures["decompose_next_day"]
	main_case["meets_target"] = main_case["median_ms"] <= TARGET_MS
	result = {
		"benchmark": "plan_decompose",
		"what": "sales_drive.engine.plan.decompose, next_day carry-over",
		"persons": args.persons,
		"working_days": args.days,
		"runs": runs,
		"seed": args.seed,
		"target_ms": TARGET_MS,
		"shape": shape,
		"figures": figures,
		"meets_target": main_case["meets_target"],
		"environment": {
			"when": datetime.now().isoformat(timespec="seconds"),
			"python": platform.python_version(),
			"implementation": platform.python_implementation(),
			"machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
			"sales_drive_commit": _git(HERE.parent),
		},
	}
	out = Path(args.out)
	out.parent.mkdir(parents=True, exist_ok=True)
	out.write_text(json.dumps(result, indent=1) + "\n")
	print(
		f"next_day: median {main_case['median_ms']:.2f} ms for {args.persons} persons × {args.days} days "
		f"(target <= {TARGET_MS:.0f} ms: {'met' if main_case['meets_target'] else 'NOT met'})\nwritten {out}"
	)


def _git(path):
	try:
		return subprocess.run(
			["git", "-C", str(path), "rev-parse", "--short", "HEAD"],
			capture_output=True,
			text=True,
			timeout=5,
		).stdout.strip()
	except Exception:
		return None


if __name__ == "__main__":
	main()
