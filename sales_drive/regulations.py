"""Loading regulations and calendars from the database, cached.

The gate runs on every save of a Lead or Opportunity, so the active
regulation and the holiday calendars are cached (Redis + process-local) and
cleared when a regulation, a Holiday List or the settings change.
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe.utils import cint, getdate

from sales_drive.engine.regulation import Criterion, Regulation, Step
from sales_drive.engine.workdays import Calendar

REGULATION_KEY = "sales_drive:active_regulation"
HOLIDAYS_KEY = "sales_drive:holidays"
COMPANY_HOLIDAY_KEY = "sales_drive:company_holiday_list"
SETTINGS_KEY = "sales_drive:settings"
PIPELINES = ("Lead", "Opportunity")


@dataclass(frozen=True)
class Active:
	regulation: Regulation
	holiday_list: str | None
	company: str | None


def from_doc(doc) -> Regulation:
	"""Build the engine's Regulation from a Sales Pipeline Regulation document."""
	steps = tuple(
		Step(
			name=(row.step or "").strip(),
			stage=row.stage or "",
			responsible_role=row.responsible_role or "",
			specialisation=row.specialisation or "",
			max_days=cint(row.max_days),
			allow_skip=bool(cint(row.allow_skip)),
			next_step=(row.next_step or "").strip(),
			handoff_role=row.handoff_role or "",
			handoff_specialisation=row.handoff_specialisation or "",
			handoff_method=row.handoff_method or "Round Robin",
			allows_conversion=bool(cint(row.allows_conversion)),
			# a Percent column is never NULL: 0 means "not set" (use the deal's own probability)
			probability=cint(row.get("probability")) or None,
			tasks=row.tasks or "",
			actions=row.actions or "",
			key_success_factor=row.key_success_factor or "",
			crm_requirements=row.crm_requirements or "",
		)
		for row in doc.steps
	)
	criteria = tuple(
		Criterion(
			step=(row.step or "").strip(),
			kind=row.kind or "",
			fieldname=(row.fieldname or "").strip(),
			document_type=row.document_type or "",
			min_count=cint(row.min_count) if row.min_count is not None else 1,
			item=(row.item or "").strip(),
			expression=row.expression or "",
			description=row.description or "",
		)
		for row in doc.criteria
	)
	return Regulation(
		name=doc.name or doc.title,
		doctype=doc.pipeline,
		steps=steps,
		criteria=criteria,
		allow_backward=bool(cint(doc.allow_backward)),
	)


def _load_active(doctype: str):
	name = frappe.db.get_value(
		"Sales Pipeline Regulation", {"pipeline": doctype, "is_active": 1}, "name", order_by="modified desc"
	)
	if not name:
		return ""  # cached "none": a falsy value that is not None
	doc = frappe.get_doc("Sales Pipeline Regulation", name)
	return Active(from_doc(doc), doc.holiday_list, doc.company)


def active(doctype: str) -> Active | None:
	if doctype not in PIPELINES:
		return None
	value = frappe.cache.hget(REGULATION_KEY, doctype, generator=lambda: _load_active(doctype))
	return value or None


def clear_cache(doc=None, method=None):
	frappe.cache.delete_value(REGULATION_KEY)
	frappe.cache.delete_value(HOLIDAYS_KEY)
	frappe.cache.delete_value(COMPANY_HOLIDAY_KEY)
	frappe.cache.delete_value(SETTINGS_KEY)


def settings() -> dict:
	def load():
		if not frappe.db.table_exists("Singles"):
			return {}
		values = frappe.db.get_singles_dict("Sales Drive Settings")
		return {
			"enable_gates": cint(values.get("enable_gates", 1)),
			"override_role": values.get("override_role") or "Sales Manager",
			"notify_overdue": cint(values.get("notify_overdue", 1)),
			"email_overdue": cint(values.get("email_overdue", 0)),
			"activate_workflows": cint(values.get("activate_workflows", 0)),
		}

	return frappe.cache.get_value(SETTINGS_KEY, generator=load)


def gates_enabled() -> bool:
	if frappe.flags.in_install or frappe.flags.in_uninstall or frappe.flags.sd_gates_off:
		return False
	return bool(settings().get("enable_gates", 1))


def may_override() -> bool:
	return settings().get("override_role", "Sales Manager") in frappe.get_roles()


def holiday_list_for(active_: Active | None, company: str | None) -> str | None:
	if active_ and active_.holiday_list:
		return active_.holiday_list
	company = company or (active_.company if active_ else None) or frappe.defaults.get_global_default("company")
	if not company:
		return None
	return frappe.cache.hget(
		COMPANY_HOLIDAY_KEY,
		company,
		generator=lambda: frappe.db.get_value("Company", company, "default_holiday_list") or "",
	) or None


def calendar(holiday_list: str | None) -> Calendar:
	"""The working calendar: a Holiday List (weekends are rows in it) or Mon-Fri."""
	if not holiday_list:
		return Calendar.of()

	def load():
		return [getdate(d) for d in frappe.get_all("Holiday", {"parent": holiday_list}, pluck="holiday_date")]

	dates = frappe.cache.hget(HOLIDAYS_KEY, holiday_list, generator=load)
	return Calendar.of(dates, weekly_off=())


def calendar_for(doc_or_company, active_: Active | None = None) -> Calendar:
	company = doc_or_company if isinstance(doc_or_company, str) or doc_or_company is None else doc_or_company.get("company")
	return calendar(holiday_list_for(active_, company))
