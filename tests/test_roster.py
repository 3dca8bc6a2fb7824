"""The work-day plan (engine/roster.py): roster checks, who is on duty, coverage gaps, inbound/outbound
conflicts, the effective roster of a day, and the first-response time of leads."""

from datetime import date, datetime, time
from decimal import Decimal as D

from sales_drive.engine import roster as r
from sales_drive.engine.roster import INBOUND_CALLS, INBOUND_LEADS, OUTBOUND, Slot


def t(hm: str) -> time:
	h, m = hm.split(":")
	return time(int(h), int(m))


def s(person, duty, start, end, row=0, team="T"):
	return Slot(person, duty, t(start), t(end), team, row)


def codes(problems):
	return [p.code for p in problems]


# ----------------------------------------------------------------------------- validation


def test_a_clean_roster_has_no_problems():
	slots = [
		s("Anna", INBOUND_CALLS, "09:00", "13:00", 1),
		s("Anna", OUTBOUND, "13:00", "18:00", 2),
		s("Boris", INBOUND_CALLS, "13:00", "18:00", 3),
		s("Boris", INBOUND_LEADS, "09:00", "18:00", 4),
	]
	assert r.validate(slots, t("09:00"), t("18:00")) == []


def test_a_slot_ending_at_or_before_its_start_is_refused():
	problems = r.validate([s("Anna", OUTBOUND, "12:00", "12:00", 1), s("Anna", OUTBOUND, "14:00", "13:00", 2)])
	assert codes(problems) == ["roster_end_before_start", "roster_end_before_start"]
	assert problems[1].params == {"row": 2, "start": "14:00", "end": "13:00"}
	assert "must end after it starts" in r.TEMPLATES[problems[0].code].format(**problems[0].params)


def test_the_same_person_twice_on_the_same_duty_at_once_is_refused():
	problems = r.validate([s("Anna", INBOUND_CALLS, "09:00", "12:00", 1), s("Anna", INBOUND_CALLS, "11:00", "14:00", 2)])
	assert codes(problems) == ["roster_overlap"]
	assert problems[0].params["row"] == 1 and problems[0].params["other"] == 2


def test_touching_slots_do_not_overlap_and_inbound_plus_outbound_is_only_a_conflict():
	slots = [s("Anna", INBOUND_CALLS, "09:00", "12:00", 1), s("Anna", INBOUND_CALLS, "12:00", "14:00", 2),
		s("Anna", OUTBOUND, "10:00", "11:00", 3)]  # fmt: skip
	assert r.validate(slots) == []
	assert r.conflicts(slots) == [r.Conflict("Anna", t("10:00"), t("11:00"), (INBOUND_CALLS,))]


def test_empty_rows_unknown_duties_and_a_backwards_day_are_refused():
	slots = [Slot("", OUTBOUND, t("09:00"), t("10:00"), row=1), Slot("Anna", "Lunch", t("09:00"), t("10:00"), row=2),
		Slot("Anna", OUTBOUND, None, t("10:00"), row=3)]  # fmt: skip
	assert codes(r.validate(slots, t("18:00"), t("09:00"))) == [
		"roster_day_hours", "roster_no_person", "roster_unknown_duty", "roster_no_hours"]  # fmt: skip
	for code, text in r.TEMPLATES.items():
		assert code.startswith("roster_") and text


# ----------------------------------------------------------------------------- duty and routing


def test_on_duty_covers_start_but_not_end():
	slots = [s("Anna", INBOUND_LEADS, "09:00", "13:00"), s("Boris", INBOUND_LEADS, "13:00", "18:00"),
		s("Vera", INBOUND_CALLS, "09:00", "18:00")]  # fmt: skip
	assert r.on_duty(slots, INBOUND_LEADS, t("09:00")) == ["Anna"]
	assert r.on_duty(slots, INBOUND_LEADS, t("13:00")) == ["Boris"]
	assert r.on_duty(slots, INBOUND_LEADS, t("18:00")) == []
	assert r.on_duty(slots, INBOUND_CALLS, t("12:59")) == ["Vera"]


def test_pick_rotates_over_the_people_on_duty():
	assert [r.pick(["Boris", "Anna"], n) for n in range(4)] == ["Anna", "Boris", "Anna", "Boris"]
	assert r.pick([], 3) is None


# ----------------------------------------------------------------------------- coverage


def test_gaps_are_the_hours_without_anybody_on_each_inbound_duty():
	slots = [s("Anna", INBOUND_CALLS, "09:00", "12:00"), s("Boris", INBOUND_CALLS, "11:00", "13:00"),
		s("Boris", INBOUND_CALLS, "14:00", "17:00"), s("Vera", INBOUND_LEADS, "08:00", "19:00"),
		s("Gleb", OUTBOUND, "09:00", "18:00")]  # fmt: skip
	gaps = r.gaps(slots, t("09:00"), t("18:00"), team="T")
	assert gaps == [r.Gap("T", INBOUND_CALLS, t("13:00"), t("14:00")), r.Gap("T", INBOUND_CALLS, t("17:00"), t("18:00"))]


