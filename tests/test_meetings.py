"""Agenda building of planning meetings and one-on-ones; the schedule of the regular period reports."""

from datetime import date
from decimal import Decimal

import pytest

from sales_drive.engine import meetings as m

DAY = date(2026, 12, 3)  # a Thursday


def digest():
	return {"name": "morning|lead@x|2026-12-02", "report_date": date(2026, 12, 2), "scope": "Team A"}


DEVIATIONS = [
	{"name": "DEV-2", "sales_person": "Anna", "metric": "Revenue", "last_percent": 70, "threshold_percent": 80},
	{"name": "DEV-1", "sales_person": "Boris", "metric": "Calls", "last_percent": 40, "threshold_percent": 80},
	{"name": "DEV-3", "sales_person": "Other", "metric": "Calls", "last_percent": 10, "threshold_percent": 80},
]
TASKS = [
	{"name": "T-1", "title": "Call X", "sales_person": "Anna", "reason": "Overdue", "due_date": date(2026, 11, 30)},
	{"name": "T-2", "title": "Send KP", "sales_person": "Boris", "reason": "Stuck", "due_date": date(2026, 12, 5),
		"question": "Which discount?"},  # fmt: skip
	{"name": "T-3", "title": "Old", "sales_person": "Anna", "reason": "Overdue", "due_date": date(2026, 11, 20)},
]
OVERDUE = [
	{"doctype": "Opportunity", "name": "OPP-1", "title": "Acme", "step": "Proposal", "sales_person": "Anna", "days_over": 2},
	{"doctype": "Lead", "name": "LEAD-1", "title": "Beta", "step": "Qualification", "sales_person": "Boris", "days_over": 9},
	{"doctype": "Lead", "name": "LEAD-1", "title": "Beta", "step": "Qualification", "sales_person": "Boris", "days_over": 9},
]


def sections(items):
	return [i.section for i in items]


def test_agenda_orders_sections_and_keeps_only_the_team():
	items = m.agenda(digest=digest(), deviations=DEVIATIONS, tasks=TASKS, overdue=OVERDUE, members={"Anna", "Boris"})
	assert sections(items) == ["digest", "deviation", "deviation", "task", "task", "task", "overdue_step", "overdue_step"]
	# the digest first, then the worst deviation first; another team's firing is left out
	assert items[0].reference_name == digest()["name"]
	assert [i.reference_name for i in items if i.section == "deviation"] == ["DEV-1", "DEV-2"]
	# a stuck task before the overdue ones, the oldest overdue first
	tasks = [i for i in items if i.section == "task"]
	assert [i.reference_name for i in tasks] == ["T-2", "T-3", "T-1"]
	assert tasks[0].params["stuck"] and tasks[0].params["question"] == "Which discount?"
	# the longest overdue step first; a reference listed twice appears once
	steps = [i for i in items if i.section == "overdue_step"]
	assert [(i.reference_doctype, i.reference_name, i.params["days_over"]) for i in steps] == [
		("Lead", "LEAD-1", 9), ("Opportunity", "OPP-1", 2)]  # fmt: skip


def test_agenda_for_everyone_and_for_one_manager():
	everyone = m.agenda(deviations=DEVIATIONS)
	assert [i.reference_name for i in everyone] == ["DEV-3", "DEV-1", "DEV-2"]
	one = m.agenda(deviations=DEVIATIONS, tasks=TASKS, overdue=OVERDUE, members=["Anna"],
		figures={"sales_person": "Anna", "plan": "1000", "fact": "250", "deals_plan": 4, "deals_won": 1})  # fmt: skip
	assert sections(one) == ["figures", "deviation", "task", "task", "overdue_step"]
	assert one[0].params["percent"] == Decimal("25.00") and one[0].params["deals_won"] == 1
	assert all(i.sales_person == "Anna" for i in one)
	# without a plan there is no % to show
	assert m.agenda(figures={"sales_person": "Anna", "plan": 0, "fact": 10})[0].params["percent"] is None


def test_an_empty_agenda_and_a_long_section_is_capped_with_a_count():
	assert m.agenda() == []
	many = [{"name": f"T-{i:02}", "sales_person": "Anna", "reason": "Overdue", "due_date": date(2026, 11, i + 1)}
		for i in range(5)]  # fmt: skip
	items = m.agenda(tasks=many, limit=3)
	assert [i.reference_name for i in items] == ["T-00", "T-01", "T-02", ""]
	assert items[-1].params == {"more": 2}


