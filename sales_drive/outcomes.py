"""Outcomes of closed records, kept in the same transaction as the Sales Stage Transition Log.

Step Probabilities asks, per regulation and step: of the records whose outcome (the last Won or Lost row,
not reopened since) falls in a window, how many reached the step, and how many of those were won
(:mod:`sales_drive.engine.probabilities`). Computed from the raw log that is a join of every closed
record to all its rows, and its cost grows with the log. Two things are kept instead:

- **Sales Funnel Outcome**: one row per closed record and regulation: the outcome (``Won`` / ``Lost``),
  its time and log row, and the steps the record reached (a JSON list). A record that is open (never
  closed, or reopened since) has no row.
- **outcome rows of Sales Funnel Aggregate** (``days = -3``, :data:`OUTCOME_ROW`): per grain (Day, Month),
  day of the outcome, document type, regulation, outcome (``kind``) and step (``to_step``): ``moves`` =
  how many closed records reached the step. Step Probabilities sums them over the window
  (:func:`counts`): a read of a few hundred rows, whatever the size of the log.

Kept by :func:`refresh`, called for every log row written or deleted (:mod:`sales_drive.totals`; for a
delete, after it): it recomputes the outcome of each record concerned from that record's own
log rows (index ``sd_log_doctype_name``; only for a Won / Lost / Reopen row, or a record that has an
outcome row) with :func:`sales_drive.engine.probabilities.record_outcome`, and adds the difference to the
totals. A gate save of an open record costs one primary-key read.

Rebuild (exact, idempotent, set-based; also part of ``sales_drive.totals.rebuild``)::

    bench --site SITE execute sales_drive.outcomes.rebuild
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime

import frappe
from frappe.utils import get_datetime, now_datetime

from sales_drive import aggregates, log_history
from sales_drive.engine import probabilities as engine

DOCTYPE = "Sales Funnel Outcome"
TABLE = "`tabSales Funnel Outcome`"
LOG = aggregates.LOG
OUTCOME_ROW = aggregates.OUTCOME_ROW
TRIGGERS = frozenset(engine.CLOSING)
SEP = aggregates.SEP


def state_name(doctype: str, name: str, regulation: str) -> str:
	"""The name of a record's outcome row: the MD5 of doctype, name and regulation (as rebuild makes it)."""
	return hashlib.md5(SEP.join((doctype, name, regulation)).encode("utf-8")).hexdigest()


def _key(row) -> tuple[str, str, str] | None:
	regulation = row.get("regulation")
	if not regulation or not row.get("reference_doctype") or not row.get("reference_name"):
		return None  # the history of no regulation is in no step probability
	return (row["reference_doctype"], row["reference_name"], regulation)


def refresh(rows, history: dict | None = None):
	"""Bring the outcomes of the records of ``rows`` (log rows as dicts, just written or deleted) up to date.

	``history``: the records' log rows already read (:func:`sales_drive.log_history.read`). With it, a record none of whose rows is a Won / Lost / Reopen row is skipped without a query: it
	was never closed, so it has no outcome row (the common move of an open deal)."""
	keys, triggered = set(), set()
	for row in rows:
		key = _key(row)
		if key:
			keys.add(key)
			if row.get("kind") in TRIGGERS:
				triggered.add(key)
	if history is not None:
		keys = {
			k for k in keys
			if k in triggered or any(r.get("kind") in TRIGGERS for r in history.get(k[:2], ()) if r.get("regulation") == k[2])
		}  # fmt: skip
	if not keys:
		return
	names = {state_name(*k): k for k in keys}
	stored = {
		r.name: r
		for r in frappe.db.sql(
			f"select name, outcome, outcome_time, outcome_row, steps from {TABLE} where name in %(names)s",
			{"names": list(names)},
			as_dict=True,
		)
	}
	# a record with no outcome row stays without one unless the rows bring an outcome (or a deleted row
	# was one: the caller passes it as triggered, its kind being Won / Lost / Reopen)
	todo = [k for n, k in names.items() if k in triggered or n in stored]
	if not todo:
		return
	if history is None:
		history = log_history.read({k[:2] for k in todo})
	history = {
		k: [
			(r["kind"], r["from_step"], r["to_step"], get_datetime(r["transition_time"]), r["name"])
			for r in history.get(k[:2], ())
			if r.get("regulation") == k[2]
		]
		for k in todo
	}
	cells: Counter = Counter()
	for key in todo:
		name = state_name(*key)
		old = _stored_outcome(stored.get(name))
		new = engine.record_outcome(history.get(key, ()))
		if old == new:
			continue
		for cell, n in engine.outcome_cells(old).items():
			cells[(key[0], key[2], *cell)] -= n
		for cell, n in engine.outcome_cells(new).items():
			cells[(key[0], key[2], *cell)] += n
		_write_state(name, key, new)
	_add_cells(cells)


