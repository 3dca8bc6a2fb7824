"""How much time the base cooling check adds to saving a new Lead or Opportunity.

Data: the bulk generator of ``sales_drive.demo.cooling`` (200k leads, 100k
cooling records, ~385k indexed keys). For each scenario N new documents are
inserted, each twice back to back — with the cooling handlers on and with
them off (which goes first alternates) — rolling back to a savepoint after
each insert, so nothing is kept and the benchmark can be rerun. Only
``doc.insert()`` is timed (``time.perf_counter``).

"Check off" removes only the ``sales_drive.integrations.cooling.*`` handlers
from the doc_events map frappe caches in ``frappe.local.doc_events_hooks``:
the baseline is the same save with ERPNext and the stage gates, without the
cooling lookup. Reported per scenario: median over rounds of the per-round
median insert time on / off, and the extra time = median over rounds of the
per-round median of the paired differences.

Scenarios
- ``lead``: a Lead whose organisation has coolings on record that are not
  active (returned / closed): the lookup finds the key rows and filters them.
- ``lead_new_org``: a Lead of an organisation never seen (no key matches).
- ``opportunity``: an Opportunity for a Customer with a contact e-mail at a
  company domain (party + e-mail + domain + organisation keys; one extra
  query to read the customer).

    bench --site bench.localhost execute sales_drive.demo.cooling.generate --kwargs '{"leads": 200000, "records": 100000}'
    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/cooling_save.py --site bench.localhost
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402

TARGET_MS = 3.0
SAVEPOINT = "sd_cooling_pair"
PREFIX = "sales_drive.integrations.cooling."


class Hooks:
	def __init__(self, frappe):
		self.frappe = frappe
		frappe.get_doc_hooks()
		self.on = copy.deepcopy(frappe.local.doc_events_hooks)
		self.off = {
			doctype: {event: [h for h in handlers if not h.startswith(PREFIX)] for event, handlers in events.items()}
			for doctype, events in self.on.items()
		}
		self.removed = sum(len(h) for ev in self.on.values() for h in ev.values()) - sum(
			len(h) for ev in self.off.values() for h in ev.values()
		)
		if not self.removed:
			raise SystemExit("no cooling doc_events found: is the app installed and migrated on this site?")

	def set(self, on: bool):
		self.frappe.local.doc_events_hooks = self.on if on else self.off


def fixtures(frappe):
	from sales_drive.engine import cooling as engine

	count = frappe.db.count("Cooling Record")
	if count < 100_000:
		raise SystemExit(f"only {count} cooling records: run sales_drive.demo.cooling.generate first")
	# organisations with coolings on record, none of them active today
	orgs = frappe.db.sql_list(
		"""select org_key from `tabCooling Record` r where status in ('Returned', 'Closed for Good')
		and not exists (select 1 from `tabCooling Record` a where a.org_key = r.org_key and a.status = 'Active')
		limit 400"""
	)
	company = frappe.defaults.get_global_default("company")
	customer = frappe.db.sql(
		"""select c.name from tabCustomer c where not exists (select 1 from `tabCooling Record` r
		where r.party_type = 'Customer' and r.party = c.name and r.status = 'Active') limit 1"""
	)
	if customer:
		customer = customer[0][0]
	else:
		customer = frappe.get_doc({"doctype": "Customer", "customer_name": "_SD Bench Cooling Customer",
			"customer_type": "Company"}).insert(ignore_permissions=True).name  # fmt: skip
	assert all(o.startswith("org:") for o in orgs[:5])
	return orgs, company, customer, engine


def measure(frappe, hooks, make, n, round_no):
	on_t, off_t, diffs = [], [], []
	for i in range(n):
		took = {}
		for on in ((True, False) if (i + round_no) % 2 == 0 else (False, True)):
			hooks.set(on)
			doc = make(i)
			frappe.db.savepoint(SAVEPOINT)
			t0 = time.perf_counter()
			doc.insert()
			took[on] = time.perf_counter() - t0
			frappe.db.rollback(save_point=SAVEPOINT)
		hooks.set(True)
		on_t.append(took[True])
		off_t.append(took[False])
		diffs.append(took[True] - took[False])
	return on_t, off_t, diffs


def scenario(frappe, hooks, label, make, n, rounds):
	print(f"\n[{label}] {n} inserts x {rounds} rounds, each with the cooling check on and off")
	measure(frappe, hooks, make, min(n, 20), 0)  # warm-up
	r_on, r_off, r_diff, all_on, all_off = [], [], [], [], []
	for r in range(rounds):
		on_t, off_t, diffs = measure(frappe, hooks, make, n, r)
		r_on.append(common.median(on_t))
		r_off.append(common.median(off_t))
		r_diff.append(common.median(diffs))
		all_on += on_t
		all_off += off_t
		print(f"  round {r + 1}: on {common.ms(r_on[-1]):7.2f} ms, off {common.ms(r_off[-1]):7.2f} ms, "
			f"paired extra {common.ms(r_diff[-1]):6.2f} ms")  # fmt: skip
	with_ms, without_ms = common.ms(common.median(r_on)), common.ms(common.median(r_off))
	out = {
		"inserts_per_round_per_mode": n,
		"rounds": rounds,
		"median_with_check_ms": with_ms,
		"median_without_check_ms": without_ms,
		"extra_ms": common.ms(common.median(r_diff)),
		"ratio": round(with_ms / without_ms, 3) if without_ms else None,
		"p90_with_check_ms": common.ms(common.percentile(all_on, 0.9)),
		"p90_without_check_ms": common.ms(common.percentile(all_off, 0.9)),
		"round_median_paired_extra_ms": [common.ms(x) for x in r_diff],
	}
	print(f"  => on {with_ms:.2f} ms, off {without_ms:.2f} ms, extra {out['extra_ms']:.2f} ms")
	return out


def run(frappe, n, rounds):
	orgs, company, customer, engine = fixtures(frappe)
	hooks = Hooks(frappe)
	frappe.flags.mute_emails = True
	stats = frappe.db.sql(
		"""select (select count(*) from `tabCooling Record`), (select count(*) from `tabCooling Record Key`),
		(select count(*) from `tabCooling Record` where status = 'Active'), (select count(*) from tabLead)"""
	)[0]
	result = {
		"benchmark": "cooling_save",
		"target_extra_ms": TARGET_MS,
		"handlers_removed_for_baseline": hooks.removed,
		"data": {"cooling_records": stats[0], "cooling_keys": stats[1], "active_coolings": stats[2], "leads": stats[3]},
		"environment": common.environment(),
		"scenarios": {},
	}
	t0 = time.perf_counter()

	def lead_of(org):
		def make(i):
			return frappe.get_doc({"doctype": "Lead", "lead_name": f"Bench {i}", "company_name": org(i),
				"company": company})  # fmt: skip

		return make

	known = [o.removeprefix("org:").title() for o in orgs] or ["Альфа 1"]
	result["scenarios"]["lead"] = scenario(
		frappe, hooks, "lead: organisation with past coolings", lead_of(lambda i: f"ООО «{known[i % len(known)]}»"),
		n, rounds,
	)  # fmt: skip
	result["scenarios"]["lead_new_org"] = scenario(
		frappe, hooks, "lead_new_org: unknown organisation", lead_of(lambda i: f"ООО Новая {i}"), n, rounds
	)

	def opportunity(i):
		return frappe.get_doc({"doctype": "Opportunity", "opportunity_from": "Customer", "party_name": customer,
			"company": company, "contact_email": f"buyer{i}@bench-cooling.example",
			"transaction_date": frappe.utils.nowdate()})  # fmt: skip

	result["scenarios"]["opportunity"] = scenario(
		frappe, hooks, "opportunity: customer + contact e-mail", opportunity, n, rounds
	)
	# the lookup itself, for the record
	keys = sorted(engine.target_keys(engine.Party("Lead", "X", known[0], ("a@b-bench.example",))))
	from sales_drive import base_cooling

	lookups = []
	for _ in range(200):
		t = time.perf_counter()
		base_cooling.active_coolings(keys)
		lookups.append(time.perf_counter() - t)
	result["lookup_median_ms"] = common.ms(common.median(lookups))
	result["explain"] = [
		dict(zip(("id", "select_type", "table", "type", "possible_keys", "key", "key_len", "ref", "rows", "extra"), r,
			strict=False))
		for r in frappe.db.sql(
			"""explain select distinct r.name from `tabCooling Record Key` k join `tabCooling Record` r on r.name = k.parent
			where k.match_key in %(keys)s and k.parenttype = 'Cooling Record' and r.status in ('Active')
			and r.until_date >= curdate() and r.from_date <= curdate()""",
			{"keys": keys},
		)
	]  # fmt: skip
	result["seconds"] = round(time.perf_counter() - t0, 1)
	result["meets_target"] = all(s["extra_ms"] <= TARGET_MS for s in result["scenarios"].values())
	print(f"\nlookup alone: median {result['lookup_median_ms']} ms")
	print(f"target: extra <= {TARGET_MS} ms -> {'met' if result['meets_target'] else 'NOT met'}")
	return result


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--n", type=int, default=200, help="inserts per round and per mode (default 200)")
	p.add_argument("--rounds", type=int, default=5)
	args = p.parse_args()
	frappe = common.connect(args.site, args.sites_path)
	try:
		result = run(frappe, args.n, args.rounds)
	finally:
		frappe.db.rollback()
		frappe.destroy()
	print(f"\nwritten {common.write_result('cooling_save', result, args.out)}")


if __name__ == "__main__":
	main()
