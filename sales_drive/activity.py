"""Base Burn's "parties worked", kept as the Sales Stage Transition Log is written.

Parties worked in a period is a distinct count (records with a log row in the period), which does not
add up over days. Cells of **Sales Funnel Aggregate** (``days`` -4 for a team, -5 for a sales person;
letters ``T`` / ``P`` in the name) keep instead, per dimension, company and group (the team or sales
person of the log row, in the column ``team`` / ``sales_person``; '' when empty), the log rows counted by
the day of the row (``period``) and the day of the previous row of the same record, company and group
(``previous``; NULL for a record's first row), at two grains: ``Day`` and ``Month`` (both days taken to
the first of their month). A record counts once for [a, b] exactly when one of its rows in [a, b] has its
previous row before a or none, so a period's count is a sum of a few ranges of these cells
(:mod:`sales_drive.engine.activity`). The report reads them in one query (:func:`worked`), grouped by the
team or sales person like the log rows.

A cell's ``name`` is a prefix that orders the table (grain, dimension, period: ``DT2025-01-31``) and the
MD5 of its key, so writers add with ``INSERT ... ON DUPLICATE KEY UPDATE`` and a rebuild makes the same
names in SQL. Cells whose count falls to zero are deleted. They share the table of the move counts so that
a gated save writes both in ONE statement.

Writers: :func:`sales_drive.totals.add` (the gate, the adoption, the log's controller on insert and delete)
asks :func:`delta` (or :func:`latest_delta`, when the insert gave the record's tail) for the cells of the
rows and has :func:`sales_drive.aggregates.add` write them with the move counts, in the same transaction
as the log rows. A row added or deleted in the middle of a record's history changes the previous day of
the record's next row: :func:`delta` recounts the cells of every record it touches (before and after the
change) and gives the difference.

Rebuild (exact, idempotent, set-based; one transaction)::

    bench --site SITE execute sales_drive.activity.rebuild
"""

from __future__ import annotations

import hashlib
from collections import Counter

import frappe
from frappe.utils import getdate, now_datetime

from sales_drive import aggregates, log_history
from sales_drive.engine import activity as engine

TABLE = aggregates.TABLE
LOG = "`tabSales Stage Transition Log`"
# dimension -> (name code, log column = the aggregate's column of the group, the aggregate's ``days``)
DIMENSIONS = {
	"Team": ("T", "team", aggregates.TEAM_CELL),
	"Sales Person": ("P", "sales_person", aggregates.PERSON_CELL),
}
CELL_ROWS = (aggregates.TEAM_CELL, aggregates.PERSON_CELL)
SEP = "\x1f"


def prefix(grain: str, dimension: str, period) -> str:
	"""The start of a row name: grain (D / M), dimension (T / P), period (YYYY-MM-DD). InnoDB keeps the
	table in primary-key order, so the cells of a range of periods are one range of the primary key."""
	return f"{grain[0]}{DIMENSIONS[dimension][0]}{getdate(period).isoformat()}"


def key_name(grain, dimension, company, group, period, previous) -> str:
	parts = (grain, dimension, company, group, period.isoformat(), previous.isoformat() if previous else "")
	return prefix(grain, dimension, period) + hashlib.md5(SEP.join(parts).encode("utf-8")).hexdigest()


def _text(value) -> str:
	return "" if value is None else str(value)


def _signature(row) -> tuple:
	"""What the cells depend on: the record, its company, team and sales person, and the day."""
	return (
		row.get("reference_doctype"),
		row.get("reference_name"),
		_text(row.get("company")),
		_text(row.get("team")),
		_text(row.get("sales_person")),
		getdate(row.get("transition_time")),
	)


def cells_of(signatures: Counter) -> Counter:
	"""The cells (grain, dimension, company, group, period, previous) -> rows of these log rows."""
	chains: dict[tuple, list] = {}
	for (doctype, name, company, team, person, day), n in signatures.items():
		for dimension, group in (("Team", team), ("Sales Person", person)):
			chains.setdefault((dimension, company, group, doctype, name), []).extend([day] * n)
	out: Counter = Counter()
	for (dimension, company, group, _doctype, _name), days in chains.items():
		for (grain, period, previous), n in engine.cells(days).items():
			out[(grain, dimension, company, group, period, previous)] += n
	return out


