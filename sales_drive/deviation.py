"""Deviation rules: the decision algorithms of the control system (METHOD.md §3, seed 001).

A Deviation Rule watches one KPI metric of a sales person, of every member of a team,
or of everyone, per day, week or month. Each period's fact is compared with its target
— the target of the metric in the person's KPI Scheme (scaled to the period by working
days, as :mod:`sales_drive.engine.kpi` pro-rates), or the Sales Plan's daily targets of
the period — as % achieved (direction-aware: for a lower-is-better metric the target
over the fact). The rule holds for a person when the % is below the rule's threshold in
each of the last N complete periods (:mod:`sales_drive.engine.deviation`).

The daily job (:func:`run_all`) evaluates every enabled rule. A rule that starts to hold
records a Deviation Firing and runs the rule's actions once: a Notification Log for the
sales person, a ToDo for the team lead with the recommended decision, a draft Coaching
Session proposed to the team lead, a Notification Log for every Sales Manager (the head
of sales). While the condition persists the firing stays open and nothing repeats; when
it clears, the firing is closed and the next breach fires again.

Facts are fetched with the KPI adapter's grouped queries (:class:`sales_drive.kpi.Facts`):
one query per period for every watched person at once.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import add_days, add_months, get_first_day, get_last_day, getdate, now_datetime, nowdate

from sales_drive import kpi, messages, regulations
from sales_drive.jobs import isolated
from sales_drive.engine import deviation as engine
from sales_drive.engine import kpi as kpi_engine
from sales_drive.engine.problems import Problem

ACTION_FIELDS = {"notify": "action_notify", "todo": "action_todo", "coaching": "action_coaching", "escalate": "action_escalate"}
PLAN_METRICS = ("revenue", "deals_won")
ZERO = Decimal(0)


# ----------------------------------------------------------------------------- validation


def actions_of(doc) -> list[str]:
	return [a for a, field in ACTION_FIELDS.items() if doc.get(field)]


def validate_rule(doc):
	metric = kpi.KEY_OF_LABEL.get(doc.metric, doc.metric or "")
	problems = engine.validate(metric, engine.BELOW, doc.consecutive_periods, actions_of(doc),
		threshold=doc.threshold_percent if doc.threshold_percent is not None else 0)  # fmt: skip
	known = kpi_engine.METRICS.get(metric)
	if known and known.needs_steps and (not doc.from_step or (known.needs_steps == 2 and not doc.to_step)):
		problems.append(Problem("deviation_step_required", {"metric": doc.metric}))
	if doc.compare_to == "Sales Plan" and known and metric not in PLAN_METRICS:
		problems.append(Problem("deviation_plan_metric", {"metric": doc.metric}))
	if doc.scope == "Sales Person" and not doc.sales_person:
		problems.append(Problem("deviation_scope", {"scope": _("Sales Person")}))
	if doc.scope == "Team" and not doc.team:
		problems.append(Problem("deviation_scope", {"scope": _("Team")}))
	if problems:
		frappe.throw("<br>".join(messages.render_all(problems)), title=_("Invalid Deviation Rule"))


# ----------------------------------------------------------------------------- periods and targets


def periods_before(periodicity: str, day, count: int, cal) -> list[tuple]:
	"""The ``count`` complete periods before ``day``, oldest first (days: working days only)."""
	day = getdate(day)
	out = []
	if periodicity == "Day":
		d = getdate(add_days(day, -1))
		for _i in range(count * 7 + 31):
			if len(out) == count:
				break
			if cal.is_working(d):
				out.append((d, d))
			d = getdate(add_days(d, -1))
	elif periodicity == "Month":
		first = getdate(get_first_day(day))
		for k in range(1, count + 1):
			start = getdate(add_months(first, -k))
			out.append((start, getdate(get_last_day(start))))
	else:
		monday = getdate(add_days(day, -day.weekday()))
		for k in range(1, count + 1):
			start = getdate(add_days(monday, -7 * k))
			out.append((start, getdate(add_days(start, 6))))
	return sorted(out)


def persons_watched(rule) -> list[str]:
	if rule.scope == "Sales Person":
		return [rule.sales_person] if rule.sales_person else []
	if rule.scope == "Team":
		return kpi.persons_of(frappe._dict(applies_to="Team", team=rule.team))
	return frappe.get_all("Sales Person", filters={"is_group": 0, "enabled": 1}, pluck="name", order_by="lft")


def planned(company, persons, start, end) -> dict[str, tuple[Decimal, Decimal]]:
	"""person → (amount, deals) the submitted Sales Plans target for the days of a period: one query."""
	rows = frappe.db.sql(
		"""select d.sales_person, sum(d.target),
			sum(case when p.target_amount > 0 then d.target * p.target_deals / p.target_amount else 0 end)
		from `tabSales Plan Day` d join `tabSales Plan` p on p.name = d.sales_plan
		where p.docstatus = 1 and p.company = %(company)s and d.date between %(start)s and %(end)s
		and d.sales_person in %(persons)s group by d.sales_person""",
		{"company": company, "start": start, "end": end, "persons": persons or [""]},
	)
	return {p: (kpi_engine.D(a), kpi_engine.D(d)) for p, a, d in rows}


def kpi_components(company, metric, persons, start, end) -> dict[str, tuple]:
	"""person → (KPI Scheme doc, component) of the enabled scheme that sets a target for ``metric``."""
	out = {}
	wanted = set(persons)
	for name in frappe.get_all("KPI Scheme", filters={"enabled": 1, "company": company, "valid_from": ["<=", end]},
		or_filters=[["valid_to", "is", "not set"], ["valid_to", ">=", start]], pluck="name", order_by="valid_from desc"):  # fmt: skip
		doc = frappe.get_doc("KPI Scheme", name)
		scheme = kpi.scheme_of(doc)
		component = next((c for c in scheme.components if c.metric == metric), None)
		if component is None:
			continue
		for person in kpi.persons_of(doc):
			if person in wanted and person not in out:
				out[person] = (doc, component)
	return out


class Evaluation:
	"""The per-period % of target of every watched person of one rule."""

	def __init__(self, rule, day):
		self.rule = rule
		self.metric = kpi.KEY_OF_LABEL.get(rule.metric, rule.metric)
		self.direction = kpi_engine.METRICS[self.metric].direction
		self.cal = regulations.calendar(regulations.holiday_list_for(None, rule.company))
		self.periods = periods_before(rule.periodicity, day, int(rule.consecutive_periods), self.cal)
		self.persons = persons_watched(rule)
		self.component = kpi_engine.Component(self.metric, ZERO, from_step=rule.from_step or "", to_step=rule.to_step or "")
		last_end = self.periods[-1][1] if self.periods else getdate(day)
		self.schemes = (
			kpi_components(rule.company, self.metric, self.persons, self.periods[0][0], last_end)
			if rule.compare_to == "KPI Target" and self.periods else {}
		)

	def share(self, scheme_doc, start, end) -> Decimal:
		p_start, p_end = kpi.period_bounds(scheme_doc.period, start)
		if (p_start, p_end) == (start, end):
			return Decimal(1)
		days = len(self.cal.working_days(p_start, p_end))
		return kpi_engine.prorate_factor(len(self.cal.working_days(start, end)), days) if days else Decimal(1)

	def period(self, start, end) -> dict[str, tuple[Decimal, Decimal | None, Decimal | None]]:
		"""person → (fact, target, % of target) of one period; None where there is no target."""
		rule = self.rule
		plan = kpi.plan_covering(rule.company, start, end)
		facts = kpi.Facts(rule.company, self.persons, start, end, plan).get(self.component)
		need_plan = rule.compare_to == "Sales Plan" or any(
			c.target_source == kpi_engine.PLAN for _doc, c in self.schemes.values())
		plan_t = planned(rule.company, self.persons, start, end) if need_plan else {}
		out = {}
		for person in self.persons:
			fact = kpi_engine.D(facts.get(person, ZERO))
			target = None
			if rule.compare_to == "Sales Plan":
				amount, deals = plan_t.get(person, (ZERO, ZERO))
				target = deals if self.metric == "deals_won" else amount
			elif person in self.schemes:
				scheme_doc, c = self.schemes[person]
				if c.target_source == kpi_engine.PLAN:
					amount, deals = plan_t.get(person, (ZERO, ZERO))
					target = deals if self.metric == "deals_won" else amount
				else:
					target = kpi_engine.target_for(c, None, self.share(scheme_doc, start, end))
			if target is None or target <= 0:
				out[person] = (fact, target, None)
			else:
				out[person] = (fact, target, kpi_engine.exact_achieved(self.direction, fact, target))
		return out

	def values(self) -> dict[str, list[tuple]]:
		"""person → [(start, end, fact, target, %)] oldest first."""
		per_period = [(s, e, self.period(s, e)) for s, e in self.periods]
		return {p: [(s, e, *got[p]) for s, e, got in per_period] for p in self.persons}


# ----------------------------------------------------------------------------- the job


def run_all(day=None):
	"""Daily: evaluate every enabled Deviation Rule; a rule that fails is logged, the others run."""
	day = getdate(day or nowdate())
	for name in frappe.get_all("Deviation Rule", filters={"enabled": 1}, pluck="name", order_by="name"):
		with isolated("Deviation Rule", name, _("Deviation rule {0} not evaluated").format(name)):
			evaluate_rule(frappe.get_doc("Deviation Rule", name), day)


def evaluate_rule(rule, day) -> dict[str, list[str]]:
	"""Fire, hold or close the rule for each watched person; returns {"fired": [...], "closed": [...]}."""
	day = getdate(day)
	evaluation = Evaluation(rule, day)
	values = evaluation.values()
	open_firings = dict(frappe.get_all("Deviation Firing", filters={"deviation_rule": rule.name, "firing_status": "Open"},
		fields=["sales_person", "name"], as_list=True))  # fmt: skip
	leads = team_leads(evaluation.persons)
	users = kpi.users_of(evaluation.persons)
	done = {"fired": [], "closed": []}
	for person in evaluation.persons:
		rows = values.get(person, [])
		condition = engine.holds([r[4] for r in rows], engine.BELOW, rule.threshold_percent, int(rule.consecutive_periods))
		verdict = engine.decide(condition, person in open_firings)
		# one person's failure (a firing's ToDo or coaching session refused) leaves the others' firings
		with isolated("Sales Person", person, _("Deviation rule {0} not applied to {1}").format(rule.name, person)):
			if verdict == engine.FIRE:
				done["fired"].append(fire(rule, person, rows, day, leads.get(person), users.get(person)))
			elif verdict == engine.CLOSE:
				frappe.db.set_value("Deviation Firing", open_firings[person], {"firing_status": "Closed", "closed_on": day})
				done["closed"].append(open_firings[person])
	return done


def team_leads(persons) -> dict[str, tuple[str, str]]:
	"""person → (team, the team lead's user): the user of the person's parent Sales Person; one query."""
	if not persons:
		return {}
	rows = frappe.db.sql(
		"""select sp.name, team.name, e.user_id from `tabSales Person` sp
		join `tabSales Person` team on team.name = sp.parent_sales_person
		left join `tabEmployee` e on e.name = team.employee
		where sp.name in %(persons)s""",
		{"persons": persons},
	)
	return {p: (team, user) for p, team, user in rows}


def sales_managers() -> list[str]:
	return frappe.db.sql_list(
		"""select distinct u.name from `tabUser` u join `tabHas Role` r on r.parent = u.name and r.parenttype = 'User'
		where r.role = 'Sales Manager' and u.enabled = 1 and u.user_type = 'System User'
		and u.name not in ('Administrator', 'Guest') order by u.name"""
	)


def describe(rule, person, rows) -> str:
	lines = [
		_("{0}: {1} below {2}% of target for {3} consecutive periods").format(
			person, _(rule.metric), kpi_engine._plain(kpi_engine.D(rule.threshold_percent)), rule.consecutive_periods)
	]
	for start, end, fact, target, got in rows:
		period = str(start) if start == end else f"{start} – {end}"
		lines.append(_("{0}: fact {1}, target {2}, {3}% of target").format(
			period, kpi_engine._plain(kpi_engine.pct(fact)), kpi_engine._plain(kpi_engine.pct(target or 0)),
			kpi_engine._plain(kpi_engine.pct(got or 0))))  # fmt: skip
	return "\n".join(lines)


def fire(rule, person, rows, day, lead, user) -> str:
	team, lead_user = lead or (None, None)
	summary = describe(rule, person, rows)
	firing = frappe.get_doc({
		"doctype": "Deviation Firing", "deviation_rule": rule.name, "sales_person": person, "team": team,
		"company": rule.company, "firing_status": "Open", "metric": rule.metric, "periodicity": rule.periodicity,
		"from_date": rows[0][0], "to_date": rows[-1][1], "fired_on": now_datetime(),
		"threshold_percent": rule.threshold_percent, "last_percent": float(rows[-1][4] or 0), "period_values": summary,
	}).insert(ignore_permissions=True)  # fmt: skip
	subject = _("Deviation: {0}").format(summary.split("\n")[0])
	taken, updates = [], {}
	if rule.action_notify:
		if user:
			notify(user, subject, firing)
			taken.append(_("Notified {0}").format(user))
		else:
			taken.append(_("Not notified: {0} has no user").format(person))
	if rule.action_todo:
		if lead_user:
			todo = frappe.get_doc({
				"doctype": "ToDo", "allocated_to": lead_user, "date": day, "priority": "High",
				"description": "\n\n".join(filter(None, [rule.decision, summary])),
				"reference_type": "Deviation Firing", "reference_name": firing.name, "assigned_by": "Administrator",
			}).insert(ignore_permissions=True)  # fmt: skip
			updates["todo"] = todo.name
			taken.append(_("ToDo {0} for the team lead {1}").format(todo.name, lead_user))
		else:
			taken.append(_("No ToDo: team {0} has no team lead user").format(team or "-"))
	if rule.action_coaching:
		name, note = propose_coaching(rule, firing, day, lead_user, user)
		if name:
			updates["coaching_session"] = name
		taken.append(note)
	if rule.action_escalate:
		managers = sales_managers()
		for manager in managers:
			notify(manager, subject, firing)
		taken.append(_("Escalated to {0}").format(", ".join(managers)) if managers else _("No Sales Manager user to escalate to"))
	updates["actions_taken"] = "\n".join(taken)
	firing.db_set(updates)
	return firing.name


def notify(user, subject, firing):
	frappe.get_doc({
		"doctype": "Notification Log", "for_user": user, "type": "Alert", "subject": subject,
		"email_content": firing.period_values, "document_type": "Deviation Firing", "document_name": firing.name,
		"from_user": "Administrator",
	}).insert(ignore_permissions=True)  # fmt: skip


def propose_coaching(rule, firing, day, lead_user, user) -> tuple[str | None, str]:
	"""A draft Coaching Session with the team lead as coach and the manager coached (when the module exists)."""
	if not frappe.db.exists("DocType", "Coaching Session"):
		return None, _("No coaching session: the coaching module is not installed")
	if not lead_user or not user:
		return None, _("No coaching session: the team lead or the manager has no user")
	session = frappe.get_doc({
		"doctype": "Coaching Session", "session_date": getdate(add_days(day, 1)), "kind": "Problem Zone",
		"coach": lead_user, "participants": [{"user": user}], "trigger_doctype": "Deviation Firing",
		"trigger_name": firing.name, "focus_skills": rule.metric, "agreed_goals": rule.decision,
	})  # fmt: skip
	session.insert(ignore_permissions=True)
	return session.name, _("Coaching Session {0} proposed").format(session.name)
