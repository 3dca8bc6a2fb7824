"""Key accounts (issue 8, METHOD.md §6): customers by their share of revenue over a rolling period.

Revenue is the net total in company currency (``base_net_total``) of submitted Sales
Invoices posted in the last ``key_account_months`` months up to and including today;
returns are Sales Invoices with negative totals, so they lower the revenue. One grouped
query fetches it; :mod:`sales_drive.engine.key_accounts` ranks the customers and marks
the key accounts (Sales Drive Settings: basis and threshold).

A review (:func:`run_review`, monthly by the scheduler when ``key_account_review`` is on,
or "Review Key Accounts Now" on the Key Account Review list) compares the key accounts
with those of the latest review before that day (who moved in, out, stayed), sets
``Customer.sd_key_account`` / ``sd_key_account_since`` with set-based UPDATEs, stores a
Key Account Review (key accounts and moved-out customers only) and notifies the head of
sales. Reviewing the same day again replaces that day's review and updates its notification
(no second one); the monthly job skips a month that already has a review.

Whether a customer is a key account now: :func:`is_key_account` (the Customer flag).
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate, now_datetime

from sales_drive.engine import key_accounts as engine

SETTINGS = "Sales Drive Settings"
REVIEW = "Key Account Review"
LINE = "Key Account Review Line"
# Sales Drive Settings' "Key Accounts Are" -> the engine's basis
BASES = {"Top Share of Customers": "customers", "Customers Making a Share of Revenue": "revenue"}
DEFAULT_BASIS = "Top Share of Customers"
REVIEW_ROLES = ("Sales Manager", "System Manager")
MOVED_IN, MOVED_OUT, STAYED = "Moved In", "Moved Out", "Stayed"
CHUNK = 1000
LINE_FIELDS = (
	"name parent parenttype parentfield idx docstatus owner modified_by creation modified"
	" customer revenue share cumulative_share is_key key_change"
).split()
LISTED = 100  # names listed per group in the head of sales' notification


def is_key_account(customer: str) -> bool:
	"""Whether ``customer`` is a key account now (the flag the latest review set)."""
	return bool(customer) and bool(frappe.db.get_value("Customer", customer, "sd_key_account"))


# ----------------------------------------------------------------------------- settings and inputs


def settings() -> frappe._dict:
	"""The key-account settings; a field never saved (no row in Singles yet) takes its default."""
	stored = frappe.db.get_singles_dict(SETTINGS, cast=True)
	meta = frappe.get_meta(SETTINGS)

	def get(fieldname):
		if stored.get(fieldname) is not None:
			return stored[fieldname]
		return meta.get_field(fieldname).default

	return frappe._dict(
		basis=get("key_account_basis") or DEFAULT_BASIS,
		threshold=flt(get("key_account_threshold")),
		months=cint(get("key_account_months")) or 12,
		review=cint(get("key_account_review")),
		head_of_sales=get("head_of_sales"),
	)


@frappe.whitelist()
def report_defaults() -> dict:
	"""The settings the Key Accounts report's filters start from."""
	s = settings()
	return {"basis": s.basis, "threshold": s.threshold, "months": s.months}


def period(today, months) -> tuple:
	"""The rolling period of ``months`` months up to and including ``today``."""
	if cint(months) < 1:
		label = _("Rolling Period (Months)")
		frappe.throw(_("{0} must be at least 1.").format(label), title=_("Invalid Filter"))
	return engine.rolling_period(getdate(today), cint(months))


def revenue(from_date, to_date, company=None) -> dict[str, Decimal]:
	"""Net revenue per customer from submitted Sales Invoices in the period (returns subtract)."""
	company_cond = " and company = %(company)s" if company else ""
	rows = frappe.db.sql(
		f"""select customer, sum(base_net_total) from `tabSales Invoice`
		where docstatus = 1 and posting_date between %(from)s and %(to)s{company_cond}
		group by customer""",
		{"from": from_date, "to": to_date, "company": company},
	)
	return engine.totals(rows)


