"""The realistic mode: leads and deals that live through the real gates, then back-dated (see generate.py)."""

from __future__ import annotations

import random
import zlib
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

import frappe
from frappe.utils import add_days, get_datetime, getdate, now_datetime, nowdate

from sales_drive import regulations
from sales_drive.demo.clients import (
	CITIES,
	EMPLOYEES,
	INDUSTRIES,
	ITEMS,
	LEAD_LOST_REASONS,
	LEAD_SOURCES,
	OPPORTUNITY_LOST_REASONS,
	QUOTATION_LOST_REASONS,
	company_names,
)
from sales_drive.demo.people import Member, people_stream
from sales_drive.demo.period import TERRITORY, Period
from sales_drive.demo.util import _chunks, _say, _strip_html, _update_rows
from sales_drive.integrations.pipeline import StageGateError

WORK_START, WORK_END = 9 * 60, 19 * 60  # minutes of the day


def is_cooling(customer: str, contact: str | None) -> bool:
	"""Whether an opportunity for ``customer`` would be refused by Base Cooling today.

	Cooling Records are dated on the machine's day, not the simulated one (the back-dating pass
	comes after), so a party refused earlier in the run is still cooling when it is picked again.
	"""
	from sales_drive import base_cooling
	from sales_drive.engine import cooling as cooling_engine

	party = base_cooling.opportunity_party(
		{"opportunity_from": "Customer", "party_name": customer, "contact_person": contact}
	)
	keys = cooling_engine.target_keys(party) if party else set()
	return bool(keys and base_cooling.active_coolings(keys, getdate(nowdate())))


def enforce_regulations():
	"""The demo company has introduced its regulations: they are enforced (a fresh install observes)."""
	for name in frappe.get_all("Sales Pipeline Regulation", {"is_active": 1, "rollout_mode": ["!=", "Enforce"]}, pluck="name"):
		frappe.db.set_value("Sales Pipeline Regulation", name, "rollout_mode", "Enforce")
	regulations.clear_cache()




class Clock:
	"""Each action is done now but belongs to a planned moment in the past.

	``at(planned)`` marks the start of an action. Afterwards every timestamp
	written at or after a mark (and before the next one) is moved to the
	mark's planned moment plus the same offset.
	"""

	def __init__(self):
		self.real: list[datetime] = []
		self.planned: list[datetime] = []

	def at(self, planned: datetime):
		real = now_datetime()
		if self.real and real <= self.real[-1]:
			real = self.real[-1] + timedelta(microseconds=1)
		self.real.append(real)
		self.planned.append(planned)

	@property
	def first(self):
		return self.real[0] if self.real else None

	def map(self, ts):
		if ts is None:
			return None
		ts = get_datetime(ts)
		i = bisect_right(self.real, ts) - 1
		if i < 0:
			return None
		return self.planned[i] + (ts - self.real[i])


# tables and datetime columns moved to the planned time
BACKDATE = {
	"Lead": ("creation", "modified", "sd_step_entered_on"),
	"Opportunity": ("creation", "modified", "sd_step_entered_on"),
	"Opportunity Item": ("creation", "modified"),
	"Opportunity Lost Reason Detail": ("creation", "modified"),
	"Sales Checklist Item": ("creation", "modified", "done_on"),
	"Sales Stage Transition Log": ("creation", "modified", "transition_time"),
	"Communication": ("creation", "modified", "communication_date"),
	"Communication Link": ("creation", "modified"),
	"Event": ("creation", "modified"),
	"Event Participants": ("creation", "modified"),
	"Quotation": ("creation", "modified"),
	"Quotation Item": ("creation", "modified"),
	"Sales Order": ("creation", "modified"),
	"Sales Order Item": ("creation", "modified"),
	"Sales Invoice": ("creation", "modified"),
	"Sales Invoice Item": ("creation", "modified"),
	"Payment Entry": ("creation", "modified"),
	"Payment Entry Reference": ("creation", "modified"),
	"GL Entry": ("creation", "modified"),
	"Payment Ledger Entry": ("creation", "modified"),
	"Customer": ("creation", "modified"),
	"Contact": ("creation", "modified"),
	"Contact Email": ("creation", "modified"),
	"Contact Phone": ("creation", "modified"),
	"Dynamic Link": ("creation", "modified"),
	"Address": ("creation", "modified"),
	"ToDo": ("creation", "modified"),
	"Version": ("creation", "modified"),
	"Comment": ("creation", "modified"),
	"Activity Log": ("creation", "modified"),
	"User": ("creation", "modified"),
	"Employee": ("creation", "modified"),
	"Sales Person": ("creation", "modified"),
	"Item": ("creation", "modified"),
	"Item Price": ("creation", "modified"),
	"Has Role": ("creation", "modified"),
	# the head of sales' side (sales_drive.demo.management)
	"Sales Task": ("creation", "modified", "answered_on"),
	"Key Account Review": ("creation", "modified"),
	"Key Account Review Line": ("creation", "modified"),
	"Repeat Sale Rule": ("creation", "modified", "last_run_on"),
	"Notification Log": ("creation", "modified"),
}