def delta(rows, sign: int = 1, history: dict | None = None) -> dict[tuple, int]:
	"""The cells that count log rows in (``sign=1``, after they are written) or out (``sign=-1``, before
	they are deleted): cell -> change.

	Rows are dicts with the log's columns. The records' cells are recounted from the log with and without
	the rows and the difference is taken; rows not found in the log are taken as not written yet (or
	already deleted). ``history``: the records' log rows already read (:func:`sales_drive.log_history.read`),
	instead of reading them again."""
	given = Counter(_signature(r) for r in rows if r.get("reference_name"))
	if not given:
		return {}
	records = {s[:2] for s in given}
	if history is None:
		history = log_history.read(records)
	stored = Counter(_signature(r) for key in records for r in history.get(key, ()))
	full = stored + (given - stored)
	before, after = (full - given, full) if sign > 0 else (full, full - given)
	change = cells_of(after)
	change.subtract(cells_of(before))
	return {key: n for key, n in change.items() if n}


def add(rows, sign: int = 1, history: dict | None = None):
	"""Count log rows in (or out, ``sign=-1``) on their own: for code that wrote or deleted log rows in SQL
	and keeps the move counts itself (the log's writers go through :func:`sales_drive.totals.add`)."""
	aggregates.upsert_rows(upsert_rows(delta(rows, sign, history)))


def latest_delta(row, team_last, person_last) -> dict[tuple, int]:
	"""The cells of one log row just written that is the latest of its record's rows of the same company
	and team, and of the same company and sales person, whose latest rows before it are at ``team_last``
	and ``person_last`` (None: none): what :func:`delta` would give (:func:`engine.appended_cells`), with
	no read of the record's rows."""
	_doctype, _name, company, team, person, day = _signature(row)
	change: Counter = Counter()
	for dimension, group, last in (("Team", team, team_last), ("Sales Person", person, person_last)):
		for (grain, period, previous), n in engine.appended_cells(getdate(last) if last else None, day).items():
			change[(grain, dimension, company, group, period, previous)] += n
	return dict(change)


def upsert_rows(change: dict[tuple, int]) -> list[tuple]:
	"""Cells as rows of the aggregate table (:func:`sales_drive.aggregates.add` writes them with the move
	counts in one statement): the group in its column (``team`` / ``sales_person``), the other key columns
	empty."""
	out = []
	for key, n in change.items():
		grain, dimension, company, group, period, previous = key
		_code, column, days = DIMENSIONS[dimension]
		person, team = (group, "") if column == "sales_person" else ("", group)
		row_key = (grain, period, "", "", company, "", person, team, "", "", "", days)
		out.append((key_name(*key), row_key, [n, 0, 0, 0], None, None, previous))
	return out


def stored(where: str = "", values: dict | None = None) -> list[tuple[str, tuple, int]]:
	"""The cells kept (name, (grain, dimension, company, group, period, previous), rows), of the rows of the
	aggregate table the condition on ``a`` selects (tests, checks)."""
	cond = f"and ({where})" if where else ""
	return [
		(name, (grain, "Team" if days == aggregates.TEAM_CELL else "Sales Person", company, group, period, previous), int(n))
		for name, grain, days, company, group, period, previous, n in frappe.db.sql(
			f"""select a.name, a.grain, a.days, a.company,
				if(a.days = {aggregates.TEAM_CELL}, a.team, a.sales_person), a.period, a.previous, a.moves
			from {TABLE} a where a.days in {CELL_ROWS} {cond}""",
			values or {},
		)
	]


def _select_day_cells(dimension: str, where: str = "") -> str:
	"""The Day cells of a dimension from the log: each row with the day of the previous row of its record,
	company and group (LAG over the log; ties on a day need no order: only days count)."""
	column = DIMENSIONS[dimension][1]
	cond = f"where {where}" if where else ""
	return f"""select 'Day' grain, '{dimension}' dimension, co company, grp group_value, d period, p previous, count(*) moves
		from (select ifnull(l.company, '') co, ifnull(l.`{column}`, '') grp, date(l.transition_time) d,
				lag(date(l.transition_time)) over (partition by l.reference_doctype, l.reference_name,
					ifnull(l.company, ''), ifnull(l.`{column}`, '') order by l.transition_time) p
			from {LOG} l {cond}) c
		group by co, grp, d, p"""