def _stored_outcome(row) -> engine.Outcome | None:
	if not row or not row.outcome:
		return None
	return engine.Outcome(
		row.outcome, get_datetime(row.outcome_time), row.outcome_row or "", frozenset(json.loads(row.steps or "[]"))
	)


def _write_state(name: str, key: tuple, outcome: engine.Outcome | None):
	if outcome is None:
		frappe.db.sql(f"delete from {TABLE} where name = %s", name)
		return
	now = now_datetime()
	user = frappe.session.user if getattr(frappe.local, "session", None) else "Administrator"
	steps = json.dumps(sorted(outcome.steps), ensure_ascii=False)
	frappe.db.sql(
		f"""insert into {TABLE} (name, creation, modified, owner, modified_by, docstatus, idx,
			reference_doctype, reference_name, regulation, outcome, outcome_time, outcome_row, steps)
		values (%(name)s, %(now)s, %(now)s, %(user)s, %(user)s, 0, 0, %(doctype)s, %(reference)s, %(regulation)s,
			%(outcome)s, %(time)s, %(row)s, %(steps)s)
		on duplicate key update outcome = values(outcome), outcome_time = values(outcome_time),
			outcome_row = values(outcome_row), steps = values(steps), modified = values(modified)""",
		{
			"name": name, "now": now, "user": user, "doctype": key[0], "reference": key[1], "regulation": key[2],
			"outcome": outcome.kind, "time": outcome.time, "row": outcome.row, "steps": steps,
		},
	)  # fmt: skip


def _add_cells(cells: Counter):
	"""Add (doctype, regulation, day, kind, step) -> n to the outcome rows of the aggregates (Day and Month)."""
	rows: Counter = Counter()
	for (doctype, regulation, day, kind, step), n in cells.items():
		if not n:
			continue
		for grain, period in ((aggregates.DAY, day), (aggregates.MONTH, day.replace(day=1))):
			rows[(grain, period, doctype, regulation, "", "", "", "", "", step, kind, OUTCOME_ROW)] += n
	aggregates.upsert_counts([(key, [n, 0, 0, 0]) for key, n in rows.items() if n])


# ----------------------------------------------------------------------------- set-based: rebuild, recount

# Every closed record (its last Won / Lost / Reopen row is a Won or Lost row; at the same moment Won after
# Reopen after Lost, which is the names' order, then the row name) with each step it reached: the row's
# from_step, and its to_step when it enters a step. One row per (record, step); NULL step when none.
CLOSED_STEPS = f"""
	with last as (
		select o.reference_doctype, o.reference_name, o.regulation, o.kind, o.transition_time, o.name,
			row_number() over (partition by o.reference_doctype, o.reference_name, o.regulation
				order by o.transition_time desc, o.kind desc, o.name desc) as rn
		from {LOG} o
		where o.kind in ('Won', 'Lost', 'Reopen') and ifnull(o.regulation, '') != '' {{where}}
	)
	select distinct c.reference_doctype, c.reference_name, c.regulation, c.kind, c.transition_time, c.name,
		case when x.side = 1 then nullif(l.from_step, '')
			when l.kind in ('Enter', 'Forward', 'Skip', 'Backward') then nullif(l.to_step, '') end as step
	from last c
	join {LOG} l on l.reference_doctype = c.reference_doctype and l.reference_name = c.reference_name
		and l.regulation = c.regulation
	join (select 1 as side union all select 2) x
	where c.rn = 1 and c.kind in ('Won', 'Lost')
"""


def _closed_steps(where: str = "") -> str:
	return CLOSED_STEPS.replace("{where}", f"and ({where})" if where else "")


def recount_states(where: str = "", values: dict | None = None) -> dict[str, tuple]:
	"""name -> (doctype, name, regulation, outcome, time, row, sorted steps) recounted from the log (tests)."""
	out: dict[str, tuple] = {}
	steps: dict[str, set] = {}
	for doctype, reference, regulation, kind, time, row, step in frappe.db.sql(_closed_steps(where), values or {}):
		name = state_name(doctype, reference, regulation)
		out[name] = (doctype, reference, regulation, kind, get_datetime(time), row)
		if step:
			steps.setdefault(name, set()).add(step)
	return {n: (*v, tuple(sorted(steps.get(n, ())))) for n, v in out.items()}


def stored_states(where: str = "", values: dict | None = None) -> dict[str, tuple]:
	"""The same, as kept in Sales Funnel Outcome."""
	return {
		name: (doctype, reference, regulation, kind, get_datetime(time), row, tuple(sorted(json.loads(steps or "[]"))))
		for name, doctype, reference, regulation, kind, time, row, steps in frappe.db.sql(
			f"""select name, reference_doctype, reference_name, regulation, outcome, outcome_time, outcome_row, steps
			from {TABLE} {'where ' + where if where else ''}""",
			values or {},
		)
	}