def backdate(clock: Clock) -> dict:
	"""Move every timestamp written during the run to its planned moment."""
	if not clock.real:
		return {}
	since = clock.first
	moved = Counter()
	for doctype, cols in BACKDATE.items():
		if not frappe.db.table_exists(doctype):
			continue
		have = set(frappe.db.get_table_columns(doctype))
		cols = [c for c in cols if c in have]
		for col in cols:
			rows = frappe.db.sql(f"select name, `{col}` from `tab{doctype}` where `{col}` >= %s", since)
			updates = [(name, clock.map(ts)) for name, ts in rows]
			updates = [u for u in updates if u[1] is not None]
			if updates:
				_update_rows(doctype, [col], updates)
				moved[doctype] += len(updates) if col == cols[0] else 0
	return dict(moved)


def recompute_durations(names: dict[str, list[str]]) -> int:
	"""days/hours in the previous step of log rows, and step due dates, after backdating."""
	changed = 0
	for doctype, docs in names.items():
		active = regulations.active(doctype)
		if not active or not docs:
			continue
		reg = active.regulation
		step_field = "sales_stage" if doctype == "Opportunity" else "sd_step"
		for part in _chunks(docs, 1000):
			rows = frappe.db.sql(
				"""select name, reference_name, kind, from_step, to_step, transition_time, company
				from `tabSales Stage Transition Log`
				where reference_doctype = %s and reference_name in %s
				order by reference_name, transition_time, creation""",
				(doctype, part),
				as_dict=True,
			)
			updates = []
			entered, current = None, None
			for r in rows:
				if r.reference_name != current:
					current, entered = r.reference_name, None
				days = hours = None
				if r.from_step and entered:
					cal = regulations.calendar_for(r.company, active)
					days = cal.days_between(entered, r.transition_time)
					hours = round((r.transition_time - entered).total_seconds() / 3600, 2)
				if r.kind in ("Enter", "Forward", "Skip", "Backward", "Reopen") and r.to_step:
					entered = r.transition_time
				# the columns are NOT NULL (Int/Float): "no previous step" is stored as 0, as the app does
				updates.append((r.name, days or 0, hours or 0))
			_update_rows("Sales Stage Transition Log", ["days_in_previous", "hours_in_previous"], updates)
			changed += len(updates)
			docs_rows = frappe.db.sql(
				f"select name, `{step_field}`, sd_step_entered_on, company from `tab{doctype}` where name in %s",
				[part],
			)
			won = set(
				frappe.db.sql_list(
					"""select reference_name from `tabSales Stage Transition Log`
					where reference_doctype = %s and kind = 'Won' and reference_name in %s""",
					(doctype, part),
				)
			)
			dues = []
			for name, step, entered_on, company in docs_rows:
				s = reg.step(step)
				due = None
				if s and entered_on and name not in won:  # a won record has no step due any more
					due = regulations.calendar_for(company, active).add_working_days(entered_on, s.max_days)
				dues.append((name, due))
			_update_rows(doctype, ["sd_step_due"], dues)
	return changed




class GateBlocked(Exception):
	def __init__(self, info: dict):
		super().__init__(info.get("message"))
		self.info = info


@dataclass
class Ctx:
	company: str
	period: Period
	rng: random.Random
	members: list[Member]
	customers: list[tuple[str, str | None]]
	clock: Clock = field(default_factory=Clock)
	made: dict = field(default_factory=lambda: {"Lead": [], "Opportunity": []})
	docs: Counter = field(default_factory=Counter)
	blocks: list = field(default_factory=list)
	errors: list = field(default_factory=list)

	def of_spec(self, *specs):
		return [m for m in self.members if m.role == "manager" and m.specialisation in specs]


