# Copyright (c) 2026, Sales Drive contributors
# For license information, please see license.txt

"""Stage Duration and Overdue: the open records of a pipeline, how long they have
been in their step and whether they overstayed the step's limit.

Three views (filter "Report View"):

- **By Step** (default): ONE grouped query counts the open records per (regulation,
  step, day the step was entered); the working days in step are then counted once
  per distinct entered day, with ONE :class:`WorkdayIndex` over the regulation's
  calendar and the same rules as :func:`sales_drive.engine.gates.step_clock` (the
  form's step panel). The cost no longer grows with the open records' rows in
  Python, only with the distinct days. Its chart and cards serve every view.
- **By Sales Person**: the same, then one more grouped query per (owner, entered day,
  overdue), the overdue flag written from the step groups (:func:`overdue_until`).
- **Records**: one row per record as before, the most overdue first (ordered in SQL
  by the stored due date ``sd_step_due``), at most :data:`RECORDS_LIMIT` rows, with a
  message when the list is cut. Its chart and cards count every open record.

Open pipeline is :func:`sales_drive.queries.open_condition`. The queries read the
index ``sd_opp_open_clock`` alone (declared in ``sales_drive/install.py``); the
owner (``opportunity_owner``, else the creator) is read in two parts so that only a
record without an owner field needs its row read.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.desk.reportview import build_match_conditions
from frappe.utils import cint, flt, getdate, nowdate

from sales_drive import regulations
from sales_drive.engine.workdays import WorkdayIndex
from sales_drive.queries import open_condition, persons_of_users
from sales_drive.setup.custom_fields import OWNER_FIELD, STEP_FIELD

PIPELINES = ("Opportunity", "Lead")
BY_STEP, BY_PERSON, RECORDS = "By Step", "By Sales Person", "Records"
VIEWS = (BY_STEP, BY_PERSON, RECORDS)
# the Records view lists at most this many records (the most overdue first)
RECORDS_LIMIT = 1000

# the index the open records are read from (sales_drive/install.py, ERPNEXT_INDEXES)
OPEN_CLOCK_INDEX = {"Opportunity": "sd_opp_open_clock"}

# The title shown for a record when its own title is empty (constant SQL, per pipeline).
TITLE_FALLBACK = {
	"Opportunity": "coalesce(nullif({t}.customer_name, ''), {t}.party_name)",
	"Lead": "coalesce(nullif({t}.company_name, ''), {t}.lead_name)",
}


@frappe.read_only()  # on a site with a read replica (read_from_replica), the report reads from it
def execute(filters=None):
	filters = frappe._dict(filters or {})
	doctype = filters.get("document_type") or "Opportunity"
	if doctype not in PIPELINES:
		frappe.throw(_("Document Type must be Opportunity or Lead"), title=_("Invalid Filter"))
	view = filters.get("view") or BY_STEP
	if view not in VIEWS:
		frappe.throw(
			_("Report View must be one of: {0}").format(", ".join(_(v) for v in VIEWS)), title=_("Invalid Filter")
		)

	today = getdate(nowdate())
	active = regulations.by_name(filters.get("regulation")) or regulations.active(doctype)
	source = Source(doctype, filters)
	groups = fetch_groups(source)
	clocks = StepClocks(groups, active, filters.get("company"), today)
	for g in groups:
		g.update(clocks.clock(g.regulation, g.step, g.entered_on))

	chart = get_chart(groups, active, filters.get("step"))
	summary = get_summary(groups)
	only_overdue = cint(filters.get("only_overdue"))
	counted = [g for g in groups if g.overdue] if only_overdue else groups

	messages = []
	if not active:
		messages.append(
			_("No active Sales Pipeline Regulation for {0}: step limits are not known.").format(_(doctype))
		)
	if view == RECORDS:
		rows, message = records_view(source, groups, clocks, only_overdue)
		columns = get_columns(doctype)
		messages += [message] if message else []
	elif view == BY_PERSON:
		people = fetch_person_groups(source, overdue_until(groups))
		for g in people:
			g.days_in_step = clocks.index.days_between(g.entered_on, today)
		rows, columns = by_person([g for g in people if g.overdue] if only_overdue else people), get_person_columns()
	else:
		rows, columns = by_step(counted, active), get_step_columns()
	return columns, rows, " ".join(messages) or None, chart, summary


def records_view(source, groups, clocks, only_overdue) -> tuple[list, str | None]:
	"""The records, capped at :data:`RECORDS_LIMIT`, and the message saying so when the list is cut."""
	total = sum(g.records for g in groups if g.overdue or not only_overdue)
	overdue_dates = overdue_until(groups) if only_overdue else None
	rows = [] if only_overdue and not overdue_dates else fetch_records(source, overdue_dates)
	for r in rows:
		r.update(clocks.clock(r.regulation, r.step, r.entered_on, due=True))
	rows = sort_records(rows)
	if total <= len(rows):
		return rows, None
	return rows, _(
		"Showing {0} of {1} records, the most overdue first: filter by step, sales person or team to see the others."
	).format(len(rows), total)


class Source:
	"""The open records of a pipeline that the filters and the user's permissions select, as SQL.

	``parts(need_owner)`` gives one SELECT body per part: the owner is the record's owner field, or
	its creator when that field is empty; the two cases are separate parts so that the first reads
	the index alone and only a record without an owner field needs its row.
	"""

	def __init__(self, doctype: str, filters):
		self.doctype = doctype
		self.t = t = f"`tab{doctype}`"
		self.step = f"{t}.`{STEP_FIELD[doctype]}`"
		self.entered = f"coalesce({t}.sd_step_entered_on, {t}.creation)"
		self.owner_field = f"{t}.`{OWNER_FIELD[doctype]}`"
		self.owner = f"coalesce(nullif({self.owner_field}, ''), {t}.owner)"
		self.filters = filters
		# open pipeline (queries.open_condition): a closed, won or ordered record has left its steps
		self.conditions = [open_condition(doctype, t)]
		self.values = {}
		if filters.get("company"):
			self.conditions.append(f"{t}.company = %(company)s")
			self.values["company"] = filters.company
		if filters.get("step"):
			self.conditions.append(f"{self.step} = %(step)s")
			self.values["step"] = filters.step
		if filters.get("regulation"):
			self.conditions.append(f"{t}.sd_regulation = %(regulation)s")
			self.values["regulation"] = filters.regulation
		match = build_match_conditions(doctype)
		if match:
			self.conditions.append(f"({match})")
		if filters.get("owner"):
			self.values["owner"] = filters.owner
		if filters.get("team"):
			self.values["team"] = filters.team

	@property
	def by_owner_filter(self) -> bool:
		return bool(self.filters.get("owner") or self.filters.get("team"))

	def without_owner_field(self) -> str:
		"""The table of the part without an owner field: it needs the record's row (its creator).

		On the index (when the site has it), so that the rows read are only those without an owner
		field: the optimizer would otherwise read the whole table for them.
		"""
		index = OPEN_CLOCK_INDEX.get(self.doctype)
		if index and frappe.db.has_index(f"tab{self.doctype}", index):
			return f"{self.t} force index (`{index}`)"
		return self.t

	def parts(self, need_owner: bool) -> list[tuple[str, str]]:
		"""(owner expression or None, ``from ... where ...``) per part of the query."""
		t = self.t
		if not (need_owner or self.by_owner_filter):
			return [(None, f"from {t} where {' and '.join(self.conditions)}")]
		out = []
		for owner, table, case in (
			(self.owner_field, t, f"{self.owner_field} != ''"),
			(f"{t}.owner", self.without_owner_field(), f"ifnull({self.owner_field}, '') = ''"),
		):
			conditions = [*self.conditions, case]
			if self.filters.get("owner"):
				conditions.append(f"{owner} = %(owner)s")
			if self.filters.get("team"):
				# every Sales Person in the team's subtree (the team itself included), through Employee.user_id
				conditions.append(
					f"""{owner} in (
						select e.user_id from `tabSales Person` team
						join `tabSales Person` sp on sp.lft >= team.lft and sp.rgt <= team.rgt
						join `tabEmployee` e on e.name = sp.employee
						where team.name = %(team)s and ifnull(e.user_id, '') != '')"""
				)
			out.append((owner, f"from {table} where {' and '.join(conditions)}"))
		return out


def fetch_groups(source: Source) -> list[frappe._dict]:
	"""Open records counted per (regulation, step, entered day): one query."""
	parts = [
		f"""select {source.t}.sd_regulation as regulation, {source.step} as step,
		date({source.entered}) as entered_on, count(*) as records {body} group by 1, 2, 3"""
		for _owner, body in source.parts(False)
	]
	query = parts[0]
	if len(parts) > 1:
		query = f"""select regulation, step, entered_on, sum(records) as records
		from ({" union all ".join(parts)}) u group by 1, 2, 3"""
	groups = frappe.db.sql(query, source.values, as_dict=True)
	for g in groups:
		g.records = cint(g.records)
	return groups


def overdue_until(groups) -> dict[tuple, object]:
	"""(regulation, step) -> the latest entered day that is overdue.

	Days in step only grow the earlier a record entered, so the overdue records of a step are
	exactly those that entered on or before that day.
	"""
	out = {}
	for g in groups:
		if g.overdue:
			key = (g.regulation, g.step)
			out[key] = max(out.get(key, g.entered_on), g.entered_on)
	return out


def overdue_expression(source: Source, overdue_dates, values: dict) -> str:
	"""SQL that is 1 for an overdue record, from :func:`overdue_until` (its parameters go into ``values``)."""
	terms = []
	for i, ((regulation, step), until) in enumerate(sorted(overdue_dates.items(), key=str)):
		values.update({f"od_reg{i}": regulation, f"od_step{i}": step, f"od_until{i}": until})
		terms.append(
			f"({source.t}.sd_regulation <=> %(od_reg{i})s and {source.step} <=> %(od_step{i})s"
			f" and date({source.entered}) <= %(od_until{i})s)"
		)
	return f"({' or '.join(terms)})" if terms else "0"


def fetch_person_groups(source: Source, overdue_dates) -> list[frappe._dict]:
	"""Open records counted per (owner, entered day, overdue): one query.

	Grouping by owner AND step would make tens of thousands of wide groups (a temporary table on
	disk); the overdue flag comes from :func:`overdue_until` of the step groups instead.
	"""
	values = dict(source.values)
	overdue = overdue_expression(source, overdue_dates, values)
	parts = [
		f"""select {owner} as record_owner, date({source.entered}) as entered_on, {overdue} as overdue,
		count(*) as records {body} group by 1, 2, 3"""
		for owner, body in source.parts(True)
	]
	groups = frappe.db.sql(
		f"""select record_owner, entered_on, overdue, sum(records) as records
		from ({" union all ".join(parts)}) u group by 1, 2, 3""",
		values,
		as_dict=True,
	)
	for g in groups:
		g.records, g.overdue = cint(g.records), cint(g.overdue)
	return groups


def fetch_records(source: Source, overdue_dates=None, limit: int | None = None) -> list[frappe._dict]:
	"""At most ``limit`` (:data:`RECORDS_LIMIT`) open records, earliest stored due date first;
	``overdue_dates`` (see :func:`overdue_until`) keeps the overdue ones.

	The names are picked from the index alone (by ``sd_step_due``); only the picked rows are read.
	"""
	t, values = source.t, dict(source.values)
	extra = f" and {overdue_expression(source, overdue_dates, values)}" if overdue_dates is not None else ""
	picks = " union all ".join(
		f"select {t}.name, {t}.sd_step_due {body}{extra}" for _owner, body in source.parts(False)
	)
	title = TITLE_FALLBACK[source.doctype].format(t=t)
	records = frappe.db.sql(
		f"""
		select
			{t}.name,
			coalesce(nullif({t}.title, ''), {title}) as title,
			{source.step} as step,
			{t}.sd_regulation as regulation,
			{source.owner} as record_owner,
			{source.entered} as entered_on
		from {t} join (
			{picks}
			order by sd_step_due is null, sd_step_due, name
			limit {cint(limit or RECORDS_LIMIT)}
		) picked on picked.name = {t}.name
		""",
		values,
		as_dict=True,
	)
	persons = persons_of_users({r.record_owner for r in records})
	for r in records:
		r.sales_person = persons.get(r.record_owner, (None, None))[0]
	return records


class StepClocks:
	"""Stage, days in step, limit, days left, due date and overdue flag per (regulation, step, entered day).

	Each record runs under its own regulation (several per pipeline, chosen by segment), else the
	active one; the working days come from ONE :class:`WorkdayIndex` over the regulation's calendar,
	with the rules of :func:`sales_drive.engine.gates.step_clock`. Each key is computed once.
	"""

	def __init__(self, groups, active, company, today):
		self.default = active.regulation if active else None
		self.own = {name: regulations.by_name(name) for name in {g.regulation for g in groups} if name}
		self.calendar = regulations.calendar_for(company, active)
		self.today = today
		start = min([getdate(g.entered_on) for g in groups] + [today])
		self.index = WorkdayIndex(self.calendar, start, today)
		self._clocks: dict = {}

	def regulation(self, name):
		found = self.own.get(name) if name else None
		if name and found is None and name not in self.own:
			found = self.own[name] = regulations.by_name(name)
		return found.regulation if found else self.default

	def clock(self, regulation_name, step_name, entered_on, due: bool = False) -> dict:
		"""The clock of a record (or a group of records) that entered ``step_name`` on ``entered_on``.

		The due date is counted only when asked (``due``): the grouped views do not show it.
		"""
		entered = getdate(entered_on)
		key = (regulation_name, step_name, entered, due)
		if key not in self._clocks:
			reg = self.regulation(regulation_name)
			step = reg.step(step_name) if reg and step_name else None
			days = self.index.days_between(entered, self.today)
			out = {
				"regulation_used": reg.name if reg else None,
				"stage": step.stage if step else None,
				"days_in_step": days,
				"limit": None,
				"days_left": None,
				"due_date": None,
				"days_over": None,
				"overdue": 0,
			}
			if step:
				out.update(
					limit=step.max_days,
					days_left=step.max_days - days,
					days_over=days - step.max_days,
					due_date=self.calendar.add_working_days(entered, step.max_days) if due else None,
					overdue=1 if days > step.max_days else 0,
				)
			self._clocks[key] = out
		return self._clocks[key]


def sort_records(records) -> list[frappe._dict]:
	"""Overdue first, then by days over the limit (most first), entry time, name."""
	for r in records:
		r.pop("regulation_used", None)
	return sorted(
		records,
		key=lambda r: (-r.overdue, r.days_over is None, -(r.days_over or 0), r.entered_on, r.name),
	)


def _totals(groups) -> dict:
	"""Open records, overdue, overdue %, average and max days in step of some groups."""
	records = sum(g.records for g in groups)
	overdue = sum(g.records for g in groups if g.overdue)
	days = sum(g.records * g.days_in_step for g in groups)
	return {
		"open_records": records,
		"overdue_records": overdue,
		"overdue_share": flt(overdue * 100.0 / records, 1) if records else 0,
		"average_days": flt(days / records, 1) if records else 0,
		"max_days": max((g.days_in_step for g in groups), default=0),
	}


def by_step(groups, active) -> list[frappe._dict]:
	"""One row per (regulation, step): the regulation's steps in order, the active regulation first."""
	buckets = defaultdict(list)
	for g in groups:
		buckets[(g.regulation_used, g.step)].append(g)
	orders = {}

	def position(key):
		reg_name, step = key
		if reg_name not in orders:
			found = regulations.by_name(reg_name) if reg_name else None
			orders[reg_name] = list(found.regulation.order()) if found else []
		order = orders[reg_name]
		is_active = bool(active and reg_name == active.regulation.name)
		in_order = step in order
		return (not is_active, reg_name or "", not in_order, order.index(step) if in_order else 0, step or "")

	rows = []
	for key in sorted(buckets, key=position):
		first = buckets[key][0]
		rows.append(
			frappe._dict(
				regulation=key[0],
				step=key[1],
				stage=first.stage,
				limit=first.limit,
				**_totals(buckets[key]),
			)
		)
	return rows


