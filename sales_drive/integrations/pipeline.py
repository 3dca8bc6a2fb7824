"""doc_events of Lead and Opportunity: enforce the gate, then log the move.

``validate`` decides (and throws, listing what is missing, in the user's
language); ``on_update`` writes the transition log and the hand-off
assignment once the save has gone through. Every path that saves a document
— the form, a workflow action, REST, Data Import, the Kanban board — runs
``validate``, so the gate holds server side everywhere. The same ``validate`` keeps
the tracking fields (step clock, due date, overdue flags, regulation, checklist
stamps) the server's: a value a user sends for them is never taken. Deleting a
record keeps its transition log (``on_trash``: marked deleted).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, getdate, now_datetime, time_diff_in_hours

from sales_drive import facts, log_history, messages, regulations, sales_models, totals
from sales_drive.engine import gates, handoff, rollout
from sales_drive.people import sales_person_of
from sales_drive.queries import candidates_for, open_condition
from sales_drive.setup.custom_fields import OWNER_FIELD, STEP_FIELD


class StageGateError(frappe.ValidationError):
	pass


UNKNOWN_DURATION = -1
# what regulations.for_record reads of a Lead: its regulation, its segment (see segment_of), its step
LEAD_REGULATION_FIELDS = ["name", "sd_regulation", "sd_step", "status", "lead_owner", "territory", "source", "customer"]
# the statuses of a refusal (logged Lost, undone by Reopen): not the same as "not open pipeline", which also
# leaves out the won ones (queries.NOT_OPEN / open_condition)
LOST_STATUSES = {"Opportunity": ("Lost", "Closed"), "Lead": ("Do Not Contact", "Lost Quotation")}


def before_validate(doc, method=None):
	"""Remember the party an Opportunity was sent with, before ERPNext's own ``validate`` runs.

	ERPNext makes a Lead for an Opportunity that has only a contact e-mail
	(``make_new_lead_if_required``); that lead is born with the opportunity and
	is not a lead being converted, so the conversion check leaves it alone.
	"""
	if doc.doctype == "Opportunity" and doc.flags.get("sd_party_given") is None:
		doc.flags.sd_party_given = bool(doc.get("party_name"))


def validate(doc, method=None):
	doc.flags.pop("sd_customer", None)  # what this save reads of the customer (regulations.segment_of)
	before = None if doc.is_new() else _stored(doc)
	# the tracking fields are the server's with the gates on or off
	_keep_server_fields(doc, before)
	_stamp_ticks(doc, before)
	_keep_regulation(doc, before)
	if not regulations.gates_enabled():
		return
	if doc.doctype == "Opportunity" and _party_changed(doc, before):
		_check_lead_conversion(doc)
	active = regulations.for_record(doc)
	if not active:
		return
	field = STEP_FIELD[doc.doctype]
	if doc.flags.get("sd_move_to"):
		_move_regulation(doc, before, active, doc.flags.pop("sd_move_to"), doc.flags.pop("sd_move_reason", ""))
		return
	reg = active.regulation
	# Observe never writes ERPNext's own fields (an Opportunity's Sales Stage, the owner on hand-off)
	writes = rollout.rewrites_fields(active.mode)
	may_set_step = writes or field.startswith("sd_")
	raw_old = before.get(field) if before else None
	old = active.resolve(raw_old) or raw_old
	new = _step_of(doc, active, field)
	if may_set_step and new and doc.get(field) != new:
		doc.set(field, new)
	log = []

	if not doc.is_new() and not doc.get("sd_regulation") and old == new:
		# a record made before the app (or before its regulation) is bound on its first save
		log.append(_adopted_row(doc, active, new))
	else:
		kind = gates.classify(reg, old, new)
		if kind != gates.SAME or doc.is_new():
			needs = gates.needed_facts(reg, old, new)
			verdict = gates.evaluate(reg, old, new, facts.gather(doc, needs), labels=_labels(doc))
			override = cint(doc.get("sd_gate_override"))
			# the user's roles are looked at only when an override is asked for
			decision = gates.decide(
				verdict, override, doc.get("sd_override_reason"), bool(override) and regulations.may_override()
			)
			out = rollout.outcome(active.mode, decision.allowed)
			if out.refuse:
				_throw(doc, old, new, messages.render_all(decision.errors))
			if out.warn:
				_warn(doc, old, new, messages.render_all(verdict.missing))
			if out.record:
				observe(doc, active, "Move", old, new, verdict.missing)
			log.append(_enter_step(doc, active, before, old, new, verdict, decision, enforced=not out.record, writes=writes))
			if doc.is_new() and active.assign_to_account_manager and writes:
				_give_to_account_manager(doc, log[-1])
	doc.sd_regulation = reg.name

	_sync_checklist(doc, reg, new)
	if log:
		doc.flags.sd_log = (doc.flags.sd_log or []) + log
	doc.sd_gate_override = 0
	doc.sd_override_reason = None
	if active.mode == rollout.ENFORCE:
		sales_models.check_assistant(doc, reg, old, new)


# Tracking fields of Lead and Opportunity (sales_drive/setup/custom_fields.py) are the server's: ``read_only``
# is not enforced on save, so a value sent by a user — the form, REST, Data Import — is never taken. On insert
# they start empty, on update the stored value stays; the gate code below then sets them where the record
# moves (``_enter_step``, ``_adopted_row``, ``_move_regulation``). The server's other writers use SQL or
# ``db_set_value`` and never pass here: the overdue job (tasks.py), the adoption, payments (a deal won), base
# cooling (``sd_cooling_until``). ``sd_regulation`` is kept by ``_keep_regulation``; the checklist's
# ``done_by`` / ``done_on`` by ``_stamp_ticks``.
SERVER_FIELDS = ("sd_step_entered_on", "sd_step_due", "sd_overdue", "sd_overdue_notified", "sd_cooling_until")
# set by server code on insert only (a repeat-sale opportunity: sales_drive/repeat_sales.py, ignore_permissions)
SERVER_INSERT_FIELDS = {"Opportunity": ("sd_repeat_sale_rule",)}


def _stored(doc):
	"""The record as stored, before this save (Frappe loads it in ``save``; read it if a caller did not)."""
	return doc.get_doc_before_save() or (
		frappe.get_doc(doc.doctype, doc.name) if frappe.db.exists(doc.doctype, doc.name) else None
	)


def _keep_server_fields(doc, before):
	"""Put back the stored value of every server-owned field, whatever the save was sent with."""
	for fieldname in SERVER_FIELDS:
		if doc.meta.has_field(fieldname):
			doc.set(fieldname, before.get(fieldname) if before else None)
	for fieldname in SERVER_INSERT_FIELDS.get(doc.doctype, ()):
		if before is not None:
			doc.set(fieldname, before.get(fieldname))
		elif not doc.flags.get("ignore_permissions"):
			# a user's insert (REST, import, form) never names the rule: only the repeat-sale job does
			doc.set(fieldname, None)


def _step_of(doc, active, field):
	"""The step the record is in after this save: its step field resolved through the stage mapping.

	A new record sent without a step (or a Lead, whose step field is ours)
	starts where its ERPNext value maps, else in the first step.
	"""
	raw = doc.get(field)
	if raw:
		return active.resolve(raw) or raw
	if doc.doctype == "Lead":
		return active.resolve(doc.get("status")) or active.regulation.first_step()
	if doc.is_new():
		return active.regulation.first_step()
	return raw


def _party_changed(doc, before) -> bool:
	"""An Opportunity now made from a lead it was not made from before (insert, or the party edited)."""
	if doc.get("opportunity_from") != "Lead" or not doc.get("party_name"):
		return False
	if doc.is_new() or before is None:
		return True
	return (before.get("opportunity_from"), before.get("party_name")) != ("Lead", doc.party_name)


def on_update(doc, method=None):
	rows = doc.flags.pop("sd_log", None) if doc.flags.get("sd_log") else None
	if rows:
		write_log(doc, rows)
	observed = doc.flags.pop("sd_observed", None) if doc.flags.get("sd_observed") else None
	if observed:
		write_observations(observed)
	assignee = doc.flags.pop("sd_assign", None) if doc.flags.get("sd_assign") else None
	if assignee:
		_assign(doc, assignee)


def on_change(doc, method=None):
	"""Log Lost / Reopen status changes, however they happen.

	ERPNext also changes an Opportunity's status without a save: a Quotation
	marked lost sets it with ``db_set``, which runs ``on_change`` but not
	``validate``. A save runs it too, so this is the one place status events
	are logged; a flag keeps a save that calls ``db_set`` inside from logging
	the same change twice.
	"""
	if not regulations.gates_enabled():
		return
	active = regulations.for_record(doc)
	if not active:
		return
	before = doc.get_doc_before_save()
	if before is None:
		return
	key = (before.get("status"), doc.get("status"))
	if doc.flags.sd_status_logged == key:
		return
	raw = doc.get(STEP_FIELD[doc.doctype])
	row = _status_event(doc, active, before, active.resolve(raw) or raw)
	if row:
		write_log(doc, [row])
		doc.flags.sd_status_logged = key


def after_insert(doc, method=None):
	"""An Opportunity made from a Lead completes the lead's pipeline (logged as Won)."""
	if doc.doctype != "Opportunity" or doc.opportunity_from != "Lead" or not doc.party_name:
		return
	if not regulations.rules("Lead"):
		return
	lead = frappe.db.get_value("Lead", doc.party_name, ["name", "sd_step", "lead_owner", "owner", "company"], as_dict=True)
	if not lead:
		return
	already = frappe.db.exists(
		"Sales Stage Transition Log",
		{"reference_doctype": "Lead", "reference_name": lead.name, "kind": "Won", "record_deleted": 0},
	)
	if already:
		return
	lead_doc = frappe.get_doc("Lead", lead.name)
	lead_active = regulations.for_record(lead_doc)
	if not lead_active:
		return
	write_log(
		lead_doc,
		[
			_row(
				lead_doc,
				lead_active,
				"Won",
				lead.sd_step,
				"",
				verdict="Not Checked",
				entered_on=lead_doc.get("sd_step_entered_on") or lead_doc.creation,
			)
		],
	)


