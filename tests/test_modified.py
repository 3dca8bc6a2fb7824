"""A synced desk JSON whose content changed must have a new `modified`.

Frappe re-imports a workspace, report, page, number card, dashboard chart or dashboard on
`bench migrate` only when the file's `modified` is newer than the site's; an edit without a
bump never reaches an existing site. tests/data/synced_json_manifest.json records each file's
`modified` and a hash of the rest; scripts/modified_manifest.py writes it and bumps `modified`
(`--bump`). No Frappe, no network, no git history: it works on any checkout.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "modified_manifest.py"

_spec = importlib.util.spec_from_file_location("modified_manifest", SCRIPT)
manifest_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(manifest_tool)

FIX = "python scripts/modified_manifest.py"


def test_every_synced_json_changed_only_with_a_new_modified():
	assert manifest_tool.synced_files(), "no workspace/report/page JSON found under sales_drive/sales_drive"
	found = manifest_tool.problems()
	lines = []
	if found["stale"]:
		lines.append(
			f"Content changed but `modified` did not (existing sites would never get it); run `{FIX} --bump`:"
		)
		lines += [f"  {line}" for line in found["stale"]]
	if found["backwards"]:
		lines.append("`modified` must only grow:")
		lines += [f"  {line}" for line in found["backwards"]]
	if found["unrecorded"]:
		lines.append(
			f"Not recorded in {manifest_tool.rel(manifest_tool.MANIFEST)}; run `{FIX}` and commit it:"
		)
		lines += [f"  {line}" for line in found["unrecorded"]]
	assert not lines, "\n".join(lines)


def test_the_check_catches_an_edit_without_a_bump():
	manifest = manifest_tool.load_manifest()
	name = sorted(manifest)[0]
	edited = copy.deepcopy(manifest)
	edited[name]["content"] = "0" * 64  # as if the file had been edited since it was recorded
	assert any(line.startswith(name) for line in manifest_tool.problems(edited)["stale"])
	bumped = copy.deepcopy(edited)
	bumped[name]["modified"] = "2000-01-01 00:00:00.000000"  # recorded before a later bump
	found = manifest_tool.problems(bumped)
	assert not found["stale"] and any(line.startswith(name) for line in found["unrecorded"])


def test_bump_changes_only_the_modified_line(tmp_path):
	path = tmp_path / "x.json"
	text = '{\n "doctype": "Report",\n "modified": "2026-01-01 00:00:00.000000",\n "name": "X"\n}\n'
	path.write_text(text, encoding="utf-8")
	before = manifest_tool.read(path)
	manifest_tool.bump(path, "2026-12-03 15:00:00.000000")
	after = path.read_text(encoding="utf-8")
	assert after == text.replace("2026-01-01 00:00:00.000000", "2026-12-03 15:00:00.000000")
	assert manifest_tool.read(path) == ("2026-12-03 15:00:00.000000", before[1])
	assert json.loads(after)["name"] == "X"
