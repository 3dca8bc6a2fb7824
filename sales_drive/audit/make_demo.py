"""Make the audit's demo dataset (``demo/demo.json.gz``) from a site filled by the app's
realistic generator (``sales_drive.demo.generate``, mode ``realistic``). Run it on the bench::

    cd frappe-bench && ./env/bin/python apps/sales_drive/sales_drive/audit/make_demo.py bench.localhost

It writes, for each dataset of :data:`figures.DATASETS`, the rows the live REST query would
return, for the realistic subset only (the bulk rows of the benchmarks are left out):

- opportunities that went through the gates (their Sales Stage Transition Log rows are not
  bulk ones), their lost reasons, the generator's leads (``CRM-LEAD-``), communications,
  events, sales persons, employees, the Holiday List, fiscal years and sales stages;
- **versions**: the demo site "tracks changes" on Opportunity: each move of the app's
  transition log becomes the Version ERPNext would have written (``changed`` =
  ``[["sales_stage", from, to]]``, or ``[["status", old, "Lost"/"Converted"]]``), so the demo
  shows the funnel from versions;
- **invoices**: the generator's submitted Sales Invoices, owned by the manager who owns the
  deal they came from (Invoice → Sales Order → Quotation → Opportunity); the generator
  submits them as Administrator;
- **targets**: ERPNext Sales Person targets (Target Detail) for the current fiscal year, set at
  110% of each manager's invoiced sales of the year so far, annualised — the generator makes none;
- anonymised: users become ``manager-NN@demo.example``, sales persons ``Manager NN``, the
  company ``Demo Company``; no party, contact or address is exported.

The meta block records the site's date, so the demo's figures do not move with the clock.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).with_name("demo") / "demo.json.gz"
COMPANY = "Demo Company"
HOLIDAYS = "Demo Holidays"


def _plain(v):
	if isinstance(v, datetime):
		return v.isoformat(sep=" ")
	if isinstance(v, date):
		return v.isoformat()
	if isinstance(v, Decimal):
		return float(v)
	return v


def export(site: str, out: Path = OUT) -> dict:
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		return _export(frappe, out)
	finally:
		frappe.destroy()


def _export(frappe, out: Path) -> dict:
	sql = frappe.db.sql
	today = frappe.utils.getdate(frappe.utils.nowdate())
	log = "`tabSales Stage Transition Log`"
	opp_names = [r[0] for r in sql(f"select distinct reference_name from {log} where reference_doctype = 'Opportunity' and length(name) != 13 order by 1")]
	company = sql("select name, default_holiday_list, default_currency from tabCompany order by creation limit 1", as_dict=True)[0]

	users: dict[str, str] = {}

	def anon(user):
		if not user or user in ("Administrator", "Guest"):
			return user
		if user not in users:
			users[user] = f"manager-{len(users) + 1:02d}@demo.example"
		return users[user]

	def rows(query, values=None):
		return [{k: _plain(v) for k, v in r.items()} for r in (sql(query, values, as_dict=True) if values else sql(query, as_dict=True))]

	opps = rows(
		"""select name, status, sales_stage, opportunity_owner, owner, company, creation, modified, transaction_date,
		expected_closing, opportunity_amount, base_opportunity_amount from tabOpportunity where name in %(n)s order by name""",
		{"n": opp_names},
	)
	for r in opps:
		r["opportunity_owner"], r["owner"], r["company"] = anon(r["opportunity_owner"]), anon(r["owner"]), COMPANY

	lost = rows(
		"""select o.name, o.modified, o.base_opportunity_amount, o.opportunity_amount, d.lost_reason from tabOpportunity o
		left join `tabOpportunity Lost Reason Detail` d on d.parent = o.name and d.parenttype = 'Opportunity'
		where o.name in %(n)s and o.status = 'Lost' order by o.name, d.idx""",
		{"n": opp_names},
	)
	for r in lost:
		r["status"], r["company"] = "Lost", COMPANY

	versions = []
	status_of = {}
	for r in sql(
		f"""select reference_name, kind, from_step, to_step, transition_time from {log}
		where reference_doctype = 'Opportunity' and reference_name in %(n)s and kind != 'Enter'
		order by reference_name, transition_time, creation""",
		{"n": opp_names},
		as_dict=True,
	):
		if r.kind in ("Lost", "Won"):
			new = "Lost" if r.kind == "Lost" else "Converted"
			changed = [["status", status_of.get(r.reference_name, "Open"), new]]
			status_of[r.reference_name] = new
		elif r.kind == "Reopen":
			changed = [["status", status_of.get(r.reference_name, "Lost"), "Open"]]
			status_of[r.reference_name] = "Open"
		else:
			changed = [["sales_stage", r.from_step, r.to_step]]
		versions.append(
			{
				"docname": r.reference_name,
				"creation": _plain(r.transition_time),
				"data": json.dumps({"changed": changed, "added": [], "removed": [], "row_changed": []}),
				"ref_doctype": "Opportunity",
			}
		)

	leads = rows("select name, status, lead_owner, creation, modified, company from tabLead where name like %(p)s order by name", {"p": "CRM-LEAD-%"})
	for r in leads:
		r["lead_owner"], r["company"] = anon(r["lead_owner"]), COMPANY

	comms = rows(
		"""select name, owner, communication_medium, reference_doctype, communication_type, creation from tabCommunication
		where communication_type = 'Communication' and reference_doctype in ('Lead', 'Opportunity') order by name"""
	)
	for i, r in enumerate(comms, 1):
		r["owner"], r["name"] = anon(r["owner"]), f"COMM-{i:05d}"
	events = rows("select name, owner, starts_on from tabEvent order by name")
	for i, r in enumerate(events, 1):
		r["owner"], r["name"] = anon(r["owner"]), f"EV-{i:05d}"

	persons = rows("select name, parent_sales_person, is_group, enabled, employee from `tabSales Person` order by lft")
	employees = rows("select name, user_id from tabEmployee order by name")
	for e in employees:
		e["user_id"] = anon(e["user_id"]) if e["user_id"] else None
	user_of = {e["name"]: e["user_id"] for e in employees}
	person_names = {}
	for p in persons:
		if p["is_group"] or not p["employee"]:
			person_names[p["name"]] = p["name"]
		else:
			user = user_of.get(p["employee"]) or ""
			person_names[p["name"]] = "Manager " + user.split("@")[0].split("-")[-1] if user else p["name"]
	for p in persons:
		p["name"] = person_names[p["name"]]
		p["parent_sales_person"] = person_names.get(p["parent_sales_person"], p["parent_sales_person"])

	invoices = rows(
		"""select si.name, si.posting_date, si.base_net_total, si.company,
			(select o.opportunity_owner from `tabSales Invoice Item` sii
				join `tabSales Order Item` soi on soi.parent = sii.sales_order
				join tabQuotation q on q.name = soi.prevdoc_docname
				join tabOpportunity o on o.name = q.opportunity
				where sii.parent = si.name limit 1) as owner
		from `tabSales Invoice` si where si.docstatus = 1 and si.name not like %(p)s order by si.name""",
		{"p": "SD-BSI-%"},
	)
	for r in invoices:
		r["owner"], r["company"], r["docstatus"] = anon(r["owner"]), COMPANY, 1
		r["sales_person"] = r["allocated_percentage"] = None

	fiscal_years = rows("select name, year_start_date, year_end_date from `tabFiscal Year` order by year_start_date")
	fy = next((f for f in fiscal_years if f["year_start_date"] <= today.isoformat() <= f["year_end_date"]), None)
	person_of_user = {user_of.get(p["employee"]): p["name"] for p in persons if p["employee"] and not p["is_group"]}
	targets = []
	if fy:
		# 110% of each manager's year at the pace of the invoiced sales of the year so far
		fy_sold = defaultdict(float)
		for r in invoices:
			if r["owner"] in person_of_user and r["posting_date"] >= fy["year_start_date"]:
				fy_sold[person_of_user[r["owner"]]] += r["base_net_total"] or 0
		start, end = date.fromisoformat(fy["year_start_date"]), date.fromisoformat(fy["year_end_date"])
		year = (end - start).days + 1
		elapsed = (today - start).days + 1
		for person, amount in sorted(fy_sold.items()):
			targets.append({"name": person, "target_amount": round(amount * year / elapsed * 1.1, -4), "fiscal_year": fy["name"]})

	holidays = [
		{"name": HOLIDAYS, "holiday_date": _plain(d)}
		for (d,) in sql("select holiday_date from tabHoliday where parent = %s order by holiday_date", company.default_holiday_list)
	]
	data = {
		"meta": {
			"today": today.isoformat(),
			"made_by": "sales_drive/audit/make_demo.py from the realistic generator's data",
			"opportunities": len(opps),
		},
		"datasets": {
			"companies": [{"name": COMPANY, "default_holiday_list": HOLIDAYS, "default_currency": company.default_currency}],
			"holidays": holidays,
			"fiscal_years": fiscal_years,
			"sales_stages": rows("select name from `tabSales Stage` order by creation"),
			"opportunities": opps,
			"lost_reasons": lost,
			"versions": versions,
			"leads": leads,
			"communications": comms,
			"events": events,
			"sales_persons": persons,
			"targets": targets,
			"employees": employees,
			"invoices": invoices,
		},
	}
	out.parent.mkdir(parents=True, exist_ok=True)
	with gzip.GzipFile(out, "wb", mtime=0) as f:
		f.write(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())
	return {k: len(v) for k, v in data["datasets"].items()}


if __name__ == "__main__":
	print(export(sys.argv[1] if len(sys.argv) > 1 else "bench.localhost"))