def test_an_empty_roster_is_one_gap_per_inbound_duty():
	assert r.gaps([], t("09:00"), t("18:00")) == [
		r.Gap("", INBOUND_CALLS, t("09:00"), t("18:00")), r.Gap("", INBOUND_LEADS, t("09:00"), t("18:00"))]  # fmt: skip


def test_conflicts_merge_overlaps_and_name_the_inbound_duties():
	slots = [s("Anna", INBOUND_CALLS, "09:00", "12:00"), s("Anna", INBOUND_LEADS, "11:00", "15:00"),
		s("Anna", OUTBOUND, "10:00", "14:00"), s("Boris", OUTBOUND, "09:00", "18:00"),
		s("Boris", INBOUND_CALLS, "18:00", "19:00")]  # fmt: skip
	assert r.conflicts(slots) == [r.Conflict("Anna", t("10:00"), t("14:00"), (INBOUND_CALLS, INBOUND_LEADS))]


def test_person_slots_are_in_time_order():
	slots = [s("Anna", OUTBOUND, "13:00", "18:00"), s("Boris", OUTBOUND, "09:00", "10:00"),
		s("Anna", INBOUND_CALLS, "09:00", "13:00")]  # fmt: skip
	assert [x.duty for x in r.person_slots(slots, "Anna")] == [INBOUND_CALLS, OUTBOUND]


def test_a_dated_roster_wins_over_the_weekly_template():
	monday, tuesday = date(2026, 12, 7), date(2026, 12, 8)
	weekly = {"Monday": "template-mon", "Tuesday": "template-tue"}
	assert r.effective(monday, {monday: "dated"}, weekly) == "dated"
	assert r.effective(tuesday, {monday: "dated"}, weekly) == "template-tue"
	assert r.effective(date(2026, 12, 9), {}, weekly) is None


def test_call_schedule_cuts_the_day_into_stretches_without_overlaps():
	slots = [s("Anna", INBOUND_CALLS, "09:00", "13:00"), s("Boris", INBOUND_CALLS, "12:00", "18:00"),
		s("Vera", INBOUND_CALLS, "14:00", "15:00"), s("Gleb", OUTBOUND, "09:00", "18:00"),
		s("Anna", INBOUND_CALLS, "13:00", "14:00"), s("Anna", INBOUND_LEADS, "09:00", "18:00")]  # fmt: skip
	assert r.call_schedule(slots) == [
		(t("09:00"), t("12:00"), ("Anna",)),
		(t("12:00"), t("14:00"), ("Anna", "Boris")),
		(t("14:00"), t("15:00"), ("Boris", "Vera")),
		(t("15:00"), t("18:00"), ("Boris",)),
	]
	assert r.call_schedule([s("Anna", INBOUND_CALLS, "09:00", "10:00"), s("Anna", INBOUND_CALLS, "11:00", "12:00")]) == [
		(t("09:00"), t("10:00"), ("Anna",)), (t("11:00"), t("12:00"), ("Anna",))]  # fmt: skip


# ----------------------------------------------------------------------------- first response


def test_first_response_is_the_first_touch_after_creation():
	created = datetime(2026, 12, 1, 9, 0)
	touches = [datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 1, 11, 30), datetime(2026, 12, 1, 10, 15)]
	assert r.first_response_hours(created, touches, datetime(2026, 12, 31)) == D("1.25")


def test_an_unanswered_lead_counts_the_time_so_far_and_a_future_one_not_at_all():
	created = datetime(2026, 12, 1, 9, 0)
	assert r.first_response_hours(created, [], datetime(2026, 12, 2, 9, 0)) == D("24.00")
	assert r.first_response_hours(created, [None], datetime(2026, 12, 1, 9, 30)) == D("0.50")
	assert r.first_response_hours(created, [], datetime(2026, 11, 30)) is None


def test_average_first_response_per_person():
	as_of = datetime(2026, 12, 10)
	rows = [("Anna", datetime(2026, 12, 1, 9), [datetime(2026, 12, 1, 10)]),
		("Anna", datetime(2026, 12, 1, 9), [datetime(2026, 12, 1, 12)]),
		("Boris", datetime(2026, 12, 1, 9), [datetime(2026, 12, 1, 9, 6)]),
		("", datetime(2026, 12, 1, 9), [])]  # fmt: skip
	assert r.average_first_response(rows, as_of) == {"Anna": D("2.00"), "Boris": D("0.10")}