def recount(where: str = "", values: dict | None = None) -> list[tuple]:
	"""The outcome rows of the aggregates a recount of the log gives: (key..., moves), both grains."""
	parts = []
	for grain, period in ((aggregates.DAY, "date(s.transition_time)"), (aggregates.MONTH, "date_format(s.transition_time, '%%Y-%%m-01')")):
		parts.append(
			f"""select '{grain}', {period}, s.reference_doctype, s.regulation, '', '', '', '', '', s.step, s.kind,
				{OUTCOME_ROW}, count(*)
			from ({_closed_steps(where)}) s where s.step is not null
			group by 1, 2, 3, 4, 10, 11"""
		)
	return frappe.db.sql(" union all ".join(parts), values or {})


def rebuild(commit: bool = True) -> dict:
	"""Recompute Sales Funnel Outcome and the aggregates' outcome rows from the log (exact, idempotent).

	``bench --site SITE execute sales_drive.outcomes.rebuild``; ``sales_drive.totals.rebuild`` runs it too.
	"""
	started = datetime.now()
	now = now_datetime()
	frappe.db.sql(f"delete from {TABLE}")
	frappe.db.sql(f"delete from {aggregates.TABLE} where days = {OUTCOME_ROW}")
	frappe.db.sql("set session group_concat_max_len = 1048576")  # a record's steps as one JSON list
	frappe.db.sql(
		f"""insert into {TABLE} (name, creation, modified, owner, modified_by, docstatus, idx,
			reference_doctype, reference_name, regulation, outcome, outcome_time, outcome_row, steps)
		select md5(concat_ws(char(31), s.reference_doctype, s.reference_name, s.regulation)), %(now)s, %(now)s,
			'Administrator', 'Administrator', 0, 0, s.reference_doctype, s.reference_name, s.regulation, s.kind,
			s.transition_time, s.name, concat('[', ifnull(group_concat(distinct json_quote(s.step) order by s.step), ''), ']')
		from ({_closed_steps('')}) s
		group by s.reference_doctype, s.reference_name, s.regulation""",
		{"now": now},
	)
	key_sql = ", ".join(f"g.c{i}" for i in range(len(aggregates.KEY)))
	columns = ", ".join(
		f"`{c}`" for c in ("name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", *aggregates.KEY, "moves")
	)
	named = ", ".join(f"c{i}" for i in range(len(aggregates.KEY) + 1))
	grouped = " union all ".join(
		f"""select '{grain}', {period}, o.reference_doctype, o.regulation, '', '', '', '', '', j.step, o.outcome,
			{OUTCOME_ROW}, count(*)
		from {TABLE} o join json_table(o.steps, '$[*]' columns (step varchar(140) path '$')) j
		where j.step is not null
		group by 1, 2, 3, 4, 10, 11"""
		for grain, period in (
			(aggregates.DAY, "date(o.outcome_time)"),
			(aggregates.MONTH, "date_format(o.outcome_time, '%%Y-%%m-01')"),
		)
	)
	frappe.db.sql(
		f"""insert into {aggregates.TABLE} ({columns})
		with g ({named}) as ({grouped})
		select concat(left(g.c0, 1), 'O', g.c1, md5(concat_ws(char(31), {key_sql}))), %(now)s, %(now)s,
			'Administrator', 'Administrator', 0, 0, g.*
		from g""",
		{"now": now},
	)
	if commit:
		frappe.db.commit()
	return {
		"closed_records": frappe.db.sql(f"select count(*) from {TABLE}")[0][0],
		"outcome_rows": frappe.db.sql(f"select count(*) from {aggregates.TABLE} where days = {OUTCOME_ROW}")[0][0],
		"seconds": round((datetime.now() - started).total_seconds(), 1),
	}


def counts(since, until, regulations: list[str] | None = None) -> list[tuple[str, str, int, int]]:
	"""(regulation, step, reached, won) of the records closed from ``since`` to ``until`` (whole days),
	read from the aggregates' outcome rows as ranges of the primary key."""
	where = aggregates.period_condition(since, until, rows=OUTCOME_ROW)
	values = {}
	if regulations is not None:
		if not regulations:
			return []
		where += " and a.regulation in %(regulations)s"
		values["regulations"] = list(regulations)
	return [
		(regulation, step, int(reached), int(won))
		for regulation, step, reached, won in frappe.db.sql(
			f"""select a.regulation, a.to_step, sum(a.moves), sum(if(a.kind = 'Won', a.moves, 0))
			from {aggregates.TABLE} a where {where}
			group by a.regulation, a.to_step order by null""",
			values,
		)
	]
