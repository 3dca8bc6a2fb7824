"""KPI adapter: schemes from documents, facts from one grouped query per metric, scorecards.

Every metric is fetched for all persons of a scheme at once (GROUP BY the
person or their user); nothing queries per person. The engine
(:mod:`sales_drive.engine.kpi`) computes the payouts.

Attribution
-----------
- revenue, new customers: the Sales Team of the documents on the plan's basis
  (``plans.fact_rows``; Sales Invoice when no plan covers the period);
- deals won, average deal, conversion, median days, hand-off time: the
  Sales Stage Transition Log's ``sales_person``;
- calls, e-mails (Communication ``user``; calls also ERPNext's Call Log, see ``sales_drive.calls``),
  first response time of Leads (``lead_owner``), meetings (Event ``owner``),
  proposals (submitted Quotation ``owner``), overdue steps (open Opportunity
  owner): the user of the person (Sales Person → Employee → User);
- refusals and burn rate: Cooling Record ``sales_person``; burn rate is
  refusals over the records the person moved in the period (transitions);
- paid within terms (collection): the invoices' Sales Team, else the customer's account manager
  (:mod:`sales_drive.receivables`);
- daily-report compliance: submitted Sales Daily Reports on time over the period's
  working days so far (:func:`sales_drive.control.compliance`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import add_days, get_datetime, get_first_day, get_last_day, getdate, now_datetime, nowdate

from sales_drive import calls, control, messages, plans, regulations
from sales_drive.engine import kpi as engine
from sales_drive.engine import roster as roster_engine
from sales_drive.engine.problems import Problem
from sales_drive.queries import NOT_OPEN, open_condition, users_of

KEY_OF_LABEL = {m.label: m.key for m in engine.METRICS.values()}
ZERO = Decimal(0)


# ----------------------------------------------------------------------------- scheme


def parse_steps(text: str | None) -> list[tuple[Decimal, Decimal]] | None:
	"""'80:50, 100:100' → [(80, 50), (100, 100)]; None when malformed."""
	out = []
	for part in (text or "").replace(";", ",").replace("\n", ",").split(","):
		part = part.strip()
		if not part:
			continue
		try:
			at, pays = part.split(":")
			out.append((Decimal(at.strip()), Decimal(pays.strip())))
		except Exception:
			return None
	return out


def scheme_of(doc) -> engine.Scheme:
	components = []
	for row in doc.components:
		steps = parse_steps(row.steps)
		components.append(
			engine.Component(
				metric=KEY_OF_LABEL.get(row.metric, row.metric or ""),
				weight=engine.D(row.weight),
				target=engine.D(row.target),
				target_source=engine.PLAN if row.target_source == "Sales Plan" else (row.target_source or engine.FIXED),
				threshold=engine.D(row.threshold),
				cap=engine.D(row.cap) if row.cap else None,
				curve=row.curve or engine.LINEAR,
				steps=steps or [],
				accelerator=engine.D(row.accelerator or 1),
				from_step=row.from_step or "",
				to_step=row.to_step or "",
				row=row.idx,
			)
		)
	return engine.Scheme(doc.name, engine.D(doc.base_pay), engine.D(doc.variable_pay), components, doc.period)


def throw(problems: list[Problem]):
	frappe.throw("<br>".join(messages.render_all(problems)), title=_("Invalid KPI scheme"))


def validate_scheme(doc):
	problems = engine.validate(scheme_of(doc))
	for row in doc.components:
		if row.curve == engine.STEPS and row.steps and parse_steps(row.steps) is None:
			problems.append(Problem("kpi_no_steps", {"row": row.idx}))
	if doc.best_metric and doc.best_metric not in KEY_OF_LABEL:
		problems.append(Problem("kpi_unknown_metric", {"metric": doc.best_metric, "row": "-"}))
	if not problems and any(r.target_source == "Sales Plan" for r in doc.components):
		start, end = period_bounds(doc.period, doc.valid_from)
		if not plan_covering(doc.company, start, end):
			row = next(r.idx for r in doc.components if r.target_source == "Sales Plan")
			problems.append(Problem("kpi_no_plan", {"row": row, "from_date": start, "to_date": end}))
	if not problems and doc.enabled:
		problems += overlap_problems(doc)
	if problems:
		throw(problems)


def persons_of(doc) -> list[str]:
	"""Enabled sales persons (not groups) a scheme applies to: one query."""
	if doc.applies_to == "Team":
		if not doc.team:
			return []
		return frappe.db.sql_list(
			"""select sp.name from `tabSales Person` sp join `tabSales Person` team on team.name = %(team)s
			where sp.lft >= team.lft and sp.rgt <= team.rgt and sp.is_group = 0 and sp.enabled = 1 order by sp.lft""",
			{"team": doc.team},
		)
	if doc.applies_to == "Specialisation":
		return frappe.get_all(
			"Sales Person",
			filters={"sd_specialisation": doc.specialisation or "", "is_group": 0, "enabled": 1},
			pluck="name",
			order_by="lft",
		)
	return [r.sales_person for r in doc.sales_persons]


def overlap_problems(doc) -> list[Problem]:
	far = getdate("2999-12-31")
	mine = (doc.name, getdate(doc.valid_from), getdate(doc.valid_to) if doc.valid_to else far, persons_of(doc))
	others = []
	for other in frappe.get_all(
		"KPI Scheme",
		filters={"enabled": 1, "name": ["!=", doc.name or ""], "company": doc.company},
		pluck="name",
	):
		o = frappe.get_doc("KPI Scheme", other)
		others.append((o.name, getdate(o.valid_from), getdate(o.valid_to) if o.valid_to else far, persons_of(o)))
	return [p for p in engine.overlaps([*others, mine]) if p.params["scheme"] == doc.name or p.params["other"] == doc.name]


def period_bounds(period: str, day) -> tuple:
	day = getdate(day)
	if period == "Week":
		start = add_days(day, -day.weekday())
		return getdate(start), getdate(add_days(start, 6))
	if period == "Quarter":
		first_month = (day.month - 1) // 3 * 3 + 1
		start = day.replace(month=first_month, day=1)
		return start, getdate(get_last_day(start.replace(month=first_month + 2)))
	return getdate(get_first_day(day)), getdate(get_last_day(day))


def plan_covering(company: str, start, end):
	rows = frappe.get_all(
		"Sales Plan",
		filters={"docstatus": 1, "company": company, "from_date": ["<=", start], "to_date": [">=", end]},
		fields=["name", "basis", "target_amount", "target_deals"],
		order_by="from_date desc",
		limit=1,
	)
	return rows[0] if rows else None


# ----------------------------------------------------------------------------- facts (one grouped query each)


def _by_user(rows, person_of_user) -> dict[str, Decimal]:
	out = {}
	for user, value in rows:
		if user in person_of_user:
			out[person_of_user[user]] = Decimal(str(value or 0))
	return out


class Facts:
	"""Facts of one period for a set of persons; each metric fetched once for all of them."""

	def __init__(self, company, persons, start, end, plan=None):
		self.company, self.persons, self.start, self.end, self.plan = company, list(persons), start, end, plan
		self.users = users_of(self.persons)
		self.person_of_user = {u: p for p, u in self.users.items()}
		self.cache = {}
		self.v = {"persons": self.persons or [""], "users": list(self.users.values()) or [""],
			"from_date": start, "to_date": end, "company": company,
			"from_dt": f"{start} 00:00:00", "to_dt": f"{end} 23:59:59.999999"}

	def get(self, c: engine.Component) -> dict[str, Decimal]:
		key = (c.metric, c.from_step, c.to_step)
		if key not in self.cache:
			self.cache[key] = getattr(self, c.metric)(c)
		return self.cache[key]

	def sql(self, query, **extra):
		return frappe.db.sql(query, {**self.v, **extra})

	# --- sales
	def revenue(self, c=None):
		basis = self.plan.basis if self.plan else "Sales Invoice"
		out = defaultdict(Decimal)
		wanted = set(self.persons)
		for _day, person, amount in plans.fact_rows(basis, self.company, self.start, self.end):
			if person in wanted:
				out[person] += amount
		return dict(out)

	def deals_won(self, c=None):
		return dict(self.sql("""select sales_person, count(distinct reference_name) from `tabSales Stage Transition Log`
			where kind = 'Won' and sales_person in %(persons)s and transition_time between %(from_dt)s and %(to_dt)s
			group by sales_person"""))

	def average_deal(self, c=None):
		return {p: Decimal(str(v or 0)) for p, v in self.sql("""select sales_person, avg(amount)
			from `tabSales Stage Transition Log` where kind = 'Won' and sales_person in %(persons)s
			and transition_time between %(from_dt)s and %(to_dt)s group by sales_person""")}

	def new_customers(self, c=None):
		return dict(self.sql("""select st.sales_person, count(distinct si.customer) from `tabSales Invoice` si
			join `tabSales Team` st on st.parent = si.name and st.parenttype = 'Sales Invoice'
			where si.docstatus = 1 and si.company = %(company)s and si.posting_date between %(from_date)s and %(to_date)s
			and st.sales_person in %(persons)s
			and not exists (select 1 from `tabSales Invoice` p where p.customer = si.customer and p.docstatus = 1
				and p.posting_date < %(from_date)s)
			group by st.sales_person"""))

	# --- process (transition log)
	def conversion(self, c):
		rows = self.sql("""select e.sales_person, count(distinct e.reference_name),
				count(distinct case when exists (select 1 from `tabSales Stage Transition Log` r
					where r.reference_doctype = e.reference_doctype and r.reference_name = e.reference_name
					and r.to_step = %(to_step)s and r.transition_time >= e.transition_time) then e.reference_name end)
			from `tabSales Stage Transition Log` e
			where e.to_step = %(from_step)s and e.kind in ('Enter', 'Forward', 'Skip') and e.sales_person in %(persons)s
			and e.transition_time between %(from_dt)s and %(to_dt)s group by e.sales_person""",
			from_step=c.from_step, to_step=c.to_step)
		return {p: engine.ratio_percent(won, entered) for p, entered, won in rows}

	def median_days(self, c):
		values = defaultdict(list)
		for person, days in self.sql("""select sales_person, days_in_previous from `tabSales Stage Transition Log`
			where from_step = %(step)s and days_in_previous >= 0 and sales_person in %(persons)s
			and transition_time between %(from_dt)s and %(to_dt)s""", step=c.from_step):
			values[person].append(days)
		return {p: engine.median(v) for p, v in values.items()}

	def handoff_hours(self, c=None):
		"""Hours from a hand-off to the receiver's first Communication or Event on the Opportunity.

		Without a step: from the Opportunity's creation (the hand-off from the lead's SQL step).
		With the component's *From Step*: from each move into that step that handed the record to
		someone (``assigned_to`` set; the hunter → closer hand-off of a three-level regulation),
		counted for the receiver.
		"""
		step = (c.from_step or "").strip() if c is not None else ""
		which = "l.to_step = %(step)s and ifnull(l.assigned_to, '') != ''" if step else "l.kind = 'Enter'"
		rows = self.sql(f"""select l.sales_person, avg(timestampdiff(minute, l.transition_time, (
				select min(x.at) from (
					select cm.reference_name as name, cm.communication_date as at from `tabCommunication` cm
					where cm.reference_doctype = 'Opportunity'
					union all
					select ep.reference_docname, ev.starts_on from `tabEvent Participants` ep
					join `tabEvent` ev on ev.name = ep.parent where ep.reference_doctype = 'Opportunity'
				) x where x.name = l.reference_name and x.at >= l.transition_time)) / 60)
			from `tabSales Stage Transition Log` l
			where l.reference_doctype = 'Opportunity' and {which} and l.sales_person in %(persons)s
			and l.transition_time between %(from_dt)s and %(to_dt)s group by l.sales_person""", step=step)
		return {p: Decimal(str(v)).quantize(Decimal("0.01")) for p, v in rows if v is not None}

	def first_response_hours(self, c=None):
		"""Hours from a Lead's creation to its first call or e-mail, averaged per lead owner: leads made in the
		period; an unanswered lead counts its time so far (:func:`sales_drive.engine.roster.first_response_hours`)."""
		rows = self.sql(f"""select l.lead_owner, l.creation,
			(select min(c.communication_date) from `tabCommunication` c
				where c.reference_doctype = 'Lead' and c.reference_name = l.name
				and c.communication_type = 'Communication' and c.communication_date >= l.creation
				and (c.communication_medium = 'Phone' or (c.communication_medium = 'Email' and c.sent_or_received = 'Sent'))),
			(select min({calls.AT}) from `tabDynamic Link` dl join `tabCall Log` cl on cl.name = dl.parent
				where dl.parenttype = 'Call Log' and dl.link_doctype = 'Lead' and dl.link_name = l.name
				and {calls.TOOK_PLACE} and {calls.AT} >= l.creation)
			from `tabLead` l where l.lead_owner in %(users)s and l.creation between %(from_dt)s and %(to_dt)s""")
		as_of = min(get_datetime(self.v["to_dt"]), now_datetime())
		leads = [(self.person_of_user.get(user), created, (a, b)) for user, created, a, b in rows]
		return roster_engine.average_first_response(leads, as_of)

	# --- activity (by user)
	def calls(self, c=None):
		"""Communications with medium Phone and ERPNext's Call Logs, each call once (sales_drive/calls.py)."""
		return _by_user(calls.summed(self.sql("""select user, count(*) from `tabCommunication`
			where communication_medium = 'Phone' and user in %(users)s
			and communication_date between %(from_dt)s and %(to_dt)s group by user"""), calls.user_counts(self.v)),
			self.person_of_user)

	def emails(self, c=None):
		return _by_user(self.sql("""select user, count(*) from `tabCommunication`
			where communication_medium = 'Email' and sent_or_received = 'Sent' and user in %(users)s
			and communication_date between %(from_dt)s and %(to_dt)s group by user"""), self.person_of_user)

	def meetings(self, c=None):
		return _by_user(self.sql("""select owner, count(*) from `tabEvent`
			where owner in %(users)s and starts_on between %(from_dt)s and %(to_dt)s group by owner"""), self.person_of_user)

	def proposals(self, c=None):
		return _by_user(self.sql("""select owner, count(*) from `tabQuotation`
			where docstatus = 1 and company = %(company)s and owner in %(users)s
			and transaction_date between %(from_date)s and %(to_date)s group by owner"""), self.person_of_user)

	def overdue_steps(self, c=None):
		"""Open Opportunities (:func:`sales_drive.queries.open_condition`) flagged overdue in their step."""
		return _by_user(self.sql(f"""select coalesce(nullif(o.opportunity_owner, ''), o.owner) as u, count(*)
			from `tabOpportunity` o where o.sd_overdue = 1 and {open_condition("Opportunity", "o")}
			and coalesce(nullif(o.opportunity_owner, ''), o.owner) in %(users)s group by 1"""), self.person_of_user)

	# --- base
	def refusals(self, c=None):
		return dict(self.sql("""select sales_person, count(*) from `tabCooling Record`
			where sales_person in %(persons)s and from_date between %(from_date)s and %(to_date)s
			group by sales_person"""))

	def burn_rate(self, c=None):
		refusals = self.refusals()
		worked = dict(self.sql("""select sales_person, count(distinct reference_name) from `tabSales Stage Transition Log`
			where sales_person in %(persons)s and transition_time between %(from_dt)s and %(to_dt)s
			group by sales_person"""))
		return {p: engine.ratio_percent(refusals.get(p, 0), w) for p, w in worked.items()}

	def collection(self, c=None):
		"""% of the invoiced amount paid within terms (:func:`sales_drive.receivables.collection_facts`)."""
		from sales_drive.receivables import collection_facts

		return collection_facts(self.company, self.persons, self.start, self.end)

	def report_compliance(self, c=None):
		"""% of the period's working days (so far) with a Sales Daily Report submitted on time."""
		return control.compliance(self.company, self.persons, self.start, self.end)

	def period_report_compliance(self, c=None):
		"""% of the weekly, monthly and quarterly reports due in the period (so far) submitted on time."""
		from sales_drive import period_schedule

		return period_schedule.compliance(self.company, self.persons, self.start, self.end)


