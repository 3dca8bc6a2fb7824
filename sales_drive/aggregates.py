"""Aggregates of the Sales Stage Transition Log, kept in the same transaction as the log.

The doctype **Sales Funnel Aggregate** holds, per grain (``Day``, and ``Month`` for the first day of
the month), document type, regulation, company, record owner, sales person, team, from step, to step
and kind:

- rows of move counts (``days = -1``): ``moves`` (how many log rows), ``timed`` (of those, with a known
  duration), ``days_total`` / ``hours_total`` (the sums of the known working days / hours in the
  previous step);
- rows of the duration histogram (``days = -2``, ``kind`` and ``to_step`` empty): ``histogram``, a JSON
  object bucket -> how many records left ``from_step`` after a number of working days in the bucket
  that starts there (:func:`sales_drive.engine.funnel.days_bucket`; exact below 64 days), and ``moves``
  its total. One row per key, not per bucket, keeps a month of one person and step in one row. Only
  the rows the funnel's median reads: kind other than Enter, a from step, a known duration.

- outcome rows (``days = -3``): closed records per day of their outcome and step reached, kept by
  :mod:`sales_drive.outcomes` (Step Probabilities); this module only names and reads them.
- parties-worked cells (``days = -4`` a team, ``-5`` a sales person; column ``previous``): kept by
  :mod:`sales_drive.activity` (Base Burn), written by :func:`add` in the same statement as the move counts.

A row's ``name`` is a prefix that orders the table (:func:`prefix`) and the MD5 of its key, so every
writer adds with ``INSERT ... ON DUPLICATE KEY UPDATE moves = moves + VALUES(moves)`` (a histogram
row: ``JSON_SET`` of the bucket given in ``bucket``) and a rebuild makes the same names from SQL.
NULL key values are stored as ''.

Writers (through :mod:`sales_drive.totals`, which also keeps the outcomes): :func:`sales_drive.integrations.pipeline.write_log_rows` (the gate, the adoption, payments,
the lead conversion) and the log's own controller (a row inserted or deleted as a document). Marking a
deleted record's rows ``record_deleted`` changes nothing here: historical totals keep counting them.
A move back is a new log row (kind Backward) and is added like any other. Code that writes or changes
log rows in SQL elsewhere (the demo generator) calls :func:`add` with the rows, or :func:`rebuild`.

Rebuild of the move counts and histograms (exact, idempotent, one INSERT ... SELECT ... GROUP BY over the
log, atomic in one transaction); ``sales_drive.totals.rebuild`` rebuilds them and the outcomes::

    bench --site SITE execute sales_drive.totals.rebuild
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe.utils import getdate, now_datetime

from sales_drive.engine.funnel import bucket_sql, days_bucket

DOCTYPE = "Sales Funnel Aggregate"
TABLE = "`tabSales Funnel Aggregate`"
LOG = "`tabSales Stage Transition Log`"
DAY, MONTH = "Day", "Month"
COUNT_ROW = -1  # ``days`` of a row of move counts
HISTOGRAM_ROW = -2  # ``days`` of a row of the duration histogram
OUTCOME_ROW = -3  # ``days`` of a row of closed records per step (sales_drive/outcomes.py)
TEAM_CELL = -4  # ``days`` of a parties-worked cell of a team (sales_drive/activity.py)
PERSON_CELL = -5  # ``days`` of a parties-worked cell of a sales person
KEPT_HERE = (COUNT_ROW, HISTOGRAM_ROW)  # the kinds of rows this module writes and rebuilds
# the row types' letters in the name
LETTER = {COUNT_ROW: "C", HISTOGRAM_ROW: "H", OUTCOME_ROW: "O", TEAM_CELL: "T", PERSON_CELL: "P"}
# the key, in the order its MD5 is taken (SEP between values)
DIMENSIONS = ("reference_doctype", "regulation", "company", "record_owner", "sales_person", "team")
KEY = ("grain", "period", *DIMENSIONS, "from_step", "to_step", "kind", "days")
SEP = "\x1f"
MEASURES = ("moves", "timed", "days_total", "hours_total")
_ADD_MEASURES = ", ".join(f"`{m}` = `{m}` + values(`{m}`)" for m in MEASURES)  # an upsert adds them
CHUNK = 1000
# hours are added as the log stores them: rounded to the precision of its field hours_in_previous (2; a static
# test holds the doctype to it), as every writer rounds them (pipeline._row)
HOURS_PLACES = Decimal("0.01")


def _text(value) -> str:
	return "" if value is None else str(value)


def key_name(key: tuple) -> str:
	"""The row name, as rebuild computes it: a prefix that orders the table for the reports' range reads
	(see :func:`prefix`) and the MD5 of the key values joined by SEP (dates as YYYY-MM-DD)."""
	parts = [v.isoformat() if isinstance(v, date) else _text(v) for v in key]
	return prefix(key[0], key[-1], key[1]) + hashlib.md5(SEP.join(parts).encode("utf-8")).hexdigest()


def prefix(grain: str, rows: int, period: date | str = "") -> str:
	"""The start of a row name: D / M (grain), C / H / O (``rows``: move counts, histogram, outcomes; see
	:data:`LETTER`), then the period (YYYY-MM-DD).

	InnoDB keeps a table in primary-key order, so a period of one grain and kind of rows is one range of
	the primary key: the reports read it as such (:func:`period_condition`), no secondary index needed."""
	if isinstance(period, date):
		period = period.isoformat()
	return f"{grain[0]}{LETTER[rows]}{period}"


def _day(value) -> date:
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	return getdate(value)


def _number(value, default=-1):
	return default if value is None or value == "" else value


def add(rows, sign: int = 1, cells: list[tuple] = ()):
	"""Add log rows (dicts with the log's columns) to the aggregates; ``sign=-1`` takes them away.

	Grouped in Python first, then multi-row upserts of CHUNK rows. Rows whose counts fall to zero are
	deleted, so the table always equals a recount (see :func:`recount`). ``cells``: parties-worked cells to
	add in the same statement (:func:`sales_drive.activity.upsert_rows`: one round trip less a save).
	"""
	counts: dict[tuple, list] = {}
	buckets: Counter = Counter()  # (histogram row key, bucket) -> n
	for row in rows:
		day = _day(row.get("transition_time"))
		dims = tuple(_text(row.get(d)) for d in DIMENSIONS)
		from_step, to_step, kind = _text(row.get("from_step")), _text(row.get("to_step")), _text(row.get("kind"))
		days = int(_number(row.get("days_in_previous")))
		# add the hours as the log stores them (rounded to the field's precision)
		hours = Decimal(str(_number(row.get("hours_in_previous")))).quantize(HOURS_PLACES, ROUND_HALF_UP)
		for grain, period in ((DAY, day), (MONTH, day.replace(day=1))):
			a = counts.setdefault((grain, period, *dims, from_step, to_step, kind, COUNT_ROW), [0, 0, 0, Decimal(0)])
			a[0] += sign
			if days >= 0:
				a[1] += sign
				a[2] += sign * days
			if hours >= 0:
				a[3] += sign * hours
			if kind != "Enter" and from_step and days >= 0:
				buckets[((grain, period, *dims, from_step, "", "", HISTOGRAM_ROW), days_bucket(days))] += sign
	# ONE upsert for every kind of row (a round trip less on every gated save): the counts add up; a
	# histogram row is one row per bucket, and a row whose key exists sets its bucket in the stored histogram
	bucket_path = "concat('$.\"', values(`bucket`), '\"')"
	_upsert(
		[(key_name(key), key, measures, None, None, None) for key, measures in counts.items()]
		+ [
			(key_name(key), key, [n, 0, 0, 0], bucket, json.dumps({str(bucket): n}), None)
			for (key, bucket), n in buckets.items()
			if n
		]
		+ list(cells),
		f"""`histogram` = if(values(`days`) = {HISTOGRAM_ROW}, json_set(`histogram`, {bucket_path},
			coalesce(json_value(`histogram`, {bucket_path}), 0) + values(`moves`)), `histogram`),
		{_ADD_MEASURES}""",
	)


def upsert_counts(rows: list[tuple]):
	"""Add (key, [moves, timed, days_total, hours_total]) rows to the table (move counts or outcome rows)."""
	_upsert([(key_name(key), key, measures, None, None, None) for key, measures in rows], _ADD_MEASURES)


def upsert_rows(rows: list[tuple]):
	"""Add rows already in :func:`_upsert`'s shape (the parties-worked cells written on their own)."""
	_upsert(rows, _ADD_MEASURES)


class _Params:
	"""Named placeholders, one per distinct value: the rows of an upsert repeat most of their values (the
	period, the company, the people, the empty ones), and escaping each once instead of ~200 parameters cut
	a quarter of a millisecond from every gated save."""

	def __init__(self):
		self.values: dict[str, object] = {}
		self._names: dict[tuple, str] = {}

	def __call__(self, value) -> str:
		key = (type(value), value)
		name = self._names.get(key)
		if name is None:
			name = self._names[key] = f"p{len(self._names)}"
			self.values[name] = value
		return f"%({name})s"


def _upsert(rows: list[tuple], update: str):
	"""Insert (name, key, measures, bucket, histogram, previous) rows; on a duplicate name run ``update``."""
	if not rows:
		return
	now = now_datetime()
	user = frappe.session.user if getattr(frappe.local, "session", None) else "Administrator"
	system = ("creation", "modified", "owner", "modified_by", "docstatus", "idx")
	fields = ("name", *system, *KEY, *MEASURES, "bucket", "histogram", "previous")
	columns = ", ".join(f"`{c}`" for c in fields)
	emptied = []
	for start in range(0, len(rows), CHUNK):
		part = rows[start : start + CHUNK]
		param = _Params()
		stamp = f"{param(now)}, {param(now)}, {param(user)}, {param(user)}, 0, 0"
		tuples = []
		for name, key, measures, bucket, histogram, previous in part:
			values = ", ".join(map(param, (*key, *measures, bucket or 0, histogram, previous)))
			tuples.append(f"({param(name)}, {stamp}, {values})")
			if measures[0] <= 0:
				emptied.append(name)
		frappe.db.sql(
			f"insert into {TABLE} ({columns}) values {', '.join(tuples)} "
			f"on duplicate key update {update}, `modified` = values(`modified`)",
			param.values,
		)
	for start in range(0, len(emptied), CHUNK):
		frappe.db.sql(
			f"delete from {TABLE} where name in %(names)s and moves <= 0", {"names": emptied[start : start + CHUNK]}
		)


def histogram_of(text) -> dict[int, int]:
	"""A stored histogram (JSON: bucket -> count) as a dict, empty buckets left out."""
	if not text:
		return {}
	return {int(b): int(n) for b, n in json.loads(text).items() if int(n)}


def _select(grain: str, histogram: bool, where: str = "") -> str:
	"""One grouped SELECT over the log giving aggregate rows (the key, the measures and the histogram)."""
	period = "date(l.transition_time)" if grain == DAY else "date_format(l.transition_time, '%%Y-%%m-01')"
	dims = ", ".join(f"ifnull(l.`{d}`, '')" for d in DIMENSIONS)
	if histogram:
		cond = "l.kind != 'Enter' and ifnull(l.from_step, '') != '' and l.days_in_previous >= 0"
		if where:
			cond = f"{cond} and ({where})"
		keys = ", ".join(f"k{i}" for i in range(9))
		# per key and bucket, then per key with the buckets gathered into one JSON object
		aliased = ", ".join(f"ifnull(l.`{d}`, '') k{i + 2}" for i, d in enumerate(DIMENSIONS))
		return f"""select k0, k1, k2, k3, k4, k5, k6, k7, k8, '', '', {HISTOGRAM_ROW}, sum(n), 0, 0, 0, 0,
			json_objectagg(cast(b as char), n)
		from (select '{grain}' k0, {period} k1, {aliased}, ifnull(l.from_step, '') k8,
				{bucket_sql("l.days_in_previous")} b, count(*) n
			from {LOG} l where {cond}
			group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) h
		group by {keys}"""
	cond = f"({where})" if where else "1 = 1"
	# the key columns are numbered 1..12 in KEY order; grouping by position keeps one expression per column
	return f"""select '{grain}', {period}, {dims}, ifnull(l.from_step, ''), ifnull(l.to_step, ''), ifnull(l.kind, ''),
			{COUNT_ROW}, count(*), sum(l.days_in_previous >= 0), sum(if(l.days_in_previous >= 0, l.days_in_previous, 0)),
			sum(if(l.hours_in_previous >= 0, l.hours_in_previous, 0)), 0, null
		from {LOG} l where {cond}
		group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12"""


def recount(where: str = "", values: dict | None = None) -> list[tuple]:
	"""The aggregate rows a recount of the log gives (key, measures, bucket, histogram), optionally of some log rows."""
	parts = [_select(g, h, where) for g in (DAY, MONTH) for h in (False, True)]
	return frappe.db.sql(" union all ".join(parts), values or {})


def rebuild(commit: bool = True) -> dict:
	"""Recompute every aggregate from the log: exact and idempotent (set-based, one transaction).

	``bench --site SITE execute sales_drive.aggregates.rebuild``. Deletes the table's rows and inserts
	the recount in ONE ``INSERT ... SELECT ... GROUP BY`` (four grouped passes over the log joined by
	UNION ALL), so a report running meanwhile sees the old totals until the commit.
	"""
	started = now_datetime()
	frappe.db.sql(f"delete from {TABLE} where days in {KEPT_HERE}")
	key_sql = ", ".join(f"g.c{i}" for i in range(len(KEY)))
	named = ", ".join(f"c{i}" for i in range(len(KEY) + len(MEASURES) + 2))
	parts = " union all ".join(_select(g, h) for g in (DAY, MONTH) for h in (False, True))
	columns = ", ".join(
		f"`{c}`"
		for c in ("name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", *KEY, *MEASURES, "bucket", "histogram")
	)
	frappe.db.sql(
		f"""insert into {TABLE} ({columns})
		with g ({named}) as ({parts})
		select concat(left(g.c0, 1), if(g.c11 = {COUNT_ROW}, 'C', 'H'), g.c1, md5(concat_ws(char(31), {key_sql}))), %(now)s, %(now)s, 'Administrator', 'Administrator', 0, 0, g.*
		from g""",
		{"now": started},
	)
	count = frappe.db.sql(f"select count(*) from {TABLE} where days in {KEPT_HERE}")[0][0]
	if commit:
		frappe.db.commit()
	seconds = (now_datetime() - started).total_seconds()
	return {
		"rows": count,
		"log_rows": frappe.db.count("Sales Stage Transition Log"),
		"seconds": seconds,
	}


def period_condition(from_date: date, to_date: date, rows: int = COUNT_ROW, alias: str = "a") -> str:
	"""SQL over the aggregates for the whole days ``from_date``..``to_date``: Month rows for the months the
	period covers whole, Day rows for the days before and after them; rows of one type (``rows``: move
	counts, histogram or outcomes). Written as ranges of the primary key (see :func:`prefix`); values are dates of our
	code, quoted here."""
	from_date, to_date = getdate(from_date), getdate(to_date)
	first_month = from_date if from_date.day == 1 else _next_month(from_date)
	after = to_date + timedelta(days=1)
	end_month = after if after.day == 1 else to_date.replace(day=1)

	def between(grain, start, end):
		return f"({alias}.name >= '{prefix(grain, rows, start)}' and {alias}.name < '{prefix(grain, rows, end)}')"

	if first_month >= end_month:
		return between(DAY, from_date, after)
	parts = [between(MONTH, first_month, end_month)]
	if from_date < first_month:
		parts.append(between(DAY, from_date, first_month))
	if end_month < after:
		parts.append(between(DAY, end_month, after))
	return f"({' or '.join(parts)})"


def _next_month(day: date) -> date:
	return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
