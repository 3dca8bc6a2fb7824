"""The bulk mode: opportunities and their transition log inserted in volume for the benchmarks (see generate.py)."""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as dtime

import frappe

from sales_drive import regulations
from sales_drive.demo.clients import OPPORTUNITY_LOST_REASONS
from sales_drive.demo.people import Member
from sales_drive.demo.period import Period
from sales_drive.demo.realistic import WORK_END, WORK_START
from sales_drive.demo.util import _say
from sales_drive.people import sales_person_of

BULK_LOSS = {
	"Qualification": 0.14,
	"Needs Assessment": 0.12,
	"Presentation": 0.10,
	"Proposal Preparation": 0.05,
	"Proposal Approval": 0.16,
	"Contract": 0.07,
	"Invoice": 0.01,
	"Payment": 0.01,
}
BULK_BACK = {"Proposal Approval": ("Proposal Preparation", 0.08), "Contract": ("Proposal Approval", 0.04)}
BULK_SKIP = 0.01
BULK_STALL = 0.02
PROBABILITY = {
	"Qualification": 10,
	"Needs Assessment": 20,
	"Presentation": 30,
	"Proposal Preparation": 40,
	"Proposal Approval": 50,
	"Contract": 70,
	"Invoice": 90,
	"Payment": 95,
}
OWNER_MIX = (("Closer", 35), ("Full Cycle", 25), ("Farmer", 15), ("Key Account Manager", 10), ("Hunter", 15))
LOG_FIELDS = [
	"name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "reference_doctype",
	"reference_name", "regulation", "kind", "from_step", "to_step", "from_stage", "to_stage",
	"transition_time", "user", "record_owner", "sales_person", "team", "assigned_to", "company", "amount",
	"days_in_previous", "hours_in_previous", "verdict", "override_reason", "missing",
]  # fmt: skip
OPP_FIELDS = [
	"name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "naming_series",
	"opportunity_from", "party_name", "customer_name", "title", "status", "opportunity_type", "source",
	"opportunity_owner", "sales_stage", "expected_closing", "probability", "currency", "conversion_rate",
	"opportunity_amount", "base_opportunity_amount", "company", "transaction_date", "territory",
	"customer_group", "order_lost_reason", "sd_regulation", "sd_step_entered_on", "sd_step_due",
	"sd_overdue", "sd_overdue_notified",
]  # fmt: skip
LOST_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "lost_reason", "parent", "parentfield", "parenttype"]


# The bulk mode writes log rows raw and the realistic mode backdates them in SQL, so the aggregates
# kept as the log is written (sales_drive.aggregates) do not see the final rows: both modes rebuild
# them from the log at the end (exact, idempotent; called with no arguments).
AGGREGATE_REBUILD = "sales_drive.totals.rebuild"


def _raw_insert(doctype: str, fields: list[str], rows: list[tuple], chunk: int = 2000):
	"""Multi-row ``INSERT`` of ``rows`` in chunks, the values escaped by the driver (no query builder:
	building the query with it cost more than the insert itself)."""
	if not rows:
		return
	cols = ", ".join(f"`{f}`" for f in fields)
	one = "(" + ", ".join(["%s"] * len(fields)) + ")"
	for i in range(0, len(rows), chunk):
		part = rows[i : i + chunk]
		frappe.db.sql(
			f"insert into `tab{doctype}` ({cols}) values " + ", ".join([one] * len(part)),
			[v for row in part for v in row],
		)


def refresh_aggregates() -> dict:
	"""Rebuild issue 15's aggregates from the log after a raw bulk insert (see ``AGGREGATE_REBUILD``)."""
	if not AGGREGATE_REBUILD:
		_say("bulk: no aggregates' rebuild known yet (AGGREGATE_REBUILD): aggregates NOT refreshed")
		return {"aggregates": "not refreshed (no rebuild yet)"}
	t0 = time.perf_counter()
	out = frappe.get_attr(AGGREGATE_REBUILD)()
	frappe.db.commit()
	return {"aggregates": out if isinstance(out, dict) else str(out), "aggregates_seconds": round(time.perf_counter() - t0, 1)}


