"""The digest e-mail templates: every _("...") label in them has a Russian row in ru.csv.

The static app test reads _() in .py and __() in .js; these Jinja templates are
checked here the same way (plain pytest, no Frappe).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "sales_drive"
TEMPLATES = sorted((APP / "templates" / "digests").glob("*.html"))
LABEL = re.compile(r"""_\("((?:[^"\\]|\\.)*)"\)""")


def ru_sources() -> set[str]:
	with (APP / "translations" / "ru.csv").open(encoding="utf-8", newline="") as fh:
		return {row[0] for row in csv.reader(fh) if len(row) >= 2 and row[1].strip()}


def test_there_are_templates():
	assert {p.name for p in TEMPLATES} >= {"morning.html", "weekly.html"}


def test_template_labels_are_translated_to_russian():
	known = ru_sources()
	missing = [
		f"{p.name}: {label!r}"
		for p in TEMPLATES
		for label in LABEL.findall(p.read_text(encoding="utf-8"))
		if label not in known
	]
	assert not missing, "labels without a row in ru.csv:\n" + "\n".join(missing)