def on_trash(doc, method=None):
	"""The audit trail outlives the record: its transition log rows (override reasons included) stay, marked
	``record_deleted``; its gate observations stay as they are (what Enforce would have refused happened).

	Both doctypes are in ``ignore_links_on_delete`` (hooks.py), so their rows do not block the delete. The
	name is never handed to a later record (Frappe winds the naming series back when the newest record is
	deleted): that record would inherit these rows as its own history.
	"""
	frappe.db.sql(
		"""update `tabSales Stage Transition Log` set record_deleted = 1
		where reference_doctype = %s and reference_name = %s""",
		(doc.doctype, doc.name),
	)
	if doc.get("naming_series"):
		doc.flags.sd_naming_series = doc.naming_series
		doc.naming_series = None  # delete_doc's update_naming_series then leaves the series as it is


def after_delete(doc, method=None):
	"""Put the naming series back on the deleted document (it is kept in Deleted Document)."""
	if doc.flags.get("sd_naming_series"):
		doc.naming_series = doc.flags.pop("sd_naming_series")


# --- helpers -----------------------------------------------------------------


class _Labels(Mapping):
	"""Field labels for the gate's messages, translated when one is asked for: only a refused or warned save
	asks (translating every label of the doctype on each gated save cost a millisecond in a new request)."""

	def __init__(self, doctype: str):
		self.doctype = doctype

	def __getitem__(self, fieldname):
		df = frappe.get_meta(self.doctype).get_field(fieldname)
		if not df or not df.label:
			raise KeyError(fieldname)
		return _(df.label)

	def __iter__(self):
		return (df.fieldname for df in frappe.get_meta(self.doctype).fields if df.label)

	def __len__(self):
		return sum(1 for _fieldname in self)

	def __bool__(self):
		return True


