"""Upgrade: Base Burn's parties-worked cells move from Sales Activity Aggregate into Sales Funnel Aggregate
(days -4 and -5), so that a gated save writes them with the move counts in one statement (issue 15, the
gate's cost).

They are recounted from the Sales Stage Transition Log in their new place (exact and idempotent: the same as
``bench --site SITE execute sales_drive.activity.rebuild``); the old doctype and its table are dropped.
"""

import frappe

from sales_drive import activity

OLD = "Sales Activity Aggregate"


def execute():
	activity.rebuild(commit=False)
	if frappe.db.exists("DocType", OLD):
		frappe.delete_doc("DocType", OLD, ignore_missing=True, force=True)
	frappe.db.sql_ddl(f"drop table if exists `tab{OLD}`")