def classify(totals: dict[str, Decimal], threshold, basis: str) -> engine.Classification:
	"""Rank the customers and mark the key accounts; ``basis`` is the settings' label."""
	if basis not in BASES:
		frappe.throw(_("Unknown basis {0}").format(basis), title=_("Invalid Filter"))
	try:
		return engine.classify(totals.items(), threshold, BASES[basis])
	except engine.KeyAccountError:
		frappe.throw(
			_("The key-account threshold must be within 0–100%, not {0}.").format(threshold),
			title=_("Invalid key-account threshold"),
		)


def previous_review(before) -> tuple[str | None, list[str]]:
	"""The latest review dated before ``before`` and its key accounts."""
	name = frappe.db.get_value(
		REVIEW, {"review_date": ("<", getdate(before))}, "name", order_by="review_date desc, creation desc"
	)
	if not name:
		return None, []
	keys = frappe.get_all(LINE, filters={"parenttype": REVIEW, "parent": name, "is_key": 1}, pluck="customer")
	return name, keys


def unranked_moved_out(classification, totals, moves) -> list[engine.Ranked]:
	"""Customers that moved out without positive revenue (so not in the ranking), as unranked rows."""
	ranked = {r.customer for r in classification.ranking}
	zero = Decimal(0)
	return [
		engine.Ranked(c, totals.get(c, zero), None, None, False) for c in moves.moved_out if c not in ranked
	]


def changes(classification: engine.Classification, before: list[str]) -> tuple[engine.Review, dict[str, str]]:
	"""The engine's review against the previous key accounts, and each customer's change."""
	moves = engine.review(before, classification.key_accounts)
	change = dict.fromkeys(moves.moved_in, MOVED_IN)
	change.update(dict.fromkeys(moves.stayed, STAYED))
	change.update(dict.fromkeys(moves.moved_out, MOVED_OUT))
	return moves, change


# ----------------------------------------------------------------------------- the review


