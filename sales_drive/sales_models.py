"""The department's sales model (METHOD.md §6): preview and apply a switch, and
keep assistants to the steps the model allows them on managers' records.

The rules are in ``engine/models.py``; this module reads the active
regulations, shows what a switch would change in the user's language, saves
the regulations (all or nothing), sets the setting and leaves an audit
comment on Sales Drive Settings.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html, get_fullname
from frappe.utils.caching import request_cache

from sales_drive import regulations
from sales_drive.engine import kpi as kpi_engine
from sales_drive.engine import models as engine
from sales_drive.queries import candidates_for, person_of_user
from sales_drive.setup.custom_fields import OWNER_FIELD

SETTINGS = "Sales Drive Settings"
MANAGERS = ("System Manager", "Sales Manager")
ASSISTANT = "Assistant"
FIELD_LABELS = {
	"specialisation": "Responsible Specialisation",
	"handoff_specialisation": "Hand Off To Specialisation",
	"assistant_allowed": "Assistant Allowed",
}
KEY_ACCOUNT = {"Key Accounts Only": True, "Except Key Accounts": False}


class AssistantStepError(frappe.ValidationError):
	pass


# --- switching the model ------------------------------------------------------


def _only_managers():
	# frappe.only_for lets everyone through in tests: check the roles ourselves
	if frappe.session.user != "Administrator" and not set(MANAGERS) & set(frappe.get_roles()):
		frappe.throw(
			_("Only a System Manager or a Sales Manager may change the sales model."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def _check_model(model: str) -> str:
	if model not in engine.MODELS:
		frappe.throw(
			_("Unknown sales model {0}. Choose one of: {1}.").format(
				frappe.bold(model or _("(none)")), ", ".join(_(m) for m in engine.MODELS)
			),
			title=_("Invalid sales model"),
		)
	return model


def _active_docs() -> list:
	"""Active regulations in process order: Lead ones before Opportunity ones."""
	names = frappe.get_all(
		"Sales Pipeline Regulation", {"is_active": 1}, pluck="name", order_by="pipeline asc, name asc"
	)
	return [frappe.get_doc("Sales Pipeline Regulation", n) for n in names]


def _plans(model: str) -> list[tuple]:
	"""(regulation document, its engine Regulation, the changes) for every active regulation."""
	out = []
	for doc in _active_docs():
		reg = regulations.from_doc(doc)
		key_account = KEY_ACCOUNT.get(doc.get("key_account") or "")
		out.append((doc, reg, engine.plan_change(reg, model, key_account)))
	return out


def _value(field: str, value) -> str:
	if field == "assistant_allowed":
		return _("Yes") if value else _("No")
	return _(value) if value else _("(none)")


def _change_line(c: engine.Change) -> str:
	return _("{0}: {1} {2} → {3}").format(
		_(c.step), _(FIELD_LABELS[c.field]), _value(c.field, c.old), _value(c.field, c.new)
	)


def _stays() -> list[str]:
	return [
		_("The transition log (the history of every move, its times and hand-offs) is kept as it is."),
		_(
			"Records keep their current step and owner; the new owners and hand-offs apply to moves from now on."
		),
		_(
			"KPI schemes and scorecards already made are not touched; the suggested KPIs below are not created."
		),
		_("Hand-offs to a role, time limits, exit criteria and texts of the steps stay as they are."),
	]


def _kpi_lines(plans, model: str) -> list[str]:
	# the levels are read off the main Opportunity regulation: the first that is not the key-account one
	candidates = [
		(reg, KEY_ACCOUNT.get(doc.get("key_account") or ""))
		for doc, reg, _changes in plans
		if reg.doctype == "Opportunity"
	]
	candidates.sort(key=lambda c: c[1] is True)
	if not candidates:
		return []
	main, key_account = candidates[0]
	lines = []
	for suggestion in engine.kpi_suggestions(main, model, key_account):
		parts = []
		for line in suggestion.lines:
			# metric labels are translated as options of the KPI Scheme Component
			text = _(kpi_engine.METRICS[line.metric].label, context="KPI Scheme Component")
			if line.from_step and line.to_step:
				text += f" ({_(line.from_step)} → {_(line.to_step)})"
			elif line.from_step:
				text += f" ({_(line.from_step)})"
			if line.handoff:
				text += " — " + _("hand-off")
			parts.append(text)
		lines.append(f"{_(suggestion.specialisation)}: {', '.join(parts)}")
	return lines


def _warnings(plans) -> list[str]:
	targets = sorted(
		{
			c.new
			for _doc, _reg, changes in plans
			for c in changes
			if c.field == "handoff_specialisation" and c.new
		}
	)
	return [
		_(
			"Nobody is a {0} yet: the regulation hands records to them, so the change is refused until an enabled "
			"user's Sales Person has this specialisation."
		).format(frappe.bold(_(t)))
		for t in targets
		if not candidates_for(None, t)
	]


NOT_CHOSEN = "Not Chosen"


def _html(current, model, regs, stays, kpi, warnings) -> str:
	def ul(items):
		return "<ul>" + "".join(f"<li>{escape_html(i)}</li>" for i in items) + "</ul>"

	out = [f"<p>{escape_html(_('Sales model: {0} → {1}').format(_(current), _(model)))}</p>"]
	for reg in regs:
		title = escape_html(_("Regulation {0} ({1})").format(reg["name"], _(reg["pipeline"])))
		body = ul(reg["lines"]) if reg["lines"] else f"<p>{escape_html(_('Nothing changes.'))}</p>"
		out.append(f"<p><b>{title}</b></p>{body}")
	if not regs:
		out.append(f"<p>{escape_html(_('There is no active regulation: only the setting changes.'))}</p>")
	# warnings carry frappe.bold markup of our own (translated names only): not escaped
	if warnings:
		out.append(
			"<p><b>"
			+ escape_html(_("Warnings"))
			+ "</b></p><ul>"
			+ "".join(f"<li>{w}</li>" for w in warnings)
			+ "</ul>"
		)
	out.append(f"<p><b>{escape_html(_('What stays'))}</b></p>{ul(stays)}")
	if kpi:
		out.append(
			f"<p><b>{escape_html(_('Suggested KPIs per level (make them in KPI Scheme)'))}</b></p>{ul(kpi)}"
		)
	return "".join(out)


def _preview(model: str, plans) -> dict:
	# empty: no model chosen yet, the regulations are as installed
	current = frappe.db.get_single_value(SETTINGS, "sales_model") or NOT_CHOSEN
	regs = [
		{
			"name": doc.name,
			"pipeline": doc.pipeline,
			"changes": [
				{
					"step": c.step,
					"field": c.field,
					"label": _(FIELD_LABELS[c.field]),
					"old": c.old,
					"new": c.new,
				}
				for c in changes
			],
			"lines": [_change_line(c) for c in changes],
		}
		for doc, _reg, changes in plans
	]
	stays, kpi, warnings = _stays(), _kpi_lines(plans, model), _warnings(plans)
	return {
		"model": model,
		"current": current,
		"regulations": regs,
		"changes": sum(len(r["changes"]) for r in regs),
		"stays": stays,
		"kpi": kpi,
		"warnings": warnings,
		"html": _html(current, model, regs, stays, kpi, warnings),
	}


@frappe.whitelist(methods=["GET", "POST"])
def preview_model_change(model: str) -> dict:
	"""What switching to ``model`` changes in every active regulation; changes nothing."""
	_only_managers()
	_check_model(model)
	return _preview(model, _plans(model))


@frappe.whitelist(methods=["POST"])
def apply_model_change(model: str) -> dict:
	"""Switch to ``model``: save every changed regulation (all or nothing), set the
	setting, and leave an audit comment listing the changes."""
	_only_managers()
	_check_model(model)
	plans = _plans(model)
	result = _preview(model, plans)
	frappe.db.savepoint("sd_sales_model")
	saving = None
	try:
		for doc, reg, changes in plans:
			if not changes:
				continue
			saving = doc.name
			shaped = engine.apply(reg, changes)
			for row in doc.steps:
				step = shaped.step((row.step or "").strip())
				if step:
					row.specialisation = step.specialisation
					row.handoff_specialisation = step.handoff_specialisation
					row.assistant_allowed = int(step.assistant_allowed)
			doc.save()
		saving = None
		frappe.db.set_single_value(SETTINGS, "sales_model", model)
		_audit(result)
	except Exception:
		frappe.db.rollback(save_point="sd_sales_model")
		regulations.clear_cache()
		if saving:
			frappe.throw(
				_(
					"The sales model was not changed: regulation {0} could not be saved (see the message above). Nothing was changed."
				).format(frappe.bold(saving)),
				title=_("Sales model not changed"),
			)
		raise
	regulations.clear_cache()
	return result


def _audit(result: dict):
	lines = [
		f"<p>{escape_html(_('Sales model: {0} → {1}').format(_(result['current']), _(result['model'])))}</p>"
	]
	for reg in result["regulations"]:
		if reg["lines"]:
			title = escape_html(_("Regulation {0} ({1})").format(reg["name"], _(reg["pipeline"])))
			lines.append(
				f"<p>{title}</p><ul>" + "".join(f"<li>{escape_html(i)}</li>" for i in reg["lines"]) + "</ul>"
			)
	if not result["changes"]:
		lines.append(f"<p>{escape_html(_('No regulation step changed.'))}</p>")
	frappe.get_doc(SETTINGS).add_comment("Info", "".join(lines))


# --- assistants on managers' records -----------------------------------------


@request_cache
def specialisation_of(user: str) -> str | None:
	"""The specialisation of the user's Sales Person (cached for the request)."""
	row = frappe.db.sql(
		f"select sd_specialisation from `tabSales Person` where name = {person_of_user('%(user)s')}",
		{"user": user},
	)
	return row[0][0] if row else None


def check_assistant(doc, reg, old_step, new_step):
	"""Refuse an Assistant's save of someone else's record in a step assistants may not do.

	Called at the end of the pipeline's ``validate``: the step is the one the
	record moves into (or stays in, when it is only edited).
	"""
	field = OWNER_FIELD.get(doc.doctype)
	user = frappe.session.user
	if not field or not new_step or specialisation_of(user) != ASSISTANT:
		return
	# the owner before this save: an assistant cannot take a record over by renaming its owner
	before = None if doc.is_new() else doc.get_doc_before_save()
	owner = (before.get(field) if before else None) or doc.get(field)
	if not owner or owner == user:
		return
	step = reg.step(new_step)
	if step is None or step.assistant_allowed:
		return
	frappe.throw(
		_(
			"An assistant may not do step {0} on a record of {1}. Ask {1} to do it, or ask the head of sales to "
			"allow assistants in this step of the regulation."
		).format(frappe.bold(_(new_step)), frappe.bold(get_fullname(owner))),
		exc=AssistantStepError,
		title=_("Not allowed for an assistant"),
	)
