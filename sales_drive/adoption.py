"""Adopting the records of a live ERPNext: bind every open Lead and Opportunity to its regulation.

Open as everywhere (:func:`sales_drive.queries.open_condition`): a won (Converted, logged Won, its
Quotation ordered), lost or closed Opportunity, and a Lead already made into an Opportunity, Quotation
or Customer, lost or not to be contacted, is left unbound, out of the preview's counts and of the mapping.

Set-based and idempotent: the open records no regulation holds yet are read in
one query, their stage history from their Version rows in one more, the
engine (:func:`sales_drive.engine.rollout.adopt`) works out each one's step and
since when (a plan per regulation and company, worked out once), and the
result is written with chunked ``UPDATE ... JOIN`` statements and multi-row
inserts into the transition log. A second run finds
nothing left to adopt. ``modified`` is not touched.

In Warn and Enforce an Opportunity's Sales Stage is rewritten to its step
(the stage mapping is applied to the field); in Observe ERPNext's value is
kept and the step is only resolved through the mapping.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, getdate, now_datetime

from sales_drive import queries, regulations
from sales_drive.engine import rollout, segments
from sales_drive.integrations.pipeline import write_log_rows
from sales_drive.setup.custom_fields import STEP_FIELD

STATUS_KEY = "sales_drive:adoption"
# the field whose history tells where an old record has been: the Sales Stage, a Lead's status
HISTORY_FIELD = {"Opportunity": "sales_stage", "Lead": "status"}
CHUNK = 2000
MANAGERS = ("Sales Manager", "System Manager")


def _open_records(doctype: str):
	if doctype == "Opportunity":
		query = f"""select o.name, o.sales_stage as value, o.creation, o.modified, o.company,
				o.opportunity_owner as record_owner, o.owner, o.opportunity_amount as amount,
				o.customer_group, o.territory, o.opportunity_type, o.source,
				c.sd_key_account, c.customer_group as c_group, c.territory as c_territory
			from `tabOpportunity` o
			left join `tabCustomer` c on o.opportunity_from = 'Customer' and c.name = o.party_name
			where ifnull(o.sd_regulation, '') = '' and {queries.open_condition("Opportunity", "o")}"""
	else:
		query = f"""select l.name, l.status as value, l.sd_step, l.creation, l.modified, l.company,
				l.lead_owner as record_owner, l.owner, 0 as amount,
				null as customer_group, l.territory, null as opportunity_type, l.source,
				c.sd_key_account, c.customer_group as c_group, c.territory as c_territory
			from `tabLead` l
			left join `tabCustomer` c on c.name = l.customer
			where ifnull(l.sd_regulation, '') = '' and {queries.open_condition("Lead", "l")}"""
	return frappe.db.sql(query, as_dict=True)


def _histories(doctype: str, names: set[str]) -> dict[str, list]:
	"""Each record's changes of its history field, from Version rows (one query)."""
	field = HISTORY_FIELD[doctype]
	rows = frappe.db.sql(
		"""select docname, creation, data from `tabVersion`
		where ref_doctype = %s and data like %s""",
		(doctype, f'%"{field}"%'),
	)
	versions = defaultdict(list)
	for docname, creation, data in rows:
		if docname in names:
			versions[docname].append((creation, data))
	return {name: rollout.history(v, field) for name, v in versions.items()}


def _choose(doctype: str, rules, parents, row) -> str | None:
	if len(rules) == 1 and rules[0].is_default:
		return rules[0].regulation
	record = {
		"customer_group": row.c_group or row.customer_group,
		"territory": row.c_territory or row.territory,
		"opportunity_type": row.opportunity_type,
		"source": row.source,
		"key_account": bool(cint(row.sd_key_account)),
	}
	return segments.choose_regulation(rules, record, parents)


class _Plan:
	"""What adopting a record under one regulation (and company calendar) needs, worked out once."""

	def __init__(self, active, company):
		reg = active.regulation
		self.active = active
		self.order = reg.order()
		self.mapping = active.stage_map
		self.calendar = regulations.calendar_for(company, active)
		self.max_days = {s.name: s.max_days for s in reg.steps}
		self.stage = {s.name: s.stage for s in reg.steps}
		self.stage[""] = ""


