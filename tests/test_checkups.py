from datetime import date

import pytest

from sales_drive.engine import checkups as c

CREATED = date(2026, 11, 2)
DAY = date(2026, 11, 10)


def codes(problems):
	return [p.code for p in problems]


def test_a_task_created_today_with_later_dates_is_valid():
	assert c.validate_task(CREATED, date(2026, 11, 9), date(2026, 11, 9), "Open") == []
	assert c.validate_task(CREATED, CREATED, CREATED, None) == []


def test_checkup_and_due_date_before_creation_are_refused():
	problems = c.validate_task(CREATED, date(2026, 11, 1), date(2026, 10, 31), "Open")
	assert codes(problems) == ["checkup_before_creation", "due_before_creation"]
	assert problems[0].params == {"checkup_date": date(2026, 10, 31), "created": CREATED}
	assert problems[1].params == {"due_date": date(2026, 11, 1), "created": CREATED}


def test_answers_need_their_text():
	assert codes(c.validate_task(CREATED, None, None, "Done Differently")) == ["checkup_needs_note"]
	assert codes(c.validate_task(CREATED, None, None, "Done Differently", answer_note="  ")) == [
		"checkup_needs_note"
	]
	assert c.validate_task(CREATED, None, None, "Done Differently", answer_note="called instead") == []
	assert codes(c.validate_task(CREATED, None, None, "Stuck on a Question")) == ["checkup_needs_question"]
	assert c.validate_task(CREATED, None, None, "Stuck on a Question", question="Which price?") == []
	assert c.validate_task(CREATED, None, None, "Done") == []
	assert c.validate_task(CREATED, None, None, "Not Done") == []
	assert codes(c.validate_task(CREATED, None, None, "Half Done")) == ["checkup_unknown_status"]


def test_every_problem_code_has_a_template():
	for code in (
		"checkup_before_creation",
		"due_before_creation",
		"checkup_unknown_status",
		"checkup_needs_note",
		"checkup_needs_question",
		"checkup_fields_locked",
	):
		assert code in c.TEMPLATES


@pytest.mark.parametrize(
	("status", "due", "checkup", "expected"),
	[
		("Open", date(2026, 11, 10), date(2026, 11, 10), None),  # due today: not yet overdue
		("Open", date(2026, 11, 9), date(2026, 11, 12), "Overdue"),  # past the due date
		("Open", date(2026, 11, 20), date(2026, 11, 9), "Overdue"),  # the check-up passed without an answer
		("Open", None, None, None),
		("Done", date(2026, 11, 1), date(2026, 11, 1), None),
		("Not Done", date(2026, 11, 1), date(2026, 11, 1), None),
		("Done Differently", date(2026, 11, 1), date(2026, 11, 1), None),
		("Stuck on a Question", date(2026, 11, 1), date(2026, 11, 1), "Stuck"),  # stuck wins over overdue
		("Stuck on a Question", date(2026, 11, 20), date(2026, 11, 20), "Stuck"),
		(None, date(2026, 11, 9), None, "Overdue"),  # no status yet is Open
	],
)
def test_reason_on_a_day(status, due, checkup, expected):
	assert c.reason(status, due, checkup, DAY) == expected


def test_reminder_once_from_the_checkup_day_while_unanswered():
	assert c.needs_reminder("Open", DAY, False, DAY)
	assert c.needs_reminder("Open", date(2026, 11, 8), False, DAY)  # a missed run still reminds
	assert not c.needs_reminder("Open", date(2026, 11, 11), False, DAY)
	assert not c.needs_reminder("Open", DAY, True, DAY)
	assert not c.needs_reminder("Done", DAY, False, DAY)
	assert not c.needs_reminder("Open", None, False, DAY)


def test_locked_changes_lists_only_fields_outside_the_answer():
	before = {"title": "Call", "due_date": date(2026, 11, 9), "status": "Open", "question": None}
	after = {"title": "Call", "due_date": date(2026, 11, 12), "status": "Done", "question": ""}
	assert c.locked_changes(before, after) == ["due_date"]
	assert c.locked_changes(before, dict(before, status="Done")) == []
	assert c.locked_changes({"title": "a"}, {"title": "b", "status": "Done"}, allowed=()) == [
		"title",
		"status",
	]


def test_board_counts_per_manager():
	rows = [
		c.TaskRow("Anna", "Open", date(2026, 11, 9), date(2026, 11, 12)),  # overdue by due date
		c.TaskRow("Anna", "Open", date(2026, 11, 12), date(2026, 11, 12)),
		c.TaskRow("Anna", "Done", date(2026, 11, 1), date(2026, 11, 1)),
		c.TaskRow("Anna", "Stuck on a Question", date(2026, 11, 1), date(2026, 11, 1)),
		c.TaskRow("Boris", "Done Differently", date(2026, 11, 1), date(2026, 11, 1)),
		c.TaskRow("Boris", "Not Done", date(2026, 11, 1), date(2026, 11, 1)),
		c.TaskRow("Boris", "Open", date(2026, 11, 20), date(2026, 11, 5)),  # check-up missed
	]
	anna, boris = c.board(rows, DAY)
	assert anna.sales_person == "Anna"
	assert anna.counts == {
		"Open": 2,
		"Done": 1,
		"Not Done": 0,
		"Done Differently": 0,
		"Stuck on a Question": 1,
	}
	assert (anna.overdue, anna.stuck, anna.total, anna.answered) == (1, 1, 4, 2)
	assert boris.counts == {
		"Open": 1,
		"Done": 0,
		"Not Done": 1,
		"Done Differently": 1,
		"Stuck on a Question": 0,
	}
	assert (boris.overdue, boris.stuck, boris.total, boris.answered) == (1, 0, 3, 2)
	total = c.totals([anna, boris])
	assert total.counts["Open"] == 3 and total.counts["Done"] == 1
	assert (total.overdue, total.stuck, total.total) == (2, 1, 7)


def test_board_takes_grouped_rows():
	rows = [
		c.TaskRow("Anna", "Open", date(2026, 11, 9), date(2026, 11, 9), count=3),
		c.TaskRow("Anna", "Stuck on a Question", None, None, count=2),
		c.TaskRow("Anna", "Done", None, None),
	]
	(anna,) = c.board(rows, DAY)
	assert (anna.counts["Open"], anna.overdue, anna.stuck, anna.total, anna.answered) == (3, 3, 2, 6, 3)


def test_empty_board():
	assert c.board([], DAY) == []
	assert c.totals([]).total == 0
