"""Static checks of the Sales Drive app as it is on disk.

Plain pytest, no Frappe: JSON, CSV and Python files are read as data (json, csv, ast),
never imported. Each test gathers every problem it finds and reports them all in one
assertion message, one line per problem, each naming the file and what to change.

The rules mirror what Frappe 15 itself enforces when it installs or migrates the app
(frappe/core/doctype/doctype/doctype.py validate_fields / validate_permissions,
frappe/modules/patch_handler.py, frappe/translate.py), so a failure here is a failure
that `bench install-app` / `bench migrate` or the desk would otherwise show later.

Names of Frappe/ERPNext records come from tests/data/*_v15.txt; regenerate them with
tests/data/make_known_doctypes.py.
"""

from __future__ import annotations

import ast
import csv
import functools
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "sales_drive"
DATA = Path(__file__).resolve().parent / "data"
APP_NAME = "sales_drive"
DEFAULT_MODULE = "Sales Drive"
HOOKS = APP / "hooks.py"
CUSTOM_FIELDS_PY = APP / "setup" / "custom_fields.py"
RU_CSV = APP / "translations" / "ru.csv"
ENGINE = APP / "engine"
SKIP_DIRS = {"__pycache__", "node_modules", "dist", ".git"}

# Options of DocField.fieldtype in Frappe 15 (frappe/core/doctype/docfield/docfield.json).
FIELDTYPES = frozenset(
	(
		"Autocomplete", "Attach", "Attach Image", "Barcode", "Button", "Check", "Code", "Color",
		"Column Break", "Currency", "Data", "Date", "Datetime", "Duration", "Dynamic Link", "Float",
		"Fold", "Geolocation", "Heading", "HTML", "HTML Editor", "Icon", "Image", "Int", "JSON", "Link",
		"Long Text", "Markdown Editor", "Password", "Percent", "Phone", "Read Only", "Rating",
		"Section Break", "Select", "Signature", "Small Text", "Tab Break", "Table", "Table MultiSelect",
		"Text", "Text Editor", "Time",
	)
)  # fmt: skip
TABLE_FIELDS = frozenset({"Table", "Table MultiSelect"})
# frappe.model.no_value_fields / display_fieldtypes
NO_VALUE_FIELDS = frozenset(
	{"Section Break", "Column Break", "Tab Break", "HTML", "Table", "Table MultiSelect", "Button", "Image"}
	| {"Fold", "Heading"}
)
DISPLAY_FIELDS = NO_VALUE_FIELDS - TABLE_FIELDS
TEXT_FIELDS = frozenset({"Text", "Long Text", "Small Text", "Code", "Text Editor"})
DATA_FIELD_OPTIONS = frozenset({"Email", "Name", "Phone", "URL", "Barcode", "IBAN"})
DEFAULT_FIELDS = frozenset(
	{"doctype", "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"}
)
CHILD_TABLE_FIELDS = frozenset({"parent", "parentfield", "parenttype"})
OPTIONAL_FIELDS = frozenset({"_user_tags", "_comments", "_assign", "_liked_by", "_seen"})
# BaseDocument._reserved_keywords
RESERVED_KEYWORDS = frozenset(
	{
		"doctype",
		"meta",
		"flags",
		"parent_doc",
		"_table_fields",
		"_valid_columns",
		"_doc_before_save",
		"_table_fieldnames",
		"_reserved_keywords",
		"permitted_fieldnames",
		"dont_update_if_missing",
	}
)
# Controller methods Frappe looks up by name on every document.
CONTROLLER_HOOKS = frozenset(
	{
		"autoname",
		"before_naming",
		"before_validate",
		"validate",
		"before_insert",
		"after_insert",
		"before_save",
		"on_update",
		"before_submit",
		"on_submit",
		"before_cancel",
		"on_cancel",
		"before_update_after_submit",
		"on_update_after_submit",
		"on_change",
		"on_trash",
		"after_delete",
		"before_rename",
		"after_rename",
		"onload",
		"before_print",
		"as_dict",
	}
)
SCHEDULER_EVENTS = frozenset(
	{
		"all",
		"hourly",
		"hourly_long",
		"hourly_maintenance",
		"daily",
		"daily_long",
		"daily_maintenance",
		"weekly",
		"weekly_long",
		"monthly",
		"monthly_long",
		"yearly",
		"annual",
		"cron",
	}
)
# hooks called with no arguments
NO_ARG_HOOKS = frozenset(
	{
		"scheduler_events",
		"before_install",
		"after_install",
		"before_uninstall",
		"after_uninstall",
		"before_migrate",
		"after_migrate",
		"before_tests",
		"after_sync",
	}
)
CLASS_HOOKS = frozenset({"override_doctype_class", "extend_doctype_class"})
# hooks whose keys are doctype names
DOCTYPE_KEYED_HOOKS = (
	"doc_events",
	"permission_query_conditions",
	"has_permission",
	"doctype_js",
	"doctype_list_js",
	"doctype_tree_js",
	"doctype_calendar_js",
	"override_doctype_class",
	"override_doctype_dashboards",
	"standard_queries",
)
DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
PLACEHOLDER = re.compile(r"\{\d*\}")
HTML_TAG = re.compile(r"<[^>]+>")


# ----------------------------------------------------------------------------- helpers


def rel(path: Path) -> str:
	try:
		return str(path.relative_to(ROOT))
	except ValueError:
		return str(path)


def scrub(txt: str) -> str:
	"""frappe.scrub: the folder name of a doctype / report / module."""
	return txt.replace(" ", "_").replace("-", "_").lower()


def report(title: str, problems: list[str]) -> str:
	lines = sorted(dict.fromkeys(problems))
	return f"{title} ({len(lines)}):\n  - " + "\n  - ".join(lines)


def fail(message: str):
	"""Fail with just the message: the traceback of a static check says nothing more."""
	pytest.fail(message, pytrace=False)


def check(title: str, problems: list[str]) -> None:
	if problems:
		fail(report(title, problems))


@functools.cache
def known(filename: str) -> frozenset[str]:
	path = DATA / filename
	if not path.is_file():
		fail(
			f"{rel(path)} is missing: regenerate it with "
			"`python tests/data/make_known_doctypes.py <apps/frappe> <apps/erpnext>`"
		)
	return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def walk_files(base: Path, suffix: str):
	if not base.is_dir():
		return
	for path in sorted(base.rglob(f"*{suffix}")):
		if path.is_file() and not SKIP_DIRS.intersection(path.relative_to(base).parts):
			yield path


@functools.cache
def parse_py(path: Path) -> ast.Module | None:
	try:
		return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
	except (SyntaxError, UnicodeDecodeError, ValueError):
		return None


def top_level_defs(path: Path) -> dict[str, ast.AST]:
	tree = parse_py(path)
	if tree is None:
		return {}
	return {
		n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
	}


def module_file(dotted_module: str) -> Path | None:
	base = ROOT.joinpath(*dotted_module.split("."))
	for candidate in (base.with_suffix(".py"), base / "__init__.py"):
		if candidate.is_file():
			return candidate
	return None


@functools.cache
def modules() -> tuple[tuple[str, Path], ...]:
	"""(module name, module folder) for each line of modules.txt (as frappe.get_file_items reads it)."""
	path = APP / "modules.txt"
	names = []
	if path.is_file():
		names = [
			line.strip()
			for line in path.read_text(encoding="utf-8").strip().splitlines()
			if line.strip() and not line.startswith("#")
		]
	return tuple((name, APP / scrub(name)) for name in (names or [DEFAULT_MODULE]))


@dataclass(frozen=True)
class Record:
	kind: str  # "doctype", "report", ...
	module: str  # the module whose folder holds it
	folder: Path
	path: Path
	data: dict | None
	error: str | None

	@property
	def where(self) -> str:
		return rel(self.path)


@functools.cache
def records(kind: str) -> tuple[Record, ...]:
	"""Every <module folder>/<kind>/<x>/<x>.json of the app, parsed (or with its error)."""
	out = []
	for module, module_dir in modules():
		base = module_dir / kind
		if not base.is_dir():
			continue
		for folder in sorted(p for p in base.iterdir() if p.is_dir() and p.name not in SKIP_DIRS):
			path = folder / f"{folder.name}.json"
			data, error = None, None
			if not path.is_file():
				error = f"{rel(folder)}/ has no {folder.name}.json"
			else:
				try:
					data = json.loads(path.read_text(encoding="utf-8"))
				except (ValueError, UnicodeDecodeError) as e:
					error = f"{rel(path)}: not valid JSON: {e}"
				else:
					if not isinstance(data, dict):
						error, data = f"{rel(path)}: expected a JSON object, got {type(data).__name__}", None
			out.append(Record(kind, module, folder, path, data, error))
	return tuple(out)