def by_person(groups) -> list[frappe._dict]:
	"""One row per owner (with the Sales Person), the most overdue first."""
	buckets = defaultdict(list)
	for g in groups:
		buckets[g.record_owner].append(g)
	persons = persons_of_users(buckets)
	rows = [
		frappe._dict(
			sales_person=persons.get(owner, (None, None))[0], record_owner=owner, **_totals(buckets[owner])
		)
		for owner in buckets
	]
	rows.sort(key=lambda r: (-r.overdue_records, -r.open_records, r.record_owner or ""))
	return rows


def step_labels(groups, active, step_filter=None) -> list[str]:
	"""The steps in the regulation's order, then any other step the records are in."""
	order = list(active.regulation.order()) if active else []
	if step_filter:
		return [step_filter]
	extra = sorted({g.step or "" for g in groups} - set(order))
	return order + extra


def get_chart(groups, active, step_filter=None):
	steps = step_labels(groups, active, step_filter)
	if not steps:
		return None
	on_time = dict.fromkeys(steps, 0)
	overdue = dict.fromkeys(steps, 0)
	for g in groups:
		key = g.step or ""
		if key not in on_time:
			continue
		if g.overdue:
			overdue[key] += g.records
		else:
			on_time[key] += g.records
	return {
		"data": {
			"labels": [_(s) if s else _("No Step") for s in steps],
			"datasets": [
				{"name": _("On Time"), "values": [on_time[s] for s in steps]},
				{"name": _("Overdue"), "values": [overdue[s] for s in steps]},
			],
		},
		"type": "bar",
		"colors": ["#2490ef", "#e24c4c"],
		"barOptions": {"stacked": 1},
		"fieldtype": "Int",
	}


