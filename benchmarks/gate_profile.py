"""Where the stage gate's time goes: cProfile over saves with the app's hooks on.

Uses the fixtures of ``gate_save.py`` (rolled back at the end) and profiles
``--n`` saves of one scenario (``forward``, ``forward_document`` or
``insert_segmented``), hooks on, each rolled back to a savepoint. Prints the
functions of ``sales_drive`` (and what they call) by cumulative time, per save.
``--fresh-request`` empties ``frappe.local.cache`` before every save, as a new
web request would find it (the regulations then come from Redis).

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/gate_profile.py --site SITE --scenario forward
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import gate_save  # noqa: E402


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--n", type=int, default=100)
	p.add_argument("--scenario", default="forward", choices=("forward", "forward_document", "insert_segmented"))
	p.add_argument("--fresh-request", action="store_true")
	p.add_argument("--top", type=int, default=45)
	p.add_argument("--queries", action="store_true", help="also list the SQL of one save with the hooks on and off")
	args = p.parse_args()
	frappe = common.connect(args.site, args.sites_path)
	from sales_drive import regulations

	try:
		frappe.db.sql("update `tabSales Pipeline Regulation` set rollout_mode = 'Enforce'")
		regulations.clear_cache()
		reg = regulations.active("Opportunity").regulation
		order = reg.order()
		company = frappe.defaults.get_global_default("company")
		owner = frappe.db.get_value("Has Role", {"role": "Sales User", "parent": ["like", "%@%"]}, "parent")
		customer, contact = gate_save.party(frappe)
		frappe.flags.mute_emails = True
		if args.scenario == "insert_segmented":
			made = gate_save.segment_regulations(frappe, reg.name, customer)
			regulations.clear_cache()

			def one(_i):
				doc = frappe.get_doc(
					{
						"doctype": "Opportunity", "opportunity_from": "Customer", "party_name": customer,
						"contact_person": contact, "opportunity_owner": owner, "company": company,
						"transaction_date": frappe.utils.nowdate(), "opportunity_amount": 100000,
					}
				)  # fmt: skip
				return doc.insert, doc

			names = list(range(args.n))
		else:
			start = "Needs Assessment" if args.scenario == "forward" else "Proposal Preparation"
			names = gate_save.make_opportunities(frappe, reg, args.n, start, customer, contact, company, owner)
			if args.scenario == "forward":
				gate_save.log_activities(frappe, names, owner)
			else:
				gate_save.submitted_quotations(frappe, names, customer, company)
			nxt = order[order.index(start) + 1]

			def one(name):
				doc = frappe.get_doc("Opportunity", name)
				doc.sales_stage = nxt
				return doc.save, doc

			made = None

		def round_(profile):
			for name in names:
				call, doc = one(name)
				if args.fresh_request:
					frappe.local.cache.clear() if hasattr(frappe.local.cache, "clear") else None
				frappe.db.savepoint(gate_save.SAVEPOINT)
				if profile:
					profile.enable()
				call(**({"ignore_permissions": True} if args.scenario == "insert_segmented" else {}))
				if profile:
					profile.disable()
				frappe.db.rollback(save_point=gate_save.SAVEPOINT)

		round_(None)  # warm-up
		if args.queries:
			show_queries(frappe, one, names[0], args.scenario)
		prof = cProfile.Profile()
		round_(prof)
		out = io.StringIO()
		stats = pstats.Stats(prof, stream=out)
		stats.sort_stats("cumulative").print_stats(r"sales_drive|redis|pickle", args.top)
		print(f"{args.scenario}: {len(names)} saves profiled (totals are for all of them)")
		print(out.getvalue())
		out = io.StringIO()
		stats.stream = out
		stats.sort_stats("tottime").print_stats(25)
		print(out.getvalue())
		_ = made
	finally:
		frappe.db.rollback()
		regulations.clear_cache()
		frappe.destroy()


def show_queries(frappe, one, name, scenario):
	"""The SQL statements of one save with the app's hooks on and off (counts, and the ones only on)."""
	hooks = gate_save.Hooks(frappe)
	seen = {}
	for on in (True, False):
		hooks.set(on)
		call, doc = one(name)
		queries = []
		original = frappe.db.sql

		def sql(query, values=(), *a, **kw):
			t0 = time.perf_counter()
			try:
				return original(query, values, *a, **kw)
			finally:
				queries.append((round((time.perf_counter() - t0) * 1000, 2), " ".join(str(query).split())[:160]))

		frappe.db.savepoint(gate_save.SAVEPOINT)
		frappe.db.sql = sql
		try:
			call(**({"ignore_permissions": True} if scenario == "insert_segmented" else {}))
		finally:
			frappe.db.sql = original
		frappe.db.rollback(save_point=gate_save.SAVEPOINT)
		seen[on] = queries
	hooks.set(True)
	off = Counter(q for _t, q in seen[False])
	print(f"queries: hooks on {len(seen[True])}, off {len(seen[False])}; only with hooks on:")
	for t, q in seen[True]:
		if off[q] > 0:
			off[q] -= 1
			continue
		print(f"  {t:7.2f} ms  {q}")


if __name__ == "__main__":
	main()
