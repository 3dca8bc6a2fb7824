"""The work-day plan (seed 002, METHOD.md §2): who takes inbound calls and inbound leads in which hours,
and who calls out — the Sales Roster — and what the app does with it.

- **Sales Roster**: one per team (a group Sales Person) and weekday (a weekly template) or date
  (a one-day roster: holidays, absences). A day's roster of a team is its dated roster if there is
  one, else the template of the weekday. Slots: person, duty (Inbound Calls, Inbound Leads,
  Outbound), from, to. A slot that ends before it starts, or the same person twice on the same duty
  at the same time, is refused; a person on an inbound and an outbound duty at the same time is
  allowed but warned of, and shown in the morning report (sometimes it is the plan).
- **Routing**: a new Lead or Opportunity whose Lead Source has an *Inbound Duty* and that nobody
  chose an owner for goes to a person on that duty at the moment of its creation (round robin when
  several are on duty). "Nobody chose": the owner is empty, or (a Lead) it is the creator — ERPNext
  fills ``lead_owner`` with the creator by default, which is what a web form, an e-mail account or
  an integration leaves. A creator who is on that duty keeps the record. The routing runs in
  ``before_insert``: the regulation's own hand-off (a first step with a hand-off role, a key
  account's account manager) runs later in ``validate`` and wins.
- **My Sales Day** shows the person's slots; the **morning report** shows today's gaps (hours of
  the team's working day with nobody on an inbound duty) and conflicts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import frappe
from frappe import _
from frappe.utils import get_datetime, get_time, getdate, now_datetime

from sales_drive import permissions
from sales_drive.engine import roster as engine
from sales_drive.setup.custom_fields import OWNER_FIELD

ROSTER = "Sales Roster"
CACHE_PREFIX = "sd_roster|"
CACHE_SECONDS = 300  # a Sales Person's user may change without a roster save


class RosterError(frappe.ValidationError):
	pass


def _t(value) -> time | None:
	"""A Time column (timedelta from the database, str from a form) as a time."""
	if value in (None, ""):
		return None
	if isinstance(value, time):
		return value
	if isinstance(value, timedelta):
		seconds = int(value.total_seconds()) % 86400
		return time(seconds // 3600, seconds // 60 % 60, seconds % 60)
	return get_time(value)


def templates() -> dict[str, str]:
	return {
		"roster_no_person": _("Row {row}: choose the person on duty"),
		"roster_unknown_duty": _("Row {row}: unknown duty {duty}"),
		"roster_no_hours": _("Row {row}: set the hours from and to"),
		"roster_end_before_start": _("Row {row}: the slot must end after it starts ({start} to {end})"),
		"roster_overlap": _("Rows {row} and {other}: {person} is on duty {duty} twice at the same time"),
		"roster_day_hours": _("The working day must end after it starts ({start} to {end})"),
	}


def _render(problem) -> str:
	params = dict(problem.params)
	if "duty" in params:
		params["duty"] = _(params["duty"])
	return templates()[problem.code].format(**params)


# ----------------------------------------------------------------------------- the document


def slots_of(doc) -> list[engine.Slot]:
	return [
		engine.Slot(r.sales_person or "", r.duty or "", _t(r.from_time), _t(r.to_time), doc.team or "", r.idx)
		for r in doc.get("slots") or []
	]


def validate(doc) -> None:
	"""Sales Roster.validate: everything wrong is listed at once and nothing is saved."""
	errors = []
	if doc.applies_to == "Date" and not doc.date:
		errors.append(_("Choose the date of the roster"))
	if doc.applies_to == "Weekday" and not doc.weekday:
		errors.append(_("Choose the weekday of the roster"))
	if doc.team and not frappe.db.get_value("Sales Person", doc.team, "is_group"):
		errors.append(_("The team must be a group Sales Person (a team), not {0}").format(frappe.bold(doc.team)))
	errors += [_render(p) for p in engine.validate(slots_of(doc), _t(doc.day_start), _t(doc.day_end))]
	if doc.team:
		members = set(_members(doc.team))
		for row in doc.get("slots") or []:
			if row.sales_person and row.sales_person not in members:
				errors.append(_("Row {0}: {1} is not in team {2}").format(row.idx, frappe.bold(row.sales_person), frappe.bold(doc.team)))
	if not errors:
		twin = frappe.db.get_value(ROSTER, {
			"name": ["!=", doc.name], "team": doc.team, "enabled": 1, "applies_to": doc.applies_to,
			**({"date": doc.date} if doc.applies_to == "Date" else {"weekday": doc.weekday})}, "name")  # fmt: skip
		if twin and doc.enabled:
			errors.append(_("Team {0} already has a roster for this day: {1}").format(frappe.bold(doc.team), frappe.bold(twin)))
	check_team_lead(doc.team)
	before = None if doc.is_new() else doc.get_doc_before_save()
	if before and before.team != doc.team:  # nor move another team's roster to theirs
		check_team_lead(before.team)
	if errors:
		frappe.throw("<br>".join(errors), RosterError, title=_("Invalid Sales Roster"))
	if doc.applies_to == "Date":
		doc.weekday = None
	else:
		doc.date = None
	for c in engine.conflicts(slots_of(doc)):
		frappe.msgprint(
			_("{0} is on an inbound duty and on outbound from {1} to {2}").format(
				frappe.bold(c.person), c.start.strftime("%H:%M"), c.end.strftime("%H:%M")),
			title=_("Booked on both inbound and outbound"), indicator="orange")  # fmt: skip


def _members(team: str) -> list[str]:
	return frappe.db.sql_list(
		"""select sp.name from `tabSales Person` sp join `tabSales Person` t on t.name = %s
		where sp.lft >= t.lft and sp.rgt <= t.rgt and sp.is_group = 0""",
		team,
	)


def check_team_lead(team: str | None) -> None:
	"""A team lead plans their own team's day; the head of sales (Sales Manager) any team's."""
	user = frappe.session.user
	if permissions.sees_everyone(user) or not team:
		return
	leads = frappe.db.sql(
		"""select 1 from `tabSales Person` lead_team join `tabEmployee` e on e.name = lead_team.employee
		join `tabSales Person` t on t.name = %(team)s
		where e.user_id = %(user)s and lead_team.is_group = 1 and lead_team.lft <= t.lft and lead_team.rgt >= t.rgt
		limit 1""",
		{"team": team, "user": user},
	)
	if not leads:
		frappe.throw(
			_("You can plan only the day of a team you lead, not of {0}").format(frappe.bold(team)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def clear_cache(doc=None, method=None):
	frappe.cache.delete_keys(CACHE_PREFIX)


# ----------------------------------------------------------------------------- a day's rosters


def day_rosters(day: date, company: str | None = None) -> list[dict]:
	"""The effective roster of every team on ``day`` (dated over weekly), with its slots: one query."""
	day = getdate(day)
	rows = frappe.db.sql(
		f"""select r.name, r.team, r.company, r.applies_to, r.date, r.day_start, r.day_end,
			s.sales_person, s.duty, s.from_time, s.to_time, s.idx
		from `tab{ROSTER}` r left join `tabSales Roster Slot` s on s.parent = r.name and s.parenttype = %(doctype)s
		where r.enabled = 1 and ((r.applies_to = 'Date' and r.date = %(day)s)
			or (r.applies_to = 'Weekday' and r.weekday = %(weekday)s))
			{"and r.company = %(company)s" if company else ""}
		order by r.team, r.name, s.idx""",
		{"doctype": ROSTER, "day": day, "weekday": engine.WEEKDAYS[day.weekday()], "company": company},
		as_dict=True,
	)
	by_team: dict[str, dict[str, dict]] = {}
	for r in rows:
		kind = "dated" if r.applies_to == "Date" else "weekly"
		roster = by_team.setdefault(r.team, {}).setdefault(kind, {
			"name": r.name, "team": r.team, "company": r.company,
			"day_start": _t(r.day_start) or time(9), "day_end": _t(r.day_end) or time(18), "slots": []})  # fmt: skip
		if r.sales_person and roster["name"] == r.name:
			roster["slots"].append(engine.Slot(r.sales_person, r.duty, _t(r.from_time), _t(r.to_time), r.team, r.idx))
	out = []
	for team, kinds in by_team.items():
		chosen = kinds.get("dated") or kinds.get("weekly")
		out.append(chosen)
	return out


def person_slots(person: str, day) -> list[dict]:
	"""A person's slots of the day across the rosters (My Sales Day)."""
	slots = [s for r in day_rosters(day) for s in r["slots"]]
	clashes = engine.conflicts(slots)
	out = []
	for s in engine.person_slots(slots, person):
		clash = any(c.person == person and c.start < s.end and c.end > s.start for c in clashes)
		out.append({"duty": s.duty, "duty_label": _(s.duty), "from": s.start.strftime("%H:%M"),
			"to": s.end.strftime("%H:%M"), "team": s.team, "conflict": clash})  # fmt: skip
	return out