def plan_targets(plan, persons: list[str]) -> dict[str, tuple[Decimal, Decimal]]:
	"""person → (amount target, deals target) from the plan's allocations, one query."""
	if not plan or not persons:
		return {}
	out = {}
	total = engine.D(plan.target_amount)
	for person, amount in frappe.db.sql(
		"""select sales_person, sum(amount) from `tabSales Plan Allocation`
		where parent = %(plan)s and parenttype = 'Sales Plan' and sales_person in %(persons)s group by sales_person""",
		{"plan": plan.name, "persons": persons},
	):
		amount = engine.D(amount)
		deals = (engine.D(plan.target_deals) * amount / total).quantize(Decimal("0.01")) if total > 0 else ZERO
		out[person] = (amount, deals)
	return out


# ----------------------------------------------------------------------------- drill-down


def _between(start, end):
	return json.dumps(["Between", [str(start), str(end)]])


def drill_down(metric: str, person: str, user: str | None, start, end, c: engine.Component) -> str:
	def route(doctype, **filters):
		query = "&".join(f"{k}={quote(str(v))}" for k, v in filters.items())
		return f"/app/{frappe.scrub(doctype).replace('_', '-')}?{query}"

	between = _between(start, end)
	log = "Sales Stage Transition Log"
	if metric in ("revenue", "new_customers"):
		return "/app/query-report/Sales Person-wise Transaction Summary?" + "&".join(
			f"{k}={quote(str(v))}" for k, v in
			{"sales_person": person, "doc_type": "Sales Invoice", "from_date": start, "to_date": end}.items()
		)
	if metric in ("deals_won", "average_deal"):
		return route(log, sales_person=person, kind="Won", transition_time=between)
	if metric == "conversion":
		return route(log, sales_person=person, to_step=c.from_step, transition_time=between)
	if metric == "median_days":
		return route(log, sales_person=person, from_step=c.from_step, transition_time=between)
	if metric == "handoff_hours":
		if c is not None and (c.from_step or "").strip():
			return route(log, sales_person=person, reference_doctype="Opportunity", to_step=c.from_step.strip(),
				assigned_to=json.dumps(["is", "set"]), transition_time=between)  # fmt: skip
		return route(log, sales_person=person, reference_doctype="Opportunity", kind="Enter", transition_time=between)
	if metric == "collection":
		return route("Sales Invoice", docstatus=1, is_return=0, due_date=between)
	if metric in ("refusals", "burn_rate"):
		return route("Cooling Record", sales_person=person, from_date=between)
	if metric == "first_response_hours":
		return route("Lead", lead_owner=user or "", creation=between)
	if metric == "calls":
		return route("Communication", communication_medium="Phone", user=user or "", communication_date=between)
	if metric == "emails":
		return route("Communication", communication_medium="Email", sent_or_received="Sent", user=user or "",
			communication_date=between)
	if metric == "meetings":
		return route("Event", owner=user or "", starts_on=between)
	if metric == "proposals":
		return route("Quotation", docstatus=1, owner=user or "", transaction_date=between)
	if metric == "overdue_steps":
		# the list shows the statuses that are open (the figure also leaves out the logged-won and ordered ones)
		return route("Opportunity", sd_overdue=1, opportunity_owner=user or "",
			status=json.dumps(["not in", list(NOT_OPEN["Opportunity"])]))  # fmt: skip
	if metric == "period_report_compliance":
		return route("Sales Period Report", sales_person=person, from_date=between)
	return route("Sales Daily Report", sales_person=person, date=between)