def valid(kind: str) -> list[Record]:
	return [r for r in records(kind) if r.data is not None]


@functools.cache
def app_doctypes() -> dict[str, dict]:
	return {r.data["name"]: r.data for r in valid("doctype") if r.data.get("name")}


@functools.cache
def app_reports() -> frozenset[str]:
	return frozenset(r.data["name"] for r in valid("report") if r.data.get("name"))


def doctype_exists(name: str) -> bool:
	return name in app_doctypes() or name in known("known_doctypes_v15.txt")


def fields_of(data: dict) -> list[dict]:
	fields = data.get("fields")
	return [f for f in fields if isinstance(f, dict)] if isinstance(fields, list) else []


def fmt_field(where: str, i: int, f: dict) -> str:
	return f"{where}: field #{i} {f.get('fieldname') or f.get('label') or '?'!r} ({f.get('fieldtype')})"


# ----------------------------------------------------------------------------- modules, patches


def test_modules_txt_names_module_folders():
	path = APP / "modules.txt"
	assert path.is_file(), f"{rel(path)} is missing: it must list the module {DEFAULT_MODULE!r}"
	problems = []
	names = [name for name, _ in modules()]
	if DEFAULT_MODULE not in names:
		problems.append(f"{rel(path)}: does not list {DEFAULT_MODULE!r}")
	for name, folder in modules():
		if not (folder / "__init__.py").is_file():
			problems.append(f"{rel(path)}: module {name!r} needs the package {rel(folder)}/__init__.py")
	check("modules.txt problems", problems)


def test_patches_txt_entries_resolve():
	path = APP / "patches.txt"
	if not path.exists():
		pytest.skip("no patches.txt")
	text = path.read_text(encoding="utf-8")
	problems = []
	sections = re.findall(r"^\[([^\]]+)\]\s*$", text, flags=re.M)
	if sections:
		# install-app marks all patches done via get_patches_from_app(app) with no type,
		# which reads parser["pre_model_sync"] and parser["post_model_sync"]
		for needed in ("pre_model_sync", "post_model_sync"):
			if needed not in sections:
				problems.append(f"{rel(path)}: section [{needed}] is missing (both sections are required)")
		for s in sections:
			if s not in ("pre_model_sync", "post_model_sync"):
				problems.append(f"{rel(path)}: unknown section [{s}]")
	for lineno, raw in enumerate(text.splitlines(), 1):
		line = raw.strip()
		if not line or line.startswith(("#", ";", "[")) or line.startswith("execute:"):
			continue
		dotted = line.split(maxsplit=1)[0]
		if not DOTTED.match(dotted) or not dotted.startswith(APP_NAME + "."):
			problems.append(f"{rel(path)}:{lineno}: {line!r} is not a dotted path of a {APP_NAME} module")
			continue
		mod = module_file(dotted)
		if mod is None:
			problems.append(f"{rel(path)}:{lineno}: patch module {dotted} does not exist")
		elif not isinstance(top_level_defs(mod).get("execute"), ast.FunctionDef):
			problems.append(f"{rel(path)}:{lineno}: {rel(mod)} must define a top-level `def execute():`")
	check("patches.txt problems", problems)


# ----------------------------------------------------------------------------- doctypes


def test_app_defines_doctypes():
	assert valid("doctype"), (
		f"no doctype JSON found under {rel(modules()[0][1])}/doctype/*/ — the app defines its doctypes there"
	)


def test_doctype_json_identity():
	"""parses, is a DocType of module Sales Drive, name matches the folder."""
	problems = []
	for r in records("doctype"):
		if r.error:
			problems.append(r.error)
			continue
		d = r.data
		name = d.get("name") or ""
		if d.get("doctype") != "DocType":
			problems.append(f'{r.where}: "doctype" is {d.get("doctype")!r}, expected "DocType"')
		if not name:
			problems.append(f'{r.where}: "name" is missing')
		elif scrub(name) != r.folder.name:
			problems.append(
				f"{r.where}: name {name!r} belongs in folder {scrub(name)!r}, not {r.folder.name!r} "
				"(folder = name lower-cased, spaces to underscores)"
			)
		if len(name) > 61:
			problems.append(f"{r.where}: name {name!r} is longer than 61 characters (table name limit)")
		if d.get("module") != r.module:
			problems.append(f'{r.where}: "module" is {d.get("module")!r}, expected {r.module!r}')
		if d.get("custom"):
			problems.append(f'{r.where}: "custom": 1 — a doctype shipped by the app must be standard')
		if name in known("known_doctypes_v15.txt"):
			problems.append(f"{r.where}: {name!r} is already a Frappe/ERPNext doctype; pick another name")
	names = [r.data.get("name") for r in valid("doctype")]
	for dup in {n for n in names if n and names.count(n) > 1}:
		problems.append(f"doctype {dup!r} is defined in more than one folder")
	check("DocType JSON problems", problems)


def test_doctype_folders_have_package_and_controller():
	problems = []
	for r in records("doctype"):
		if not (r.folder / "__init__.py").is_file():
			problems.append(f"{rel(r.folder)}/__init__.py is missing")
		controller = r.folder / f"{r.folder.name}.py"
		if not controller.is_file():
			problems.append(f"{rel(controller)} (the controller) is missing")
			continue
		if parse_py(controller) is None:
			problems.append(f"{rel(controller)}: does not parse as Python")
			continue
		if r.data and r.data.get("name"):
			cls = r.data["name"].replace(" ", "").replace("-", "")
			if not isinstance(top_level_defs(controller).get(cls), ast.ClassDef):
				problems.append(
					f"{rel(controller)}: must define `class {cls}(Document)` (Frappe loads the "
					"controller class by the doctype name without spaces)"
				)
	check("DocType folder problems", problems)


