"""Who a user is in the sales team: the Sales Person of the user's Employee and its parent, the team.

Every log row the gate writes names the owner's sales person and team, so the lookup runs on every gated
save. It is cached in Redis per user (as the regulations are, :mod:`sales_drive.regulations`), which saves
a query of the Sales Person tree on each save:

- a change of a Sales Person, an Employee or a User through the ORM (doc_events in ``hooks.py``: insert,
  update, rename, delete) clears the cache, and clears it again when its transaction ends (commit or
  rollback: another worker may have cached the old value in between, or the change may be undone);
- until then the transaction that made the change neither reads nor fills the cache (it may see rows no
  one else sees, and may roll them back);
- ``bench clear-cache`` clears it (the ``clear_cache`` hook); code that changes these doctypes in SQL
  (``frappe.db.set_value``) calls :func:`clear_cache`.
"""

from __future__ import annotations

import frappe

from sales_drive import process_cache
from sales_drive.queries import persons_of_users

KEY = "sd_sales_person_of_user"
_CHANGED = "sd_people_changed"  # frappe.flags: this transaction changed a Sales Person, Employee or User


def sales_person_of(user: str | None) -> tuple[str | None, str | None]:
	"""(Sales Person, team) of a user; (None, None) if the user has none."""
	if not user:
		return (None, None)
	if frappe.flags.get(_CHANGED):
		return _lookup(user)
	return tuple(process_cache.hget(KEY, user, lambda: _lookup(user)))


def _lookup(user: str) -> tuple[str | None, str | None]:
	# the enabled, non-group Sales Person of the user's Employee, first in tree order, and its parent
	return persons_of_users([user]).get(user, (None, None))


def changed(doc=None, method=None):
	"""doc_event of Sales Person, Employee and User: forget every user's sales person, now and when the
	transaction ends."""
	clear_cache()
	if not frappe.flags.get(_CHANGED):
		frappe.flags[_CHANGED] = True
		frappe.db.after_commit.add(_transaction_ended)
		frappe.db.after_rollback.add(_transaction_ended)


def _transaction_ended():
	frappe.flags[_CHANGED] = False
	clear_cache()


def clear_cache(*args, **kwargs):
	frappe.cache.delete_value(KEY)
	process_cache.clear()