def _labels(doc) -> Mapping:
	return _Labels(doc.doctype)


def _throw(doc, old, new, lines):
	title = _("Stage gate: {0} cannot move from {1} to {2}").format(
		_(doc.doctype), _(old) if old else _("(none)"), _(new) if new else _("(none)")
	)
	body = "<br>".join(f"• {line}" for line in lines)
	hint = _("Complete what is missing, or ask a Sales Manager to override the gate with a reason.")
	frappe.throw(f"{body}<br><br>{hint}", exc=StageGateError, title=title)


def _warn(doc, old, new, lines):
	"""Warn mode: the save goes through; the user sees what Enforce would ask for."""
	title = _("Stage gate not met: {0} moved from {1} to {2}").format(
		_(doc.doctype), _(old) if old else _("(none)"), _(new) if new else _("(none)")
	)
	body = "<br>".join(f"• {line}" for line in lines)
	hint = _("The regulation is in Warn mode: the save went through. Once it is enforced, this move will be refused.")
	frappe.msgprint(f"{body}<br><br>{hint}", title=title, indicator="orange", alert=False)


def _check_lead_conversion(doc):
	if not doc.flags.get("sd_party_given", True):
		return  # ERPNext made this lead from the opportunity's own contact, in this very save
	if not regulations.rules("Lead"):
		return
	# one read of what the lead's regulation depends on (its own, else its segment) and its step
	lead = frappe.db.get_value("Lead", doc.party_name, LEAD_REGULATION_FIELDS, as_dict=True)
	if not lead:
		return
	lead.doctype = "Lead"
	lead_active = regulations.for_record(lead)
	if not lead_active:
		return
	step = lead.sd_step or lead_active.resolve(lead.status)
	problem = gates.conversion_problem(lead_active.regulation, doc.party_name, step)
	if not problem:
		return
	if cint(doc.get("sd_gate_override")) and (doc.get("sd_override_reason") or "").strip():
		if regulations.may_override():
			return
	out = rollout.outcome(lead_active.mode, allowed=False)
	if out.refuse:
		frappe.throw(messages.render(problem), exc=StageGateError, title=_("Lead not qualified yet"))
	if out.warn:
		frappe.msgprint(
			messages.render(problem)
			+ "<br><br>"
			+ _("The regulation is in Warn mode: the save went through. Once it is enforced, this will be refused."),
			title=_("Lead not qualified yet"),
			indicator="orange",
		)
	observe(lead, lead_active, "Conversion", step, problem.params.get("step"), [problem], owner=lead.lead_owner, flags_of=doc)


