"""Every log row of some records, read once: what the kept totals recount a record from.

:mod:`sales_drive.totals` reads it once per write and hands it to :mod:`sales_drive.activity` and
:mod:`sales_drive.outcomes`; each of them reads it itself only when called on its own (a delete, a test).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import frappe
from frappe.utils import get_datetime, getdate

from sales_drive.engine.probabilities import CLOSING

LOG = "`tabSales Stage Transition Log`"
COLUMNS = (
	"reference_doctype", "reference_name", "regulation", "kind", "from_step", "to_step", "transition_time", "name",
	"company", "team", "sales_person",
)  # fmt: skip
CHUNK = 500
# named, so the optimizer does not weigh the log's other indexes first (half a millisecond a query)
INDEX = "force index (sd_log_doctype_name)"


def records_of(rows) -> set[tuple[str, str]]:
	"""The (doctype, name) of log rows given as dicts."""
	return {
		(r["reference_doctype"], r["reference_name"]) for r in rows if r.get("reference_doctype") and r.get("reference_name")
	}


def read(records) -> dict[tuple[str, str], list[dict]]:
	"""(doctype, name) -> every log row of those records (dicts of COLUMNS), from the index
	``sd_log_doctype_name``: one query per document type and CHUNK records."""
	by_doctype: dict[str, set[str]] = {}
	for doctype, name in records:
		by_doctype.setdefault(doctype, set()).add(name)
	out: dict[tuple[str, str], list[dict]] = {}
	columns = ", ".join(f"`{c}`" for c in COLUMNS)
	for doctype, names in by_doctype.items():
		names = sorted(names)
		for start in range(0, len(names), CHUNK):
			for r in frappe.db.sql(
				f"select {columns} from {LOG} {INDEX} where reference_doctype = %s and reference_name in %s",
				(doctype, names[start : start + CHUNK]),
				as_dict=True,
			):
				out.setdefault((r.reference_doctype, r.reference_name), []).append(r)
	return out


class Tail(NamedTuple):
	"""What the totals need of a record's rows other than a new one, when the new row is the latest
	(:func:`sales_drive.totals.add`): the time of the latest row of the same company and team, and of the
	same company and sales person (None: no such row; the chains of Base Burn's parties worked), and
	how many rows of the new row's regulation are Won, Lost or Reopen (none: the record has no outcome)."""

	team_last: datetime | None
	person_last: datetime | None
	closing: int

	@classmethod
	def parse(cls, text: str) -> Tail:
		team, person, closing = (text or "||0").split("|")
		return cls(get_datetime(team) if team else None, get_datetime(person) if person else None, int(closing or 0))

	def is_before(self, row) -> bool:
		"""Whether ``row`` is on the day of the latest rows of its chains or after (only days count there)."""
		day = getdate(row.get("transition_time"))
		return all(last is None or getdate(last) <= day for last in (self.team_last, self.person_last))


def tail_subquery() -> str:
	"""A scalar subquery giving a record's :class:`Tail` as text (``team_last|person_last|closing``), to be
	put in the statement that inserts the new row (``INSERT ... RETURNING``): no query of its own. Its
	values are :func:`tail_values`."""
	same = "ifnull(h.company, '') = %s and ifnull(h.`{}`, '') = %s"
	return f"""(select concat_ws('|', ifnull(max(if({same.format("team")}, h.transition_time, null)), ''),
			ifnull(max(if({same.format("sales_person")}, h.transition_time, null)), ''),
			count(if(h.kind in {CLOSING} and h.regulation <=> %s, 1, null)))
		from {LOG} h {INDEX} where h.reference_doctype = %s and h.reference_name = %s and h.name != %s)"""


def tail_values(row) -> list:
	"""The values of :func:`tail_subquery` for a new row (a dict with the log's columns and its name)."""
	company = row.get("company") or ""
	return [
		company, row.get("team") or "", company, row.get("sales_person") or "", row.get("regulation"),
		row["reference_doctype"], row["reference_name"], row["name"],
	]  # fmt: skip