@frappe.whitelist(methods=["POST"])
def review_now() -> dict:
	"""Run the key-account review today (Sales Manager, System Manager)."""
	if not set(REVIEW_ROLES) & set(frappe.get_roles()):
		frappe.throw(
			_("Only a Sales Manager or a System Manager can review key accounts."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	name = run_review(getdate())
	return frappe.db.get_value(REVIEW, name, ["name", "key_accounts", "moved_in", "moved_out"], as_dict=True)


def monthly_review(today=None):
	"""Scheduler (monthly): the review of today, when Sales Drive Settings asks for it.

	Once a month: a month that already has a review (by this job or "Review Now") is not
	reviewed again, so running the job twice adds nothing.
	"""
	today = getdate(today)
	if not settings().review:
		return None
	month_start = today.replace(day=1)
	if frappe.db.exists(REVIEW, {"review_date": ("between", [month_start, today])}):
		return None
	return run_review(today)


def run_review(today=None, notify: bool = True) -> str:
	"""Classify, compare with the previous review, set the Customer flags, store and notify."""
	today = getdate(today)
	s = settings()
	from_date, to_date = period(today, s.months)
	totals = revenue(from_date, to_date)
	result = classify(totals, s.threshold, s.basis)
	_previous, before = previous_review(today)
	moves, change = changes(result, before)
	set_flags(set(result.key_accounts), today)
	replaced = frappe.get_all(REVIEW, filters={"review_date": today}, pluck="name")
	name = store(today, from_date, to_date, s, result, totals, moves, change)
	if notify and s.head_of_sales:
		notify_head(s.head_of_sales, name, today, result, moves, replaced)
	return name


def set_flags(keys: set[str], today) -> None:
	"""Flag exactly ``keys`` as key accounts; newcomers get ``today`` as their since-date."""
	flagged = set(frappe.db.sql_list("select name from `tabCustomer` where sd_key_account = 1"))
	for names in _chunks(sorted(flagged - keys)):
		frappe.db.sql(
			"""update `tabCustomer` set sd_key_account = 0, sd_key_account_since = null
			where name in %(names)s""",
			{"names": names},
		)
	for names in _chunks(sorted(keys - flagged)):
		frappe.db.sql(
			"""update `tabCustomer` set sd_key_account = 1, sd_key_account_since = %(today)s
			where name in %(names)s""",
			{"names": names, "today": today},
		)


def store(today, from_date, to_date, s, result, totals, moves, change) -> str:
	"""The Key Account Review of ``today`` (replacing an earlier one of the same day)."""
	old = frappe.get_all(REVIEW, filters={"review_date": today}, pluck="name")
	if old:
		frappe.db.delete(LINE, {"parenttype": REVIEW, "parent": ("in", old)})
		frappe.db.delete(REVIEW, {"name": ("in", old)})
	doc = frappe.get_doc(
		{
			"doctype": REVIEW,
			"review_date": today,
			"from_date": from_date,
			"to_date": to_date,
			"basis": s.basis,
			"threshold": s.threshold,
			"total_revenue": result.total,
			"key_revenue": result.key_revenue,
			"key_accounts": len(result.key_accounts),
			"moved_in": len(moves.moved_in),
			"moved_out": len(moves.moved_out),
		}
	).insert(ignore_permissions=True)
	out = set(moves.moved_out)
	lines = [r for r in result.ranking if r.key or r.customer in out]
	lines += unranked_moved_out(result, totals, moves)
	now, user = now_datetime(), frappe.session.user
	rows = []
	for idx, r in enumerate(lines, 1):
		meta = (frappe.generate_hash(length=10), doc.name, REVIEW, "lines", idx, 0, user, user, now, now)
		values = (r.customer, r.revenue, r.share, r.cumulative_share, int(r.key), change.get(r.customer, ""))
		rows.append((*meta, *values))
	frappe.db.bulk_insert(LINE, LINE_FIELDS, rows)
	return doc.name


def notify_head(user, name, today, result, moves, replaced=()) -> None:
	"""Tell the head of sales about the review of ``today``: once per review day.

	Reviewing the same day again (the button, a second job run) updates the notification
	about the replaced review instead of adding one; it shows as unread when it changed.
	"""
	subject = _("Key-account review of {0}: {1} key accounts; {2} moved in; {3} moved out").format(
		frappe.format(today, "Date"), len(result.key_accounts), len(moves.moved_in), len(moves.moved_out)
	)
	parts = []
	for label, names in ((_("Moved in"), moves.moved_in), (_("Moved out"), moves.moved_out)):
		shown = ", ".join(frappe.utils.escape_html(n) for n in names[:LISTED]) or _("nobody")
		if len(names) > LISTED:
			shown += " " + _("and {0} more").format(len(names) - LISTED)
		parts.append(f"<p><b>{label}:</b> {shown}</p>")
	content = "".join(parts)
	earlier = replaced and frappe.db.get_value(
		"Notification Log",
		{"for_user": user, "document_type": REVIEW, "document_name": ("in", list(replaced))},
		["name", "subject", "email_content"],
		as_dict=True,
	)
	if earlier:
		changed = (earlier.subject, earlier.email_content) != (subject, content)
		values = {"document_name": name, "subject": subject, "email_content": content}
		if changed:
			values["read"] = 0
		frappe.db.set_value("Notification Log", earlier.name, values)
		return
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"type": "Alert",
			"subject": subject,
			"email_content": content,
			"document_type": REVIEW,
			"document_name": name,
			"from_user": "Administrator",
		}
	).insert(ignore_permissions=True)


def _chunks(names: list[str]):
	for i in range(0, len(names), CHUNK):
		yield tuple(names[i : i + CHUNK])