def get_summary(groups):
	totals = _totals(groups)
	total, overdue, share = totals["open_records"], totals["overdue_records"], totals["overdue_share"]
	return [
		{"value": total, "label": _("Open Records"), "datatype": "Int", "indicator": "Blue"},
		{
			"value": overdue,
			"label": _("Overdue"),
			"datatype": "Int",
			"indicator": "Red" if overdue else "Green",
		},
		{
			"value": share,
			"label": _("Overdue %"),
			"datatype": "Percent",
			"precision": 1,
			"indicator": "Red" if overdue else "Green",
		},
	]


def _column(fieldname, label, fieldtype, width, options=None, **extra) -> dict:
	return {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "options": options, "width": width, **extra}


def _total_columns() -> list[dict]:
	return [
		_column("open_records", _("Open Records"), "Int", 120),
		_column("overdue_records", _("Overdue"), "Int", 100),
		_column("overdue_share", _("Overdue %"), "Percent", 110),
		_column("average_days", _("Average Days in Step"), "Float", 150, precision=1),
		_column("max_days", _("Max Days in Step"), "Int", 130),
	]


def get_step_columns() -> list[dict]:
	return [
		_column("regulation", _("Regulation"), "Link", 170, "Sales Pipeline Regulation"),
		_column("step", _("Step"), "Data", 160),
		_column("stage", _("Stage"), "Data", 150),
		_column("limit", _("Limit (Days)"), "Int", 100),
		*_total_columns(),
	]