def recount(where: str = "", values: dict | None = None) -> Counter:
	"""The cells a recount of the log gives (of the records the condition on the log ``l`` selects)."""
	out: Counter = Counter()
	for dimension in DIMENSIONS:
		for grain, dim, company, group, period, previous, n in frappe.db.sql(
			_select_day_cells(dimension, where), values or {}
		):
			out[(grain, dim, company, group, period, previous)] += int(n)
			month = (engine.MONTH, dim, company, group, engine.month_start(period), engine.month_start(previous))
			out[month] += int(n)
	return out


def rebuild(commit: bool = True) -> dict:
	"""Recompute every cell from the log: exact and idempotent, set-based, in one transaction.

	``bench --site SITE execute sales_drive.activity.rebuild``. Deletes the cells, inserts the Day cells of
	each dimension in one ``INSERT ... SELECT`` over the log (LAG per record), then the Month cells from
	the Day cells."""
	started = now_datetime()
	frappe.db.sql(f"delete from {TABLE} where days in {CELL_ROWS}")
	columns = ", ".join(
		f"`{c}`"
		for c in ("name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", *aggregates.KEY,
			"previous", *aggregates.MEASURES, "bucket")
	)  # fmt: skip
	key = "concat_ws(char(31), c.grain, c.dimension, c.company, c.group_value, c.period, ifnull(c.previous, ''))"
	team, person = aggregates.TEAM_CELL, aggregates.PERSON_CELL

	def insert(select: str):
		frappe.db.sql(
			f"""insert into {TABLE} ({columns})
			select concat(left(c.grain, 1), if(c.dimension = 'Team', 'T', 'P'), c.period, md5({key})),
				%(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0,
				c.grain, c.period, '', '', c.company, '', if(c.dimension = 'Team', '', c.group_value),
				if(c.dimension = 'Team', c.group_value, ''), '', '', '', if(c.dimension = 'Team', {team}, {person}),
				c.previous, c.moves, 0, 0, 0, 0
			from ({select}) c""",
			{"now": started},
		)

	for dimension in DIMENSIONS:
		insert(_select_day_cells(dimension))
	insert(
		f"""select 'Month' grain, dimension, company, group_value, date_format(period, '%%Y-%%m-01') period,
			date_format(previous, '%%Y-%%m-01') previous, sum(moves) moves
		from (select if(days = {team}, 'Team', 'Sales Person') dimension, company,
				if(days = {team}, team, sales_person) group_value, period, previous, moves
			from {TABLE} where grain = 'Day' and days in {CELL_ROWS}) d
		group by 1, 2, 3, 4, 5, 6"""
	)
	count = frappe.db.sql(f"select count(*) from {TABLE} where days in {CELL_ROWS}")[0][0]
	if commit:
		frappe.db.commit()
	return {"rows": count, "seconds": (now_datetime() - started).total_seconds()}


def worked(dimension: str, from_date, to_date, company: str) -> dict[str, int]:
	"""Records worked in [from_date, to_date] per team or sales person (the log rows' own, '' when empty)
	of one company: one query, a UNION ALL of the period's ranges of cells (:func:`engine.parts`)."""
	selects, values = [], []
	for part in engine.parts(getdate(from_date), getdate(to_date)):
		if part.previous_from is None:
			previous = "(a.previous is null or a.previous < %s)"
			values_part = [part.previous_to]
		else:
			previous = "a.previous >= %s and a.previous < %s"
			values_part = [part.previous_from, part.previous_to]
		selects.append(
			f"""select a.`{DIMENSIONS[dimension][1]}`, sum(a.moves) from {TABLE} a
			where a.name >= %s and a.name < %s and a.company = %s and {previous} group by 1"""
		)
		values += [prefix(part.grain, dimension, part.start), prefix(part.grain, dimension, part.end), company]
		values += values_part
	out: Counter = Counter()
	if selects:
		for group, n in frappe.db.sql(" union all ".join(selects), values):
			out[group] += int(n or 0)
	return {g: n for g, n in out.items() if n}
