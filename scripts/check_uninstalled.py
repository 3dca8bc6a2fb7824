"""List what Sales Drive left on a site after `bench uninstall-app sales_drive`.

Run from the bench's sites folder with the bench's Python:
    cd frappe-bench/sites && ../env/bin/python /path/to/sales_drive/scripts/check_uninstalled.py SITE
Prints every leftover and exits 1 if there is any.
"""

import json
import sys
from pathlib import Path

import frappe

CHECKS = {
	"Custom Field": "select name from `tabCustomField` where fieldname like 'sd\\_%%'",
	"Property Setter": """select name from `tabProperty Setter`
		where module = 'Sales Drive' or field_name like 'sd\\_%%'
		or (doc_type = 'Opportunity' and field_name = 'sales_stage' and property = 'default')
		or (doc_type = 'Sales Stage' and property = 'translated_doctype')""",
	"Workflow": "select name from `tabWorkflow` where name like 'Sales Drive %%'",
	"Workflow Action Master": """select name from `tabWorkflow Action Master`
		where name = 'Advance' or name like 'Skip to %%' or name like 'Back to %%'""",
	"Role": "select name from `tabRole` where name in ('Sales Coach', 'Sales Team Lead')",
	"Has Role": "select parent from `tabHas Role` where role in ('Sales Coach', 'Sales Team Lead')",
	"DocType": "select name from `tabDocType` where module = 'Sales Drive'",
	"Report": "select name from `tabReport` where module = 'Sales Drive'",
	"Workspace": "select name from `tabWorkspace` where module = 'Sales Drive'",
	"Module Def": "select name from `tabModule Def` where name = 'Sales Drive'",
}


def main(site):
	frappe.init(site=site)
	frappe.connect()
	left = {}
	for what, query in CHECKS.items():
		rows = [r[0] for r in frappe.db.sql(query.replace("tabCustomField", "tabCustom Field"))]
		if rows:
			left[what] = rows
	ours = [
		json.loads(p.read_text())["name"]
		for p in (Path(__file__).resolve().parents[1] / "sales_drive" / "sales_drive" / "doctype").glob("*/*.json")
	]
	existing = {r[0] for r in frappe.db.sql("show tables")}
	tables = sorted(f"tab{name}" for name in ours if f"tab{name}" in existing)
	if tables:
		left["tables"] = tables
	columns = frappe.db.sql(
		"""select table_name, column_name from information_schema.columns
		where table_schema = database() and column_name like 'sd\\_%%'"""
	)
	for table, column in columns:
		left.setdefault(f"columns of {table}", []).append(column)
	indexes = frappe.db.sql(
		"""select distinct table_name, index_name from information_schema.statistics
		where table_schema = database() and index_name like 'sd\\_%%'"""
	)
	for table, index in indexes:
		left.setdefault(f"indexes of {table}", []).append(index)
	frappe.destroy()
	for what, rows in left.items():
		print(f"LEFT {what}: {rows}")
	print("nothing left" if not left else f"{len(left)} kinds of leftovers")
	return 1 if left else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1]))
