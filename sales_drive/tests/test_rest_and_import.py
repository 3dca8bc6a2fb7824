"""The gate holds over the REST API and in Data Import, not only in the form.

REST requests run in another thread with their own database connection, so
this class commits its fixtures and deletes them afterwards.
"""

import frappe
from frappe.tests.test_api import FrappeAPITestCase
from frappe.utils import nowdate

from sales_drive.tests.utils import company, ensure_customer, log_rows, reset_cache


class TestGatesOverRest(FrappeAPITestCase):
	created: list = []

	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in cls.created:
			if frappe.db.exists("Opportunity", name):
				frappe.delete_doc("Opportunity", name, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def _new(self):
		customer, _contact = ensure_customer()
		response = self.post(
			self.resource("Opportunity"),
			{
				"sid": self.sid,
				"opportunity_from": "Customer",
				"party_name": customer,
				"company": company(),
				"transaction_date": nowdate(),
			},
		)
		self.assertEqual(response.status_code, 200, response.json)
		name = response.json["data"]["name"]
		self.created.append(name)
		frappe.db.commit()  # see what the request's own connection committed
		return name

	def test_rest_create_starts_in_first_step_and_logs(self):
		frappe.db.commit()
		name = self._new()
		self.assertEqual(frappe.db.get_value("Opportunity", name, "sales_stage"), "Qualification")
		self.assertEqual([r.kind for r in log_rows(frappe._dict(doctype="Opportunity", name=name))], ["Enter"])

	def test_rest_update_is_gated(self):
		frappe.db.commit()
		name = self._new()
		response = self.put(self.resource("Opportunity", name), {"sid": self.sid, "sales_stage": "Needs Assessment"})
		frappe.db.commit()
		self.assertEqual(response.status_code, 417)
		body = frappe.as_json(response.json)
		self.assertIn("StageGateError", body)
		self.assertIn("Decision maker identified", body)
		self.assertEqual(frappe.db.get_value("Opportunity", name, "sales_stage"), "Qualification")

	def test_rest_override_needs_reason_and_is_logged(self):
		frappe.db.commit()
		name = self._new()
		response = self.put(
			self.resource("Opportunity", name),
			{"sid": self.sid, "sales_stage": "Needs Assessment", "sd_gate_override": 1},
		)
		self.assertEqual(response.status_code, 417)
		self.assertIn("An override needs a reason", frappe.as_json(response.json))
		response = self.put(
			self.resource("Opportunity", name),
			{"sid": self.sid, "sales_stage": "Needs Assessment", "sd_gate_override": 1,
				"sd_override_reason": "Signed at the trade fair"},
		)
		frappe.db.commit()
		self.assertEqual(response.status_code, 200, response.json)
		row = log_rows(frappe._dict(doctype="Opportunity", name=name))[-1]
		self.assertEqual((row.kind, row.verdict, row.override_reason), ("Forward", "Overridden", "Signed at the trade fair"))

	def test_rest_skip_is_refused(self):
		frappe.db.commit()
		name = self._new()
		response = self.put(self.resource("Opportunity", name), {"sid": self.sid, "sales_stage": "Contract"})
		frappe.db.commit()
		self.assertEqual(response.status_code, 417)
		self.assertIn("cannot be skipped", frappe.as_json(response.json))


class TestGatesInDataImport(FrappeAPITestCase):
	"""Data Import rolls back a failed row itself, so fixtures are committed (and removed after)."""

	def setUp(self):
		frappe.set_user("Administrator")
		reset_cache()

	def committed_opportunity(self):
		customer, _contact = ensure_customer()
		opp = frappe.get_doc({"doctype": "Opportunity", "opportunity_from": "Customer", "party_name": customer,
			"company": company(), "transaction_date": nowdate()}).insert()
		frappe.db.commit()

		def remove():
			frappe.delete_doc("Opportunity", opp.name, force=True)
			frappe.db.commit()

		self.addCleanup(remove)
		return opp

	def test_data_import_update_is_gated(self):
		opp = self.committed_opportunity()
		content = f"ID,Sales Stage\n{opp.name},Needs Assessment\n"
		file = frappe.get_doc({"doctype": "File", "file_name": "sd_import.csv", "content": content,
			"is_private": 1}).insert()
		di = frappe.get_doc({"doctype": "Data Import", "reference_doctype": "Opportunity",
			"import_type": "Update Existing Records", "import_file": file.file_url}).insert()
		di.start_import()
		logs = frappe.get_all("Data Import Log", {"data_import": di.name}, ["success", "messages", "exception"])
		self.assertEqual(len(logs), 1)
		self.assertEqual(logs[0].success, 0)
		self.assertIn("Decision maker identified", (logs[0].messages or "") + (logs[0].exception or ""))
		self.assertEqual(frappe.db.get_value("Opportunity", opp.name, "sales_stage"), "Qualification")

	def test_data_import_insert_in_later_step_is_gated(self):
		customer, _contact = ensure_customer()
		content = (
			"Opportunity From,Party,Company,Sales Stage\n"
			f"Customer,{customer},{company()},Contract\n"
		)
		file = frappe.get_doc({"doctype": "File", "file_name": "sd_import_new.csv", "content": content,
			"is_private": 1}).insert()
		before = frappe.db.count("Opportunity")
		di = frappe.get_doc({"doctype": "Data Import", "reference_doctype": "Opportunity",
			"import_type": "Insert New Records", "import_file": file.file_url}).insert()
		di.start_import()
		logs = frappe.get_all("Data Import Log", {"data_import": di.name}, ["success", "messages", "exception"])
		self.assertEqual([l.success for l in logs], [0])
		self.assertIn("cannot be skipped", (logs[0].messages or "") + (logs[0].exception or ""))
		self.assertEqual(frappe.db.count("Opportunity"), before)