# ----------------------------------------------------------------------------- scorecards


def active_factors(company, persons, start, end) -> dict[str, Decimal]:
	"""Pro-rating: working days from the Employee's date of joining over the period's working days."""
	joined = dict(frappe.db.sql(
		"""select sp.name, e.date_of_joining from `tabSales Person` sp join `tabEmployee` e on e.name = sp.employee
		where sp.name in %(persons)s and e.date_of_joining > %(start)s""",
		{"persons": persons or [""], "start": start},
	))
	if not joined:
		return {}
	cal = regulations.calendar(regulations.holiday_list_for(None, company))
	days = cal.working_days(start, end)
	return {p: engine.prorate_factor(sum(1 for d in days if d >= getdate(j)), len(days)) for p, j in joined.items()}


def evaluate(scheme_doc, day) -> tuple[list[engine.Result], dict]:
	"""Results of every person of a scheme for the period containing ``day``; set-based."""
	scheme = scheme_of(scheme_doc)
	start, end = period_bounds(scheme_doc.period, day)
	persons = persons_of(scheme_doc)
	plan = plan_covering(scheme_doc.company, start, end)
	if any(c.target_source == engine.PLAN for c in scheme.components) and not plan:
		row = next(c.row for c in scheme.components if c.target_source == engine.PLAN)
		frappe.throw(messages.render(Problem("kpi_no_plan", {"row": row, "from_date": start, "to_date": end})),
			title=_("Invalid KPI scheme"))
	facts = Facts(scheme_doc.company, persons, start, end, plan)
	per_component = [facts.get(c) for c in scheme.components]
	targets = plan_targets(plan, persons)
	factors = active_factors(scheme_doc.company, persons, start, end)
	results = []
	for person in persons:  # pure computation over the fetched facts, no queries
		plan_t = {}
		for i, c in enumerate(scheme.components):
			if c.target_source == engine.PLAN:
				amount, deals = targets.get(person, (ZERO, ZERO))
				plan_t[i] = deals if c.metric == "deals_won" else amount
		results.append(engine.evaluate(scheme, person,
			{i: per_component[i].get(person, ZERO) for i in range(len(scheme.components))}, plan_t,
			factors.get(person, Decimal(1))))
	by_person = {r.person: r for r in results}
	winners = []
	if scheme_doc.team_pool and plan:
		revenue = facts.revenue()
		met = sum(revenue.values(), ZERO) >= engine.D(plan.target_amount)
		for p, share in engine.team_pool(engine.D(scheme_doc.team_pool), met, {p: revenue.get(p, ZERO) for p in persons}).items():
			by_person[p].team_bonus = share
	if scheme_doc.best_metric and persons:
		key = KEY_OF_LABEL[scheme_doc.best_metric]
		comp = next((c for c in scheme.components if c.metric == key), engine.Component(key, ZERO))
		values = facts.get(comp)
		values = {p: values.get(p, ZERO) for p in persons if p in values}
		winners = engine.best(values, engine.METRICS[key].direction)
		for p, share in engine.best_bonus(engine.D(scheme_doc.best_bonus), values, engine.METRICS[key].direction).items():
			by_person[p].best_bonus = share
	context = {"start": start, "end": end, "users": facts.users, "winners": set(winners), "scheme": scheme}
	return results, context