def observe(doc, active, kind, from_step, to_step, missing, owner=None, flags_of=None):
	"""Record a move (or a lead conversion) Enforce would refuse: one row per missing criterion.

	The rows are written after the save has gone through (``on_update`` of
	``flags_of``, the document being saved).
	"""
	now = now_datetime()
	owner = owner or doc.get(OWNER_FIELD[doc.doctype]) or doc.get("owner") or frappe.session.user
	rows = [
		{
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"regulation": active.regulation.name,
			"mode": active.mode,
			"kind": kind,
			"occurred_on": now,
			"week": getdate(now) - timedelta(days=getdate(now).weekday()),
			"user": frappe.session.user,
			"record_owner": owner,
			"from_step": from_step or "",
			"to_step": to_step or "",
			"criterion": rollout.criterion_key(p)[:140],
			"message": p.english(),
		}
		for p in missing
	]
	target = flags_of or doc
	target.flags.sd_observed = (target.flags.sd_observed or []) + rows


OBSERVATION_FIELDS = (
	"reference_doctype", "reference_name", "regulation", "mode", "kind", "occurred_on", "week", "user",
	"record_owner", "sales_person", "from_step", "to_step", "criterion", "message",
)  # fmt: skip


def write_observations(rows):
	"""Insert gate observations in one statement."""
	for row in rows:
		row["sales_person"] = sales_person_of(row.get("record_owner"))[0]
	bulk_insert("Sales Gate Observation", OBSERVATION_FIELDS, rows)


# the system columns a Document would set, after ``name`` (bulk_insert, write_log)
_SYSTEM = ("creation", "modified", "owner", "modified_by", "docstatus", "idx")


def bulk_insert(doctype, fields, rows, chunk=1000):
	"""Insert rows of ``fields`` in multi-row INSERTs, with the system columns a Document would set.

	Plain parameterised SQL: building 100k rows through the query builder (``frappe.db.bulk_insert``)
	costs more than the insert itself when the adoption writes a whole site's history.
	"""
	if not rows:
		return
	now = now_datetime()
	user = frappe.session.user
	system = dict(zip(_SYSTEM, (now, now, user, user, 0, 0)))
	columns = ", ".join(f"`{c}`" for c in ("name", *system, *fields))
	placeholder = "(" + ", ".join(["%s"] * (1 + len(system) + len(fields))) + ")"
	fixed = list(system.values())
	for start in range(0, len(rows), chunk):
		part = rows[start : start + chunk]
		values = []
		for row in part:
			values.append(row.get("name") or frappe.generate_hash(length=12))
			values.extend(fixed)
			values.extend(row.get(f) for f in fields)
		frappe.db.sql(
			f"insert into `tab{doctype}` ({columns}) values {', '.join([placeholder] * len(part))}", values
		)