def field_problems(where: str, doctype: str, data: dict) -> list[str]:
	problems = []
	fields = data.get("fields")
	if not isinstance(fields, list):
		return [f'{where}: "fields" must be a list']
	fields = fields_of(data)
	by_name = {f.get("fieldname"): f for f in fields if f.get("fieldname")}
	istable = bool(data.get("istable"))
	doc_attrs = known("document_attributes_v15.txt")
	seen: dict[str, int] = {}
	fold_seen = False
	for i, f in enumerate(fields, 1):
		w = fmt_field(where, i, f)
		fieldname, fieldtype = f.get("fieldname"), f.get("fieldtype")
		options = f.get("options")
		options = options if isinstance(options, str) else ("" if options is None else str(options))
		if not fieldname:
			problems.append(f"{w}: has no fieldname")
		else:
			if fieldname in seen:
				problems.append(f"{w}: fieldname {fieldname!r} repeats field #{seen[fieldname]}")
			seen.setdefault(fieldname, i)
			if re.search(r"\W", fieldname):
				problems.append(f"{w}: fieldname may hold only letters, digits and _")
			if len(fieldname) > 64:
				problems.append(f"{w}: fieldname is longer than 64 characters")
			if fieldtype not in DISPLAY_FIELDS:
				clash = (
					("a reserved keyword", RESERVED_KEYWORDS),
					("a standard column", DEFAULT_FIELDS | CHILD_TABLE_FIELDS | OPTIONAL_FIELDS),
					("a Document method", doc_attrs),
					("a controller hook", CONTROLLER_HOOKS),
				)
				for what, names in clash:
					if fieldname in names:
						problems.append(f"{w}: fieldname {fieldname!r} shadows {what}; rename it")
						break
		if not fieldtype:
			problems.append(f"{w}: has no fieldtype")
			continue
		if fieldtype not in FIELDTYPES:
			problems.append(
				f"{w}: fieldtype {fieldtype!r} is not a Frappe 15 fieldtype ({', '.join(sorted(FIELDTYPES))})"
			)
			continue
		if fieldtype == "Select" and not options.strip():
			problems.append(f"{w}: Select field needs options (one per line)")
		if fieldtype in ("Link", "Dynamic Link", *TABLE_FIELDS) and not options.strip():
			problems.append(f"{w}: {fieldtype} field needs options")
		if fieldtype == "Data" and options and options not in DATA_FIELD_OPTIONS:
			problems.append(f"{w}: Data options must be one of {sorted(DATA_FIELD_OPTIONS)}, not {options!r}")
		if fieldtype in DISPLAY_FIELDS and f.get("reqd"):
			problems.append(f"{w}: a {fieldtype} cannot be mandatory (reqd)")
		if f.get("hidden") and f.get("reqd") and f.get("default") in (None, ""):
			problems.append(f"{w}: hidden and mandatory without a default")
		if f.get("unique") and fieldtype not in ("Data", "Link", "Read Only", "Int"):
			problems.append(f"{w}: {fieldtype} cannot be unique")
		if f.get("search_index") and fieldtype in TEXT_FIELDS:
			problems.append(f"{w}: {fieldtype} cannot be indexed (search_index)")
		if f.get("in_global_search") and fieldtype in NO_VALUE_FIELDS:
			problems.append(f"{w}: {fieldtype} cannot be in global search")
		not_in_list = (NO_VALUE_FIELDS | {"Attach Image"}) - ({"Button", "HTML"} if istable else set())
		if f.get("in_list_view") and fieldtype in not_in_list:
			problems.append(f"{w}: {fieldtype} cannot be in list/grid view")
		default = f.get("default")
		if fieldtype == "Check" and default not in (None, "", 0, 1, "0", "1"):
			problems.append(f"{w}: Check default must be 0 or 1, not {default!r}")
		if fieldtype == "Select" and default not in (None, "") and str(default) not in options.split("\n"):
			problems.append(f"{w}: default {default!r} is not one of the Select options")
		if fieldtype == "Rating" and options.strip():
			if not options.strip().isdigit() or not 3 <= int(options) <= 10:
				problems.append(f"{w}: Rating options must be a number from 3 to 10")
		if fieldtype == "Dynamic Link":
			pointer = by_name.get(options)
			if not pointer or not (
				pointer.get("fieldtype") == "Select"
				or (pointer.get("fieldtype") == "Link" and pointer.get("options") == "DocType")
			):
				problems.append(
					f"{w}: Dynamic Link options must name a Link field (options 'DocType') of the same doctype"
				)
		fetch_from = (f.get("fetch_from") or "").strip()
		if fetch_from:
			source = fetch_from.split(".", 1)[0]
			if "." not in fetch_from:
				problems.append(f"{w}: fetch_from {fetch_from!r} must be 'link_field.fieldname'")
			elif source == fieldname:
				problems.append(f"{w}: fetch_from {fetch_from!r} refers to itself")
			elif by_name.get(source, {}).get("fieldtype") not in ("Link", "Dynamic Link"):
				problems.append(
					f"{w}: fetch_from {fetch_from!r}: {source!r} is not a Link field of {doctype!r}"
				)
		if fieldtype == "Fold":
			if fold_seen:
				problems.append(f"{w}: only one Fold per form")
			fold_seen = True
			if i == len(fields) or fields[i].get("fieldtype") != "Section Break":
				problems.append(f"{w}: a Fold must be followed by a Section Break")
	order = data.get("field_order")
	if order is not None:
		names = [f.get("fieldname") for f in fields if f.get("fieldname")]
		if not isinstance(order, list) or sorted(order) != sorted(names):
			missing = sorted(set(names) - set(order or []))
			extra = sorted(set(order or []) - set(names))
			problems.append(
				f'{where}: "field_order" does not list exactly the fields (missing {missing}, unknown {extra})'
			)
	return problems


def meta_reference_problems(where: str, data: dict) -> list[str]:
	problems = []
	fields = fields_of(data)
	by_name = {f.get("fieldname"): f for f in fields if f.get("fieldname")}
	names = set(by_name)

	def ref(prop: str, allowed: set[str] | frozenset[str] = frozenset()):
		value = data.get(prop)
		if value and value not in names | allowed:
			problems.append(f'{where}: "{prop}" is {value!r}, which is not a field of this doctype')
		return by_name.get(value)

	ref("title_field", {"name"})
	image = ref("image_field")
	if image and image.get("fieldtype") != "Attach Image":
		problems.append(f'{where}: "image_field" {image["fieldname"]!r} must be an Attach Image field')
	timeline = ref("timeline_field")
	if timeline and timeline.get("fieldtype") not in ("Link", "Dynamic Link"):
		problems.append(f'{where}: "timeline_field" {timeline["fieldname"]!r} must be a Link or Dynamic Link')
	ref("sender_field")
	ref("subject_field")
	ref("is_published_field")
	for fieldname in [s.strip() for s in (data.get("search_fields") or "").split(",") if s.strip()]:
		if fieldname not in names or by_name[fieldname].get("fieldtype") in NO_VALUE_FIELDS:
			problems.append(f'{where}: "search_fields" has {fieldname!r}, which is not a data field')
	sort_field = data.get("sort_field") or ""
	for part in [p.strip() for p in sort_field.split(",") if p.strip()]:
		fieldname = part.split(maxsplit=1)[0]
		if fieldname not in names | DEFAULT_FIELDS | CHILD_TABLE_FIELDS:
			problems.append(f'{where}: "sort_field" {fieldname!r} is not a field of this doctype')
	autoname = data.get("autoname") or ""
	if autoname.startswith("field:") and autoname.split(":", 1)[1] not in names:
		problems.append(f'{where}: "autoname" {autoname!r} names a field that does not exist')
	if autoname.startswith("naming_series:") and "naming_series" not in names:
		problems.append(f'{where}: "autoname" {autoname!r} needs a field named naming_series')
	if autoname.startswith("format:"):
		for token in re.findall(r"\{([^{}]+)\}", autoname):
			if not re.fullmatch(r"#+|YY|YYYY|MM|DD|MON|WW|timestamp|FY", token) and token not in names:
				problems.append(f'{where}: "autoname" {autoname!r}: {{{token}}} is not a field')
	return problems


def test_doctype_fields_are_valid():
	problems = []
	for r in valid("doctype"):
		problems += field_problems(r.where, r.data.get("name", "?"), r.data)
		problems += meta_reference_problems(r.where, r.data)
	check("DocType field problems", problems)


def test_doctype_permissions():
	"""child tables have none; other doctypes have valid rows (validate_permissions)."""
	problems = []
	for r in valid("doctype"):
		d = r.data
		perms = d.get("permissions") or []
		if d.get("istable"):
			if perms:
				problems.append(f"{r.where}: child table (istable) must not have permissions")
			continue
		if not perms:
			problems.append(f"{r.where}: no permission rows; add at least one role that can read it")
			continue
		submittable = bool(d.get("is_submittable")) and not d.get("issingle")
		seen = {}
		for i, p in enumerate(perms, 1):
			w = f"{r.where}: permission row {i} ({p.get('role')!r}, level {p.get('permlevel') or 0})"
			role = p.get("role")
			if not role:
				problems.append(f"{w}: has no role")
				continue
			if not any(p.get(k) for k in ("select", "read", "write", "submit", "cancel", "create")):
				problems.append(f"{w}: grants no basic right (select/read/write/create/submit/cancel)")
			key = (role, int(p.get("permlevel") or 0), int(p.get("if_owner") or 0))
			if key in seen:
				problems.append(f"{w}: same role, level and if_owner as row {seen[key]}")
			seen.setdefault(key, i)
			if (
				key[1] > 0
				and role not in ("All", "Desk User")
				and not any(q.get("role") == role and not q.get("permlevel") for q in perms)
			):
				problems.append(f"{w}: a level-0 row for {role!r} is needed before higher levels")
			if p.get("cancel") and not p.get("submit"):
				problems.append(f"{w}: cancel without submit")
			if (p.get("submit") or p.get("cancel") or p.get("amend")) and not p.get("write"):
				problems.append(f"{w}: submit/cancel/amend without write")
			if (p.get("submit") or p.get("amend")) and not submittable:
				problems.append(f"{w}: submit/amend on a doctype that is not submittable")
			if p.get("import") and not (p.get("create") and d.get("allow_import")):
				problems.append(f"{w}: import needs create and the doctype's allow_import")
	check("DocType permission problems", problems)


def link_target_problems(where: str, f: dict) -> list[str]:
	fieldtype, target = f.get("fieldtype"), (f.get("options") or "").strip()
	if fieldtype not in ("Link", *TABLE_FIELDS) or not target:
		return []
	if not doctype_exists(target):
		return [
			f"{where}: {fieldtype} to {target!r}, which is neither a doctype of this app nor of Frappe/ERPNext 15"
		]
	problems = []
	own = app_doctypes().get(target)
	if own is not None:
		if fieldtype in TABLE_FIELDS and not own.get("istable"):
			problems.append(f"{where}: {fieldtype} to {target!r}, which is not a child table (istable)")
		if fieldtype == "Link" and own.get("istable"):
			problems.append(f"{where}: Link to {target!r}, which is a child table; link to its parent")
		if fieldtype == "Table MultiSelect" and not any(x.get("fieldtype") == "Link" for x in fields_of(own)):
			problems.append(f"{where}: Table MultiSelect child {target!r} needs a Link field")
	return problems


