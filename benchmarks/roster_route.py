"""How much time the work-day plan's routing adds to inserting an inbound Lead.

An inbound Lead (its Lead Source has an *Inbound Duty*) that nobody chose an owner for goes to a
person on duty in today's Sales Roster (``sales_drive.roster.route``, a ``before_insert`` hook).
In every round N Leads are inserted in pairs, back to back, with the app's doc_events as
installed and with the routing handler removed (which goes first alternates), rolling back to a
savepoint after each insert. Only ``doc.insert()`` is timed (``time.perf_counter``). Reported:
the median over rounds of the per-round median insert time with and without the routing, and the
extra time = median over rounds of the per-round median of the paired differences (robust
against a busy machine). For context the same pairs are also measured against every
``sales_drive`` handler off (ERPNext's own insert only).

"Routing off" removes ``sales_drive.roster.route`` from the doc_events map frappe caches in
``frappe.local.doc_events_hooks`` (as ``gate_save.py`` removes every handler), so the baseline is
the same insert with the gates, the cooling checks and the transition log, only not routed.

Fixtures, inside a transaction rolled back at the end (the benchmark can be rerun): a Lead Source
with Inbound Duty "Inbound Leads", a team of three Sales Persons with users, and a roster for
today with all three on inbound leads all day (routing picks one in turn). The roster cache is
cleared before and after.

    cd frappe-bench/sites && ../env/bin/python ../apps/sales_drive/benchmarks/roster_route.py --site bench.localhost
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import gate_save  # noqa: E402

TARGET_MS = 3.0
SAVEPOINT = "sd_roster_pair"
ROUTE = "sales_drive.roster.route"
SOURCE = "_SD Bench Inbound"
TEAM = "_SD Bench Roster Team"


def main():
	p = common.parser(__doc__.splitlines()[0])
	p.add_argument("--n", type=int, default=200, help="inserts per round and per mode (default 200)")
	p.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
	args = p.parse_args()
	frappe = common.connect(args.site, args.sites_path)
	from sales_drive import roster

	try:
		roster.clear_cache()
		result = run(frappe, args.n, args.rounds)
	finally:
		frappe.db.rollback()
		roster.clear_cache()  # the rolled-back roster must not stay cached
		frappe.destroy()
	path = common.write_result("roster_route", result, args.out)
	print(f"\nwritten {path}")


class Hooks(gate_save.Hooks):
	"""doc_events maps: as installed (``on``), without any sales_drive handler (``off``, as in
	gate_save.py) and without the routing only (``no_route``)."""

	def __init__(self, frappe):
		super().__init__(frappe)
		self.no_route = {d: {e: [h for h in hs if h != ROUTE] for e, hs in ev.items()} for d, ev in self.on.items()}
		if ROUTE not in self.on.get("Lead", {}).get("before_insert", []):
			raise SystemExit(f"{ROUTE} is not a Lead before_insert hook: is the app installed on this site?")


def fixtures(frappe, company):
	from frappe.utils import nowdate

	if not frappe.db.exists("Lead Source", SOURCE):
		frappe.get_doc({"doctype": "Lead Source", "source_name": SOURCE}).insert(ignore_permissions=True)
	frappe.db.set_value("Lead Source", SOURCE, "sd_inbound_duty", "Inbound Leads")
	frappe.clear_document_cache("Lead Source", SOURCE)
	if not frappe.db.exists("Sales Person", TEAM):
		frappe.get_doc({"doctype": "Sales Person", "sales_person_name": TEAM, "parent_sales_person": "Sales Team",
			"is_group": 1}).insert(ignore_permissions=True)  # fmt: skip
	users, persons = [], []
	for i in range(3):
		email = f"sd.bench.roster{i}@example.com"
		if not frappe.db.exists("User", email):
			user = frappe.get_doc({"doctype": "User", "email": email, "first_name": f"Duty {i}", "send_welcome_email": 0})
			user.flags.no_welcome_mail = True
			user.insert(ignore_permissions=True)
			user.add_roles("Sales User")
		employee = frappe.db.get_value("Employee", {"user_id": email}) or frappe.get_doc({
			"doctype": "Employee", "first_name": f"Duty {i}", "user_id": email, "gender": "Female", "company": company,
			"date_of_birth": "1990-01-01", "date_of_joining": "2020-01-01", "status": "Active"}).insert(
			ignore_permissions=True).name  # fmt: skip
		person = f"_SD Bench Duty {i}"
		if not frappe.db.exists("Sales Person", person):
			frappe.get_doc({"doctype": "Sales Person", "sales_person_name": person, "parent_sales_person": TEAM,
				"employee": employee}).insert(ignore_permissions=True)  # fmt: skip
		users.append(email)
		persons.append(person)
	for name in frappe.get_all("Sales Roster", {"team": TEAM, "applies_to": "Date", "date": nowdate()}, pluck="name"):
		frappe.delete_doc("Sales Roster", name, force=True, ignore_permissions=True)
	frappe.get_doc({"doctype": "Sales Roster", "team": TEAM, "company": company, "applies_to": "Date", "date": nowdate(),
		"slots": [{"sales_person": p, "duty": "Inbound Leads", "from_time": "00:00:00", "to_time": "23:59:59"}
			for p in persons]}).insert(ignore_permissions=True)  # fmt: skip
	return users


def measure(frappe, hooks, base, company, users, n, round_no, label):
	on_times, off_times, diffs = [], [], []
	for i in range(n):
		order = (True, False) if (i + round_no) % 2 == 0 else (False, True)
		took = {}
		for on in order:
			frappe.local.doc_events_hooks = hooks.on if on else base
			doc = frappe.get_doc({"doctype": "Lead", "first_name": "Bench", "company": company, "source": SOURCE,
				"company_name": f"Bench Inbound {round_no}-{i}-{int(on)} LLC"})  # fmt: skip
			frappe.db.savepoint(SAVEPOINT)
			t0 = time.perf_counter()
			doc.insert(ignore_permissions=True)
			took[on] = time.perf_counter() - t0
			if i < 2:  # the switch really switches the routing
				routed = doc.lead_owner in users
				if routed != on:
					raise SystemExit(f"[{label}] hooks {'on' if on else 'off'}: lead_owner {doc.lead_owner!r}")
			frappe.db.rollback(save_point=SAVEPOINT)
		frappe.local.doc_events_hooks = hooks.on
		on_times.append(took[True])
		off_times.append(took[False])
		diffs.append(took[True] - took[False])
	return on_times, off_times, diffs


def scenario(frappe, hooks, base, company, users, n, rounds, label):
	print(f"\n[{label}] {n} inserts x {rounds} rounds, each paired")
	measure(frappe, hooks, base, company, users, 20, 0, label)  # warm-up
	round_on, round_off, round_diff = [], [], []
	for r in range(rounds):
		on_t, off_t, diffs = measure(frappe, hooks, base, company, users, n, r, label)
		round_on.append(common.median(on_t))
		round_off.append(common.median(off_t))
		round_diff.append(common.median(diffs))
		print(
			f"  round {r + 1}: median with {common.ms(round_on[-1]):7.2f} ms, "
			f"without {common.ms(round_off[-1]):7.2f} ms, median paired extra {common.ms(round_diff[-1]):6.2f} ms",
			flush=True,
		)
	with_ms, without_ms = common.ms(common.median(round_on)), common.ms(common.median(round_off))
	return {
		"inserts_per_round_per_mode": n,
		"rounds": rounds,
		"median_with_ms": with_ms,
		"median_without_ms": without_ms,
		"extra_ms": common.ms(common.median(round_diff)),
		"ratio": round(with_ms / without_ms, 3) if without_ms else None,
		"round_median_paired_extra_ms": [common.ms(x) for x in round_diff],
	}


def run(frappe, n, rounds):
	company = frappe.defaults.get_global_default("company")
	users = fixtures(frappe, company)
	hooks = Hooks(frappe)
	frappe.flags.mute_emails = True
	t0 = time.perf_counter()
	result = {"benchmark": "roster_route", "target_extra_ms": TARGET_MS, "environment": common.environment(),
		"scenarios": {}}  # fmt: skip
	result["scenarios"]["routing"] = scenario(
		frappe, hooks, hooks.no_route, company, users, n, rounds, "routing: app hooks vs app hooks without the routing")
	result["scenarios"]["all_hooks"] = scenario(
		frappe, hooks, hooks.off, company, users, n, rounds, "context: app hooks vs no sales_drive hook")
	result["seconds"] = round(time.perf_counter() - t0, 1)
	result["meets_target"] = result["scenarios"]["routing"]["extra_ms"] <= TARGET_MS
	print("\nsummary (median over rounds of the per-round median insert time):")
	for key, s in result["scenarios"].items():
		print(f"  {key:<10} with {s['median_with_ms']:8.2f} ms, without {s['median_without_ms']:8.2f} ms, "
			f"extra {s['extra_ms']:6.2f} ms, ratio {s['ratio']}")  # fmt: skip
	print(f"  target: routing extra <= {TARGET_MS} ms -> {'met' if result['meets_target'] else 'NOT met'}")
	return result


if __name__ == "__main__":
	main()