def test_decisions_need_text_owner_and_a_due_date_not_before_the_meeting():
	good = {"decision": "Call Acme back", "sales_person": "Anna", "due_date": DAY}
	assert m.decision_problems([good], DAY) == []
	problems = m.decision_problems(
		[good, {"decision": " ", "sales_person": None, "due_date": None},
			{"decision": "x", "sales_person": "Anna", "due_date": date(2026, 12, 1)}], DAY)  # fmt: skip
	assert [(p.code, p.params["row"]) for p in problems] == [
		("decision_needs_text", 2), ("decision_needs_owner", 2), ("decision_needs_due", 2),
		("decision_due_before_meeting", 3)]  # fmt: skip
	assert all(p.code in m.TEMPLATES for p in problems)


@pytest.mark.parametrize(
	"kind,day,bounds",
	[
		(m.WEEKLY, date(2026, 12, 3), (date(2026, 11, 30), date(2026, 12, 6))),
		(m.MONTHLY, date(2026, 12, 3), (date(2026, 12, 1), date(2026, 12, 31))),
		(m.MONTHLY, date(2027, 2, 10), (date(2027, 2, 1), date(2027, 2, 28))),
		(m.QUARTERLY, date(2026, 12, 3), (date(2026, 10, 1), date(2026, 12, 31))),
		(m.QUARTERLY, date(2026, 5, 3), (date(2026, 4, 1), date(2026, 6, 30))),
	],
)
def test_period_bounds(kind, day, bounds):
	assert m.period_bounds(kind, day) == bounds


def test_previous_period_and_due_dates():
	assert m.previous_period(m.WEEKLY, DAY) == (date(2026, 11, 23), date(2026, 11, 29))
	assert m.previous_period(m.MONTHLY, DAY) == (date(2026, 11, 1), date(2026, 11, 30))
	assert m.previous_period(m.QUARTERLY, DAY) == (date(2026, 7, 1), date(2026, 9, 30))
	# the week ending Sunday 29 November: due on Monday 30 November, or on Friday 4 December
	assert m.due_date(m.WEEKLY, date(2026, 11, 29), "Monday") == date(2026, 11, 30)
	assert m.due_date(m.WEEKLY, date(2026, 11, 29), "Friday") == date(2026, 12, 4)
	assert m.due_date(m.MONTHLY, date(2026, 11, 30), day_of_month=3) == date(2026, 12, 3)
	assert m.due_date(m.QUARTERLY, date(2026, 12, 31), day_of_month=5) == date(2027, 1, 5)


def test_a_report_only_for_a_period_that_is_over():
	assert m.period_problems(m.WEEKLY, date(2026, 11, 23), date(2026, 11, 29), DAY) == []
	(p,) = m.period_problems(m.WEEKLY, date(2026, 11, 30), date(2026, 12, 6), DAY)
	assert p.code == "period_not_over" and p.params["next_day"] == date(2026, 12, 6)
	# from the period's last day on
	assert m.period_problems(m.WEEKLY, date(2026, 11, 30), date(2026, 12, 6), date(2026, 12, 6)) == []


def test_reminder_periods_the_last_one_over_and_on_its_last_day_the_current_one():
	assert m.reminder_periods(m.WEEKLY, DAY) == [(date(2026, 11, 23), date(2026, 11, 29))]
	assert m.reminder_periods(m.WEEKLY, date(2026, 12, 6)) == [
		(date(2026, 11, 23), date(2026, 11, 29)), (date(2026, 11, 30), date(2026, 12, 6))]  # fmt: skip
	assert m.reminder_periods(m.MONTHLY, date(2026, 11, 30))[-1] == (date(2026, 11, 1), date(2026, 11, 30))
	assert m.period_problems("Daily Activity Report", DAY, DAY, DAY)[0].code == "period_unknown_kind"


def test_reminders_and_due_periods_and_compliance():
	due = date(2026, 12, 4)
	assert not m.reminder_due(date(2026, 12, 2), due, 1)
	assert m.reminder_due(date(2026, 12, 3), due, 1) and m.reminder_due(date(2026, 12, 9), due, 1)
	assert m.reminder_due(due, due, 0)
	# November's weeks, reports due on Monday: four due dates fall in November (2, 9, 16, 23, 30 → five)
	weeks = m.periods_due(m.WEEKLY, date(2026, 11, 1), date(2026, 11, 30), DAY, "Monday")
	assert [d for _s, _e, d in weeks] == [date(2026, 11, d) for d in (2, 9, 16, 23, 30)]
	assert weeks[0][:2] == (date(2026, 10, 26), date(2026, 11, 1))
	# only due dates up to today count
	assert len(m.periods_due(m.WEEKLY, date(2026, 11, 1), date(2026, 12, 31), DAY, "Monday")) == 5
	months = m.periods_due(m.MONTHLY, date(2026, 4, 1), date(2027, 3, 31), DAY, day_of_month=3)
	assert [d for _s, _e, d in months] == [date(2026, m_, 3) for m_ in range(4, 13)]
	assert m.compliance(4, 3) == Decimal("75.00") and m.compliance(0, 0) is None