def test_doctype_link_and_table_targets_exist():
	problems = []
	for r in valid("doctype"):
		for i, f in enumerate(fields_of(r.data), 1):
			problems += link_target_problems(fmt_field(r.where, i, f), f)
		for j, link in enumerate(r.data.get("links") or [], 1):
			target = link.get("link_doctype")
			w = f"{r.where}: connection (links) #{j} {target!r}"
			if not target or not doctype_exists(target):
				problems.append(f"{w}: link_doctype is not a known doctype")
				continue
			parent = link.get("parent_doctype") or target
			own = app_doctypes().get(parent)
			if own is not None and link.get("link_fieldname"):
				names = {x.get("fieldname") for x in fields_of(own)}
				if not link.get("parent_doctype") and link["link_fieldname"] not in names:
					problems.append(
						f"{w}: link_fieldname {link['link_fieldname']!r} is not a field of {target!r}"
					)
	check("Link/Table targets that do not exist", problems)


# ----------------------------------------------------------------------------- custom fields


@functools.cache
def custom_fields() -> dict:
	if not CUSTOM_FIELDS_PY.is_file():
		fail(
			f"{rel(CUSTOM_FIELDS_PY)} is missing: it must hold CUSTOM_FIELDS = {{doctype: [field dicts]}} "
			"as a pure literal (applied with create_custom_fields on install)"
		)
	tree = parse_py(CUSTOM_FIELDS_PY)
	if tree is None:
		fail(f"{rel(CUSTOM_FIELDS_PY)} does not parse as Python")
	value = None
	for node in tree.body:
		targets = []
		if isinstance(node, ast.Assign):
			targets, value_node = node.targets, node.value
		elif isinstance(node, ast.AnnAssign) and node.value is not None:
			targets, value_node = [node.target], node.value
		if any(isinstance(t, ast.Name) and t.id == "CUSTOM_FIELDS" for t in targets):
			try:
				value = ast.literal_eval(value_node)
			except ValueError:
				fail(
					f"{rel(CUSTOM_FIELDS_PY)}:{node.lineno}: CUSTOM_FIELDS must be a pure literal "
					"(no names, calls or comprehensions) so CI can read it without Frappe"
				)
	if value is None:
		fail(f"{rel(CUSTOM_FIELDS_PY)}: no top-level assignment CUSTOM_FIELDS = {{...}}")
	if not isinstance(value, dict):
		fail(f"{rel(CUSTOM_FIELDS_PY)}: CUSTOM_FIELDS must be a dict, got {type(value).__name__}")
	return value


def custom_fields_by_doctype() -> dict[str, list[dict]]:
	"""Keys may be a doctype or a tuple of doctypes, as create_custom_fields accepts."""
	out: dict[str, list[dict]] = {}
	for key, fields in custom_fields().items():
		for doctype in key if isinstance(key, tuple) else (key,):
			out.setdefault(doctype, []).extend(fields if isinstance(fields, list | tuple) else [fields])
	return out


def test_custom_fields_are_valid():
	where0 = rel(CUSTOM_FIELDS_PY)
	problems = []
	known_doctypes = known("known_doctypes_v15.txt")
	for key, fields in custom_fields().items():
		if not isinstance(fields, list | tuple) or not all(isinstance(f, dict) for f in fields):
			problems.append(f"{where0}: CUSTOM_FIELDS[{key!r}] must be a list of field dicts")
	for doctype, fields in custom_fields_by_doctype().items():
		where = f"{where0}: CUSTOM_FIELDS[{doctype!r}]"
		if not isinstance(doctype, str) or doctype not in known_doctypes:
			problems.append(f"{where}: {doctype!r} is not a Frappe/ERPNext 15 doctype")
		fields = [f for f in fields if isinstance(f, dict)]
		seen: dict[str, int] = {}
		for i, f in enumerate(fields, 1):
			w = fmt_field(where, i, f)
			fieldname = f.get("fieldname") or ""
			if fieldname and not fieldname.startswith("sd_"):
				problems.append(f"{w}: custom fieldnames must start with 'sd_'")
			if fieldname in seen:
				problems.append(f"{w}: fieldname {fieldname!r} repeats field #{seen[fieldname]}")
			seen.setdefault(fieldname, i)
			if not f.get("label") and f.get("fieldtype") not in ("Column Break", "Section Break"):
				problems.append(f"{w}: needs a label")
			after = f.get("insert_after")
			if (
				after
				and after.startswith("sd_")
				and after not in {x.get("fieldname") for x in fields[: i - 1]}
			):
				problems.append(f"{w}: insert_after {after!r} is not an earlier sd_ field of {doctype!r}")
			problems += link_target_problems(w, f)
		problems += field_problems(where, doctype, {"fields": fields})
	check("custom field problems", problems)


# ----------------------------------------------------------------------------- hooks


@functools.cache
def hooks_tree() -> ast.Module:
	if not HOOKS.is_file():
		fail(f"{rel(HOOKS)} is missing")
	tree = parse_py(HOOKS)
	if tree is None:
		fail(f"{rel(HOOKS)} does not parse as Python")
	return tree


class NotStatic(ValueError):
	pass


def static_eval(node: ast.AST, namespace: dict):
	"""Evaluate literals, names assigned earlier in hooks.py, {**a, ...}, [*a, ...] and + — nothing else."""
	if isinstance(node, ast.Constant):
		return node.value
	if isinstance(node, ast.Name):
		if node.id in namespace and not isinstance(namespace[node.id], NotStatic):
			return namespace[node.id]
		raise NotStatic(f"name {node.id!r} is not a literal assigned earlier in hooks.py")
	if isinstance(node, ast.List | ast.Tuple | ast.Set):
		items = []
		for e in node.elts:
			if isinstance(e, ast.Starred):
				items.extend(static_eval(e.value, namespace))
			else:
				items.append(static_eval(e, namespace))
		return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
	if isinstance(node, ast.Dict):
		out = {}
		for k, v in zip(node.keys, node.values, strict=True):
			if k is None:
				out.update(static_eval(v, namespace))
			else:
				out[static_eval(k, namespace)] = static_eval(v, namespace)
		return out
	if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
		return static_eval(node.left, namespace) + static_eval(node.right, namespace)
	raise NotStatic(f"{type(node).__name__} at line {getattr(node, 'lineno', '?')} is not a literal")


@functools.cache
def hooks_namespace() -> dict[str, object]:
	"""Top-level names of hooks.py evaluated statically, in order; NotStatic where that is impossible."""
	namespace: dict[str, object] = {}
	for node in hooks_tree().body:
		if isinstance(node, ast.Assign):
			targets, value = node.targets, node.value
		elif isinstance(node, ast.AnnAssign) and node.value is not None:
			targets, value = [node.target], node.value
		elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
			targets, value = [node.target], ast.BinOp(node.target, node.op, node.value, lineno=node.lineno)
		else:
			continue
		try:
			result = static_eval(value, namespace)
		except (NotStatic, TypeError) as e:
			result = NotStatic(f"line {node.lineno}: {e}")
		for t in targets:
			if isinstance(t, ast.Name):
				namespace[t.id] = result
			elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):  # hook["Key"] = ...
				target = namespace.get(t.value.id)
				try:
					target[static_eval(t.slice, namespace)] = result
				except (NotStatic, TypeError, KeyError, IndexError) as e:
					namespace[t.value.id] = NotStatic(f"line {node.lineno}: {e}")
	return namespace


_MISSING = object()


def hook_value(name: str, default=_MISSING):
	namespace = hooks_namespace()
	if name not in namespace:
		if default is _MISSING:
			fail(f"{rel(HOOKS)}: `{name}` is not set")
		return default
	value = namespace[name]
	if isinstance(value, NotStatic):
		fail(
			f"{rel(HOOKS)}: `{name}` cannot be read without running hooks.py ({value}); "
			"keep hooks to literals and names of literals"
		)
	return value


def hooks_line(text: str) -> int | str:
	for lineno, line in enumerate(HOOKS.read_text(encoding="utf-8").splitlines(), 1):
		if f'"{text}"' in line or f"'{text}'" in line:
			return lineno
	return "?"


def iter_hook_strings(value, trail: tuple):
	"""(trail of dict keys, string) for every string in a hook value; a dict key itself gets (..., "<key>")."""
	if isinstance(value, dict):
		for k, v in value.items():
			yield from iter_hook_strings(k, (*trail, "<key>"))
			yield from iter_hook_strings(v, (*trail, k))
	elif isinstance(value, list | tuple | set):
		for v in value:
			yield from iter_hook_strings(v, trail)
	elif isinstance(value, str):
		yield trail, value