class Bulk:
	"""Paths through the regulation on a working-day grid: (day index, minute of day)."""

	def __init__(self, company, period: Period, members: list[Member], customers: list[str], seed: int):
		active = regulations.active("Opportunity")
		if not active:
			frappe.throw("Sales Drive: no active Opportunity regulation on this site")
		self.reg = active.regulation
		self.order = self.reg.order()
		self.company = company
		self.period = period
		self.customers = customers
		self.seed = seed
		cal = regulations.calendar_for(company, active)
		self.days = cal.working_days(period.start - timedelta(days=10), period.today + timedelta(days=120))
		self.first_idx = bisect_right(self.days, period.start - timedelta(days=1))
		self.today_idx = bisect_right(self.days, period.horizon.date()) - 1
		h = period.horizon
		self.horizon = (self.today_idx, h.hour * 60 + h.minute if self.days[self.today_idx] == h.date() else 24 * 60)
		managers = [m for m in members if m.role == "manager"]
		self.owner_pool = []
		for spec, weight in OWNER_MIX:
			pool = [m for m in managers if m.specialisation == spec] or managers
			self.owner_pool.append((pool, weight))
		self.people = {m.user: sales_person_of(m.user) for m in members}
		self.leads_of = {m.team: m.user for m in members if m.role == "lead"}
		self.stage = {s.name: s.stage for s in self.reg.steps}
		self.max_days = {s.name: s.max_days for s in self.reg.steps}
		self.loss_scale = 1.0

	# one path
	def _after(self, rng, at, max_days):
		idx, minute = at
		d = max(0, round(rng.triangular(0, max(1, max_days) * 1.6, max(1, max_days) * 0.6)))
		if d == 0:
			m = minute + rng.randint(10, 240)
			if m < WORK_END:
				return idx, m
			d = 1
		return idx + d, rng.randint(WORK_START, WORK_END - 1)

	def path(self, rng, start):
		"""[(kind, from, to, at, verdict)], final step, status."""
		events = [("Enter", "", self.order[0], start, "Passed")]
		at, i, backs = start, 0, 0
		last = len(self.order) - 1
		while True:
			step = self.order[i]
			nxt_at = self._after(rng, at, self.max_days[step])
			if nxt_at > self.horizon or nxt_at[0] >= len(self.days):
				return events, step, "Open"
			r = rng.random()
			loss = min(0.95, BULK_LOSS.get(step, 0) * self.loss_scale)
			if r < loss:
				events.append(("Lost", step, "", nxt_at, "Not Checked"))
				return events, step, "Lost"
			r = rng.random()
			if r < BULK_STALL:
				return events, step, "Open"
			if i == last:
				events.append(("Won", step, "", nxt_at, "Passed"))
				return events, step, "Converted"
			back = BULK_BACK.get(step)
			if back and backs < 2 and rng.random() < back[1]:
				events.append(("Backward", step, back[0], nxt_at, "Passed"))
				i, at, backs = self.order.index(back[0]), nxt_at, backs + 1
				continue
			if i + 2 <= last and rng.random() < BULK_SKIP:
				events.append(("Skip", step, self.order[i + 2], nxt_at, "Overridden"))
				i += 2
			else:
				events.append(("Forward", step, self.order[i + 1], nxt_at, "Passed"))
				i += 1
			at = nxt_at

	def _start(self, rng):
		return rng.randint(self.first_idx, self.today_idx), rng.randint(WORK_START, WORK_END - 1)

	def calibrate(self, per_opportunity: float, sample: int = 4000) -> float:
		"""Scale the loss rates so that a path has ``per_opportunity`` transitions on average."""

		def mean(scale):
			self.loss_scale = scale
			rng = random.Random(f"calibrate:{self.seed}")
			return sum(len(self.path(rng, self._start(rng))[0]) for _ in range(sample)) / sample

		lo, hi = 0.0, 6.0
		if mean(lo) <= per_opportunity:
			self.loss_scale = lo
			return lo
		if mean(hi) >= per_opportunity:
			self.loss_scale = hi
			return hi
		for _ in range(18):
			mid = (lo + hi) / 2
			if mean(mid) > per_opportunity:
				lo = mid
			else:
				hi = mid
		self.loss_scale = (lo + hi) / 2
		return self.loss_scale

	def when(self, at, rng) -> datetime:
		idx, minute = at
		return datetime.combine(self.days[idx], dtime()) + timedelta(minutes=minute, seconds=rng.randint(0, 59), microseconds=rng.randint(0, 999999))

	def owner(self, rng):
		r = rng.uniform(0, sum(w for _p, w in self.owner_pool))
		for pool, w in self.owner_pool:
			if r < w:
				return rng.choice(pool)
			r -= w
		return rng.choice(self.owner_pool[-1][0])

	def run(self, n: int, transitions: int, chunk: int) -> dict:
		rng = random.Random(f"bulk:{self.seed}:{frappe.db.count('Opportunity')}")
		scale = self.calibrate(transitions / max(n, 1))
		_say(f"bulk: loss scale {scale:.3f} for ~{transitions / max(n, 1):.2f} transitions per opportunity")
		tag = "%04x" % rng.getrandbits(16)
		while frappe.db.exists("Sales Stage Transition Log", f"b{tag}00000000"):
			tag = "%04x" % rng.getrandbits(16)
		starts = sorted(self._start(rng) for _ in range(n))
		series: dict[str, int] = {}
		stats = Counter()
		kinds = Counter()
		stages = Counter()
		log_no = lost_no = 0
		reg_name = self.reg.name
		opp_rows, log_rows, lost_rows = [], [], []
		t_insert = 0.0

		def flush():
			nonlocal opp_rows, log_rows, lost_rows, t_insert
			t0 = time.perf_counter()
			_raw_insert("Opportunity", OPP_FIELDS, opp_rows)
			_raw_insert("Opportunity Lost Reason Detail", LOST_FIELDS, lost_rows)
			_raw_insert("Sales Stage Transition Log", LOG_FIELDS, log_rows)
			frappe.db.commit()
			t_insert += time.perf_counter() - t0
			opp_rows, log_rows, lost_rows = [], [], []

		for k, start in enumerate(starts, 1):
			events, step, status = self.path(rng, start)
			owner = self.owner(rng)
			sp, team = self.people.get(owner.user) or (None, None)
			created = self.when(start, rng)
			year = created.year
			key = f"CRM-OPP-{year}-"
			if key not in series:
				row = frappe.db.sql("select current from tabSeries where name = %s", key)
				series[key] = int(row[0][0]) if row else 0
			series[key] += 1
			name = f"{key}{series[key]:05d}"
			customer = rng.choice(self.customers)
			amount = round(rng.lognormvariate(12.4, 0.8), -3)
			times = [created] + [self.when(e[3], rng) for e in events[1:]]
			for j in range(1, len(times)):  # same-day events keep their order
				if times[j] <= times[j - 1]:
					times[j] = times[j - 1] + timedelta(minutes=rng.randint(1, 30))
			entered_idx, entered_t = events[0][3][0], times[0]
			for (kind, frm, to, at, verdict), t in zip(events, times):
				days = hours = 0  # NOT NULL columns: 0 when there is no previous step, as the app stores it
				if frm:
					days = at[0] - entered_idx
					hours = round((t - entered_t).total_seconds() / 3600, 2)
				user = owner.user if verdict != "Overridden" else self.leads_of.get(owner.team, owner.user)
				log_no += 1
				log_rows.append(
					(
						f"b{tag}{log_no:08x}", t, t, user, user, 0, 0, "Opportunity", name, reg_name, kind,
						frm, to, self.stage.get(frm, ""), self.stage.get(to, ""), t, user, owner.user, sp, team,
						None, self.company, amount, days, hours, verdict,
						"Клиент подписал договор без отдельной презентации" if verdict == "Overridden" else None,
						f"Checklist item not done: skipped step {self.order[self.order.index(frm) + 1]}" if verdict == "Overridden" else None,
					)
				)  # fmt: skip
				kinds[kind] += 1
				if to and kind != "Lost":
					entered_idx, entered_t = at[0], t
			due_idx = entered_idx + self.max_days.get(step, 0)
			# a won (paid) deal has left its last step: it has no due date, as the app does
			due = None if status == "Converted" else self.days[min(due_idx, len(self.days) - 1)]
			overdue = int(status == "Open" and due is not None and due < self.period.today)
			lost_reason = None
			if status == "Lost":
				lost_reason = rng.choice(OPPORTUNITY_LOST_REASONS)
				lost_no += 1
				lost_rows.append((f"b{tag}L{lost_no:07x}", times[-1], times[-1], owner.user, owner.user, 0, 1, lost_reason, name, "lost_reasons", "Opportunity"))
			opp_rows.append(
				(
					name, created, times[-1], owner.user, owner.user, 0, 0, "CRM-OPP-.YYYY.-", "Customer", customer,
					customer, customer, status, "Sales", None, owner.user, step,
					(created + timedelta(days=rng.randint(20, 90))).date(), PROBABILITY.get(step, 0), "RUB", 1,
					amount, amount, self.company, created.date(), "Russian Federation", "Commercial",
					f"Отказ: {lost_reason.lower()}" if lost_reason else None, reg_name, entered_t, due, overdue, overdue,
				)
			)  # fmt: skip
			stats[status] += 1
			stages[step] += 1
			if len(log_rows) >= chunk:
				flush()
			if k % 20000 == 0:
				_say(f"bulk: {k}/{n} opportunities, {log_no} transitions")
		flush()
		for key, current in series.items():
			frappe.db.sql(
				"insert into tabSeries (name, current) values (%s, %s) on duplicate key update current = greatest(current, values(current))",
				(key, current),
			)
		frappe.db.commit()
		aggregates = refresh_aggregates()
		return {
			**aggregates,
			"opportunities_inserted": n,
			"transitions_inserted": log_no,
			"lost_reason_rows": lost_no,
			"by_status": dict(stats),
			"by_stage": dict(stages),
			"by_kind": dict(kinds),
			"loss_scale": round(scale, 4),
			"insert_seconds": round(t_insert, 1),
		}
