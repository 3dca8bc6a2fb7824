"""Loading regulations and calendars from the database, cached.

The gate runs on every save of a Lead or Opportunity, so the active
regulation and the holiday calendars are cached (Redis + process-local) and
cleared when a regulation, a Holiday List or the settings change.
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe.utils import cint, getdate

from sales_drive import process_cache
from sales_drive.engine import rollout, segments
from sales_drive.engine.regulation import Criterion, Regulation, Step
from sales_drive.engine.segments import SegmentRule
from sales_drive.engine.workdays import Calendar

REGULATION_KEY = "sales_drive:active_regulation"
HOLIDAYS_KEY = "sales_drive:holidays"
COMPANY_HOLIDAY_KEY = "sales_drive:company_holiday_list"
SETTINGS_KEY = "sales_drive:settings"
TREES_KEY = "sales_drive:segment_trees"
CALENDARS_KEY = "sales_drive:calendars"  # built in each process (process_cache.memo), never in Redis
PIPELINES = ("Lead", "Opportunity")


@dataclass(frozen=True)
class Active:
	regulation: Regulation
	holiday_list: str | None
	company: str | None
	assign_to_account_manager: bool = False
	mode: str = rollout.ENFORCE
	# ERPNext value of the step field (Sales Stage / Lead status) -> step, for adopting records
	mapping: tuple[tuple[str, str], ...] = ()

	@property
	def stage_map(self) -> dict[str, str]:
		return dict(self.mapping)

	def resolve(self, value: str | None) -> str | None:
		"""The step a value of the step field stands for (the step itself, else its mapping)."""
		return rollout.resolve_step(value, self.regulation.order(), self.stage_map)


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
			assistant_allowed=bool(cint(row.get("assistant_allowed"))),
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


SEGMENT_TABLES = {
	"customer_group": ("customer_groups", "customer_group"),
	"territory": ("territories", "territory"),
	"opportunity_type": ("opportunity_types", "opportunity_type"),
	"source": ("sources", "source"),
}
KEY_ACCOUNT = {"Key Accounts Only": True, "Except Key Accounts": False}


def segment_rule(doc) -> SegmentRule:
	"""The engine's SegmentRule of a regulation document; no conditions: the pipeline's default."""
	conditions = {
		field: tuple(row.get(column) for row in (doc.get(table) or []) if row.get(column))
		for field, (table, column) in SEGMENT_TABLES.items()
	}
	conditions = {k: v for k, v in conditions.items() if v}
	key_account = KEY_ACCOUNT.get(doc.get("key_account") or "")
	return SegmentRule(
		regulation=doc.name,
		conditions=conditions,
		key_account=key_account,
		priority=cint(doc.get("priority")),
		is_default=not conditions and key_account is None,
		name=doc.name,
	)


def _load_regulation(name: str):
	if not name or not frappe.db.exists("Sales Pipeline Regulation", name):
		return ""  # cached "none": a falsy value that is not None
	doc = frappe.get_doc("Sales Pipeline Regulation", name)
	return Active(
		from_doc(doc),
		doc.holiday_list,
		doc.company,
		bool(cint(doc.get("assign_to_account_manager"))),
		mode=doc.get("rollout_mode") or rollout.ENFORCE,
		mapping=tuple(
			(row.erpnext_value.strip(), row.step.strip())
			for row in doc.get("stage_mapping") or []
			if row.erpnext_value and row.step
		),
	)


def _load_rules(doctype: str):
	names = frappe.get_all(
		"Sales Pipeline Regulation",
		{"pipeline": doctype, "is_active": 1},
		pluck="name",
		order_by="priority desc, modified desc",
	)
	return [segment_rule(frappe.get_doc("Sales Pipeline Regulation", n)) for n in names]


def by_name(name: str | None) -> Active | None:
	"""A regulation by name (active or not: a record keeps the one it started under)."""
	if not name:
		return None
	value = process_cache.hget(REGULATION_KEY, f"reg:{name}", lambda: _load_regulation(name))
	return value or None


def rules(doctype: str) -> list[SegmentRule]:
	"""The active regulations of a pipeline as segment rules, best priority first."""
	if doctype not in PIPELINES:
		return []
	return process_cache.hget(REGULATION_KEY, f"rules:{doctype}", lambda: _load_rules(doctype)) or []


def default_name(doctype: str) -> str | None:
	found = rules(doctype)
	default = next((r for r in found if r.is_default), None)
	return (default or (found[0] if found else None)).regulation if found else None


def active(doctype: str) -> Active | None:
	"""The pipeline's default regulation (the one without segment conditions)."""
	return by_name(default_name(doctype))