def for_report(day) -> list[dict]:
	"""The day's rosters with each team's members, gathered once for every morning report."""
	rosters = day_rosters(day)
	for r in rosters:
		r["members"] = set(_members(r["team"]))
	return rosters


def findings(rosters: list[dict], members: set[str] | None = None) -> dict:
	"""Gaps and conflicts of the day's rosters (all teams, or the teams of ``members``): no query."""
	mine = [r for r in rosters if members is None or (r.get("members") or set()) & members]
	gaps = [g for r in mine for g in engine.gaps(r["slots"], r["day_start"], r["day_end"], team=r["team"])]
	slots = [s for r in rosters for s in r["slots"]]  # a person's duties in every team's roster
	clashes = [c for c in engine.conflicts(slots) if members is None or c.person in members]
	return {"gaps": gaps, "conflicts": clashes, "rosters": len(mine)}


# ----------------------------------------------------------------------------- routing


def _table(company: str | None, day: date) -> dict:
	"""The day's slots as (person, duty, start, end) and each person's user, cached for a few minutes."""
	key = f"{CACHE_PREFIX}{company or ''}|{day}"
	table = frappe.cache.get_value(key, expires=True)  # expiring: never kept as None in frappe.local.cache
	if table is None:
		slots = [(s.person, s.duty, s.start, s.end) for r in day_rosters(day, company) for s in r["slots"]]
		from sales_drive.queries import users_of

		table = {"slots": slots, "users": users_of({s[0] for s in slots})}
		frappe.cache.set_value(key, table, expires_in_sec=CACHE_SECONDS)
	return table