def compute_scorecards(scheme_name: str, day=None) -> list[str]:
	"""Create or refresh the draft scorecards of a scheme for the period containing ``day``.

	Submitted scorecards are frozen and left alone. One live scorecard per scheme, person and
	period is guaranteed by the unique ``period_key``, not by looking first: a computation
	running at the same time that inserts first makes ours refresh its scorecard instead.
	One person's failure is logged with the person and the others are saved.
	"""
	scheme_doc = frappe.get_doc("KPI Scheme", scheme_name)
	results, ctx = evaluate(scheme_doc, day or nowdate())
	start = ctx["start"]
	existing = {
		r.sales_person: r
		for r in frappe.get_all("KPI Scorecard", filters={"kpi_scheme": scheme_name, "from_date": start, "docstatus": ["<", 2]},
			fields=["name", "sales_person", "docstatus"])
	}
	names = []
	now = now_datetime()
	for r in results:
		old = existing.get(r.person)
		if old and old.docstatus == 1:
			continue
		frappe.db.savepoint("sd_scorecard")
		try:
			try:
				names.append(_save_scorecard(old.name if old else None, scheme_doc, r, ctx, now))
			except frappe.UniqueValidationError:
				# made by a concurrent computation after we looked: refresh that one (if still a draft)
				frappe.db.rollback(save_point="sd_scorecard")
				frappe.clear_last_message()
				other = live_scorecard(scheme_name, r.person, start)
				if other and other.docstatus == 0:
					names.append(_save_scorecard(other.name, scheme_doc, r, ctx, now))
		except Exception:
			frappe.db.rollback(save_point="sd_scorecard")
			frappe.log_error(title=_("KPI scorecard of {0} not computed").format(r.person),
				reference_doctype="Sales Person", reference_name=r.person)  # fmt: skip
	return names


