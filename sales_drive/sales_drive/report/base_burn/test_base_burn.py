# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Base Burn on rows written directly: April 2019 (30 days), one territory of its own."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from sales_drive import activity
from sales_drive.sales_drive.report.base_burn import base_burn
from sales_drive.tests.utils import company, lead_lost_reason

TERRITORY = "_SD Burn Land"
FROM, TO = "2019-04-01", "2019-04-30"


def leads(n, status, cooling_until=None):
	names = []
	for i in range(n):
		doc = frappe.get_doc({"doctype": "Lead", "lead_name": f"Burn {status} {i}", "company": company(),
			"territory": TERRITORY, "status": status,
			"sd_lost_reason": lead_lost_reason() if status == "Do Not Contact" else None}).insert()  # fmt: skip
		if cooling_until:
			frappe.db.set_value("Lead", doc.name, "sd_cooling_until", cooling_until)
		names.append(doc.name)
	return names


def cooling(party, final=0, status="Active", from_date="2019-04-10", until=None, returned_on=None, **kw):
	frappe.get_doc(
		{
			"doctype": "Cooling Record",
			"party_type": "Lead",
			"party": party,
			"status": status,
			"final": final,
			"from_date": from_date,
			"until_date": until,
			"returned_on": returned_on,
			"territory": TERRITORY,
			"company": company(),
			**kw,
		}
	).insert(ignore_permissions=True)


def moved(name, when="2019-04-05 10:00:00"):
	fields = ["name", "creation", "modified", "owner", "modified_by", "reference_doctype", "reference_name", "kind",
		"transition_time", "company", "days_in_previous", "hours_in_previous"]  # fmt: skip
	row = [frappe.generate_hash(length=12), when, when, "Administrator", "Administrator", "Lead", name, "Forward",
		when, company(), 1, 1]  # fmt: skip
	frappe.db.bulk_insert("Sales Stage Transition Log", fields, [row])
	# written raw: the parties worked kept from the log (sales_drive/activity.py) are told, as the gate does
	activity.add([dict(zip(fields, row))])


def log_rows_between(start, end):
	return frappe.db.sql(
		"select * from `tabSales Stage Transition Log` where transition_time between %s and %s", (start, end), as_dict=True
	)


class TestBaseBurn(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()  # everything below is rolled back after the class
		frappe.set_user("Administrator")
		if not frappe.db.exists("Territory", TERRITORY):
			frappe.get_doc({"doctype": "Territory", "territory_name": TERRITORY, "parent_territory": "All Territories"}).insert()
		frappe.flags.sd_gates_off = True
		frappe.flags.sd_cooling_off = True
		try:
			cls.make_rows()
		finally:
			frappe.flags.sd_gates_off = False
			frappe.flags.sd_cooling_off = False

	@classmethod
	def make_rows(self):
		future = add_days(nowdate(), 20)
		self.open = leads(3, "Open")
		self.warm = leads(1, "Replied")
		self.cooled = leads(2, "Do Not Contact", cooling_until=future)
		leads(1, "Open", cooling_until=future)  # cooling: not part of the base left
		for name in self.open[:2] + self.cooled:
			moved(name)
		moved(self.warm[0], "2019-05-01 00:00:00")  # after the period
		cooling(self.cooled[0], from_date="2019-04-10", until=future)
		cooling(self.cooled[1], from_date="2019-04-30", until=future)
		cooling(self.open[2], final=1, status="Closed for Good", from_date="2019-04-12")
		cooling(self.open[0], status="Returned", from_date="2019-01-01", until="2019-03-31", returned_on="2019-04-01")
		cooling(self.open[1], from_date="2019-03-31", until="2019-04-02", status="Returned", returned_on="2019-05-01")

	def run_report(self, **kw):
		return base_burn.execute(frappe._dict(from_date=FROM, to_date=TO, company=company(), **kw))

	def test_figures_per_segment(self):
		columns, rows, message, chart, summary = self.run_report(group_by="Territory")
		(row,) = [r for r in rows if r["group"] == TERRITORY]
		self.assertEqual(
			(row["worked"], row["refusals"], row["closed"], row["cooling"], row["returned"]), (4, 2, 1, 2, 1)
		)
		self.assertEqual(row["burn_rate"], 75.0)  # (2 + 1) / 4
		self.assertEqual((row["base_untouched"], row["base_warm"]), (3, 1))
		# 3 burned in 30 days = 0.1 a day; 4 left -> 40 days
		self.assertEqual(row["days_left"], 40)
		self.assertEqual(row["runs_out_on"], add_days(getdate(nowdate()), 40))
		self.assertEqual(columns[0]["options"], "Territory")
		self.assertIn(TERRITORY, chart["data"]["labels"])
		labels = {s["label"] for s in summary}
		self.assertTrue({"Burn Rate %", "Days Until the Base Runs Out", "Plan % Done"} <= labels)

	def test_plan_met_while_burning_the_base_is_flagged(self):
		team = frappe.db.get_value("Sales Person", {"is_group": 1}, "name") or "Sales Team"
		person = frappe.db.get_value("Sales Person", {"is_group": 0, "parent_sales_person": team}, "name")
		if not person:
			self.skipTest("no sales person in a team on this site")
		frappe.db.sql("update `tabCooling Record` set team = %s where territory = %s", (team, TERRITORY))
		# the rows change team: out of the parties worked kept from the log before, in again after
		activity.add(log_rows_between(FROM, TO + " 23:59:59"), sign=-1)
		frappe.db.sql("update `tabSales Stage Transition Log` set team = %s where transition_time between %s and %s",
			(team, FROM, TO + " 23:59:59"))  # fmt: skip
		activity.add(log_rows_between(FROM, TO + " 23:59:59"))
		with patch.object(base_burn, "plan_figures", return_value=({person: 1000}, {person: 1200})):
			_c, rows, message, _chart, summary = self.run_report(group_by="Team", burn_alarm=30)
		(row,) = [r for r in rows if r["group"] == team]
		self.assertEqual(row["plan_percent"], 120.0)
		self.assertEqual(row["burning"], 1)
		self.assertIn("Plan met while burning the base", message)
		self.assertEqual(next(s["value"] for s in summary if s["label"] == "Plan % Done"), 120.0)

	def test_bad_filters(self):
		with self.assertRaises(frappe.ValidationError):
			base_burn.execute(frappe._dict(from_date=TO, to_date=FROM))
		with self.assertRaises(frappe.ValidationError):
			self.run_report(group_by="Moon Phase")
