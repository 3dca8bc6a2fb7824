"""No import circles inside the app package.

Plain pytest, no Frappe: every module of ``sales_drive/`` (tests excluded) is parsed with
``ast``, never imported. Every ``import sales_drive.x`` / ``from sales_drive.x import y`` is an
arrow, wherever it stands: an import inside a function is still a dependency, it only hides the
circle until that function runs. A circle (two or more modules that reach each other) fails
with the modules and the names each takes from the next.

Run it alone: ``python -m pytest -q tests/test_import_cycles.py``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "sales_drive"
SKIP_DIRS = {"__pycache__", "node_modules", "tests"}


def module_files() -> dict[str, Path]:
	"""Dotted module name -> file, for every module of the package except tests."""
	out = {}
	for path in sorted((ROOT / PACKAGE).rglob("*.py")):
		rel = path.relative_to(ROOT)
		if SKIP_DIRS & set(rel.parts[:-1]) or path.name.startswith("test_"):
			continue
		parts = list(rel.with_suffix("").parts)
		if parts[-1] == "__init__":
			parts = parts[:-1]
		out[".".join(parts)] = path
	return out


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
	if not level:
		return module
	base = current.split(".") if is_package else current.split(".")[:-1]
	base = base[: len(base) - (level - 1)] if level > 1 else base
	return ".".join(base + ([module] if module else []))


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> dict[str, set[str]]:
	"""Module imported -> the names taken from it (``*`` for a plain ``import``)."""
	tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
	out: dict[str, set[str]] = defaultdict(set)
	is_package = path.name == "__init__.py"
	for node in ast.walk(tree):
		if isinstance(node, ast.Import):
			for alias in node.names:
				target = alias.name
				while target and target not in modules:
					target = target.rpartition(".")[0]
				if target:
					out[target].add("*")
		elif isinstance(node, ast.ImportFrom):
			base = _resolve(node.module or "", node.level, name, is_package)
			for alias in node.names:
				sub = f"{base}.{alias.name}"
				if sub in modules:  # `from sales_drive import facts`: the module facts
					out[sub].add("*")
				elif base in modules:
					out[base].add(alias.name)
	out.pop(name, None)
	# a module's own parent packages run first anyway: importing them is no arrow of its own
	for parent in [p for p in out if name.startswith(p + ".")]:
		if out[parent] <= {"*"} or all(f"{parent}.{n}" in modules for n in out[parent]):
			out.pop(parent)
	return out


def circles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
	"""Strongly connected components of two or more modules (Tarjan, iterative)."""
	index, low, on_stack, stack, found = {}, {}, set(), [], []
	counter = 0
	for start in sorted(graph):
		if start in index:
			continue
		work = [(start, iter(sorted(graph[start])))]
		index[start] = low[start] = counter
		counter += 1
		stack.append(start)
		on_stack.add(start)
		while work:
			node, children = work[-1]
			child = next(children, None)
			if child is not None:
				if child not in graph:
					continue
				if child not in index:
					index[child] = low[child] = counter
					counter += 1
					stack.append(child)
					on_stack.add(child)
					work.append((child, iter(sorted(graph[child]))))
				elif child in on_stack:
					low[node] = min(low[node], index[child])
				continue
			work.pop()
			if work:
				low[work[-1][0]] = min(low[work[-1][0]], low[node])
			if low[node] == index[node]:
				component = []
				while True:
					member = stack.pop()
					on_stack.discard(member)
					component.append(member)
					if member == node:
						break
				if len(component) > 1:
					found.append(sorted(component))
	return found


def test_no_import_circles_in_the_package():
	modules = module_files()
	assert len(modules) > 20, "the package was not found"
	graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
	problems = []
	for component in circles(graph):
		members = set(component)
		lines = [
			f"  {a} -> {b}: {', '.join(sorted(graph[a][b]))}"
			for a in component
			for b in sorted(graph[a])
			if b in members
		]
		problems.append(f"circle of {len(component)} modules: {', '.join(component)}\n" + "\n".join(lines))
	assert not problems, (
		"Import circles (move what both sides need into a module that imports neither):\n"
		+ "\n".join(problems)
	)
