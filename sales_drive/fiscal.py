"""Fiscal years for the dates the demo and the tests post on, following the site's own year start."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import add_days, add_years, getdate


def span(day: date, month: int, dom: int) -> tuple[date, date, str]:
	"""The fiscal year holding ``day`` when years start on ``month``/``dom``: start, end and ERPNext's name."""
	start = date(day.year, month, dom)
	if start > day:
		start = date(day.year - 1, month, dom)
	end = getdate(add_days(add_years(start, 1), -1))
	label = f"{start.year}" if (month, dom) == (1, 1) else f"{start.year}-{start.year + 1}"
	return start, end, label


def ensure_fiscal_year(day, company: str | None = None) -> str:
	"""A Fiscal Year holding ``day`` (for ``company`` if given), made if missing.

	It starts on the month and day of the site's latest fiscal year (April on an Indian site,
	January on a Russian one), so it never overlaps the others.
	"""
	from erpnext.accounts.utils import FiscalYearError, get_fiscal_year

	day = getdate(day)
	try:
		name = get_fiscal_year(day, company=company)[0]
		if frappe.db.exists("Fiscal Year", name):
			return name
		# ERPNext caches fiscal years in Redis; a year made in a transaction that was rolled back
		# (a test's) stays in that cache, and every posting on its dates then fails
		frappe.cache().delete_value("fiscal_years")
	except FiscalYearError:
		pass
	known = frappe.get_all("Fiscal Year", fields=["year_start_date"], order_by="year_start_date desc", limit=1)
	month, dom = (known[0].year_start_date.month, known[0].year_start_date.day) if known else (1, 1)
	start, end, label = span(day, month, dom)
	if frappe.db.exists("Fiscal Year", label):
		fy = frappe.get_doc("Fiscal Year", label)
		if company and fy.companies and not any(r.company == company for r in fy.companies):
			fy.append("companies", {"company": company})
			fy.save(ignore_permissions=True)
		return label
	frappe.get_doc(
		{"doctype": "Fiscal Year", "year": label, "year_start_date": start, "year_end_date": end,
			"companies": [{"company": company}] if company else []}  # fmt: skip
	).insert(ignore_permissions=True)
	return label