def _adopted_row(doc, active, step):
	"""The log row of a record bound on its first save after install (no gate: it was already there)."""
	row = _row(doc, active, "Adopted", "", step or "", verdict="Not Checked")
	s = active.regulation.step(step)
	cal = regulations.calendar_for(doc, active)
	entered = get_datetime(doc.get("modified") or now_datetime())
	doc.sd_step_entered_on = entered
	doc.sd_step_due = cal.add_working_days(entered, s.max_days) if s else None
	return row


def _enter_step(doc, active, before, old, new, verdict, decision, enforced=True, writes=True):
	reg = active.regulation
	now = now_datetime()
	entered_on = doc.get("sd_step_entered_on") or (before.creation if before else None)
	step = reg.step(new)
	cal = regulations.calendar_for(doc, active)
	doc.sd_regulation = reg.name
	doc.sd_step_entered_on = now
	doc.sd_step_due = cal.add_working_days(now, step.max_days) if step else None
	doc.sd_overdue = 0
	doc.sd_overdue_notified = 0
	row = _row(
		doc,
		active,
		verdict.kind,
		old or "",
		new or "",
		verdict="Overridden" if decision.overridden else ("Passed" if enforced else "Not Enforced"),
		entered_on=entered_on,
		now=now,
		calendar=cal,
	)
	if not enforced:
		row["missing"] = "\n".join(p.english() for p in verdict.missing)
	if decision.overridden:
		row["override_reason"] = (doc.get("sd_override_reason") or "").strip()
		row["missing"] = "\n".join(p.english() for p in verdict.missing)
	if writes and step and (step.handoff_role or step.handoff_specialisation) and verdict.kind != gates.BACKWARD:
		assignee = _pick_assignee(doc, step)
		if assignee:
			doc.set(OWNER_FIELD[doc.doctype], assignee)
			doc.flags.sd_assign = assignee
			row["assigned_to"] = assignee
			row["record_owner"] = assignee
	return row


def _keep_regulation(doc, before):
	"""A new record's regulation is chosen by its segment, whatever it was sent with; a saved record
	changes regulation only through the explicit, logged move (``api.move_to_regulation``)."""
	previous = before.get("sd_regulation") if before else None
	if doc.is_new() or not previous:
		# never bound: the segment chooses among the active regulations (never an inactive one sent in)
		doc.sd_regulation = None
		return
	if previous and doc.get("sd_regulation") != previous and not doc.flags.get("sd_move_to"):
		frappe.throw(
			_("The regulation of {0} cannot be changed by editing it: use Move to Another Regulation.").format(
				doc.name
			),
			exc=StageGateError,
			title=_("Regulation kept"),
		)


def _give_to_account_manager(doc, row):
	"""A new record of a customer with an account manager (farmer / KAM) goes to that user."""
	if doc.doctype == "Opportunity":
		customer = doc.get("party_name") if doc.get("opportunity_from") == "Customer" else None
	else:
		customer = doc.get("customer")
	user = frappe.db.get_value("Customer", customer, "account_manager") if customer else None
	if not user or not frappe.db.get_value("User", user, "enabled"):
		return
	doc.set(OWNER_FIELD[doc.doctype], user)
	doc.flags.sd_assign = user
	row["assigned_to"] = user
	row["record_owner"] = user


