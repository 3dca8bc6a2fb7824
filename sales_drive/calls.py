"""Calls from ERPNext's Call Log (telephony integrations), counted wherever activities count.

A team on a telephony integration logs its calls as ``Call Log`` rows, not as Communications
with medium Phone. These SQL fragments let the gate's Activity criterion (:mod:`sales_drive.facts`),
the KPI call metric (:mod:`sales_drive.kpi`, so the manager rating too), the daily report's prefill
(:mod:`sales_drive.control`) and the first-response time count them.

Which Call Logs count
- linked (``links``, ERPNext's Dynamic Link table; v15 has no ``reference_doctype``) to a Lead,
  Opportunity, Customer or Contact: a call with no client is not sales activity;
- a call that took place: answered (Completed, In Progress), or an outgoing attempt that ended
  (Busy, No Answer, Failed). A missed incoming call is nobody's activity;
- its time is ``start_time`` (else its creation); its person is ``employee_user_id`` (the
  employee who took or made it), else the Call Log's owner.

One call, counted once: a Call Log and a Communication with medium Phone describe the same call
when the Communication is linked to a record the Call Log is linked to (or, at a gate, to the
record being checked) and is dated within ``SAME_CALL_MINUTES`` of the call's start. Then only
the Communication counts (it is the one a person wrote, with its notes).
"""

from __future__ import annotations

import frappe

CLIENT_DOCTYPES = ("Lead", "Opportunity", "Customer", "Contact")
SAME_CALL_MINUTES = 10
AT = "coalesce(cl.start_time, cl.creation)"
USER = "coalesce(nullif(cl.employee_user_id, ''), cl.owner)"
TOOK_PLACE = """(cl.status in ('Completed', 'In Progress')
	or (cl.type = 'Outgoing' and cl.status in ('Busy', 'No Answer', 'Failed')))"""
_LINKED = f"""exists (select 1 from `tabDynamic Link` dl where dl.parent = cl.name and dl.parenttype = 'Call Log'
	and dl.parentfield = 'links' and dl.link_doctype in {CLIENT_DOCTYPES!r})"""
_NOT_LOGGED_AS_COMMUNICATION = f"""not exists (select 1 from `tabDynamic Link` dl2
	join `tabCommunication` c on c.reference_doctype = dl2.link_doctype and c.reference_name = dl2.link_name
	where dl2.parent = cl.name and dl2.parenttype = 'Call Log' and c.communication_medium = 'Phone'
	and c.communication_date between {AT} - interval {SAME_CALL_MINUTES} minute
		and {AT} + interval {SAME_CALL_MINUTES} minute)"""

# per user: (user, count) rows over %(users)s between %(from_dt)s and %(to_dt)s
USER_COUNTS = f"""select {USER} as user, count(*) as n from `tabCall Log` cl
	where {USER} in %(users)s and {AT} between %(from_dt)s and %(to_dt)s and {TOOK_PLACE}
	and {_LINKED} and {_NOT_LOGGED_AS_COMMUNICATION}
	group by 1"""


def user_counts(values: dict) -> list[tuple[str, int]]:
	"""(user, Call Logs) rows for ``values`` with users, from_dt and to_dt."""
	return [(user, int(n or 0)) for user, n in frappe.db.sql(USER_COUNTS, values)]


def summed(*row_lists) -> list[tuple[str, int]]:
	"""(user, count) rows of several sources added up per user."""
	out: dict[str, int] = {}
	for rows in row_lists:
		for user, n in rows:
			out[user] = out.get(user, 0) + int(n or 0)
	return list(out.items())


def links_of(doc) -> list[tuple[str, str]]:
	"""The records a call about ``doc`` is linked to: itself, an Opportunity's party and contact."""
	if doc.is_new():
		return []
	links = [(doc.doctype, doc.name)]
	if doc.doctype == "Opportunity":
		if doc.get("opportunity_from") in ("Lead", "Customer") and doc.get("party_name"):
			links.append((doc.opportunity_from, doc.party_name))
		if doc.get("contact_person"):
			links.append(("Contact", doc.contact_person))
	return links


def record_count(doctype: str, name: str, links: list[tuple[str, str]], since) -> int:
	"""Call Logs about a record (linked to it, its party or contact) since ``since``, without the calls
	already logged as a Phone Communication on the record (counted by the gate's Communication count)."""
	if not links:
		return 0
	query, values = record_count_query(doctype, name, links, since)
	return int(frappe.db.sql(query, values)[0][0] or 0)


def record_count_query(doctype: str, name: str, links: list[tuple[str, str]], since) -> tuple[str, dict]:
	"""The SELECT of :func:`record_count` and its values (``links`` not empty), for a caller that adds it to
	another count in one statement (the gate: ``sales_drive.facts.gather``)."""
	values = {"doctype": doctype, "name": name, "since": since}
	pairs = []
	for i, (link_doctype, link_name) in enumerate(links):
		values[f"d{i}"], values[f"n{i}"] = link_doctype, link_name
		pairs.append(f"(dl.link_doctype = %(d{i})s and dl.link_name = %(n{i})s)")
	return (
		f"""select count(distinct cl.name) from `tabDynamic Link` dl join `tabCall Log` cl on cl.name = dl.parent
			where dl.parenttype = 'Call Log' and ({" or ".join(pairs)}) and {AT} >= %(since)s and {TOOK_PLACE}
			and not exists (select 1 from `tabCommunication` c where c.communication_medium = 'Phone'
				and ((c.reference_doctype = %(doctype)s and c.reference_name = %(name)s)
					or (c.reference_doctype = dl.link_doctype and c.reference_name = dl.link_name))
				and c.communication_date between {AT} - interval {SAME_CALL_MINUTES} minute
					and {AT} + interval {SAME_CALL_MINUTES} minute)""",
		values,
	)
