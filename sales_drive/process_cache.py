"""A copy of the app's cached lookups in each worker process, checked by one version number per request.

The gate's lookups (the regulations, the settings, a holiday list and its calendar, the users' sales
persons) are cached in Redis. A new web request finds ``frappe.local.cache`` empty, so each of them was
fetched and unpickled again on every gated save: over a millisecond of the save (a holiday list of several
years alone ~0.5 ms). Each process now keeps what it fetched, under the version it was fetched at; a request
reads the version once (a few bytes from Redis) and uses the process copy while the version is the same.

Every clear of these caches (``regulations.clear_cache`` / ``clear_trees``, ``people.clear_cache``: the
doc_events of what they depend on, ``bench clear-cache``) calls :func:`clear`, which sets a new version:
every process drops its copy at its next request. The copies are shared by the requests of a process: a
caller never changes a value it was given.
"""

from __future__ import annotations

import frappe

VERSION_KEY = "sales_drive:cache_version"
_stores: dict[str, tuple[str, dict]] = {}  # site -> (version, {(key, field): value})


def _store() -> dict:
	version = frappe.cache.get_value(VERSION_KEY)  # from Redis once per request, then frappe.local.cache
	if version is None:
		version = frappe.generate_hash(length=10)
		frappe.cache.set_value(VERSION_KEY, version)
	site = frappe.local.site
	entry = _stores.get(site)
	if entry is None or entry[0] != version:
		entry = _stores[site] = (version, {})
	return entry[1]


_MISSING = object()


def memo(key: tuple, build):
	"""A value built in this process (from other cached values), kept until the version changes."""
	store = _store()
	found = store.get(key, _MISSING)
	if found is _MISSING:
		found = store[key] = build()
	return found


def hget(key: str, field: str, generator):
	"""``frappe.cache.hget(key, field, generator)`` through the process copy."""
	return memo((key, field), lambda: frappe.cache.hget(key, field, generator=generator))


def get_value(key: str, generator):
	"""``frappe.cache.get_value(key, generator)`` through the process copy."""
	return memo((key,), lambda: frappe.cache.get_value(key, generator=generator))


def clear():
	"""Every process's copy is out of date (a new version); this process's is dropped now."""
	frappe.cache.set_value(VERSION_KEY, frappe.generate_hash(length=10))
	_stores.pop(getattr(frappe.local, "site", None), None)