LEAD_LOSS = {"New Lead": 0.2, "MQL": 0.25}
OPP_LOSS = {
	"Qualification": 0.12,
	"Needs Assessment": 0.12,
	"Presentation": 0.10,
	"Proposal Preparation": 0.05,
	"Proposal Approval": 0.18,
	"Contract": 0.08,
}
STALL = 0.04  # a deal that nobody moves any more (shows overdue)


class Realistic:
	def __init__(self, ctx: Ctx, items_share: float):
		self.c = ctx
		self.rng = ctx.rng
		self.items_share = items_share
		self.lead_reg = regulations.active("Lead")
		self.opp_reg = regulations.active("Opportunity")
		if not self.lead_reg or not self.opp_reg:
			frappe.throw("Sales Drive: no active Lead / Opportunity regulation on this site")
		self.cal = regulations.calendar_for(ctx.company)
		self.lead_no = frappe.db.count("Lead")
		self.ref_no = frappe.db.count("Payment Entry")

	# time
	def moment(self, day: date, earliest: int = WORK_START) -> datetime:
		while not self.cal.is_working(day):
			day += timedelta(days=1)
		minute = self.rng.randint(min(earliest, WORK_END - 30), WORK_END - 1)
		return datetime.combine(day, dtime()) + timedelta(minutes=minute, seconds=self.rng.randint(0, 59))

	def later(self, t: datetime, working_days: int) -> datetime:
		if working_days <= 0:
			nxt = t + timedelta(minutes=self.rng.randint(15, 180))
			if nxt.hour * 60 + nxt.minute < WORK_END - 1 and nxt.date() == t.date():
				return nxt
			working_days = 1
		return self.moment(self.cal.add_working_days(t.date(), working_days))

	def between(self, a: datetime, b: datetime) -> datetime:
		"""A working moment strictly between a and b (a call, a meeting, a document)."""
		days = [d for d in self.cal.working_days(a.date(), b.date())] or [a.date()]
		day = self.rng.choice(days)
		lo = a.hour * 60 + a.minute + 1 if day == a.date() else WORK_START
		hi = b.hour * 60 + b.minute - 1 if day == b.date() else WORK_END - 1
		if lo > hi:  # no room in working hours: halfway
			return a + (b - a) / 2
		moment = datetime.combine(day, dtime()) + timedelta(minutes=self.rng.randint(lo, hi), seconds=self.rng.randint(0, 59))
		return moment if a < moment < b else a + (b - a) / 2

	def duration(self, max_days: int) -> int:
		return max(0, round(self.rng.triangular(0, max(1, max_days) * 1.6, max(1, max_days) * 0.6)))

	def done(self, t: datetime) -> bool:
		return t > self.c.period.horizon

	# actions
	def act(self, planned: datetime, user: str, fn, *args, **kwargs):
		self.c.clock.at(planned)
		frappe.set_user(user)
		frappe.db.savepoint("sd_demo")
		try:
			return fn(planned, *args, **kwargs)
		except StageGateError as e:
			frappe.db.rollback(save_point="sd_demo")
			log = getattr(frappe.local, "message_log", None) or []
			title = log[-1].get("title") if log and isinstance(log[-1], dict) else None
			frappe.clear_messages()
			raise GateBlocked(
				{
					"action": fn.__name__.strip("_"),
					"record": args[0] if args else None,
					"gate": _strip_html(title) if title else None,
					"message": _strip_html(e)[:400],
					"user": user,
				}
			) from e
		except Exception:
			frappe.db.rollback(save_point="sd_demo")
			frappe.clear_messages()
			raise
		finally:
			frappe.set_user("Administrator")

	def _new_lead(self, t, owner: Member):
		self.lead_no += 1
		p = next(self.lead_people)
		company_name = next(self.lead_companies)
		doc = frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": p.first,
				"last_name": p.last,
				"gender": p.gender,
				"company_name": company_name,
				# each organisation its own domain: a refusal cools that organisation, not every demo lead
				"email_id": f"{p.first_lat}.{p.last_lat}.{self.lead_no}@{self._lead_domain(company_name)}".lower(),
				"mobile_no": f"+7 9{self.rng.randint(10, 99)} {self.rng.randint(100, 999)}-{self.rng.randint(10, 99)}-{self.rng.randint(10, 99)}",
				"source": self.rng.choice(LEAD_SOURCES),
				"lead_owner": owner.user,
				"company": self.c.company,
				"territory": TERRITORY,
				"country": "Russian Federation",
				"city": self.rng.choice(CITIES),
				"no_of_employees": self.rng.choice(EMPLOYEES),
				"qualification_status": "Unqualified",
				"status": "Lead",
				"type": "Client",
				"request_type": "Product Enquiry",
			}
		)
		if frappe.db.exists("Industry Type", ind := self.rng.choice(INDUSTRIES)):
			doc.industry = ind
		doc.insert()
		self.c.made["Lead"].append(doc.name)
		return doc.name

	def _lead_domain(self, company_name: str) -> str:
		domains = self.__dict__.setdefault("_lead_domains", {})
		if company_name not in domains:
			domains[company_name] = f"org{zlib.crc32(company_name.encode()):08x}.lead.example"
		return domains[company_name]

	def _tick(self, doc, step):
		for row in doc.get("sd_checklist") or []:
			if row.step == step:
				row.done = 1

	def _lead_move(self, t, name, to_step, qualify=False):
		doc = frappe.get_doc("Lead", name)
		self._tick(doc, doc.sd_step)
		if qualify:
			doc.qualification_status = "Qualified"
			doc.qualified_by = frappe.session.user
			doc.qualified_on = t.date()
		doc.sd_step = to_step
		doc.save()

	def _lead_refuse(self, t, name):
		doc = frappe.get_doc("Lead", name)
		doc.status = "Do Not Contact"
		# picked from the name, not the generator: the random sequence (and the demo) stays as it was
		doc.sd_lost_reason = LEAD_LOST_REASONS[sum(map(ord, name)) % len(LEAD_LOST_REASONS)]
		doc.save()

	def _communication(self, t, doctype, name, medium, subject, content, to=None):
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": medium,
				"sent_or_received": "Sent",
				"subject": subject,
				"content": content,
				"sender": frappe.session.user,
				"recipients": to if medium == "Email" else None,
				"phone_no": to if medium == "Phone" else None,
				"reference_doctype": doctype,
				"reference_name": name,
				"communication_date": t,
				"status": "Linked",
				"user": frappe.session.user,
			}
		).insert(ignore_permissions=True)
		self.c.docs[f"Communication ({medium})"] += 1

	def _meeting(self, t, doctype, name, subject):
		frappe.get_doc(
			{
				"doctype": "Event",
				"subject": subject,
				"event_category": "Meeting",
				"event_type": "Private",
				"starts_on": t,
				"ends_on": t + timedelta(hours=1),
				"status": "Completed",
				"send_reminder": 0,
				"event_participants": [{"reference_doctype": doctype, "reference_docname": name}],
			}
		).insert(ignore_permissions=True)
		self.c.docs["Event"] += 1

	def activity(self, t, user, doctype, name, what="call"):
		party = frappe.db.get_value(doctype, name, "email_id" if doctype == "Lead" else "contact_email") or None
		phone = frappe.db.get_value(doctype, name, "mobile_no" if doctype == "Lead" else "contact_mobile")
		if what == "meeting":
			self.act(t, user, self._meeting, doctype, name, "Презентация решения для ЛПР")
		elif what == "email" and party:
			self.act(t, user, self._communication, doctype, name, "Email", "Материалы по нашему предложению",
				"Добрый день! Направляю материалы, о которых договорились.", party)  # fmt: skip
		else:
			self.act(t, user, self._communication, doctype, name, "Phone", "Звонок клиенту",
				"Обсудили задачи, бюджет и сроки.", phone or "+7 900 000-00-00")  # fmt: skip

	# lead life
	def lead_life(self, start: datetime, owner: Member):
		reg = self.lead_reg.regulation
		t = start
		name = self.act(t, owner.user, self._new_lead, owner)
		for step, nxt in zip(reg.order(), reg.order()[1:]):
			exit_t = self.later(t, self.duration(reg.step(step).max_days))
			if step == "MQL" or self.rng.random() < 0.4:
				call = self.between(t, exit_t)
				if self.done(call):
					return
				self.activity(call, owner.user, "Lead", name, "call" if self.rng.random() < 0.7 else "email")
			if self.done(exit_t):
				return
			if self.rng.random() < LEAD_LOSS.get(step, 0):
				self.act(exit_t, owner.user, self._lead_refuse, name)
				self.c.docs["Lead refused"] += 1
				return
			self.act(exit_t, owner.user, self._lead_move, name, nxt, qualify=(nxt == "SQL"))
			t = exit_t
		# SQL: hand the lead to a closer (a full-cycle manager keeps it)
		convert_t = self.later(t, self.duration(reg.step(reg.order()[-1]).max_days))
		if self.done(convert_t):
			return
		if owner.specialisation == "Full Cycle" or not self.c.of_spec("Closer"):
			closer = owner
		else:
			closer = self.rng.choice(self.c.of_spec("Closer"))
		opp = self.act(convert_t, closer.user, self._opportunity_from_lead, name, closer)
		self.opportunity_life(opp, convert_t, closer)

	def _opportunity_from_lead(self, t, lead, owner: Member):
		from erpnext.crm.doctype.lead.lead import make_opportunity

		opp = make_opportunity(lead)
		opp.opportunity_owner = owner.user
		opp.transaction_date = t.date()
		opp.company = self.c.company
		opp.opportunity_type = "Sales"
		opp.currency = frappe.db.get_value("Company", self.c.company, "default_currency")
		if not opp.contact_person:
			opp.contact_person = frappe.db.get_value(
				"Dynamic Link", {"link_doctype": "Lead", "link_name": lead, "parenttype": "Contact"}, "parent"
			)
		opp.insert()
		self.c.made["Opportunity"].append(opp.name)
		return opp.name

	def _opportunity_from_customer(self, t, customer, contact, owner: Member):
		opp = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Customer",
				"party_name": customer,
				"contact_person": contact,
				"opportunity_owner": owner.user,
				"opportunity_type": "Sales",
				"source": "Existing Customer" if frappe.db.exists("Lead Source", "Existing Customer") else None,
				"company": self.c.company,
				"transaction_date": t.date(),
				"currency": frappe.db.get_value("Company", self.c.company, "default_currency"),
			}
		)
		opp.insert()
		self.c.made["Opportunity"].append(opp.name)
		return opp.name

	def _opp_move(self, t, name, to_step, fill=False):
		doc = frappe.get_doc("Opportunity", name)
		self._tick(doc, doc.sales_stage)
		if fill:
			if self.rng.random() < self.items_share:
				for code, _n, _g, price in self.rng.sample(ITEMS, self.rng.randint(1, 3)):
					doc.append("items", {"item_code": code, "qty": self.rng.randint(1, 5), "rate": price, "uom": "Nos"})
				amount = sum(i.qty * i.rate for i in doc.items)
			else:
				amount = self.rng.choice(ITEMS)[3] * self.rng.randint(1, 6)
			doc.opportunity_amount = amount
			doc.expected_closing = add_days(t.date(), self.rng.randint(20, 60))
			doc.probability = 30
		doc.sales_stage = to_step
		doc.save()

	def _opp_refuse(self, t, name):
		doc = frappe.get_doc("Opportunity", name)
		reason = self.rng.choice(OPPORTUNITY_LOST_REASONS)
		doc.declare_enquiry_lost([{"lost_reason": reason}], [], detailed_reason=f"Отказ: {reason.lower()}")

	def _quotation_refuse(self, t, quotation):
		q = frappe.get_doc("Quotation", quotation)
		q.declare_enquiry_lost([{"lost_reason": self.rng.choice(QUOTATION_LOST_REASONS)}], [])

	def _quotation(self, t, opp_name):
		from erpnext.crm.doctype.opportunity.opportunity import make_quotation

		q = make_quotation(opp_name)
		q.transaction_date = t.date()
		q.valid_till = None  # set afterwards: validity is checked against the real date
		if not [i for i in q.items if i.item_code]:
			q.set("items", [])
			amount = frappe.db.get_value("Opportunity", opp_name, "opportunity_amount") or 100000
			code, _n, _g, price = min(ITEMS, key=lambda it: abs(amount - it[3] * round(amount / it[3])))
			q.append("items", {"item_code": code, "qty": max(1, round(amount / price)), "rate": price, "uom": "Nos"})
		q.insert()
		q.submit()
		self.c.docs["Quotation"] += 1
		return q.name

	def _sales_order(self, t, quotation):
		from erpnext.selling.doctype.quotation.quotation import make_sales_order

		so = make_sales_order(quotation)
		so.transaction_date = t.date()
		so.delivery_date = add_days(t.date(), 14)
		for item in so.items:
			item.delivery_date = so.delivery_date
		so.set("payment_schedule", [])  # recomputed from the (past) order date
		so.insert()
		so.submit()
		self.c.docs["Sales Order"] += 1
		return so.name

	def _sales_invoice(self, t, order):
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		si = make_sales_invoice(order)
		si.set_posting_time = 1
		si.posting_date = t.date()
		si.posting_time = t.strftime("%H:%M:%S")
		si.due_date = add_days(t.date(), 10)
		si.set("payment_schedule", [])  # recomputed from the (past) posting date
		si.insert()
		si.submit()
		self.c.docs["Sales Invoice"] += 1
		return si.name

	def _payment(self, t, invoice):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		pe = get_payment_entry("Sales Invoice", invoice)
		self.ref_no += 1
		pe.posting_date = t.date()
		pe.reference_no = f"ПП-{self.ref_no:05d}"
		pe.reference_date = t.date()
		pe.insert()
		pe.submit()
		self.c.docs["Payment Entry"] += 1
		return pe.name

	# opportunity life
	def opportunity_life(self, name: str, start: datetime, owner: Member):
		reg = self.opp_reg.regulation
		order = reg.order()
		user = owner.user
		t = start
		quotation = order_ = invoice = None
		backs = 0
		i = 0
		while i < len(order):
			step = order[i]
			exit_t = self.later(t, self.duration(reg.step(step).max_days))
			# the work of the step, between entering and leaving it
			work_t = self.between(t, exit_t)
			if self.done(work_t):
				return
			if step in ("Qualification", "Needs Assessment"):
				self.activity(work_t, user, "Opportunity", name, "call" if self.rng.random() < 0.6 else "email")
			elif step == "Presentation":
				self.activity(work_t, user, "Opportunity", name, "meeting")
			elif step == "Proposal Preparation":
				quotation = self.act(work_t, user, self._quotation, name)
			elif step == "Proposal Approval" and self.rng.random() < 0.5:
				self.activity(work_t, user, "Opportunity", name, "email")
			elif step == "Contract":
				if self.rng.random() < OPP_LOSS[step]:
					if not self.done(exit_t):
						self.act(exit_t, user, self._quotation_refuse, quotation)
						self.c.docs["Opportunity lost via Quotation"] += 1
					return
				order_ = self.act(work_t, user, self._sales_order, quotation)
			elif step == "Invoice":
				invoice = self.act(work_t, "Administrator", self._sales_invoice, order_)
			elif step == "Payment":
				if self.done(exit_t):
					return
				self.act(exit_t, "Administrator", self._payment, invoice)
				return
			if self.done(exit_t):
				return
			if step != "Contract" and self.rng.random() < OPP_LOSS.get(step, 0):
				if quotation:
					self.act(exit_t, user, self._quotation_refuse, quotation)
					self.c.docs["Opportunity lost via Quotation"] += 1
				else:
					self.act(exit_t, user, self._opp_refuse, name)
					self.c.docs["Opportunity lost"] += 1
				return
			if self.rng.random() < STALL:
				self.c.docs["Opportunity stalled"] += 1
				return
			if step == "Proposal Approval" and backs < 1 and self.rng.random() < 0.12:
				# the client asks for changes: back to the proposal, a revised quotation
				self.act(exit_t, user, self._opp_move, name, "Proposal Preparation")
				backs += 1
				t = exit_t
				i -= 1
				continue
			self.act(exit_t, user, self._opp_move, name, order[i + 1], fill=(step == "Needs Assessment"))
			t = exit_t
			i += 1

	def run(self, n_leads: int, n_opportunities: int, seed: int):
		c = self.c
		self.lead_people = people_stream(seed + 11 + self.lead_no)
		self.lead_companies = company_names(f"lead:{self.lead_no}", seed)
		window = (c.period.horizon.date() - c.period.start).days
		hunters = c.of_spec("Hunter", "Full Cycle") or [m for m in c.members if m.role == "manager"]
		plans = sorted(
			(self.moment(c.period.start + timedelta(days=self.rng.randint(0, max(window - 1, 0)))), self.rng.choice(hunters))
			for _ in range(n_leads)
		)
		for k, (start, owner) in enumerate(plans, 1):
			self.life(self.lead_life, "Lead", start, owner)
			if k % 25 == 0:
				_say(f"leads {k}/{n_leads}, opportunities so far {len(c.made['Opportunity'])}")
		rest = max(0, n_opportunities - len(c.made["Opportunity"]))
		farmers = c.of_spec("Farmer", "Key Account Manager", "Full Cycle") or hunters
		starts = sorted(self.moment(c.period.start + timedelta(days=self.rng.randint(0, max(window - 1, 0)))) for _ in range(rest))
		for k, start in enumerate(starts, 1):
			owner = self.rng.choice(farmers)
			customer, contact = self.rng.choice(c.customers)
			if is_cooling(customer, contact):
				continue  # a farmer does not call a customer that refused and rests (Base Cooling)
			self.life(self.customer_life, "Opportunity", start, owner, customer, contact)
			if k % 25 == 0:
				_say(f"customer opportunities {k}/{rest}")

	def customer_life(self, start, owner, customer, contact):
		name = self.act(start, owner.user, self._opportunity_from_customer, customer, contact, owner)
		self.opportunity_life(name, start, owner)

	def life(self, fn, doctype, *args):
		try:
			fn(*args)
		except GateBlocked as e:
			self.c.blocks.append(e.info)
		except Exception as e:
			import traceback

			self.c.errors.append({"doctype": doctype, "error": f"{type(e).__name__}: {_strip_html(e)[:300]}"})
			_say(f"error in a {doctype} life: {traceback.format_exc()[-1200:]}")
			if len(self.c.errors) > 25:
				raise
		frappe.db.commit()


