#!/usr/bin/env python3
"""Keep `modified` honest on the desk JSON that Frappe syncs by timestamp.

`bench migrate` re-imports a workspace, report, page, number card, dashboard chart or
dashboard JSON only when its `modified` is newer than the site's copy (DocTypes are
compared by a hash of the file instead). An edit that leaves `modified` alone therefore
never reaches an existing site: the desk keeps the old workspace or report.

The manifest (tests/data/synced_json_manifest.json) records, per such file, its
`modified` and a hash of everything else in it. The CI tier (tests/test_modified.py)
fails when a file's content differs from the manifest while its `modified` does not.

    python scripts/modified_manifest.py            # record new and properly bumped files
    python scripts/modified_manifest.py --bump     # also set `modified` to now where content changed
    python scripts/modified_manifest.py --check    # only report, write nothing (what the test does)

Recording refuses a file whose content changed with the same `modified` unless
--bump is given: the manifest can only follow an edit that will reach the sites.
Plain Python, no Frappe, no network, no git history needed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = ROOT / "sales_drive" / "sales_drive"
MANIFEST = ROOT / "tests" / "data" / "synced_json_manifest.json"
# the module folders Frappe imports by `modified` (frappe/model/sync.py, frappe/utils/dashboard.py)
KINDS = ("workspace", "report", "page", "number_card", "dashboard_chart", "dashboard")
MODIFIED_LINE = re.compile(r'^(\s*"modified":\s*")([^"]*)(",?\s*)$', re.M)


def synced_files() -> list[Path]:
	"""<module>/<kind>/<name>/<name>.json, as Frappe finds them."""
	out = []
	for kind in KINDS:
		for folder in sorted((MODULE / kind).glob("*")):
			path = folder / f"{folder.name}.json"
			if path.is_file():
				out.append(path)
	return out


def rel(path: Path) -> str:
	return path.relative_to(ROOT).as_posix()


def read(path: Path) -> tuple[str | None, str]:
	"""(`modified`, a hash of the rest of the document: keys sorted, whitespace ignored)."""
	doc = json.loads(path.read_text(encoding="utf-8"))
	modified = doc.pop("modified", None)
	canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
	return modified, hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_manifest() -> dict[str, dict]:
	if not MANIFEST.exists():
		return {}
	return json.loads(MANIFEST.read_text(encoding="utf-8"))


def problems(manifest: dict[str, dict] | None = None) -> dict[str, list[str]]:
	"""The files that fail, by kind of failure: ``stale`` (content changed, `modified` not),
	``unrecorded`` (new, bumped or deleted since the manifest was written), ``backwards``."""
	manifest = load_manifest() if manifest is None else manifest
	found = {"stale": [], "unrecorded": [], "backwards": []}
	seen = set()
	for path in synced_files():
		name = rel(path)
		seen.add(name)
		modified, digest = read(path)
		entry = manifest.get(name)
		if entry is None:
			found["unrecorded"].append(f"{name}: not in the manifest")
		elif digest != entry["content"] and modified == entry["modified"]:
			found["stale"].append(f"{name}: content changed but `modified` is still {modified}")
		elif modified != entry["modified"]:
			if (modified or "") < (entry["modified"] or ""):
				found["backwards"].append(
					f"{name}: `modified` went back from {entry['modified']} to {modified}"
				)
			else:
				found["unrecorded"].append(
					f"{name}: `modified` bumped to {modified}, manifest has {entry['modified']}"
				)
	for name in sorted(set(manifest) - seen):
		found["unrecorded"].append(f"{name}: in the manifest, but the file is gone")
	return found


def bump(path: Path, stamp: str) -> None:
	"""Set the top-level `modified` in place, keeping the file's formatting."""
	text = path.read_text(encoding="utf-8")
	doc = json.loads(text)
	lines = [m for m in MODIFIED_LINE.finditer(text) if m.group(2) == doc.get("modified")]
	if len(lines) == 1:
		m = lines[0]
		text = text[: m.start(2)] + stamp + text[m.end(2) :]
	else:  # not one recognisable line: rewrite the document as Frappe exports it
		doc["modified"] = stamp
		text = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
	path.write_text(text, encoding="utf-8")


def main(argv=None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--check", action="store_true", help="report only, write nothing")
	parser.add_argument("--bump", action="store_true", help="set `modified` to now where content changed")
	args = parser.parse_args(argv)

	manifest = load_manifest()
	found = problems(manifest)
	if args.check:
		lines = [line for kind in found.values() for line in kind]
		print("\n".join(lines) if lines else "ok: every synced JSON matches the manifest")
		return 1 if lines else 0

	if found["stale"] and not args.bump:
		print(
			"These files changed but their `modified` did not; bump it (or rerun with --bump):",
			file=sys.stderr,
		)
		print("\n".join(found["stale"]), file=sys.stderr)
		return 1
	if found["backwards"]:
		print("\n".join(found["backwards"]), file=sys.stderr)
		return 1
	stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
	for line in found["stale"]:
		path = ROOT / line.split(":", 1)[0]
		bump(path, stamp)
		print(f"bumped {rel(path)} to {stamp}")
	fresh = {}
	for path in synced_files():
		modified, digest = read(path)
		fresh[rel(path)] = {"modified": modified, "content": digest}
	MANIFEST.parent.mkdir(parents=True, exist_ok=True)
	MANIFEST.write_text(json.dumps(fresh, indent=1, sort_keys=True) + "\n", encoding="utf-8")
	changed = sorted(k for k in fresh if manifest.get(k) != fresh[k]) + sorted(set(manifest) - set(fresh))
	print(
		f"{rel(MANIFEST)}: {len(fresh)} files, {len(changed)} recorded anew"
		+ "".join(f"\n  {c}" for c in changed)
	)
	return 0


if __name__ == "__main__":
	sys.exit(main())