def dotted_hook_paths(prefixes: tuple[str, ...]):
	"""(trail, dotted path, line) for every public hook; private helpers (_x) are reached through the hooks."""
	tree_nodes = {}
	for node in hooks_tree().body:
		if isinstance(node, ast.Assign | ast.AnnAssign):
			for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
				if isinstance(t, ast.Name):
					tree_nodes[t.id] = node
	for name, value in hooks_namespace().items():
		if name.startswith("_"):
			continue
		if isinstance(value, NotStatic):  # fall back to the string constants written in it
			strings = [
				((name,), n.value)
				for n in ast.walk(tree_nodes[name])
				if isinstance(n, ast.Constant) and isinstance(n.value, str)
			]
		else:
			strings = iter_hook_strings(value, (name,))
		for trail, text in strings:
			if DOTTED.match(text) and text.split(".", 1)[0] in prefixes:
				yield trail, text, hooks_line(text)


def positional_params(fn: ast.FunctionDef | ast.AsyncFunctionDef):
	a = fn.args
	params = [*a.posonlyargs, *a.args]
	required = params[: len(params) - len(a.defaults)]
	required_kw = [k for k, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is None]
	return params, required, required_kw


def signature_problem(trail: tuple, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
	params, required, required_kw = positional_params(fn)
	names = [p.arg for p in params]
	hook = trail[0]
	if required_kw:
		return f"has required keyword-only parameters {[k.arg for k in required_kw]}"
	if hook == "doc_events":  # called as handler(doc, method)
		if len(params) < 2 and not fn.args.vararg:
			return "is called as handler(doc, method): give it the signature (doc, method=None)"
		if len(required) > 2:
			return f"requires {len(required)} arguments; Frappe passes (doc, method)"
	elif hook in NO_ARG_HOOKS:
		if required:
			return f"is called with no arguments but requires {[p.arg for p in required]}"
	elif hook == "permission_query_conditions":  # frappe.call(fn, user, doctype=...)
		if not params and not fn.args.vararg:
			return (
				"is called with the user as first argument: give it the signature (user=None, doctype=None)"
			)
		if any(p.arg != "doctype" for p in required[1:]):
			return "may require only (user, doctype)"
	elif hook == "has_permission":  # frappe.call(fn, doc=, ptype=, user=, debug=)
		if "doc" not in names and not fn.args.kwarg:
			return "is called with doc=..., ptype=..., user=...: give it the signature (doc, ptype=None, user=None)"
		if any(p.arg not in ("doc", "ptype", "user", "debug") for p in required):
			return "may require only doc, ptype, user, debug"
	elif hook == "override_whitelisted_methods":
		if not any("whitelist" in ast.unparse(d) for d in fn.decorator_list):
			return "overrides a whitelisted method, so it must be decorated with @frappe.whitelist()"
	return None


def test_hooks_identity():
	problems = []
	if hook_value("app_name", None) != APP_NAME:
		problems.append(f"{rel(HOOKS)}: app_name must be {APP_NAME!r}, is {hook_value('app_name', None)!r}")
	if hook_value("required_apps", None) != ["frappe/erpnext"]:
		problems.append(
			f"{rel(HOOKS)}: required_apps must be ['frappe/erpnext'], is {hook_value('required_apps', None)!r}"
		)
	check("hooks.py identity", problems)


def test_hooks_sales_drive_paths_resolve():
	"""every "sales_drive.x.y.f" string in hooks.py names a module that defines f (checked by ast)."""
	problems = []
	for trail, path, line in dotted_hook_paths((APP_NAME,)):
		where = f"{rel(HOOKS)}:{line}: {' → '.join(str(t) for t in trail)}: {path!r}"
		mod_name, attr = path.rsplit(".", 1)
		mod = module_file(mod_name)
		if mod is None:
			if trail[0] == "jinja" and module_file(path):
				continue  # jinja accepts a whole module
			problems.append(f"{where}: module {mod_name.replace('.', '/')}.py does not exist")
			continue
		if parse_py(mod) is None:
			problems.append(f"{where}: {rel(mod)} does not parse")
			continue
		node = top_level_defs(mod).get(attr)
		want_class = trail[0] in CLASS_HOOKS
		if node is None:
			problems.append(
				f"{where}: {rel(mod)} has no top-level {'class' if want_class else 'def'} {attr} "
				"(an imported name does not count: point the hook at the module that defines it)"
			)
		elif want_class != isinstance(node, ast.ClassDef):
			problems.append(
				f"{where}: {attr} in {rel(mod)} must be a {'class' if want_class else 'function'}"
			)
		elif not want_class:
			why = signature_problem(trail, node)
			if why:
				problems.append(f"{where}: {attr} {why}")
	check("hooks.py paths that do not resolve", problems)


def test_hooks_frappe_paths_are_known():
	used = sorted({(p, line) for _, p, line in dotted_hook_paths(("frappe", "erpnext"))})
	if not used:
		return
	path = DATA / "known_functions_v15.txt"
	if not path.is_file():
		fail(
			f"hooks.py uses Frappe/ERPNext paths {[p for p, _ in used]} but {rel(path)} is missing: "
			"regenerate with `python tests/data/make_known_doctypes.py <apps/frappe> <apps/erpnext>`"
		)
	listed = known("known_functions_v15.txt")
	problems = [
		f"{rel(HOOKS)}:{line}: {p!r} is not in {rel(path)} — not a function of Frappe/ERPNext 15, "
		"or the list needs regenerating"
		for p, line in used
		if p not in listed
	]
	check("hooks.py Frappe/ERPNext paths not found", problems)


def test_hooks_doctype_keys_and_events():
	problems = []
	for hook in DOCTYPE_KEYED_HOOKS:
		value = hook_value(hook, {})
		if not isinstance(value, dict):
			problems.append(f"{rel(HOOKS)}: `{hook}` must be a dict keyed by doctype")
			continue
		for doctype, handlers in value.items():
			if doctype == "*" and hook in ("doc_events", "has_permission"):
				pass
			elif not isinstance(doctype, str) or not doctype_exists(doctype):
				problems.append(f"{rel(HOOKS)}: `{hook}` key {doctype!r} is not a known doctype")
			if hook == "doc_events" and not isinstance(handlers, dict):
				problems.append(f"{rel(HOOKS)}: doc_events[{doctype!r}] must be a dict of event → handler(s)")
	sched = hook_value("scheduler_events", {})
	for key in sched if isinstance(sched, dict) else ["<not a dict>"]:
		if key not in SCHEDULER_EVENTS:
			problems.append(
				f"{rel(HOOKS)}: scheduler_events key {key!r} is not one of {sorted(SCHEDULER_EVENTS)}"
			)
	for entry in hook_value("fixtures", []):
		dt = entry.get("dt") or entry.get("doctype") if isinstance(entry, dict) else entry
		if not isinstance(dt, str) or not doctype_exists(dt):
			problems.append(f"{rel(HOOKS)}: fixtures entry {entry!r} does not name a known doctype")
	overridden = hook_value("override_doctype_class", {})
	for dt in ("Lead", "Opportunity"):
		if isinstance(overridden, dict) and dt in overridden:
			problems.append(
				f"{rel(HOOKS)}: override_doctype_class[{dt!r}]: hook Lead/Opportunity with doc_events "
				"instead (only one app can override a class; see shared/STYLE.md)"
			)
	check("hooks.py doctype keys", problems)


def asset_exists(path: str) -> bool:
	if path.startswith("/assets/"):
		app, _, rest = path[len("/assets/") :].partition("/")
		return app != APP_NAME or (APP / "public" / rest).is_file()
	if ".bundle." in path:  # esbuild entry point, looked up by file name anywhere under public/
		name = Path(path).name
		stems = {name}
		if name.endswith(".css"):
			stems |= {name[:-4] + ext for ext in (".scss", ".sass", ".less")}
		return any(p.name in stems for p in (APP / "public").rglob("*.bundle.*"))
	return (APP / path.lstrip("/")).is_file()


def test_hooks_asset_paths_exist():
	problems = []
	for hook in ("doctype_js", "doctype_list_js", "doctype_tree_js", "doctype_calendar_js", "page_js"):
		value = hook_value(hook, {})
		for key, files in value.items() if isinstance(value, dict) else []:
			for f in files if isinstance(files, list) else [files]:
				if not (APP / str(f).strip("/")).is_file():
					problems.append(
						f"{rel(HOOKS)}: {hook}[{key!r}] = {f!r}: {rel(APP / str(f).strip('/'))} does not exist"
					)
	for hook in ("app_include_js", "app_include_css", "web_include_js", "web_include_css"):
		value = hook_value(hook, [])
		for f in value if isinstance(value, list) else [value]:
			if not asset_exists(str(f)):
				problems.append(
					f"{rel(HOOKS)}: {hook} {f!r} does not exist "
					f"(/assets/{APP_NAME}/x is {rel(APP)}/public/x; a *.bundle.* name must exist under public/)"
				)
	check("hooks.py asset paths that do not exist", problems)


# ----------------------------------------------------------------------------- reports


FILTER_DICT_METHODS = frozenset({"get", "update", "setdefault", "copy", "items", "keys", "values", "pop"})


def filter_reads(tree: ast.Module) -> tuple[bool, set[str]]:
	"""(does the module read `filters`, the literal keys it reads)."""
	reads, keys = False, set()
	for node in ast.walk(tree):
		if (
			isinstance(node, ast.Call)
			and isinstance(node.func, ast.Attribute)
			and isinstance(node.func.value, ast.Name)
			and node.func.value.id == "filters"
			and node.func.attr == "get"
		):
			reads = True
			if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
				keys.add(node.args[0].value)
		elif (
			isinstance(node, ast.Subscript)
			and isinstance(node.ctx, ast.Load)
			and isinstance(node.value, ast.Name)
			and node.value.id == "filters"
		):
			reads = True
			if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
				keys.add(node.slice.value)
		elif (
			isinstance(node, ast.Attribute)
			and isinstance(node.ctx, ast.Load)
			and isinstance(node.value, ast.Name)
			and node.value.id == "filters"
			and node.attr not in FILTER_DICT_METHODS
		):
			reads = True
			keys.add(node.attr)
	return reads, keys


def test_reports_json():
	problems = []
	for r in records("report"):
		if r.error:
			problems.append(r.error)
			continue
		d, w = r.data, r.where
		name = d.get("name") or ""
		expect = {
			"doctype": "Report",
			"report_type": "Script Report",
			"is_standard": "Yes",
			"module": r.module,
		}
		for key, value in expect.items():
			if d.get(key) != value:
				problems.append(f'{w}: "{key}" is {d.get(key)!r}, expected {value!r}')
		if not name or scrub(name) != r.folder.name:
			problems.append(f"{w}: name {name!r} does not match folder {r.folder.name!r}")
		if d.get("report_name") != name:
			problems.append(f'{w}: "report_name" {d.get("report_name")!r} must equal "name" {name!r}')
		ref = d.get("ref_doctype")
		if not ref:
			problems.append(f'{w}: "ref_doctype" is not set (it decides who may open the report)')
		elif not doctype_exists(ref):
			problems.append(f'{w}: "ref_doctype" {ref!r} is not a known doctype')
		roles = [x.get("role") for x in d.get("roles") or [] if isinstance(x, dict)]
		if not roles or not all(roles):
			problems.append(f'{w}: "roles" needs at least one {{"role": ...}} row')
		if name in known("known_reports_v15.txt"):
			problems.append(f"{w}: {name!r} is already a Frappe/ERPNext report; pick another name")
	check("report JSON problems", problems)


REPORT_HELPERS = APP / "public" / "js" / "sales_drive_reports.js"


def report_factories() -> dict[str, set[str]]:
	"""The filter factories of the shared report script: name -> the filter fieldnames it declares."""
	if not REPORT_HELPERS.is_file():
		return {}
	text = REPORT_HELPERS.read_text(encoding="utf-8")
	out: dict[str, set[str]] = {}
	# each factory is a method `name(args) {` whose body runs to the next method at one tab
	for m in re.finditer(r"^\t(\w+)\([^)]*\)\s*\{\n(.*?)(?=^\t\w+\(|^\}\);)", text, re.M | re.S):
		fields = set(re.findall(r"fieldname:\s*\"(\w+)\"", m.group(2)))
		if fields:
			out[m.group(1)] = fields
	return out


def factory_filters(text: str, problems: list, js) -> set[str]:
	"""Filters a report script declares through sales_drive.reports.<factory>(...); unknown ones are problems."""
	factories = report_factories()
	declared = set()
	for name in re.findall(r"sales_drive\.reports\.(\w+)\(", text):
		if name in factories:
			declared |= factories[name]
		elif name != "summary_precision":
			problems.append(f"{rel(js)}: sales_drive.reports.{name}() is not a filter factory of {rel(REPORT_HELPERS)}")
	return declared


def test_report_filter_factories_declare_their_fieldnames():
	factories = report_factories()
	assert factories["period"] == {"from_date", "to_date"}
	for name, fields in factories.items():
		if name != "period":
			assert fields == {name}, f"{name}() declares {fields}: a factory is named after its filter"


def test_reports_python_and_js():
	problems = []
	for r in records("report"):
		py = r.folder / f"{r.folder.name}.py"
		js = r.folder / f"{r.folder.name}.js"
		if not py.is_file():
			problems.append(f"{rel(py)} is missing (a Script Report needs execute(filters))")
			continue
		tree = parse_py(py)
		if tree is None:
			problems.append(f"{rel(py)}: does not parse as Python")
			continue
		execute = top_level_defs(py).get("execute")
		if not isinstance(execute, ast.FunctionDef):
			problems.append(f"{rel(py)}: must define a top-level `def execute(filters=None):`")
			continue
		params, required, _ = positional_params(execute)
		if (not params and not execute.args.vararg) or len(required) > 1:
			problems.append(
				f"{rel(py)}: Frappe calls execute(filters): give it the signature execute(filters=None)"
			)
		takes_filters = any(p.arg == "filters" for p in params)
		reads, keys = filter_reads(tree)
		name = (r.data or {}).get("name") or r.folder.name
		if takes_filters and reads and not js.is_file():
			problems.append(
				f"{rel(py)} reads filters {sorted(keys)} but {rel(js)} (which defines them) is missing"
			)
		if js.is_file():
			text = js.read_text(encoding="utf-8")
			registered = re.findall(r"frappe\.query_reports\[\s*([\"'`])(.+?)\1\s*\]", text)
			if not registered:
				problems.append(
					f'{rel(js)}: must register frappe.query_reports["{name}"] = {{ filters: [...] }}'
				)
			elif all(n != name for _, n in registered):
				problems.append(
					f"{rel(js)}: registers {[n for _, n in registered]}, not the report name {name!r}"
				)
			declared = set(re.findall(r"[\"']?fieldname[\"']?\s*:\s*[\"'`](\w+)[\"'`]", text))
			declared |= factory_filters(text, problems, js)
			for key in sorted(keys - declared):
				problems.append(
					f"{rel(py)} reads filter {key!r}, which {rel(js)} does not declare (fieldname)"
				)
	check("report code problems", problems)


# ----------------------------------------------------------------------------- workspace, charts, cards


def test_workspaces():
	problems = []
	doctypes_ok = doctype_exists
	reports = app_reports() | known("known_reports_v15.txt")
	pages = known("known_pages_v15.txt") | {r.data.get("name") for r in valid("page")}
	charts = known("known_dashboard_charts_v15.txt") | {r.data.get("name") for r in valid("dashboard_chart")}
	cards = known("known_number_cards_v15.txt") | {r.data.get("name") for r in valid("number_card")}

	def target_problem(kind: str, target: str) -> str | None:
		if not target:
			return "has no link_to"
		ok = {
			"DocType": doctypes_ok(target),
			"Report": target in reports,
			"Page": target in pages,
		}.get(kind, True)  # URL, Dashboard: not checked
		return None if ok else f"points at {kind} {target!r}, which does not exist"

	for r in records("workspace"):
		if r.error:
			problems.append(r.error)
			continue
		d, w = r.data, r.where
		if d.get("doctype") != "Workspace":
			problems.append(f'{w}: "doctype" is {d.get("doctype")!r}, expected "Workspace"')
		if d.get("module") != r.module:
			problems.append(f'{w}: "module" is {d.get("module")!r}, expected {r.module!r}')
		if not d.get("label") or scrub(d.get("name") or "") != r.folder.name:
			problems.append(f"{w}: name {d.get('name')!r} / label {d.get('label')!r} do not match the folder")
		links = [x for x in d.get("links") or [] if isinstance(x, dict)]
		for i, link in enumerate(links, 1):
			if link.get("type") == "Card Break":
				continue
			why = target_problem(link.get("link_type") or "", link.get("link_to") or "")
			if why:
				problems.append(f"{w}: links #{i} {link.get('label')!r} {why}")
		shortcuts = [x for x in d.get("shortcuts") or [] if isinstance(x, dict)]
		for i, s in enumerate(shortcuts, 1):
			if s.get("type") == "URL":
				if not s.get("url"):
					problems.append(f"{w}: shortcut #{i} {s.get('label')!r} of type URL has no url")
				continue
			why = target_problem(s.get("type") or "", s.get("link_to") or "")
			if why:
				problems.append(f"{w}: shortcut #{i} {s.get('label')!r} {why}")
		for c in d.get("charts") or []:
			if c.get("chart_name") not in charts:
				problems.append(
					f"{w}: chart {c.get('chart_name')!r} is not a Dashboard Chart of this app or ERPNext"
				)
		for c in d.get("number_cards") or []:
			if c.get("number_card_name") not in cards:
				problems.append(f"{w}: number card {c.get('number_card_name')!r} does not exist")
		try:
			content = json.loads(d.get("content") or "[]")
		except ValueError as e:
			problems.append(f'{w}: "content" is not valid JSON: {e}')
			continue
		blocks = {
			"shortcut": {s.get("label") for s in shortcuts},
			"card": {x.get("label") for x in links if x.get("type") == "Card Break"},
			"chart": {c.get("label") for c in d.get("charts") or []},
			"number_card": {c.get("label") for c in d.get("number_cards") or []},
			"quick_list": {c.get("label") for c in d.get("quick_lists") or []},
		}
		for block in content if isinstance(content, list) else []:
			kind = block.get("type")
			if kind in blocks:
				ref = (block.get("data") or {}).get(f"{kind}_name")
				if ref not in blocks[kind]:
					problems.append(
						f"{w}: content block {kind} {ref!r} has no {kind} with that label "
						f"(has {sorted(x for x in blocks[kind] if x)}); it would render empty"
					)
	check("workspace problems", problems)


def test_dashboard_charts_and_number_cards():
	problems = []
	for kind, doctype in (("dashboard_chart", "Dashboard Chart"), ("number_card", "Number Card")):
		for r in records(kind):
			if r.error:
				problems.append(r.error)
				continue
			d = r.data
			if d.get("doctype") != doctype:
				problems.append(f'{r.where}: "doctype" is {d.get("doctype")!r}, expected {doctype!r}')
			if d.get("module") != r.module:
				problems.append(f'{r.where}: "module" is {d.get("module")!r}, expected {r.module!r}')
			if scrub(d.get("name") or "") != r.folder.name:
				problems.append(f"{r.where}: name {d.get('name')!r} does not match the folder")
			for key in ("document_type", "parent_document_type"):
				if d.get(key) and not doctype_exists(d[key]):
					problems.append(f'{r.where}: "{key}" {d[key]!r} is not a known doctype')
			if d.get("report_name") and d["report_name"] not in app_reports() | known(
				"known_reports_v15.txt"
			):
				problems.append(f'{r.where}: "report_name" {d["report_name"]!r} is not a known report')
	check("dashboard chart / number card problems", problems)


# ----------------------------------------------------------------------------- translations


@dataclass(frozen=True)
class Message:
	text: str
	context: str | None  # a row with this context also covers the text
	where: str
	explicit: bool = True  # the code passes the context itself (else a plain row is suggested)


def normalize_py_message(msg: str) -> str:
	"""frappe._ strips HTML tags (when the text has any) and whitespace before the lookup."""
	if HTML_TAG.search(msg):
		msg = HTML_TAG.sub("", msg)
	return msg.strip()


@functools.cache
def ru_rows() -> tuple[tuple[int, list[str]], ...]:
	if not RU_CSV.is_file():
		fail(f"{rel(RU_CSV)} is missing: every user-facing string needs a Russian translation there")
	with RU_CSV.open(encoding="utf-8", newline="") as fh:
		return tuple((n, row) for n, row in enumerate(csv.reader(fh), 1))


@functools.cache
def ru_keys() -> frozenset[tuple[str, str]]:
	"""(source, context or '') of every well-formed row."""
	return frozenset(
		(row[0], row[2] if len(row) == 3 else "") for _, row in ru_rows() if len(row) in (2, 3) and row[0]
	)


def covered(msg: str, context: str | None = None) -> bool:
	keys = ru_keys()
	return (msg, "") in keys or bool(context and (msg, context) in keys)


def test_ru_csv_is_well_formed():
	problems = []
	seen: dict[tuple[str, str], int] = {}
	raw = RU_CSV.read_bytes() if RU_CSV.is_file() else b""
	if raw.startswith(b"\xef\xbb\xbf"):
		problems.append(f"{rel(RU_CSV)}: starts with a UTF-8 BOM; save it without one")
	for n, row in ru_rows():
		w = f"{rel(RU_CSV)}:{n}"
		if not row:
			continue
		if len(row) not in (2, 3):
			problems.append(f"{w}: {len(row)} columns, expected source,translation[,context]: {row!r}")
			continue
		source, translation = row[0], row[1]
		context = row[2] if len(row) == 3 else ""
		if not source.strip() or not translation.strip():
			problems.append(f"{w}: empty source or translation: {row!r}")
			continue
		if source != source.strip():
			problems.append(
				f"{w}: source {source!r} has leading/trailing whitespace; _() looks up the stripped text"
			)
		key = (source, context)
		if key in seen:
			problems.append(f"{w}: duplicate of line {seen[key]} (source {source!r}, context {context!r})")
		seen.setdefault(key, n)
		if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
			problems.append(
				f"{w}: placeholders differ: source {PLACEHOLDER.findall(source)} vs "
				f"translation {PLACEHOLDER.findall(translation)} in {row!r}"
			)
	check("ru.csv problems", problems)


def _call_name(func: ast.expr) -> str | None:
	if isinstance(func, ast.Name):
		return func.id
	if isinstance(func, ast.Attribute):
		return func.attr
	return None


def python_messages() -> tuple[list[Message], list[str]]:
	"""Literal first arguments of _() / _lt() in every .py of the app, and misuse found."""
	messages, misuse = [], []
	for path in walk_files(APP, ".py"):
		tree = parse_py(path)
		if tree is None:
			continue
		for node in ast.walk(tree):
			if not (isinstance(node, ast.Call) and _call_name(node.func) in ("_", "_lt") and node.args):
				continue
			if isinstance(node.func, ast.Attribute) and not (
				isinstance(node.func.value, ast.Name) and node.func.value.id == "frappe"
			):
				continue
			where = f"{rel(path)}:{node.lineno}"
			first = node.args[0]
			if isinstance(first, ast.Constant) and isinstance(first.value, str):
				context = None
				ctx_node = next((k.value for k in node.keywords if k.arg == "context"), None)
				if ctx_node is None and len(node.args) >= 3:
					ctx_node = node.args[2]
				if isinstance(ctx_node, ast.Constant) and isinstance(ctx_node.value, str):
					context = ctx_node.value
				if first.value.strip():
					messages.append(Message(normalize_py_message(first.value), context, where))
			elif isinstance(first, ast.JoinedStr):
				misuse.append(f'{where}: _(f"...") cannot be translated; use _("... {{0}}").format(value)')
			elif (
				isinstance(first, ast.Call)
				and isinstance(first.func, ast.Attribute)
				and first.func.attr == "format"
				and isinstance(first.func.value, ast.Constant)
			):
				misuse.append(
					f'{where}: _("...".format(...)) translates the formatted text; use _("...").format(...)'
				)
			elif isinstance(first, ast.BinOp) and isinstance(first.left, ast.Constant | ast.BinOp):
				misuse.append(
					f"{where}: _() of a computed string (+ or %) cannot be translated; translate a template"
				)
	return messages, misuse


_JS_STR = r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`"
JS_CALL = re.compile(
	r"(?<![\w$.])__\(\s*(?P<msg>" + _JS_STR + r")\s*"
	r"(?:,\s*(?:null|undefined|\[[^\[\]]*\]|\{[^{}]*\}|[A-Za-z_$][\w$.]*)\s*,\s*(?P<ctx>"
	+ _JS_STR
	+ r")\s*)?"
	r"(?P<next>[),+]?)"
)


def js_unescape(body: str) -> str:
	table = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0", "\n": ""}

	def sub(m):
		s = m.group(1)
		if s[0] in "ux" and len(s) > 1:
			return chr(int(s[1:], 16))
		return table.get(s, s)

	return re.sub(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])", sub, body)


def js_messages() -> tuple[list[Message], list[str]]:
	messages, misuse = [], []
	for path in walk_files(APP, ".js"):
		if path.name.endswith(".min.js"):
			continue
		text = path.read_text(encoding="utf-8")
		for m in JS_CALL.finditer(text):
			where = f"{rel(path)}:{text.count(chr(10), 0, m.start()) + 1}"
			literal = m.group("msg")
			body = literal[1:-1]
			if literal.startswith("`") and "${" in body:
				misuse.append(
					f'{where}: __(`...${{}}...`) cannot be translated; use __("... {{0}}", [value])'
				)
				continue
			if m.group("next") == "+":
				misuse.append(f'{where}: __("..." + ...) cannot be translated; use __("... {{0}}", [value])')
				continue
			ctx = m.group("ctx")
			msg = js_unescape(body)
			if msg.strip():
				messages.append(Message(msg, js_unescape(ctx[1:-1]) if ctx else None, where))
	return messages, misuse


def missing_report(title: str, messages: list[Message]) -> str:
	by_text: dict[tuple[str, str | None], list[str]] = {}
	for m in messages:
		by_text.setdefault((m.text, m.context if m.explicit else None), []).append(m.where)
	lines = []
	for (text, context), wheres in sorted(by_text.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
		ctx = f" [context {context!r}]" if context else ""
		more = f" (+{len(wheres) - 1} more)" if len(wheres) > 1 else ""
		lines.append(f"{text!r}{ctx} — {wheres[0]}{more}")
	rows = "".join(
		"    " + _csv_line([text, "", context] if context else [text, ""])
		for text, context in sorted(by_text, key=lambda k: (k[0], k[1] or ""))
	)
	return (
		f"{title}: {len(lines)} strings have no row in {rel(RU_CSV)}:\n  - "
		+ "\n  - ".join(lines)
		+ f"\n  rows to add (fill in the translation column):\n{rows}"
	)


def _csv_line(row: list[str]) -> str:
	buf = io.StringIO()
	csv.writer(buf, lineterminator="\n").writerow(row)
	return buf.getvalue()


def test_translate_calls_use_literal_templates():
	_, py_misuse = python_messages()
	_, js_misuse = js_messages()
	problems = py_misuse + js_misuse
	check("untranslatable _() / __() calls", problems)


def test_code_strings_are_translated_to_russian():
	py, _ = python_messages()
	js, _ = js_messages()
	missing = [m for m in py + js if not covered(m.text, m.context)]
	if missing:
		fail(missing_report("_() / __() strings without Russian translation", missing))


def label_messages() -> list[Message]:
	out: list[Message] = []
	for r in valid("doctype"):
		d = r.data
		name = d.get("name")
		if name:
			out.append(Message(name, None, f"{r.where} (doctype name)"))
		if d.get("description"):
			out.append(Message(d["description"], None, f"{r.where} (doctype description)"))
		for f in fields_of(d):
			w = f"{r.where} field {f.get('fieldname')!r}"
			if f.get("label"):
				out.append(Message(f["label"].strip(), name, f"{w} label", explicit=False))
			if f.get("description"):
				out.append(Message(f["description"].strip(), name, f"{w} description", explicit=False))
			if f.get("fieldtype") == "Select" and f.get("fieldname") != "naming_series":
				for option in (f.get("options") or "").split("\n"):
					if option.strip() and not option.strip().isdigit():
						out.append(Message(option.strip(), name, f"{w} option", explicit=False))
	for r in valid("report"):
		if r.data.get("name"):
			out.append(Message(r.data["name"], None, f"{r.where} (report name)"))
	for r in valid("workspace"):
		d = r.data
		if d.get("label"):
			out.append(Message(d["label"], None, f"{r.where} (workspace label)"))
		for key in ("links", "shortcuts", "charts", "number_cards", "quick_lists"):
			for item in d.get(key) or []:
				if isinstance(item, dict) and item.get("label"):
					out.append(Message(item["label"], None, f"{r.where} {key} label"))
	for r in valid("dashboard_chart"):
		if r.data.get("chart_name"):
			out.append(Message(r.data["chart_name"], None, f"{r.where} (chart name)"))
	for r in valid("number_card"):
		if r.data.get("label"):
			out.append(Message(r.data["label"], None, f"{r.where} (number card label)"))
	if CUSTOM_FIELDS_PY.is_file():
		for doctype, fields in custom_fields_by_doctype().items():
			for f in fields:
				if isinstance(f, dict) and f.get("label"):
					w = f"{rel(CUSTOM_FIELDS_PY)} {doctype} {f.get('fieldname')!r}"
					out.append(Message(f["label"].strip(), doctype, f"{w} label", explicit=False))
					if f.get("description"):
						out.append(
							Message(f["description"].strip(), doctype, f"{w} description", explicit=False)
						)
	return out


def test_labels_and_names_are_translated_to_russian():
	missing = [m for m in label_messages() if not covered(m.text, m.context)]
	if missing:
		fail(missing_report("labels / names without Russian translation", missing))


# ----------------------------------------------------------------------------- engine purity, repo hygiene


def _absolute_import(path: Path, node: ast.ImportFrom) -> str:
	if not node.level:
		return node.module or ""
	package = list(path.relative_to(ROOT).with_suffix("").parts)[:-1]
	base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
	return ".".join([*base, *([node.module] if node.module else [])])


def test_engine_never_imports_frappe():
	problems = []
	engine_files = list(walk_files(ENGINE, ".py"))
	assert engine_files, f"no Python files under {rel(ENGINE)}"
	for path in engine_files:
		tree = parse_py(path)
		if tree is None:
			problems.append(f"{rel(path)}: does not parse")
			continue
		for node in ast.walk(tree):
			names = []
			if isinstance(node, ast.Import):
				names = [a.name for a in node.names]
			elif isinstance(node, ast.ImportFrom):
				names = [_absolute_import(path, node)]
			elif (
				isinstance(node, ast.Call)
				and _call_name(node.func) in ("import_module", "__import__")
				and node.args
				and isinstance(node.args[0], ast.Constant)
				and isinstance(node.args[0].value, str)
			):
				names = [node.args[0].value]
			for name in names:
				top = name.split(".", 1)[0]
				if top in ("frappe", "erpnext"):
					problems.append(
						f"{rel(path)}:{node.lineno}: imports {name!r}; the engine never imports {top}"
					)
				elif top == APP_NAME and not (
					name == f"{APP_NAME}.engine" or name.startswith(f"{APP_NAME}.engine.")
				):
					problems.append(
						f"{rel(path)}:{node.lineno}: imports {name!r}; the engine imports only itself and the stdlib"
					)
	check("engine imports outside the engine", problems)


def test_engine_never_reads_the_clock():
	"""STYLE.md: the caller passes "today"; the engine never reads date.today() / now()."""
	problems = []
	for path in walk_files(ENGINE, ".py"):
		tree = parse_py(path)
		for node in ast.walk(tree) if tree else []:
			if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
				owner = node.func.value
				owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
				if (owner_name, node.func.attr) in {
					("date", "today"),
					("datetime", "today"),
					("datetime", "now"),
					("datetime", "utcnow"),
					("time", "time"),
				}:
					problems.append(
						f"{rel(path)}:{node.lineno}: {owner_name}.{node.func.attr}() — take today/now as a parameter"
					)
	check("engine reads the clock", problems)


def test_no_frappe_or_erpnext_source_is_tracked():
	if not (ROOT / ".git").exists():
		pytest.skip("not a git checkout")
	git = shutil.which("git")
	assert git, "git is needed to list tracked files"
	out = subprocess.run(
		[git, "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
	).stdout.decode("utf-8", "replace")
	problems = []
	vendored_roots = {"frappe", "erpnext", "apps", "frappe-bench", "node_modules"}
	signatures = (
		"frappe/__init__.py",
		"frappe/hooks.py",
		"frappe/model/document.py",
		"erpnext/__init__.py",
		"erpnext/hooks.py",
		"erpnext/crm/doctype/lead/lead.py",
	)
	for path in filter(None, out.split("\0")):
		parts = path.split("/")
		if parts[0] in vendored_roots or {"node_modules", "frappe-bench"} & set(parts):
			problems.append(f"{path}: Frappe/ERPNext or vendored files must not be committed")
		elif path.endswith(signatures):
			problems.append(f"{path}: looks like a file of Frappe/ERPNext itself; remove it from git")
	check("vendored files tracked in git", problems)


def test_aggregates_round_hours_as_the_log_stores_them():
	"""sales_drive/aggregates.py adds the hours rounded to HOURS_PLACES: the precision of the log's field."""
	import re
	from decimal import Decimal

	log = json.loads((APP / APP_NAME / "doctype" / "sales_stage_transition_log" / "sales_stage_transition_log.json").read_text())
	precision = next(f.get("precision") for f in log["fields"] if f["fieldname"] == "hours_in_previous")
	found = re.search(r'^HOURS_PLACES = Decimal\("([0-9.]+)"\)$', (APP / "aggregates.py").read_text(), re.M)
	assert found, "aggregates.HOURS_PLACES is not a Decimal literal"
	assert Decimal(found.group(1)) == Decimal(1).scaleb(-int(precision)), (found.group(1), precision)
