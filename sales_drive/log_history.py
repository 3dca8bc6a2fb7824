"""Every log row of some records, read once: what the kept totals recount a record from.

:mod:`sales_drive.totals` reads it once per write and hands it to :mod:`sales_drive.activity` and
:mod:`sales_drive.outcomes`; each of them reads it itself only when called on its own (a delete, a test).
"""

from __future__ import annotations

import frappe

LOG = "`tabSales Stage Transition Log`"
COLUMNS = (
	"reference_doctype", "reference_name", "regulation", "kind", "from_step", "to_step", "transition_time", "name",
	"company", "team", "sales_person",
)  # fmt: skip
CHUNK = 500


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
				f"select {columns} from {LOG} where reference_doctype = %s and reference_name in %s",
				(doctype, names[start : start + CHUNK]),
				as_dict=True,
			):
				out.setdefault((r.reference_doctype, r.reference_name), []).append(r)
	return out
