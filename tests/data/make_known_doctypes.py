"""Regenerate the name lists in tests/data/ from Frappe 15 and ERPNext 15 source trees.

Usage (from the repo root):
	python tests/data/make_known_doctypes.py /path/to/apps/frappe /path/to/apps/erpnext

Writes, next to this script, sorted and de-duplicated, one name per line:
  known_doctypes_v15.txt          "name" of every */doctype/<x>/<x>.json with "doctype": "DocType"
  known_reports_v15.txt           same for */report/<x>/<x>.json ("doctype": "Report")
  known_pages_v15.txt             same for */page/<x>/<x>.json ("doctype": "Page")
  known_dashboard_charts_v15.txt  same for */dashboard_chart/<x>/<x>.json
  known_number_cards_v15.txt      same for */number_card/<x>/<x>.json
  document_attributes_v15.txt     public method names of frappe.model.document.Document and
                                  BaseDocument (a DocField may not shadow them)
  known_functions_v15.txt         only the "frappe.*" / "erpnext.*" dotted paths that
                                  sales_drive/hooks.py uses and that exist in the trees (a
                                  top-level def or class); not written when hooks uses none

Only names are written; no code is copied from those trees.
"""

import ast
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HOOKS = REPO / "sales_drive" / "hooks.py"

RECORDS = {
	"DocType": ("doctype", "known_doctypes_v15.txt"),
	"Report": ("report", "known_reports_v15.txt"),
	"Page": ("page", "known_pages_v15.txt"),
	"Dashboard Chart": ("dashboard_chart", "known_dashboard_charts_v15.txt"),
	"Number Card": ("number_card", "known_number_cards_v15.txt"),
}
DOTTED = re.compile(r"^(frappe|erpnext)(\.[A-Za-z_][A-Za-z0-9_]*)+$")


def record_names(app_root: Path, doctype: str, folder: str) -> set[str]:
	names = set()
	for path in app_root.rglob(f"{folder}/*/*.json"):
		if path.parent.parent.name != folder or path.stem != path.parent.name:
			continue
		try:
			data = json.loads(path.read_text(encoding="utf-8"))
		except (OSError, ValueError):
			continue
		if isinstance(data, dict) and data.get("doctype") == doctype and data.get("name"):
			names.add(data["name"])
	return names


def class_public_methods(path: Path, class_name: str) -> set[str]:
	tree = ast.parse(path.read_text(encoding="utf-8"))
	for node in tree.body:
		if isinstance(node, ast.ClassDef) and node.name == class_name:
			return {
				b.name
				for b in node.body
				if isinstance(b, ast.FunctionDef | ast.AsyncFunctionDef) and not b.name.startswith("_")
			}
	raise SystemExit(f"class {class_name} not found in {path}")


def hook_paths() -> set[str]:
	if not HOOKS.exists():
		return set()
	tree = ast.parse(HOOKS.read_text(encoding="utf-8"))
	return {
		n.value
		for n in ast.walk(tree)
		if isinstance(n, ast.Constant) and isinstance(n.value, str) and DOTTED.match(n.value)
	}


def resolve(roots: dict[str, Path], dotted: str) -> bool:
	parts = dotted.split(".")
	root = roots.get(parts[0])
	if root is None:
		return False
	*mod, attr = parts
	base = root.joinpath(*mod)
	for candidate in (base.with_suffix(".py"), base / "__init__.py"):
		if candidate.is_file():
			tree = ast.parse(candidate.read_text(encoding="utf-8"))
			return any(
				isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == attr
				for n in tree.body
			)
	return False


def write(name: str, values: set[str]) -> None:
	(HERE / name).write_text("".join(f"{v}\n" for v in sorted(values)), encoding="utf-8")
	print(f"wrote {len(values)} names to {name}", file=sys.stderr)


def main(argv: list[str]) -> int:
	if len(argv) != 2:
		print(__doc__, file=sys.stderr)
		return 2
	apps = [Path(a).resolve() for a in argv]
	for app in apps:
		if not (app / app.name / "__init__.py").is_file():
			print(f"not a Frappe app checkout (no {app.name}/__init__.py): {app}", file=sys.stderr)
			return 2

	for doctype, (folder, out) in RECORDS.items():
		names: set[str] = set()
		for app in apps:
			names |= record_names(app, doctype, folder)
		if doctype == "DocType" and len(names) < 500:
			print(f"only {len(names)} doctypes found: wrong paths?", file=sys.stderr)
			return 1
		write(out, names)

	frappe_root = next((a for a in apps if a.name == "frappe"), None)
	if frappe_root is None:
		print("the frappe app path is needed for document_attributes_v15.txt", file=sys.stderr)
		return 2
	model = frappe_root / "frappe" / "model"
	write(
		"document_attributes_v15.txt",
		class_public_methods(model / "base_document.py", "BaseDocument")
		| class_public_methods(model / "document.py", "Document"),
	)

	used = hook_paths()
	if used:
		roots = {a.name: a / a.name for a in apps}
		found = {p for p in used if resolve(roots, p)}
		for missing in sorted(used - found):
			print(f"hooks.py uses {missing}, which is not defined in the given trees", file=sys.stderr)
		write("known_functions_v15.txt", found)
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