def live_scorecard(scheme_name: str, person: str, start):
	"""The draft or submitted scorecard of a scheme, person and period, read locked (so a
	concurrent transaction's committed row is seen)."""
	rows = frappe.db.sql(
		"""select name, docstatus from `tabKPI Scorecard` where kpi_scheme = %s and sales_person = %s
		and from_date = %s and docstatus < 2 order by docstatus desc, creation limit 1 for update""",
		(scheme_name, person, start),
		as_dict=True,
	)
	return rows[0] if rows else None


def _save_scorecard(name, scheme_doc, r, ctx, now) -> str:
	start, end = ctx["start"], ctx["end"]
	doc = frappe.get_doc("KPI Scorecard", name) if name else frappe.new_doc("KPI Scorecard")
	doc.update({"kpi_scheme": scheme_doc.name, "sales_person": r.person, "company": scheme_doc.company,
		"from_date": start, "to_date": end, "currency": scheme_doc.currency, "factor": r.factor,
		"score": r.score, "base_pay": r.base_pay, "variable": r.variable, "team_bonus": r.team_bonus,
		"best_bonus": r.best_bonus, "total": r.total, "best_of_period": int(r.person in ctx["winners"]),
		"computed_on": now})  # fmt: skip
	doc.set("lines", [])
	for c, line in zip(ctx["scheme"].components, r.lines, strict=False):
		doc.append("lines", {"metric": engine.METRICS[line.metric].label, "metric_key": line.metric,
			"weight": line.weight, "target": line.target, "fact": line.fact, "achieved": line.achieved,
			"payout_percent": line.payout_percent, "amount": line.amount, "payout": line.payout,
			"currency": scheme_doc.currency,
			"drill_down": drill_down(line.metric, r.person, ctx["users"].get(r.person), start, end, c)})  # fmt: skip
	doc.flags.ignore_permissions = True
	doc.save()
	return doc.name


