"""Small helpers the demo modules share: output, a quiet run, set-based updates."""

from __future__ import annotations

import contextlib

import frappe


def _say(msg):
	print(f"[sales_drive.demo] {msg}", flush=True)


@contextlib.contextmanager
def _quiet_run():
	"""Mute emails and turn the gravatar HTTP lookup off for this process."""
	import frappe.utils as futils

	targets = [futils]
	for mod in (
		"erpnext.crm.doctype.lead.lead",
		"frappe.contacts.doctype.contact.contact",
		"frappe.core.doctype.user.user",
	):
		with contextlib.suppress(ImportError):
			targets.append(frappe.get_module(mod))
	saved = [(m, m.has_gravatar) for m in targets if hasattr(m, "has_gravatar")]
	mute = frappe.flags.mute_emails
	frappe.flags.mute_emails = True
	for m, _fn in saved:
		m.has_gravatar = _no_gravatar
	try:
		yield
	finally:
		for m, fn in saved:
			m.has_gravatar = fn
		frappe.flags.mute_emails = mute


def _no_gravatar(email=None, *args, **kwargs):
	return ""


def _strip_html(text) -> str:
	import re

	return re.sub(r"<[^>]+>", " ", str(text or "")).replace("&nbsp;", " ").strip()


def _update_rows(table: str, cols: list[str], rows: list[tuple], key: str = "name", chunk: int = 1000):
	"""Set ``cols`` of many rows in one UPDATE per chunk: rows are (key, *values)."""
	for i in range(0, len(rows), chunk):
		part = rows[i : i + chunk]
		one = "select %s as k" + "".join(f", %s as c{j}" for j in range(len(cols)))
		derived = " union all ".join([one] * len(part))
		sets = ", ".join(f"t.`{c}` = r.c{j}" for j, c in enumerate(cols))
		values = [v for row in part for v in row]
		frappe.db.sql(f"update `tab{table}` t join ({derived}) r on r.k = t.`{key}` set {sets}", values)


def _chunks(seq, n):
	for i in range(0, len(seq), n):
		yield seq[i : i + n]