def _move_regulation(doc, before, current, target_name, reason):
	"""Move a record to another regulation of its pipeline: an explicit, logged action.

	The record keeps its step when the target regulation has a step of that
	name, else it starts at the target's first step; the gate is not checked
	(the move is decided by a manager, with a reason).
	"""
	target = regulations.by_name(target_name)
	if not target or target.regulation.doctype != doc.doctype:
		frappe.throw(_("Regulation {0} is not a regulation for {1}.").format(target_name, _(doc.doctype)))
	reg = target.regulation
	field = STEP_FIELD[doc.doctype]
	old = (before.get(field) if before else None) or doc.get(field)
	new = old if reg.step(old) else reg.first_step()
	doc.set(field, new)
	now = now_datetime()
	cal = regulations.calendar_for(doc, target)
	row = _row(
		doc, target, "Regulation Change", old or "", new or "", verdict="Not Checked",
		entered_on=doc.get("sd_step_entered_on"), now=now, calendar=cal,
	)
	row["previous_regulation"] = doc.get("sd_regulation") or current.regulation.name
	row["override_reason"] = (reason or "").strip()
	step = reg.step(new)
	doc.sd_regulation = reg.name
	if new != old:
		doc.sd_step_entered_on = now
	doc.sd_step_due = cal.add_working_days(get_datetime(doc.sd_step_entered_on or now), step.max_days) if step else None
	doc.sd_overdue = 0
	doc.sd_overdue_notified = 0
	_sync_checklist(doc, reg, new)
	doc.flags.sd_log = (doc.flags.sd_log or []) + [row]
	doc.sd_gate_override = 0
	doc.sd_override_reason = None


def _row(doc, active, kind, from_step, to_step, verdict, entered_on=None, now=None, calendar=None):
	reg = active.regulation
	now = now or now_datetime()
	days = hours = None
	if entered_on and from_step:
		calendar = calendar or regulations.calendar_for(doc, active)
		days = calendar.days_between(get_datetime(entered_on), now)
		hours = round(time_diff_in_hours(now, entered_on), 2)
	owner = doc.get(OWNER_FIELD[doc.doctype]) or doc.owner
	from_def, to_def = reg.step(from_step), reg.step(to_step)
	return {
		"reference_doctype": doc.doctype,
		"reference_name": doc.name,
		"regulation": reg.name,
		"kind": kind,
		"from_step": from_step or "",
		"to_step": to_step or "",
		"from_stage": from_def.stage if from_def else "",
		"to_stage": to_def.stage if to_def else "",
		"transition_time": now,
		"user": frappe.session.user,
		"record_owner": owner,
		"company": doc.get("company"),
		"amount": doc.get("opportunity_amount") or 0,
		"days_in_previous": days,
		"hours_in_previous": hours,
		"verdict": verdict,
	}


def _status_event(doc, active, before, step):
	lost = LOST_STATUSES.get(doc.doctype, ())
	old_status = before.get("status") if before else None
	if doc.status in lost and old_status not in lost:
		kind = "Lost"
	elif old_status in lost and doc.status not in lost:
		kind = "Reopen"
	else:
		return None
	return _row(
		doc,
		active,
		kind,
		step if kind == "Lost" else "",
		step if kind == "Reopen" else "",
		verdict="Not Checked",
		entered_on=doc.get("sd_step_entered_on") if kind == "Lost" else None,
	)


def _sync_checklist(doc, reg, step):
	"""Make sure the current step's checklist items are on the record."""
	have = {(r.step, r.item) for r in (doc.get("sd_checklist") or [])}
	for c in reg.criteria_of(step):
		if c.kind == "Checklist" and (c.step, c.item) not in have:
			doc.append("sd_checklist", {"step": c.step, "item": c.item, "done": 0})


def _stamp_ticks(doc, before):
	"""Who ticked a checklist item, and when, is the server's: the session user and now when the row is
	ticked in this save, the stored stamp while it stays ticked, nothing once unticked (never the sent value)."""
	stamps = {}
	for r in (before.get("sd_checklist") or []) if before else []:
		if r.done:
			stamps.setdefault((r.step, r.item), (r.done_by, r.done_on))
	now = None  # read only for a row ticked in this save
	for r in doc.get("sd_checklist") or []:
		if not r.done:
			r.done_by, r.done_on = None, None
		elif (r.step, r.item) in stamps:
			r.done_by, r.done_on = stamps[(r.step, r.item)]
		else:
			now = now or now_datetime()
			r.done_by, r.done_on = frappe.session.user, now