def _job_id(scheme: str, day) -> str:
	return f"kpi-scorecards-{scheme}-{day}"


def compute_all(day=None):
	"""Daily: draft scorecards of every enabled scheme for the running period (a background job each).

	A scheme that fails is logged with the scheme; the others are computed.
	"""
	day = str(getdate(day or nowdate()))
	for name in frappe.get_all("KPI Scheme", filters={"enabled": 1, "valid_from": ["<=", day]}, pluck="name"):
		frappe.db.savepoint("sd_kpi_scheme")
		try:
			frappe.enqueue("sales_drive.kpi.compute_scorecards", queue="long", scheme_name=name, day=day,
				job_id=_job_id(name, day), deduplicate=True, now=bool(frappe.flags.in_test))  # fmt: skip
		except Exception:
			frappe.db.rollback(save_point="sd_kpi_scheme")
			frappe.log_error(title=_("KPI scorecards of scheme {0} not computed").format(name),
				reference_doctype="KPI Scheme", reference_name=name)  # fmt: skip


@frappe.whitelist(methods=["POST"])
def enqueue_compute(scheme: str, day: str | None = None):
	"""Compute the scheme's scorecards now, in the background (a second request while one is queued is dropped)."""
	frappe.has_permission("KPI Scorecard", "create", throw=True)
	frappe.has_permission("KPI Scheme", "read", scheme, throw=True)
	day = str(getdate(day or nowdate()))
	frappe.enqueue("sales_drive.kpi.compute_scorecards", queue="long", scheme_name=scheme, day=day,
		job_id=_job_id(scheme, day), deduplicate=True, now=bool(frappe.flags.in_test))  # fmt: skip
	return _("Scorecards are being computed in the background")