def get_person_columns() -> list[dict]:
	return [
		_column("sales_person", _("Sales Person"), "Link", 170, "Sales Person"),
		_column("record_owner", _("Owner"), "Link", 190, "User"),
		*_total_columns(),
	]


def get_columns(doctype: str) -> list[dict]:
	return [
		{"fieldname": "name", "label": _(doctype), "fieldtype": "Link", "options": doctype, "width": 170},
		{"fieldname": "title", "label": _("Title / Party"), "fieldtype": "Data", "width": 200},
		{"fieldname": "step", "label": _("Step"), "fieldtype": "Data", "width": 150},
		{"fieldname": "stage", "label": _("Stage"), "fieldtype": "Data", "width": 150},
		{
			"fieldname": "record_owner",
			"label": _("Owner"),
			"fieldtype": "Link",
			"options": "User",
			"width": 170,
		},
		{
			"fieldname": "sales_person",
			"label": _("Sales Person"),
			"fieldtype": "Link",
			"options": "Sales Person",
			"width": 150,
		},
		{"fieldname": "entered_on", "label": _("Entered Step On"), "fieldtype": "Datetime", "width": 160},
		{"fieldname": "days_in_step", "label": _("Days in Step"), "fieldtype": "Int", "width": 110},
		{"fieldname": "limit", "label": _("Limit (Days)"), "fieldtype": "Int", "width": 100},
		{"fieldname": "days_left", "label": _("Days Left"), "fieldtype": "Int", "width": 100},
		{"fieldname": "due_date", "label": _("Due Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "overdue", "label": _("Overdue"), "fieldtype": "Check", "width": 90},
	]


@frappe.whitelist()
def get_steps(doctype: str = "Opportunity") -> list[str]:
	"""The steps of the active regulation of a pipeline, in order (for the Step filter)."""
	if doctype not in PIPELINES:
		return []
	active = regulations.active(doctype)
	return list(active.regulation.order()) if active else []