def tree_parents() -> dict:
	"""Customer Group and Territory trees (node -> parent), for segment conditions naming a group."""

	def load():
		return {
			"customer_group": dict(frappe.db.sql("select name, parent_customer_group from `tabCustomer Group`")),
			"territory": dict(frappe.db.sql("select name, parent_territory from `tabTerritory`")),
		}

	return process_cache.get_value(TREES_KEY, load)


def segment_of(doc) -> dict:
	"""What a record's segment conditions look at: group, territory, type, source, key account."""
	record = {
		"customer_group": doc.get("customer_group"),
		"territory": doc.get("territory"),
		"opportunity_type": doc.get("opportunity_type"),
		"source": doc.get("source"),
		"key_account": False,
	}
	customer = None
	if doc.doctype == "Opportunity" and doc.get("opportunity_from") == "Customer":
		customer = doc.get("party_name")
	elif doc.doctype == "Lead":
		customer = doc.get("customer")
	if customer:
		# plain SQL: read on every new record (the query builder doubles its cost); with what base cooling reads
		# of the customer in the same save (doc.flags.sd_customer: base_cooling.opportunity_party)
		found = frappe.db.sql(
			"""select name, sd_key_account, customer_group, territory, customer_name, email_id
			from `tabCustomer` where name = %s""",
			customer,
			as_dict=True,
		)
		values = found[0] if found else None
		if values and getattr(doc, "flags", None) is not None:
			doc.flags.sd_customer = values
		if values:
			record["key_account"] = bool(values.sd_key_account)
			# the customer's own group and territory are the truth; the record's copies can be stale
			record["customer_group"] = values.customer_group or record["customer_group"]
			record["territory"] = values.territory or record["territory"]
	return record


def choose_for(doc) -> str | None:
	"""The regulation a record's segment chooses now (best match, else the default)."""
	found = rules(doc.doctype)
	if not found:
		return None
	if len(found) == 1 and found[0].is_default:
		return found[0].regulation
	return segments.choose_regulation(found, segment_of(doc), tree_parents())


def for_record(doc) -> Active | None:
	"""The regulation a record runs under: the one it started under, else its segment's choice."""
	if doc.doctype not in PIPELINES:
		return None
	current = doc.get("sd_regulation")
	if current:
		found = by_name(current)
		if found and found.regulation.doctype == doc.doctype:
			return found
	return by_name(choose_for(doc))


def suggested_move(doc) -> str | None:
	"""Another active regulation the record's segment now chooses, if any."""
	if not doc.get("sd_regulation") or not rules(doc.doctype):
		return None
	target = choose_for(doc)
	return target if target and target != doc.get("sd_regulation") else None


def clear_cache(doc=None, method=None):
	frappe.cache.delete_value(REGULATION_KEY)
	frappe.cache.delete_value(HOLIDAYS_KEY)
	frappe.cache.delete_value(COMPANY_HOLIDAY_KEY)
	frappe.cache.delete_value(SETTINGS_KEY)
	frappe.cache.delete_value(TREES_KEY)
	process_cache.clear()


def clear_trees(doc=None, method=None):
	frappe.cache.delete_value(TREES_KEY)
	process_cache.clear()


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

	return process_cache.get_value(SETTINGS_KEY, load)


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
	return process_cache.hget(
		COMPANY_HOLIDAY_KEY, company, lambda: frappe.db.get_value("Company", company, "default_holiday_list") or ""
	) or None


def calendar(holiday_list: str | None) -> Calendar:
	"""The working calendar: a Holiday List (weekends are rows in it) or Mon-Fri."""
	if not holiday_list:
		return Calendar.of()

	def load():
		return [getdate(d) for d in frappe.get_all("Holiday", {"parent": holiday_list}, pluck="holiday_date")]

	# one Calendar per list, kept by the process (building its frozenset cost ~0.1-0.7 ms a save)
	return process_cache.memo(
		(CALENDARS_KEY, holiday_list),
		lambda: Calendar.of(frappe.cache.hget(HOLIDAYS_KEY, holiday_list, generator=load), weekly_off=()),
	)


def calendar_for(doc_or_company, active_: Active | None = None) -> Calendar:
	company = doc_or_company if isinstance(doc_or_company, str) or doc_or_company is None else doc_or_company.get("company")
	return calendar(holiday_list_for(active_, company))
