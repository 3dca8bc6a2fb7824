"""doc_events of Customer: the segment fields Sales Drive owns.

``sd_key_account`` chooses a regulation (a segment condition "key account", see
``regulations.segment_of``), so it is not a Sales User's to set. The monthly
key-account review sets it (``key_accounts.set_flags``, set-based UPDATEs that do
not pass here); by hand only a Sales Manager or System Manager changes it, on
insert too. Server code that saves a Customer with a new flag sets
``doc.flags.sd_key_account_review``. ``read_only`` is not enforced on save, so
this holds for the form, REST and Data Import alike.

``sd_key_account_since`` follows the flag (the day it was set); ``sd_cooling_until``
is base cooling's (``base_cooling`` writes it in SQL): a value sent by a user is
never taken for either.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, getdate, nowdate

KEY_ACCOUNT_ROLES = frozenset({"Sales Manager", "System Manager"})


def may_set_key_account(user: str | None = None) -> bool:
	return bool(set(frappe.get_roles(user or frappe.session.user)) & KEY_ACCOUNT_ROLES)


def validate(doc, method=None):
	before = None if doc.is_new() else doc.get_doc_before_save()
	if before is None and not doc.is_new():
		before = frappe.db.get_value(
			"Customer", doc.name, ["sd_key_account", "sd_key_account_since", "sd_cooling_until"], as_dict=True
		)
	was = cint(before.get("sd_key_account")) if before else 0
	now = cint(doc.get("sd_key_account"))
	if now != was and not doc.flags.get("sd_key_account_review") and not may_set_key_account():
		frappe.throw(
			_(
				"Only a Sales Manager or the monthly key-account review can mark {0} as a key account or unmark it: a key account chooses the sales regulation."
			).format(frappe.bold(doc.get("customer_name") or doc.name)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if now == was:
		doc.sd_key_account_since = before.get("sd_key_account_since") if before else None
	else:
		doc.sd_key_account_since = getdate(nowdate()) if now else None
	doc.sd_cooling_until = before.get("sd_cooling_until") if before else None