def adopt_pipeline(doctype: str, progress=None) -> dict:
	"""Adopt the open, unbound records of one pipeline. Returns what was done."""
	rules = regulations.rules(doctype)
	if not rules:
		return {"records": 0, "history": 0}
	records = _open_records(doctype)
	if not records:
		return {"records": 0, "history": 0}
	parents = regulations.tree_parents()
	histories = _histories(doctype, {r.name for r in records})
	today = getdate()
	now = now_datetime()
	people = queries.persons_of_users({r.record_owner or r.owner for r in records})
	user = frappe.session.user
	updates, log = [], []
	plans = {}
	for i, row in enumerate(records):
		name = _choose(doctype, rules, parents, row)
		if (name, row.company) not in plans:
			active = regulations.by_name(name)
			plans[(name, row.company)] = _Plan(active, row.company) if active and active.regulation.order() else None
		plan = plans[(name, row.company)]
		if not plan:
			continue
		value = row.sd_step if doctype == "Lead" and row.get("sd_step") else row.value
		changes = histories.get(row.name, [])
		result = rollout.adopt(value, get_datetime(row.creation), get_datetime(row.modified), changes, plan.order, plan.mapping)
		max_days = plan.max_days.get(result.step)
		due = plan.calendar.add_working_days(result.entered_on, max_days) if max_days else None
		writes_step = doctype == "Lead" or rollout.rewrites_fields(plan.active.mode)
		updates.append(
			(row.name, name, result.step if writes_step else row.value, result.entered_on, due,
				1 if due and due < today else 0)  # fmt: skip
		)
		owner = row.record_owner or row.owner
		sp, team = people.get(owner, (None, None))
		base = {"reference_doctype": doctype, "reference_name": row.name, "regulation": name, "user": user,
			"record_owner": owner, "sales_person": sp, "team": team, "company": row.company,
			"amount": row.amount or 0, "verdict": "Not Checked"}  # fmt: skip
		previous = None
		for from_step, to_step, when in result.transitions:
			days = plan.calendar.days_between(previous, when) if previous and from_step else None
			log.append({**base, "kind": rollout.transition_kind(plan.order, from_step, to_step), "from_step": from_step,
				"to_step": to_step, "from_stage": plan.stage.get(from_step, ""), "to_stage": plan.stage.get(to_step, ""),
				"transition_time": when, "days_in_previous": days})  # fmt: skip
			previous = when
		log.append({**base, "kind": "Adopted", "from_step": "", "to_step": result.step, "from_stage": "",
			"to_stage": plan.stage.get(result.step, ""), "transition_time": now})  # fmt: skip
		if progress and i % CHUNK == 0:
			progress(doctype, i, len(records))
	_write(doctype, updates)
	write_log_rows(log)
	if progress:
		progress(doctype, len(records), len(records))
	return {"records": len(updates), "history": sum(1 for r in log if r["kind"] != "Adopted")}


def _write(doctype: str, updates: list[tuple]):
	"""Chunked UPDATE ... JOIN against the chunk's rows (a UNION ALL derived table); only records still
	unbound are touched. No temporary table: its CREATE would end the transaction the adoption runs in.
	"""
	step_field = STEP_FIELD[doctype]
	for start in range(0, len(updates), CHUNK):
		chunk = updates[start : start + CHUNK]
		first = "select %s as name, %s as regulation, %s as step, %s as entered, %s as due, %s as overdue"
		rows = " union all ".join([first] + ["select %s, %s, %s, %s, %s, %s"] * (len(chunk) - 1))
		# adopted records are not reminded of a backlog they had before the app: notified = 1
		frappe.db.sql(
			f"""update `tab{doctype}` t join ({rows}) a on a.name = t.name
			set t.sd_regulation = a.regulation, t.`{step_field}` = a.step, t.sd_step_entered_on = a.entered,
				t.sd_step_due = a.due, t.sd_overdue = a.overdue, t.sd_overdue_notified = 1
			where ifnull(t.sd_regulation, '') = ''""",
			[v for row in chunk for v in row],
		)


def apply_mapping(regulation: str) -> None:
	"""Warn / Enforce: rewrite the mapped ERPNext values of a regulation's open Opportunities to their steps."""
	active = regulations.by_name(regulation)
	if not active or active.regulation.doctype != "Opportunity" or not rollout.rewrites_fields(active.mode):
		return
	steps = set(active.regulation.order())
	for value, step in active.mapping:
		if value not in steps:
			frappe.db.sql(
				f"""update `tabOpportunity` set sales_stage = %s
				where sd_regulation = %s and sales_stage = %s and {queries.open_condition("Opportunity", "`tabOpportunity`")}""",
				(step, regulation, value),
			)


def adopt_all(progress=None) -> dict:
	"""Adopt both pipelines, then apply the mappings of regulations that rewrite ERPNext's fields."""
	regulations.clear_cache()
	result = {doctype: adopt_pipeline(doctype, progress) for doctype in regulations.PIPELINES}
	for name in frappe.get_all("Sales Pipeline Regulation", {"pipeline": "Opportunity"}, pluck="name"):
		apply_mapping(name)
	return result


# --- the background job and its progress ---------------------------------------------------------


def _check_manager():
	if not set(MANAGERS) & set(frappe.get_roles()):
		frappe.throw(_("Only a Sales Manager may adopt existing records."), frappe.PermissionError)


