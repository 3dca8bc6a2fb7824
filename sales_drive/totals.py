"""Everything kept from the Sales Stage Transition Log as it is written: one entry for its writers, one rebuild.

- :mod:`sales_drive.aggregates`: move counts and the duration histogram per day / month (the funnel, the
  digests);
- :mod:`sales_drive.outcomes`: each closed record's outcome and the steps it reached, and their totals per
  day / month (Step Probabilities);
- :mod:`sales_drive.activity`: the log rows per day and day of the record's previous row, per team and
  sales person (Base Burn's parties worked, a distinct count over any period), in the aggregates' table:
  written with the move counts in one statement.

Writers of log rows call :func:`add` in the same transaction (``pipeline.write_log_rows``, the log's
controller); the log's controller calls :func:`removed` after deleting a row. Code that writes log rows in
SQL elsewhere (the demo generator) calls :func:`rebuild` at the end.

Rebuild of all of it (exact, idempotent, one transaction)::

    bench --site SITE execute sales_drive.totals.rebuild
"""

from __future__ import annotations

import time

import frappe

from sales_drive import activity, aggregates, log_history, outcomes


def needs_history(rows, new_record: bool = False) -> bool:
	"""Whether :func:`add` needs anything of the records' other log rows: not for the first rows of records
	being inserted (``new_record``) that bring no outcome (their only rows are these)."""
	return not new_record or any(r.get("kind") in outcomes.TRIGGERS for r in rows)


def add(rows, sign: int = 1, new_record: bool = False, tail: log_history.Tail | None = None):
	"""Log rows (dicts with the log's columns) just written (``sign=1``), or about to be deleted (``-1``).

	The records' log rows are read once (one indexed query) for the parties worked and the outcomes; not at
	all when :func:`needs_history` says so, or when one row was written and ``tail`` (its record's
	:class:`~sales_drive.log_history.Tail`, read by the insert) shows it is the latest: the common gated
	save, whose parties worked are one cell and whose record has no outcome."""
	if sign > 0 and not needs_history(rows, new_record):
		history = {}  # the parties worked count these rows as they are
	elif sign > 0 and tail is not None and len(rows) == 1 and tail.is_before(rows[0]):
		# the move counts and the parties worked in one statement
		aggregates.add(rows, cells=activity.upsert_rows(activity.latest_delta(rows[0], tail.team_last, tail.person_last)))
		if rows[0].get("kind") in outcomes.TRIGGERS or tail.closing:
			outcomes.refresh(rows)
		return
	else:
		history = log_history.read(log_history.records_of(rows))
	aggregates.add(rows, sign=sign, cells=activity.upsert_rows(activity.delta(rows, sign, history=history)))
	if sign > 0:
		outcomes.refresh(rows, history=history)


def removed(rows):
	"""Log rows just deleted: their records' outcomes are recomputed from the rows left."""
	outcomes.refresh(rows)


def rebuild(commit: bool = True) -> dict:
	"""Recompute the aggregates and the outcomes from the log."""
	started = time.perf_counter()
	out = {
		"aggregates": aggregates.rebuild(commit=False),
		"outcomes": outcomes.rebuild(commit=False),
		"activity": activity.rebuild(commit=False),
	}
	if commit:
		frappe.db.commit()
	out["seconds"] = round(time.perf_counter() - started, 1)
	return out
