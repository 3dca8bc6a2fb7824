"""Base cooling adapter: rules and final reasons from the database, cooling records,
the active-cooling lookup, lifting early, and the daily return to the base.

One Cooling Record per refusal: its own refusal date (``from_date``), the last
cooled day (``until_date``, already extended over the party's earlier
coolings by :func:`sales_drive.engine.cooling.apply_refusal`) and the keys it
covers (child rows, indexed). A record about to be contacted is looked up by
its own keys in one indexed query (:func:`active_coolings`).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, cint, getdate, now_datetime, nowdate

from sales_drive import messages, regulations
from sales_drive.engine import cooling as engine
from sales_drive.engine import handoff
from sales_drive.engine.problems import Problem
from sales_drive.queries import candidates_for

RECORD = "Cooling Record"
KEY_TABLE = "Cooling Record Key"
LEAD_LOST_STATUSES = ("Lost Quotation", "Do Not Contact")
# Lead statuses of the base left to work: untouched and warm
UNTOUCHED = ("Lead", "Open")
WARM = ("Replied", "Interested", "Opportunity", "Quotation")
MANAGER_ROLES = ("Sales Manager", "System Manager")
FLAG_DOCTYPES = ("Lead", "Customer", "Opportunity")
RETURN_SAVEPOINT = "sd_cooling_return"


class CoolingError(frappe.ValidationError):
	pass


# --- rules --------------------------------------------------------------------------


def rule_of(doc) -> engine.Rule:
	return engine.Rule(
		name=doc.name or doc.rule_name,
		trigger=doc.trigger,
		days=cint(doc.cooling_days) if doc.cooling_days not in (None, "") else None,
		scope=doc.scope,
		mode=doc.mode,
		lost_reasons=tuple(r.lost_reason for r in doc.get("lost_reasons") or [] if r.lost_reason),
		extension=doc.extension or engine.RESTART,
		grace_days=cint(doc.grace_days),
		refusals=cint(doc.refusals),
		window_days=cint(doc.refusal_window_days),
		enabled=bool(cint(doc.enabled)),
	)


def load_rules() -> list[engine.Rule]:
	names = frappe.get_all("Base Cooling Rule", filters={"enabled": 1}, pluck="name", order_by="creation asc")
	return [rule_of(frappe.get_doc("Base Cooling Rule", n)) for n in names]


def final_reasons() -> set[str]:
	return set(frappe.get_all("Opportunity Lost Reason", filters={"sd_final": 1}, pluck="name"))


_TRANSLATED = ("trigger", "scope", "mode", "doctype")


def render(problem: Problem) -> str:
	params = {k: _(v) if k in _TRANSLATED and isinstance(v, str) else v for k, v in problem.params.items()}
	params = {k: frappe.bold(v) if k in ("rule", "other", "reason") else v for k, v in params.items()}
	return messages.templates()[problem.code].format(**params)


def validate_rule(doc):
	"""Base Cooling Rule.validate: the rule alone, and against the other enabled rules."""
	me = rule_of(doc)
	others = [r for r in load_rules() if r.name != doc.name] if me.enabled else []
	problems = [
		p
		for p in engine.validate_rules([me, *others], final_reasons())
		if p.params.get("rule") == me.name or p.params.get("other") == me.name
	]
	if problems:
		frappe.throw(
			"<br>".join(f"• {render(p)}" for p in dict.fromkeys(problems)), title=_("Invalid Cooling Rule")
		)


def validate_lost_reason(doc, method=None):
	"""Opportunity Lost Reason.validate: a reason named by a (temporary) cooling rule cannot be final."""
	if not cint(doc.get("sd_final")):
		return
	rules = frappe.get_all(
		"Base Cooling Rule Reason", filters={"lost_reason": doc.name, "parenttype": "Base Cooling Rule"}, pluck="parent"
	)
	if rules:
		problems = [Problem("cooling_final_reason", {"rule": r, "reason": doc.name}) for r in sorted(set(rules))]
		frappe.throw("<br>".join(f"• {render(p)}" for p in problems), title=_("Invalid Lost Reason"))


# --- parties ----------------------------------------------------------------------------


def party_of(doctype: str, name: str | None) -> engine.Party | None:
	"""What matching needs to know of a record: the party it is about (one or two queries)."""
	if not doctype or not name:
		return None
	if doctype == "Lead":
		row = frappe.db.get_value("Lead", name, ["company_name", "email_id", "customer"], as_dict=True)
		if not row:
			return None
		linked = (("Customer", row.customer),) if row.customer else ()
		return engine.Party("Lead", name, row.company_name, (row.email_id,) if row.email_id else (), linked)
	if doctype == "Customer":
		# plain SQL: read on every new record and party change (the query builder doubles its cost)
		found = frappe.db.sql("select customer_name, email_id from `tabCustomer` where name = %s", name, as_dict=True)
		return customer_party(name, found[0]) if found else None
	if doctype == "Prospect":
		return engine.Party("Prospect", name, frappe.db.get_value("Prospect", name, "company_name"))
	if doctype == "Opportunity":
		row = frappe.db.get_value(
			"Opportunity",
			name,
			["opportunity_from", "party_name", "customer_name", "contact_email", "contact_person"],
			as_dict=True,
		)
		return opportunity_party(row) if row else None
	if doctype == "Quotation":
		row = frappe.db.get_value(
			"Quotation", name, ["quotation_to", "party_name", "customer_name", "contact_email", "contact_person"], as_dict=True
		)
		if not row:
			return None
		return with_contact(
			party_of(row.quotation_to, row.party_name), row.customer_name, row.contact_email, row.contact_person
		)
	if doctype == "Contact":
		row = frappe.db.get_value("Contact", name, ["email_id", "company_name"], as_dict=True)
		if not row:
			return None
		links = frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Contact", "parent": name},
			fields=["link_doctype", "link_name"],
		)
		return engine.Party(
			"Contact",
			name,
			row.company_name,
			(row.email_id,) if row.email_id else (),
			tuple((link.link_doctype, link.link_name) for link in links),
		)
	return None


def customer_party(name: str, row) -> engine.Party:
	"""A customer as matching knows it, from its ``customer_name`` and ``email_id``."""
	return engine.Party("Customer", name, row.get("customer_name"), (row["email_id"],) if row.get("email_id") else ())


def opportunity_party(opp) -> engine.Party | None:
	"""The party of an Opportunity (a document or a row), with its contact.

	A customer this save already read (``flags.sd_customer``, set by ``regulations.segment_of`` in the
	gate's validate, which runs first and clears it on every save) is not read again."""
	known = opp.flags.get("sd_customer") if getattr(opp, "flags", None) is not None else None
	if known and opp.get("opportunity_from") == "Customer" and known.get("name") == opp.get("party_name"):
		base = customer_party(known["name"], known)
	else:
		base = party_of(opp.get("opportunity_from"), opp.get("party_name"))
	return with_contact(base, opp.get("customer_name"), opp.get("contact_email"), opp.get("contact_person"))


def with_contact(party, company_name=None, email=None, contact=None):
	if party is None:
		return None
	return engine.Party(
		party.doctype,
		party.name,
		party.company_name or company_name,
		tuple(dict.fromkeys([*party.emails, *([email] if email else [])])),
		party.linked + ((("Contact", contact),) if contact else ()),
	)


def with_contacts(party: engine.Party) -> engine.Party:
	"""A customer with all its contacts (and their addresses): what the customer scope covers."""
	if party.doctype != "Customer":
		return party
	rows = frappe.db.sql(
		"""select c.name, c.email_id from `tabContact` c
		join `tabDynamic Link` dl on dl.parent = c.name and dl.parenttype = 'Contact'
		where dl.link_doctype = 'Customer' and dl.link_name = %s""",
		party.name,
	)
	return engine.Party(
		party.doctype,
		party.name,
		party.company_name,
		tuple(dict.fromkeys([*party.emails, *(e for _n, e in rows if e)])),
		tuple(dict.fromkeys([*party.linked, *(("Contact", n) for n, _e in rows)])),
	)


def org_key(party: engine.Party) -> str:
	"""What repeated refusals of one organisation are counted by."""
	org = engine.normalise_company(party.company_name)
	if org:
		return f"org:{org}"
	for e in party.emails:
		domain = engine.email_domain(e)
		if domain and not engine.is_free_mail(domain):
			return f"domain:{domain}"
	return engine.party_key(party.doctype, party.name)


# --- looking coolings up ------------------------------------------------------------------


def active_coolings(keys, today=None, grace_days: int = 0, include_returned=False):
	"""Cooling Records covering any of ``keys`` on ``today`` (one indexed query).

	With ``grace_days``, also those that ended up to that many days ago (for
	extending a cooling on a repeat refusal).
	"""
	keys = sorted(set(keys))
	if not keys:
		return []
	today = getdate(today or nowdate())
	statuses = ("Active", "Returned") if include_returned else ("Active",)
	# a semi-join, each record once (a DISTINCT over the join sorted through a temporary table: twice as slow
	# on every save of a new record)
	return frappe.db.sql(
		f"""select r.name, r.party_type, r.party, r.party_title, r.mode, r.from_date, r.until_date,
			r.refusals, r.reason, r.rule
		from `tab{RECORD}` r
		where r.name in (select k.parent from `tab{KEY_TABLE}` k
			where k.match_key in %(keys)s and k.parenttype = %(parenttype)s)
		and r.status in %(statuses)s and r.until_date >= %(since)s and r.from_date <= %(today)s""",
		{
			"keys": keys,
			"parenttype": RECORD,
			"statuses": statuses,
			"since": add_days(today, -grace_days) if grace_days else today,
			"today": today,
		},
		as_dict=True,
	)


def coolings_by_key(keys, today=None) -> dict[str, list]:
	"""The Cooling Records active on ``today``, by each of ``keys`` they cover (one indexed query)."""
	keys = sorted(set(keys))
	if not keys:
		return {}
	today = getdate(today or nowdate())
	rows = frappe.db.sql(
		f"""select k.match_key, r.name, r.party_type, r.party, r.party_title, r.mode, r.from_date, r.until_date,
			r.refusals, r.reason, r.rule
		from `tab{KEY_TABLE}` k
		join `tab{RECORD}` r on r.name = k.parent
		where k.match_key in %(keys)s and k.parenttype = %(parenttype)s
		and r.status = 'Active' and r.until_date >= %(today)s and r.from_date <= %(today)s""",
		{"keys": keys, "parenttype": RECORD, "today": today},
		as_dict=True,
	)
	found = {}
	for row in rows:
		found.setdefault(row.pop("match_key"), []).append(row)
	return found


def windows_of(rows) -> list[engine.Window]:
	return [
		engine.Window(getdate(r.from_date), getdate(r.until_date), r.mode, r.rule or "", cint(r.refusals) or 1)
		for r in rows
	]


# --- creating coolings ----------------------------------------------------------------------


def refused(source, trigger: str, party: engine.Party | None, reasons=(), today=None) -> list[str]:
	"""A refusal happened in ``source`` (a Lead, Opportunity or Quotation): cool, or close for good.

	Returns the names of the Cooling Records made.
	"""
	if party is None:
		return []
	today = getdate(today or nowdate())
	reasons = [r for r in reasons if r]
	context = _context(source)
	if trigger == engine.OPPORTUNITY_LOST and engine.is_final(reasons, final_reasons()):
		return [_insert(source, party, context, None, None, today, reasons, final=True)]
	made = []
	rules = load_rules()
	for rule in engine.rules_for(rules, trigger, reasons):
		made.append(_cool(source, party, context, rule, today, reasons))
	for rule in engine.rules_for(rules, engine.REPEATED):
		if _repeated(party, rule, today, counted_now=bool(made)):
			made.append(_cool(source, party, context, rule, today, reasons))
	return made


def _repeated(party, rule, today, counted_now: bool) -> bool:
	since = add_days(today, -(rule.window_days - 1))
	earlier = frappe.db.sql_list(
		f"""select from_date from `tab{RECORD}` where org_key = %s and from_date >= %s and final = 0""",
		(org_key(party), since),
	)
	dates = [getdate(d) for d in earlier] + ([] if counted_now else [today])
	return engine.repeated_refusals(dates, today, rule)


def _cool(source, party, context, rule: engine.Rule, today, reasons) -> str:
	if rule.scope != engine.RECORD:
		party = with_contacts(party)
	current = active_coolings(engine.target_keys(party), today, grace_days=max(rule.grace_days, 0), include_returned=True)
	window = engine.apply_refusal(rule, today, windows_of(current))
	return _insert(source, party, context, rule, window, today, reasons)


def _context(source) -> dict:
	from sales_drive.people import sales_person_of

	owner = (
		source.get("lead_owner")
		or source.get("opportunity_owner")
		or source.get("sd_record_owner")
		or source.get("owner")
		or frappe.session.user
	)
	person, team = sales_person_of(owner)
	return {
		"record_owner": owner,
		"sales_person": person,
		"team": team,
		"company": source.get("company"),
		"territory": source.get("territory"),
		"industry": source.get("industry"),
		"market_segment": source.get("market_segment"),
	}


def _insert(source, party, context, rule, window, today, reasons, final=False) -> str:
	scope = rule.scope if rule else engine.RECORD
	keys = sorted(engine.cooling_keys(scope, party))
	doc = frappe.get_doc(
		{
			"doctype": RECORD,
			"party_type": party.doctype,
			"party": party.name,
			"party_title": (party.company_name or party.name)[:140],
			"status": engine.CLOSED if final else engine.ACTIVE,
			"final": int(final),
			"mode": window.mode if window else None,
			"rule": rule.name if rule else None,
			"scope": scope,
			"from_date": today,
			"until_date": window.until if window else None,
			"refusals": window.refusals if window else 1,
			"org_key": org_key(party)[:240],
			"source_doctype": source.doctype,
			"source_name": source.name,
			"reason": ", ".join(_(r) for r in reasons) if reasons else None,
			"keys": [{"match_key": k[:240]} for k in keys],
			**context,
		}
	)
	doc.insert(ignore_permissions=True)
	if window:
		_flag(party, source, scope, window.until)
	return doc.name


def _flag(party, source, scope, until):
	"""The list filter: ``sd_cooling_until`` on the party, the refused record and the organisation's leads."""
	targets = [(party.doctype, party.name), (source.doctype, source.name)]
	for doctype, name in targets:
		if doctype in FLAG_DOCTYPES and name:
			frappe.db.sql(
				f"""update `tab{doctype}` set sd_cooling_until = %(until)s
				where name = %(name)s and (sd_cooling_until is null or sd_cooling_until < %(until)s)""",
				{"until": until, "name": name},
			)
	org = engine.normalise_company(party.company_name)
	if scope == engine.ORGANISATION and org:
		frappe.db.sql(
			"""update `tabLead` set sd_cooling_until = %(until)s
			where sd_org_key = %(org)s and (sd_cooling_until is null or sd_cooling_until < %(until)s)""",
			{"until": until, "org": org},
		)


# --- lifting early -------------------------------------------------------------------------


def may_lift() -> bool:
	return bool(set(MANAGER_ROLES) & set(frappe.get_roles()))


def lift_records(names, reason):
	"""Lift coolings early: a Sales Manager, with a reason; logged on the record and the party."""
	if not may_lift():
		frappe.throw(_("Only a Sales Manager can lift a cooling early"), frappe.PermissionError)
	reason = (reason or "").strip()
	if not reason:
		frappe.throw(_("Give a reason for lifting the cooling early"), title=_("Reason Required"))
	now = now_datetime()
	lifted = []
	for name in names:
		doc = frappe.get_doc(RECORD, name)
		if doc.status != engine.ACTIVE:
			continue
		doc.status = engine.LIFTED
		doc.lifted_by = frappe.session.user
		doc.lifted_on = now
		doc.lift_reason = reason
		doc.flags.sd_cooling_server = True  # the record's own validate restores any other change
		doc.save(ignore_permissions=True)
		lifted.append(doc)
		if frappe.db.exists(doc.party_type, doc.party):
			frappe.get_doc(doc.party_type, doc.party).add_comment(
				"Info",
				_("Cooling lifted early by {0}: {1}").format(frappe.utils.get_fullname(), frappe.utils.escape_html(reason)),
			)
	_unflag_lifted(lifted)
	return [d.name for d in lifted]


@frappe.whitelist(methods=["POST"])
def lift(doctype: str, name: str, reason: str | None = None):
	"""Lift every cooling that keeps the record from being contacted (the form's button)."""
	frappe.has_permission(doctype, "read", name, throw=True)
	rows = active_coolings(engine.target_keys(party_of(doctype, name) or engine.Party(doctype, name)))
	if not rows:
		frappe.throw(_("{0} {1} is not cooling").format(_(doctype), name))
	return lift_records([r.name for r in rows], reason)


@frappe.whitelist()
def cooling_status(doctype: str, name: str):
	"""The form's banner: is the record cooling, in which mode, until when, why."""
	frappe.has_permission(doctype, "read", name, throw=True)
	party = party_of(doctype, name)
	if party is None:
		return {"cooling": False}
	today = getdate(nowdate())
	rows = active_coolings(engine.target_keys(party), today)
	state = engine.state_on(windows_of(rows), today)
	if not state.cooling:
		return {"cooling": False}
	strongest = [r for r in rows if r.mode == state.mode]
	latest = max(strongest, key=lambda r: getdate(r.until_date))
	return {
		"cooling": True,
		"mode": state.mode,
		"until": str(state.until),
		"returns_on": str(state.returns_on),
		"party": f"{_(latest.party_type)} {latest.party_title or latest.party}",
		"reason": latest.reason,
		"records": [r.name for r in rows],
		"can_lift": may_lift(),
	}


# --- the daily return --------------------------------------------------------------------------


def return_cooled_parties(today=None) -> int:
	"""Daily: parties whose every cooling has ended go back to the base.

	A party returns when no cooling covers it any more: neither one of its own
	nor another party's organisation- or e-mail-wide one (the keys the contact
	check looks it up by). A party still covered keeps its ended records Active
	and returns on the first run after the last covering cooling ends, so a
	return is never made for a party that may not be contacted. Each returning
	party's records are marked Returned, the party goes back to status Open (a
	Lead), is assigned per the Lead regulation's hand-off (a hunter) and its
	assignee gets one notification: its records are marked before anyone is
	told, and a second run finds nothing left to return.

	One party at a time, under a savepoint: a party that fails is rolled back to
	where it was (it is tried again on the next run), the error is logged with
	its Cooling Record, and the others go on.
	"""
	today = getdate(today or nowdate())
	ended = frappe.db.sql(
		f"""select name, party_type, party, party_title, record_owner, return_notified
		from `tab{RECORD}` where status = 'Active' and until_date < %s order by name""",
		today,
		as_dict=True,
	)
	_unflag(today)
	if not ended:
		return 0
	by_party = {}
	for r in ended:
		by_party.setdefault((r.party_type, r.party), []).append(r)
	covered = _still_covered(by_party, today)
	hunters = _hunters()
	loads = _open_leads_per_user(hunters)
	last = None
	returned = 0
	for (party_type, party), rows in sorted(by_party.items()):
		if (party_type, party) in covered:
			continue
		frappe.db.savepoint(RETURN_SAVEPOINT)
		try:
			exists, assignee = _return_party(party_type, party, rows, today, hunters, loads, last)
		except Exception:
			frappe.db.rollback(save_point=RETURN_SAVEPOINT)
			frappe.clear_messages()
			frappe.log_error(
				title=_("Cooling return failed: {0} {1}").format(_(party_type), party),
				reference_doctype=RECORD,
				reference_name=rows[0].name,
			)
			continue
		if assignee:
			loads[assignee] = loads.get(assignee, 0) + 1
			last = assignee
		returned += int(exists)
	return returned  # the scheduler commits a job that returns normally


def _still_covered(by_party, today) -> set:
	"""The parties some running cooling still covers, looked up by the keys the contact check uses."""
	keys_of = {}
	for party_type, party in by_party:
		found = party_of(party_type, party) or engine.Party(party_type, party)
		keys_of[(party_type, party)] = engine.target_keys(found)
	running = coolings_by_key(set().union(*keys_of.values()), today)
	return {p for p, keys in keys_of.items() if any(k in running for k in keys)}


def _return_party(party_type, party, rows, today, hunters, loads, last):
	"""Mark the party's ended records Returned, reopen and assign it, tell its assignee once.

	Returns whether the party still exists, and its assignee (None when nobody was assigned).
	"""
	names = [r.name for r in rows]
	frappe.db.sql(
		f"""update `tab{RECORD}` set status = 'Returned', returned_on = %s, return_notified = 1
		where name in %s""",
		(today, names),
	)
	if not frappe.db.exists(party_type, party):
		return False, None
	assignee = handoff.pick(hunters, _handoff_method(), loads, last) if hunters else None
	_reopen(party_type, party, assignee)
	if assignee:
		frappe.db.sql(f"update `tab{RECORD}` set returned_to = %s where name in %s", (assignee, names))
	if any(not cint(r.return_notified) for r in rows):
		recipient = assignee or rows[0].record_owner
		if recipient and recipient not in ("Administrator", "Guest"):
			_notify_return(recipient, party_type, party, rows[0].party_title)
	return True, assignee


def _unflag(today=None):
	"""Clear the list filter of records whose cooling has ended (or was lifted)."""
	today = getdate(today or nowdate())
	for doctype in FLAG_DOCTYPES:
		frappe.db.sql(f"update `tab{doctype}` set sd_cooling_until = null where sd_cooling_until < %s", today)


def _unflag_lifted(docs):
	"""After a lift: records no longer covered by any cooling leave the list filter."""
	today = getdate(nowdate())
	for doc in docs:
		targets = [(doc.party_type, doc.party), (doc.source_doctype, doc.source_name)]
		for doctype, name in targets:
			if doctype not in FLAG_DOCTYPES or not name:
				continue
			party = party_of(doctype, name) or engine.Party(doctype, name)
			if not active_coolings(engine.target_keys(party), today):
				frappe.db.sql(f"update `tab{doctype}` set sd_cooling_until = null where name = %s", name)
		org = (doc.org_key or "").removeprefix("org:")
		if doc.scope == engine.ORGANISATION and doc.org_key and doc.org_key.startswith("org:"):
			frappe.db.sql("update `tabLead` set sd_cooling_until = null where sd_org_key = %s", org)


def _first_lead_step():
	active = regulations.active("Lead")
	if not active or not active.regulation.steps:
		return None
	return active.regulation.step(active.regulation.first_step())


def _hunters() -> list[str]:
	step = _first_lead_step()
	if step and (step.handoff_role or step.handoff_specialisation):
		found = candidates_for(step.handoff_role or None, step.handoff_specialisation or None)
	elif step:
		found = candidates_for(None, step.specialisation or "Hunter")
	else:
		found = candidates_for(None, "Hunter")
	return found


def _handoff_method():
	step = _first_lead_step()
	return (step.handoff_method if step and step.handoff_role else None) or handoff.LEAST_LOADED


def _open_leads_per_user(users):
	if not users:
		return {}
	rows = frappe.db.sql(
		"""select lead_owner, count(*) from `tabLead`
		where lead_owner in %(users)s and status in %(open)s group by lead_owner""",
		{"users": users, "open": UNTOUCHED + WARM},
	)
	return {u: n for u, n in rows}


def _reopen(party_type, party, assignee):
	if party_type == "Lead":
		values = {"sd_cooling_until": None}
		if frappe.db.get_value("Lead", party, "status") in LEAD_LOST_STATUSES:
			values["status"] = "Open"
		if assignee:
			values["lead_owner"] = assignee
		frappe.db.set_value("Lead", party, values)
	elif party_type in FLAG_DOCTYPES:
		frappe.db.set_value(party_type, party, "sd_cooling_until", None, update_modified=False)
	if assignee and not frappe.db.exists(
		"ToDo", {"reference_type": party_type, "reference_name": party, "allocated_to": assignee, "status": "Open"}
	):
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": assignee,
				"reference_type": party_type,
				"reference_name": party,
				"assigned_by": "Administrator",
				"description": _("Back in the base after cooling: {0} {1}").format(_(party_type), party),
				"date": nowdate(),
			}
		)
		todo.insert(ignore_permissions=True)


def _notify_return(user, party_type, party, title):
	log = frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"type": "Assignment",
			"document_type": party_type,
			"document_name": party,
			"subject": _("{0} {1} is back in the base after cooling and assigned to you").format(
				_(party_type), title or party
			),
			"from_user": "Administrator",
		}
	)
	log.insert(ignore_permissions=True)