def _pick_assignee(doc, step):
	candidates = candidates_for(step.handoff_role, step.handoff_specialisation)
	if not candidates:
		return None
	owner_field = OWNER_FIELD[doc.doctype]
	loads = {}
	last = None
	if step.handoff_method == handoff.LEAST_LOADED:
		# the load is each candidate's open pipeline (queries.open_condition): won, lost and closed records are done
		rows = frappe.db.sql(
			f"""select t.`{owner_field}`, count(*) from `tab{doc.doctype}` t
			where t.`{owner_field}` in %(users)s and {open_condition(doc.doctype, "t")} group by t.`{owner_field}`""",
			{"users": candidates},
		)
		loads = {user: n for user, n in rows}
	else:
		last = frappe.db.get_value(
			"Sales Stage Transition Log",
			{"reference_doctype": doc.doctype, "to_step": step.name, "assigned_to": ["is", "set"]},
			"assigned_to",
			order_by="transition_time desc, creation desc",
		)
	return handoff.pick(candidates, step.handoff_method, loads, last)


def _assign(doc, user):
	from frappe.desk.form.assign_to import add as add_assignment

	if frappe.db.exists(
		"ToDo", {"reference_type": doc.doctype, "reference_name": doc.name, "allocated_to": user, "status": "Open"}
	):
		return
	add_assignment(
		{
			"assign_to": [user],
			"doctype": doc.doctype,
			"name": doc.name,
			"description": _("Handed off to you: {0} entered step {1}").format(
				doc.name, _(doc.get(STEP_FIELD[doc.doctype]))
			),
		},
		ignore_permissions=True,
	)


LOG_FIELDS = (
	"reference_doctype", "reference_name", "regulation", "previous_regulation", "kind", "from_step", "to_step",
	"from_stage", "to_stage", "transition_time", "user", "record_owner", "sales_person", "team", "assigned_to",
	"company", "amount", "days_in_previous", "hours_in_previous", "verdict", "override_reason", "missing",
)  # fmt: skip


def write_log(doc, rows):
	"""Insert transition log rows of one record (one statement) and keep the totals (:mod:`sales_drive.totals`).

	The owners' sales person and team come from :func:`sales_drive.people.sales_person_of` (cached). A
	single row of a saved record is inserted with ``RETURNING`` its record's tail
	(:func:`sales_drive.log_history.tail_subquery`): what the totals need of the record's other rows when the
	row is its latest, without reading them. A record being inserted has no rows before these (a deleted
	record's name is never reused)."""
	new_record = bool(doc.flags.in_insert)
	for row in rows:
		row["reference_name"] = doc.name
		row["sales_person"], row["team"] = sales_person_of(row.get("record_owner"))
	_normalise(rows)
	row = rows[0]
	row["name"] = frappe.generate_hash(length=12)
	if len(rows) > 1 or not totals.needs_history(rows, new_record):
		bulk_insert("Sales Stage Transition Log", LOG_FIELDS, rows)
		totals.add(rows, new_record=new_record)
		return
	now, user = now_datetime(), frappe.session.user
	columns = ", ".join(f"`{c}`" for c in ("name", *_SYSTEM, *LOG_FIELDS))
	values = [row["name"], now, now, user, user, 0, 0, *(row.get(f) for f in LOG_FIELDS)]
	tail = frappe.db.sql(
		f"insert into `tabSales Stage Transition Log` ({columns}) values ({', '.join(['%s'] * len(values))}) "
		f"returning {log_history.tail_subquery()}",
		values + log_history.tail_values(row),
	)[0][0]
	totals.add(rows, tail=log_history.Tail.parse(tail))


def _normalise(rows):
	for row in rows:
		row["amount"] = row.get("amount") or 0
		# Int/Float columns cannot be NULL: an unknown duration (a record that was in
		# no tracked step, e.g. created before the app) is stored as -1, never as 0
		for numeric in ("days_in_previous", "hours_in_previous"):
			if row.get(numeric) is None:
				row[numeric] = UNKNOWN_DURATION


def write_log_rows(rows, new_record: bool = False):
	"""Bulk insert of complete transition log rows (the adoption writes many records' rows at once).

	``new_record``: the rows are the first of their records (an insert), so nothing else of theirs is read."""
	_normalise(rows)
	bulk_insert("Sales Stage Transition Log", LOG_FIELDS, rows)
	# the reports' daily totals and outcomes, in the same transaction as the rows (sales_drive/totals.py)
	totals.add(rows, new_record=new_record)