def inbound_duty(source: str | None) -> str | None:
	if not source:
		return None
	return frappe.get_cached_value("Lead Source", source, "sd_inbound_duty") or None


def route(doc, method=None):
	"""before_insert of Lead and Opportunity: an inbound record nobody chose an owner for goes to the
	person on duty now (see the module's docstring)."""
	field = OWNER_FIELD.get(doc.doctype)
	duty = inbound_duty(doc.get("source"))
	if not field or not duty:
		return
	owner = doc.get(field)
	creator = frappe.session.user
	if owner and (doc.doctype != "Lead" or owner != creator):
		return
	at = now_datetime()
	table = _table(doc.get("company"), at.date())
	slots = [engine.Slot(p, d, s, e) for p, d, s, e in table["slots"]]
	users = [table["users"][p] for p in engine.on_duty(slots, duty, at.time()) if table["users"].get(p)]
	if not users or creator in users:
		return
	turn = frappe.cache.incr(f"sd_roster_turn|{doc.get('company') or ''}|{duty}")
	user = engine.pick(users, turn)
	doc.set(field, user)
	doc.flags.sd_routed_to = user


# ----------------------------------------------------------------------------- whitelisted


@frappe.whitelist()
def on_duty(duty: str, company: str | None = None, at: str | None = None) -> list[dict]:
	"""Who is on ``duty`` now (or at ``at``): for the desk and for telephony integrations."""
	if duty not in engine.DUTIES:
		frappe.throw(_("Unknown duty {0}").format(duty), frappe.ValidationError)
	if not frappe.has_permission(ROSTER, "read"):
		frappe.throw(_("Not permitted to read the Sales Roster"), frappe.PermissionError)
	moment = get_datetime(at) if at else now_datetime()
	table = _table(company, moment.date())
	slots = [engine.Slot(p, d, s, e) for p, d, s, e in table["slots"]]
	return [{"sales_person": p, "user": table["users"].get(p)} for p in engine.on_duty(slots, duty, moment.time())]


