"""The demo's period and working calendar: fiscal years, the territory, the Russian production calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime

import frappe
from frappe.utils import add_days, add_months, get_first_day, getdate, now_datetime, nowdate

from sales_drive import regulations

# Russian public holidays (Labour Code art. 112) and, for the years whose
# government decree is known here, the moved days off and working Saturdays.
# Other years: a fixed holiday on a weekend moves to the next working day
# (except the January holidays).
FIXED_HOLIDAYS = (
	(1, 1, "Новогодние каникулы"), (1, 2, "Новогодние каникулы"), (1, 3, "Новогодние каникулы"),
	(1, 4, "Новогодние каникулы"), (1, 5, "Новогодние каникулы"), (1, 6, "Новогодние каникулы"),
	(1, 7, "Рождество Христово"), (1, 8, "Новогодние каникулы"), (2, 23, "День защитника Отечества"),
	(3, 8, "Международный женский день"), (5, 1, "Праздник Весны и Труда"), (5, 9, "День Победы"),
	(6, 12, "День России"), (11, 4, "День народного единства"),
)  # fmt: skip
DECREE = {
	# year: (extra days off, working Saturdays)
	2024: (("2024-04-29", "2024-04-30", "2024-05-10", "2024-12-30", "2024-12-31"), ("2024-04-27", "2024-11-02", "2024-12-28")),
	2025: (("2025-05-02", "2025-05-08", "2025-06-13", "2025-11-03", "2025-12-31"), ("2025-11-01",)),
	2026: (("2026-01-09", "2026-03-09", "2026-05-11", "2026-12-31"), ()),
}  # fmt: skip




@dataclass
class Period:
	today: date
	start: date
	horizon: datetime  # nothing is planned after this moment

	@classmethod
	def of(cls, today, months):
		today = getdate(today or nowdate())
		start = getdate(add_months(today, -int(months)))
		now = now_datetime()
		end_of_day = datetime.combine(today, dtime(23, 59, 59))
		return cls(today, start, min(now, end_of_day) if today >= now.date() else end_of_day)


TERRITORY = "Russian Federation"


def ensure_territory() -> str:
	"""The demo company's market as a Territory (a site set up for another country has none)."""
	if not frappe.db.exists("Territory", TERRITORY):
		root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]}) or frappe.db.get_value(
			"Territory", {"is_group": 1}
		)
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": TERRITORY, "parent_territory": root, "is_group": 0}
		).insert(ignore_permissions=True)
	return TERRITORY


def ensure_fiscal_years(first: date, last: date):
	"""Fiscal years over [first, last], starting where the site's own years start (any country)."""
	from sales_drive.fiscal import ensure_fiscal_year

	made, day = [], first
	while True:
		name = ensure_fiscal_year(day)
		made.append(name)
		end = getdate(frappe.db.get_value("Fiscal Year", name, "year_end_date"))
		if end >= last:
			return made
		day = add_days(end, 1)


def russian_days_off(first: date, last: date) -> dict[date, str]:
	"""Weekends and public holidays of the Russian Federation in [first, last]."""
	out: dict[date, str] = {}
	for year in range(first.year, last.year + 1):
		fixed = {date(year, m, d): name for m, d, name in FIXED_HOLIDAYS}
		if year in DECREE:
			extra, working_saturdays = DECREE[year]
			moved = {getdate(d): "Перенесённый выходной" for d in extra}
			working = {getdate(d) for d in working_saturdays}
		else:
			moved, working = {}, set()
			taken = set(fixed)
			for day, _name in sorted(fixed.items()):
				if day.month == 1 or day.weekday() < 5:
					continue
				shift = day + timedelta(days=1)
				while shift.weekday() >= 5 or shift in taken:
					shift += timedelta(days=1)
				moved[shift] = "Перенесённый выходной"
				taken.add(shift)
		day = max(first, date(year, 1, 1))
		end = min(last, date(year, 12, 31))
		while day <= end:
			if day in fixed:
				out[day] = fixed[day]
			elif day in moved:
				out[day] = moved[day]
			elif day.weekday() >= 5 and day not in working:
				out[day] = "Выходной"
			day += timedelta(days=1)
	return out


def ensure_holiday_list(company: str, first: date, last: date) -> str:
	"""The company's default Holiday List; ours is created (or extended) to cover [first, last]."""
	current = frappe.db.get_value("Company", company, "default_holiday_list")
	name = f"{company} — РФ"
	if current and current != name:
		return current  # somebody else's calendar: leave it alone
	first, last = get_first_day(first), getdate(f"{last.year}-12-31")
	if frappe.db.exists("Holiday List", name):
		hl = frappe.get_doc("Holiday List", name)
		first, last = min(first, getdate(hl.from_date)), max(last, getdate(hl.to_date))
		have = {getdate(h.holiday_date) for h in hl.holidays}
	else:
		hl = frappe.get_doc({"doctype": "Holiday List", "holiday_list_name": name})
		have = set()
	hl.from_date, hl.to_date = first, last
	added = 0
	for day, desc in sorted(russian_days_off(first, last).items()):
		if day not in have:
			hl.append("holidays", {"holiday_date": day, "description": desc, "weekly_off": int(desc == "Выходной")})
			added += 1
	if added or hl.is_new():
		hl.flags.ignore_permissions = True
		hl.save()
	if current != name:
		frappe.db.set_value("Company", company, "default_holiday_list", name)
	regulations.clear_cache()
	return name