def _realistic_counts(ctx: Ctx) -> dict:
	leads, opps = ctx.made["Lead"], ctx.made["Opportunity"]
	out = {"leads_created": len(leads), "opportunities_created": len(opps)}

	def grouped(sql, names):
		acc = Counter()
		for part in _chunks(names, 1000):
			for key, n in frappe.db.sql(sql, [part]):
				acc[key or "-"] += n
		return dict(acc)

	out["leads_by_step"] = grouped("select sd_step, count(*) from tabLead where name in %s group by sd_step", leads)
	out["leads_by_status"] = grouped("select status, count(*) from tabLead where name in %s group by status", leads)
	out["opportunities_by_stage"] = grouped(
		"select sales_stage, count(*) from tabOpportunity where name in %s group by sales_stage", opps
	)
	out["opportunities_by_status"] = grouped("select status, count(*) from tabOpportunity where name in %s group by status", opps)
	out["log_by_kind"] = grouped(
		"select concat(reference_doctype, ' ', kind), count(*) from `tabSales Stage Transition Log` where reference_name in %s group by reference_doctype, kind",
		leads + opps,
	)
	out["log_by_verdict"] = grouped(
		"select verdict, count(*) from `tabSales Stage Transition Log` where reference_name in %s group by verdict", leads + opps
	)
	out["documents"] = dict(ctx.docs)
	# consistency of the record state with the log the app wrote
	checks = {}
	for label, sql in (
		(
			"opportunities_lost_without_lost_log_row",
			"""select count(*) from tabOpportunity o where o.name in %s and o.status = 'Lost' and not exists (
				select 1 from `tabSales Stage Transition Log` l where l.reference_doctype = 'Opportunity'
				and l.reference_name = o.name and l.kind = 'Lost')""",
		),
		(
			"won_opportunities_flagged_overdue",
			"""select count(*) from tabOpportunity o where o.name in %s and o.sd_overdue = 1 and exists (
				select 1 from `tabSales Stage Transition Log` l where l.reference_doctype = 'Opportunity'
				and l.reference_name = o.name and l.kind = 'Won')""",
		),
		(
			"leads_refused_without_lost_log_row",
			"""select count(*) from tabLead d where d.name in %s and d.status = 'Do Not Contact' and not exists (
				select 1 from `tabSales Stage Transition Log` l where l.reference_doctype = 'Lead'
				and l.reference_name = d.name and l.kind = 'Lost')""",
		),
	):
		names = leads if label.startswith("leads") else opps
		checks[label] = sum(frappe.db.sql(sql, [part])[0][0] for part in _chunks(names, 1000)) if names else 0
	out["checks"] = checks
	blocks = Counter((b["gate"], b["message"][:300]) for b in ctx.blocks)
	out["gate_blocks"] = [{"gate": g, "message": m, "count": n} for (g, m), n in blocks.most_common()]
	out["gate_blocked_records"] = [b["record"] for b in ctx.blocks][:50]
	out["errors"] = ctx.errors[:10]
	out["error_count"] = len(ctx.errors)
	return out
