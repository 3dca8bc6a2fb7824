# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

from decimal import Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_first_day, get_last_day, getdate, nowdate

from sales_drive import plans
from sales_drive.engine import plan as engine


class SalesPlan(Document):
	def before_validate(self):
		if not self.from_date:
			self.from_date = get_first_day(nowdate())
		if not self.to_date:
			self.to_date = get_last_day(self.from_date)
		if not self.currency and self.company:
			self.currency = frappe.get_cached_value("Company", self.company, "default_currency")
		if not self.title:
			self.title = _("{0}: {1} to {2}").format(
				self.company, frappe.format(self.from_date, "Date"), frappe.format(self.to_date, "Date")
			)

	def validate(self):
		if getdate(self.to_date) < getdate(self.from_date):
			frappe.throw(_("To Date must not be before From Date"), title=_("Invalid Sales Plan"))
		if Decimal(str(self.target_amount or 0)) < 0:
			frappe.throw(_("The target amount cannot be negative"), title=_("Invalid Sales Plan"))
		if (self.target_deals or 0) < 0:
			frappe.throw(_("The target number of won deals cannot be negative"), title=_("Invalid Sales Plan"))
		days = plans.working_days(self)
		if not days:
			frappe.throw(
				_("The period {0} to {1} has no working days in Holiday List {2}").format(
					frappe.format(self.from_date, "Date"),
					frappe.format(self.to_date, "Date"),
					self.holiday_list or _("(company default)"),
				),
				title=_("Invalid Sales Plan"),
			)
		self.working_days = len(days)
		self._validate_people()
		self._allocate()
		self._validate_overlap()
		self._warn_empty_basis()

	def on_submit(self):
		plans.store(self)

	def on_cancel(self):
		frappe.db.delete("Sales Plan Day", {"sales_plan": self.name})

	def on_trash(self):
		frappe.db.delete("Sales Plan Day", {"sales_plan": self.name})

	def _validate_people(self):
		seen = set()
		rows = {
			r.name: r
			for r in frappe.get_all(
				"Sales Person",
				filters={"name": ["in", [a.sales_person for a in self.allocations] or [""]]},
				fields=["name", "enabled", "employee", "is_group"],
			)
		}
		for a in self.allocations:
			if a.sales_person in seen:
				frappe.throw(
					_("Row {0}: Sales Person {1} is listed twice").format(a.idx, frappe.bold(a.sales_person)),
					title=_("Invalid Sales Plan"),
				)
			seen.add(a.sales_person)
			person = rows.get(a.sales_person)
			if not person or not person.enabled:
				frappe.throw(
					_("Row {0}: Sales Person {1} is disabled").format(a.idx, frappe.bold(a.sales_person)),
					title=_("Invalid Sales Plan"),
				)
			if person.is_group:
				frappe.throw(
					_("Row {0}: {1} is a group, not a person").format(a.idx, frappe.bold(a.sales_person)),
					title=_("Invalid Sales Plan"),
				)
			if not person.employee:
				frappe.throw(
					_("Row {0}: Sales Person {1} has no Employee: link one so their documents can be counted").format(
						a.idx, frappe.bold(a.sales_person)
					),
					title=_("Invalid Sales Plan"),
				)

	def _allocate(self):
		target = Decimal(str(self.target_amount or 0))
		if self.allocation_method == "Fixed Amount":
			amounts = [Decimal(str(a.amount or 0)) for a in self.allocations]
			if any(x < 0 for x in amounts):
				frappe.throw(_("An allocated amount cannot be negative"), title=_("Invalid Sales Plan"))
			if sum(amounts) != target:
				frappe.throw(
					_("The allocated amounts add up to {0}, not to the target {1}").format(
						frappe.format(sum(amounts), "Currency"), frappe.format(target, "Currency")
					),
					title=_("Invalid Sales Plan"),
				)
			for a, amount in zip(self.allocations, amounts):
				a.share = float(amount * 100 / target) if target else 0
			return
		if self.allocation_method == "Equal":
			n = len(self.allocations)
			shares = {a.sales_person: Decimal(100) / n for a in self.allocations}
			# the last person takes what rounding leaves, so shares add up to exactly 100
			last = self.allocations[-1].sales_person
			shares[last] = Decimal(100) - sum(v for k, v in shares.items() if k != last)
		else:
			shares = {a.sales_person: Decimal(str(a.share or 0)) for a in self.allocations}
			if any(s < 0 for s in shares.values()):
				frappe.throw(_("A share cannot be negative"), title=_("Invalid Sales Plan"))
			total = sum(shares.values())
			if total != 100:
				frappe.throw(
					_("The shares add up to {0}%, not 100%").format(total.normalize()), title=_("Invalid Sales Plan")
				)
		amounts = engine.allocate(target, shares)
		for a in self.allocations:
			a.share = float(shares[a.sales_person])
			a.amount = amounts[a.sales_person]
			a.currency = self.currency

	def _validate_overlap(self):
		persons = [a.sales_person for a in self.allocations]
		clash = frappe.db.sql(
			"""select p.name, a.sales_person from `tabSales Plan` p
			join `tabSales Plan Allocation` a on a.parent = p.name and a.parenttype = 'Sales Plan'
			where p.docstatus = 1 and p.name != %(name)s and p.company = %(company)s
			and p.from_date <= %(to_date)s and p.to_date >= %(from_date)s
			and a.sales_person in %(persons)s
			limit 1""",
			{
				"name": self.name or "",
				"company": self.company,
				"from_date": self.from_date,
				"to_date": self.to_date,
				"persons": persons or [""],
			},
		)
		if clash:
			frappe.throw(
				_("Sales Person {0} is already in Sales Plan {1} for an overlapping period").format(
					frappe.bold(clash[0][1]), frappe.bold(clash[0][0])
				),
				title=_("Overlapping Sales Plans"),
			)

	def _warn_empty_basis(self):
		filters = {"docstatus": 1, "company": self.company}
		if self.basis == "Payment Entry":
			filters.update({"payment_type": "Receive", "party_type": "Customer"})
		if not frappe.db.exists(self.basis, filters):
			frappe.msgprint(
				_("No submitted {0} of {1} exists yet: the fact will stay at zero until one does.").format(
					_(self.basis), self.company
				),
				title=_("No documents for the fact basis"),
				indicator="orange",
			)