# ----------------------------------------------------------------------------- ERPNext's Incoming Call Settings

CALL_SETTINGS = "Incoming Call Settings"


@frappe.whitelist(methods=["POST"])
def sync_call_schedule(team: str) -> str:
	"""Publish a team's weekly inbound-call duties to ERPNext's Incoming Call Settings.

	ERPNext's schedule (Incoming Call Handling Schedule) is by weekday, one Employee Group per row and
	no overlapping rows a day; a telephony integration reads it to ring the agents on duty. Each
	weekday template's Inbound Calls slots are cut into stretches with the same people
	(:func:`sales_drive.engine.roster.call_schedule`), each with an Employee Group of their
	Employees (made once per set of people). The settings document is named "Sales Roster <team>"
	and rewritten whole. Dated rosters have no place there (ERPNext's schedule has no dates).
	"""
	if not permissions.sees_everyone():
		frappe.throw(_("Only the head of sales can publish the roster to the telephony"), frappe.PermissionError,
			title=_("Not Permitted"))  # fmt: skip
	if not team or not frappe.db.exists("Sales Person", team):
		frappe.throw(_("Sales Person {0} does not exist").format(frappe.bold(team)), frappe.DoesNotExistError)
	names = frappe.get_all(ROSTER, {"team": team, "enabled": 1, "applies_to": "Weekday"}, ["name", "weekday"],
		order_by="name")  # fmt: skip
	docs = [(r.weekday, frappe.get_doc(ROSTER, r.name)) for r in names]
	persons = {s.sales_person for _w, d in docs for s in d.slots}
	employee_of = dict(frappe.get_all("Sales Person", {"name": ["in", list(persons) or [""]]}, ["name", "employee"],
		as_list=True))  # fmt: skip
	schedule = []
	for weekday, doc in sorted(docs, key=lambda wd: engine.WEEKDAYS.index(wd[0])):
		for start, end, people in engine.call_schedule(slots_of(doc)):
			employees = sorted({employee_of[p] for p in people if employee_of.get(p)})
			if employees:
				schedule.append({"day_of_week": weekday, "from_time": start.strftime("%H:%M:%S"),
					"to_time": end.strftime("%H:%M:%S"), "agent_group": _employee_group(team, employees)})  # fmt: skip
	if not schedule:
		frappe.throw(_("Team {0} has no inbound-call duties of people with an Employee in its weekly rosters").format(
			frappe.bold(team)), title=_("Nothing to publish"))  # fmt: skip
	name = f"Sales Roster {team}"
	if frappe.db.exists(CALL_SETTINGS, name):
		settings = frappe.get_doc(CALL_SETTINGS, name)
	else:
		settings = frappe.new_doc(CALL_SETTINGS)
		settings.call_routing = "Simultaneous"
	settings.set("call_handling_schedule", schedule)
	if settings.is_new():
		settings.insert(ignore_permissions=True, set_name=name)
	else:
		settings.save(ignore_permissions=True)
	return settings.name


def _employee_group(team: str, employees: list[str]) -> str:
	"""The Employee Group of exactly these employees (made once)."""
	import hashlib

	name = f"{team} · {hashlib.md5(','.join(employees).encode()).hexdigest()[:8]}"
	if not frappe.db.exists("Employee Group", name):
		frappe.get_doc({"doctype": "Employee Group", "employee_group_name": name,
			"employee_list": [{"employee": e} for e in employees]}).insert(ignore_permissions=True)  # fmt: skip
	return name
