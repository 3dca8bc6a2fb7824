"""Where the audit's rows come from: a live site (through :class:`Client`) or the bundled demo.

Both answer :meth:`rows` for a named dataset (see ``figures.DATASETS``) and yield plain dicts,
one at a time; the demo stores exactly what the live queries return, so the same figures code
runs on both.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from .client import AuditError, AuthError, Client, PermissionDenied

DEMO_FILE = Path(__file__).with_name("demo") / "demo.json.gz"


class SiteSource:
	def __init__(self, client: Client):
		self.client = client
		self.skipped: list[str] = []  # optional datasets the user may not read

	def rows(self, name: str, spec: dict, filters: list) -> Iterator[dict]:
		try:
			yield from self.client.iter_docs(
				spec["doctype"], spec["fields"], filters, spec.get("order_by"), label=spec.get("label", name)
			)
		except PermissionDenied as e:
			if not spec.get("optional"):
				raise
			self.skipped.append(f"{name}: {e}")

	def has_field(self, doctype: str, fieldname: str) -> bool:
		"""True when the site answers a query for ``fieldname`` (e.g. a Sales Drive custom field)."""
		try:
			self.client.get(
				f"/api/resource/{doctype}",
				{"fields": json.dumps(["name", fieldname]), "limit_page_length": 1},
				doctype,
			)
			return True
		except AuthError:
			raise
		except AuditError:
			return False

	def has_versions(self) -> bool:
		return self.client.count("Version", [["Version", "ref_doctype", "=", "Opportunity"]]) > 0

	def describe(self) -> str:
		return self.client.url


class DemoSource:
	"""The anonymised demo dataset shipped in the package (made by ``make_demo.py``)."""

	def __init__(self, path: Path | str = DEMO_FILE):
		with gzip.open(path, "rt", encoding="utf-8") as f:
			data = json.load(f)
		self.meta: dict = data["meta"]
		self.datasets: dict[str, list[dict]] = data["datasets"]
		self.skipped: list[str] = []

	def rows(self, name: str, spec: dict, filters: list) -> Iterator[dict]:
		yield from (r for r in self.datasets.get(name, ()) if _matches(r, filters))

	def has_field(self, doctype: str, fieldname: str) -> bool:
		return False

	def has_versions(self) -> bool:
		return bool(self.datasets.get("versions"))

	def describe(self) -> str:
		return "demo"


def _matches(row: dict, filters: list) -> bool:
	"""The subset of Frappe's filter syntax the datasets use, applied to a stored row."""
	for f in filters:
		field, op, value = (f[1], f[2], f[3]) if len(f) == 4 else f
		field = field.split(".")[-1].strip("`")
		v = row.get(field)
		if op == "=" and v != value:
			return False
		if op == "!=" and v == value:
			return False
		if op == "in" and v not in value:
			return False
		if op == "not in" and v in value:
			return False
		if op == ">=" and (v is None or str(v) < str(value)):
			return False
		if op == ">" and (v is None or (float(v) if isinstance(value, int | float) else str(v)) <= value):
			return False
		if op == "like" and (v is None or value.strip("%") not in str(v)):
			return False
	return True