@frappe.whitelist(methods=["POST"])
def start_adoption():
	"""Queue the adoption as a background job (one at a time); its progress is read by ``adoption_status``."""
	_check_manager()
	from frappe.utils.background_jobs import enqueue, is_job_enqueued

	job_id = f"sales_drive_adoption::{frappe.local.site}"
	if is_job_enqueued(job_id):
		return {"status": "queued"}
	frappe.cache.set_value(STATUS_KEY, {"status": "queued", "done": 0, "total": 0})
	enqueue("sales_drive.adoption.run_job", queue="long", timeout=3600, job_id=job_id, deduplicate=True)
	return {"status": "queued"}


def run_job():
	def progress(doctype, done, total):
		frappe.cache.set_value(STATUS_KEY, {"status": "running", "doctype": doctype, "done": done, "total": total})
		frappe.publish_progress(done * 100 / max(total, 1), title=_("Adopting existing records"), description=_(doctype))

	frappe.cache.set_value(STATUS_KEY, {"status": "running", "done": 0, "total": 0})
	try:
		result = adopt_all(progress)
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		frappe.cache.set_value(STATUS_KEY, {"status": "failed", "error": frappe.get_traceback()[-2000:]})
		raise
	frappe.cache.set_value(STATUS_KEY, {"status": "finished", "result": result})


@frappe.whitelist()
def adoption_status():
	_check_manager()
	return frappe.cache.get_value(STATUS_KEY) or {"status": "not started"}


# --- switching to Enforce -------------------------------------------------------------------------


@frappe.whitelist()
def enforce_preview(regulation: str) -> dict:
	"""Before switching a regulation to Enforce: where its open records stand and what would be stuck.

	Per step: the open records there, how many miss a Field or Checklist exit
	criterion of the step now (they could not move on once enforced), and the
	would-be refusals observed over the last four weeks. Records whose value
	is no step of the regulation (nor mapped to one) are listed on their own.
	"""
	if not frappe.has_permission("Sales Pipeline Regulation", "write", regulation):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	active = regulations.by_name(regulation)
	if not active:
		frappe.throw(_("Regulation {0} not found.").format(regulation))
	reg = active.regulation
	doctype = reg.doctype
	table = f"tab{doctype}"
	field = STEP_FIELD[doctype]
	order = reg.order()
	counts = frappe.db.sql(
		f"""select `{field}`, count(*) from `{table}`
		where sd_regulation = %s and {queries.open_condition(doctype, f"`{table}`")} group by `{field}`""",
		(regulation,),
	)
	records = defaultdict(int)
	for value, n in counts:
		records[active.resolve(value) or ""] += n
	stuck = defaultdict(int)
	for step in order:
		stuck[step] = _missing_count(doctype, regulation, step, active)
	observed = dict(
		frappe.db.sql(
			"""select from_step, count(distinct reference_name) from `tabSales Gate Observation`
			where regulation = %s and occurred_on >= date_sub(now(), interval 28 day) group by from_step""",
			regulation,
		)
	)
	unbound = frappe.db.sql(
		f"select count(*) from `{table}` t where ifnull(t.sd_regulation, '') = '' and {queries.open_condition(doctype, 't')}",
	)[0][0]
	rows = [
		{"step": s, "records": records.get(s, 0), "stuck": stuck.get(s, 0), "observed": observed.get(s, 0)}
		for s in order
	]
	if records.get(""):
		rows.append({"step": "", "records": records[""], "stuck": records[""], "observed": 0})
	return {
		"regulation": regulation,
		"mode": active.mode,
		"rows": rows,
		"open": sum(records.values()),
		"stuck": sum(r["stuck"] for r in rows),
		"unbound": unbound,
	}


def _missing_count(doctype, regulation, step, active) -> int:
	"""Open records in ``step`` missing a Field or an unticked Checklist exit criterion (set-based)."""
	criteria = [c for c in active.regulation.criteria_of(step) if c.kind in ("Field", "Checklist")]
	if not criteria:
		return 0
	field = STEP_FIELD[doctype]
	values = [value for value, target in active.mapping if target == step] + [step]
	meta = frappe.get_meta(doctype)
	conditions, params = [], {"reg": regulation, "values": values, "step": step}
	for i, c in enumerate(criteria):
		if c.kind == "Field":
			df = meta.get_field(c.fieldname)
			if not df and c.fieldname not in ("name", "owner"):
				continue
			numeric = df and df.fieldtype in ("Int", "Float", "Currency", "Percent", "Check")
			conditions.append(f"ifnull(t.`{c.fieldname}`, 0) = 0" if numeric else f"ifnull(t.`{c.fieldname}`, '') = ''")
		else:
			params[f"item{i}"] = c.item
			conditions.append(
				f"""not exists (select 1 from `tabSales Checklist Item` ci where ci.parent = t.name
				and ci.parenttype = '{doctype}' and ci.step = %(step)s and ci.item = %(item{i})s and ci.done = 1)"""
			)
	if not conditions:
		return 0
	return frappe.db.sql(
		f"""select count(*) from `tab{doctype}` t where t.sd_regulation = %(reg)s
		and t.`{field}` in %(values)s and {queries.open_condition(doctype, "t")} and ({" or ".join(conditions)})""",
		params,
	)[0][0]

