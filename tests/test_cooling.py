"""Base cooling engine: rules, windows, overlaps, extension, scope matching, burn, exhaustion."""

from datetime import date, timedelta

import pytest

from sales_drive.engine import cooling as c
from sales_drive.engine.problems import TEMPLATES

D = date(2026, 3, 2)


def rule(**kw):
	base = dict(name="R", trigger=c.OPPORTUNITY_LOST, days=90, scope=c.RECORD, mode=c.BLOCK)
	base.update(kw)
	return c.Rule(**base)


def codes(problems):
	return sorted(p.code for p in problems)


# --- rule validation ---------------------------------------------------------------


def test_default_rule_is_valid():
	assert c.validate_rules([rule()], ["Decision maker died", "Business closed"]) == []


@pytest.mark.parametrize("days", [0, -5, None])
def test_period_must_be_positive(days):
	assert codes(c.validate_rules([rule(days=days)])) == ["cooling_days"]


def test_same_trigger_and_scope_with_different_modes_conflict():
	problems = c.validate_rules([rule(name="A"), rule(name="B", mode=c.WARN)])
	assert codes(problems) == ["cooling_conflicting_modes"]
	assert problems[0].params["other"] == "B"


def test_same_mode_or_other_scope_or_disabled_does_not_conflict():
	assert c.validate_rules([rule(name="A"), rule(name="B")]) == []
	assert c.validate_rules([rule(name="A"), rule(name="B", mode=c.WARN, scope=c.ORGANISATION)]) == []
	assert c.validate_rules([rule(name="A"), rule(name="B", mode=c.WARN, enabled=False)]) == []


def test_final_reason_cannot_be_named_by_a_temporary_rule():
	problems = c.validate_rules([rule(lost_reasons=("Дорого", "Business closed"))], ["Business closed"])
	assert codes(problems) == ["cooling_final_reason"]
	assert problems[0].params["reason"] == "Business closed"


def test_customer_scope_cannot_match_a_lead():
	problems = c.validate_rules([rule(trigger=c.LEAD_LOST, scope=c.CUSTOMER)])
	assert codes(problems) == ["cooling_scope_mismatch"]
	assert problems[0].params["doctype"] == "Lead"
	assert codes(c.validate_rules([rule(trigger=c.REPEATED, scope=c.CUSTOMER, refusals=3, window_days=30)])) == [
		"cooling_scope_mismatch"
	]
	assert c.validate_rules([rule(trigger=c.QUOTATION_LOST, scope=c.CUSTOMER)]) == []


def test_repeated_refusals_needs_count_and_window():
	assert codes(c.validate_rules([rule(trigger=c.REPEATED, refusals=1, window_days=30)])) == ["cooling_refusals"]
	assert codes(c.validate_rules([rule(trigger=c.REPEATED, refusals=3, window_days=0)])) == ["cooling_refusals"]
	assert c.validate_rules([rule(trigger=c.REPEATED, refusals=3, window_days=30)]) == []


def test_unknown_values_and_negative_grace():
	assert codes(c.validate_rules([rule(trigger="Whim")])) == ["cooling_unknown_trigger"]
	assert codes(c.validate_rules([rule(scope="Galaxy")])) == ["cooling_unknown_scope"]
	assert codes(c.validate_rules([rule(mode="Shout")])) == ["cooling_unknown_mode"]
	assert codes(c.validate_rules([rule(grace_days=-1)])) == ["cooling_grace_days"]


def test_every_problem_code_has_a_template():
	params = dict(rule="R", trigger="T", value=0, scope="S", doctype="Lead", mode="M", reason="X", other="O",
		refusals=1, days=2)  # fmt: skip
	for code in [k for k in TEMPLATES if k.startswith("cooling_")]:
		assert TEMPLATES[code].format(**params)


# --- which rules fire ---------------------------------------------------------------------


def test_final_reason_closes_for_good():
	assert c.is_final(["Дорого", "Business closed"], ["Business closed"])
	assert not c.is_final(["Дорого"], ["Business closed"])
	assert not c.is_final([], ["Business closed"])


def test_rules_for_reasons():
	any_reason = rule(name="any")
	price = rule(name="price", lost_reasons=("Дорого",), scope=c.ORGANISATION)
	lead = rule(name="lead", trigger=c.LEAD_LOST)
	off = rule(name="off", enabled=False)
	rules = [any_reason, price, lead, off]
	assert [r.name for r in c.rules_for(rules, c.OPPORTUNITY_LOST, ["Дорого"])] == ["any", "price"]
	assert [r.name for r in c.rules_for(rules, c.OPPORTUNITY_LOST, ["Нет бюджета"])] == ["any"]
	assert [r.name for r in c.rules_for(rules, c.OPPORTUNITY_LOST, [])] == ["any"]
	assert [r.name for r in c.rules_for(rules, c.LEAD_LOST)] == ["lead"]


def test_repeated_refusals_counts_within_the_window():
	r = rule(trigger=c.REPEATED, refusals=3, window_days=30)
	today = D
	assert c.repeated_refusals([today, today - timedelta(days=10), today - timedelta(days=29)], today, r)
	assert not c.repeated_refusals([today, today - timedelta(days=10), today - timedelta(days=30)], today, r)
	assert not c.repeated_refusals([today, today - timedelta(days=1)], today, r)
	assert not c.repeated_refusals([today + timedelta(days=1)] * 3, today, r)  # future ones do not count


# --- windows --------------------------------------------------------------------------------


def test_window_covers_period_days_inclusive():
	w = c.window_for(rule(days=90), D)
	assert (w.start, w.until, w.length) == (D, D + timedelta(days=89), 90)
	assert w.returns_on == D + timedelta(days=90)
	assert w.covers(D) and w.covers(w.until) and not w.covers(w.returns_on) and not w.covers(D - timedelta(days=1))


def test_one_day_window():
	w = c.window_for(rule(days=1), D)
	assert w.until == D and w.returns_on == D + timedelta(days=1)


def test_refusal_without_current_cooling_opens_fresh_window():
	old = c.Window(D - timedelta(days=200), D - timedelta(days=111))  # ended 111 days ago
	w = c.apply_refusal(rule(days=90, grace_days=30), D, [old])
	assert (w.start, w.until, w.refusals) == (D, D + timedelta(days=89), 1)


def test_repeat_during_cooling_restarts_the_period():
	first = c.window_for(rule(days=90), D)
	later = D + timedelta(days=40)
	w = c.apply_refusal(rule(days=90, extension=c.RESTART), later, [first])
	assert (w.start, w.until, w.refusals) == (D, later + timedelta(days=89), 2)


def test_repeat_during_cooling_adds_a_period():
	first = c.window_for(rule(days=90), D)
	w = c.apply_refusal(rule(days=90, extension=c.ADD), D + timedelta(days=40), [first])
	assert w.until == first.until + timedelta(days=90)
	assert w.start == D


def test_repeat_during_cooling_doubles_the_period():
	first = c.window_for(rule(days=90), D)
	later = D + timedelta(days=40)
	w = c.apply_refusal(rule(days=90, extension=c.DOUBLE), later, [first])
	assert w.until == later + timedelta(days=179)
	third = c.apply_refusal(rule(days=90, extension=c.DOUBLE), later + timedelta(days=1), [first, w])
	assert third.until == later + timedelta(days=1) + timedelta(days=2 * w.length - 1)
	assert third.refusals == 3


def test_repeat_right_after_cooling_within_grace_extends():
	first = c.window_for(rule(days=90), D)
	just_after = first.until + timedelta(days=10)
	w = c.apply_refusal(rule(days=90, grace_days=30, extension=c.ADD), just_after, [first])
	# Add Period after an ended cooling counts from the refusal, not from the old end
	assert w.until == just_after + timedelta(days=89)
	assert (w.start, w.refusals) == (D, 2)
	outside = first.until + timedelta(days=31)
	assert c.apply_refusal(rule(days=90, grace_days=30), outside, [first]).refusals == 1


def test_extension_never_shortens_and_block_wins():
	long_block = c.Window(D, D + timedelta(days=300), c.BLOCK)
	w = c.apply_refusal(rule(days=10, mode=c.WARN, extension=c.RESTART), D + timedelta(days=5), [long_block])
	assert w.until == long_block.until
	assert w.mode == c.BLOCK


def test_overlapping_coolings_block_beats_warn_and_returns_after_the_last():
	warn = c.Window(D, D + timedelta(days=60), c.WARN)
	block = c.Window(D + timedelta(days=10), D + timedelta(days=30), c.BLOCK)
	s = c.state_on([warn, block], D + timedelta(days=20))
	assert (s.cooling, s.mode, s.until, s.returns_on) == (True, c.BLOCK, block.until, warn.returns_on)
	s = c.state_on([warn, block], D + timedelta(days=40))
	assert (s.mode, s.until) == (c.WARN, warn.until)
	assert c.state_on([warn, block], D + timedelta(days=61)) == c.State(False)
	assert c.state_on([], D) == c.State(False)


def test_merge_and_cooled_days_count_overlaps_once():
	a = c.Window(D, D + timedelta(days=9))  # 10 days
	b = c.Window(D + timedelta(days=5), D + timedelta(days=14))  # overlaps: +5
	touching = c.Window(D + timedelta(days=15), D + timedelta(days=16))  # touches: +2
	apart = c.Window(D + timedelta(days=30), D + timedelta(days=30))  # +1
	assert c.merge([apart, b, a, touching]) == [(D, D + timedelta(days=16)), (apart.start, apart.until)]
	assert c.cooled_days([a, b, touching, apart]) == 18


def test_chained_windows_return_at_the_end_of_the_chain():
	a = c.Window(D, D + timedelta(days=9))
	b = c.Window(D + timedelta(days=10), D + timedelta(days=19))
	assert c.state_on([a, b], D + timedelta(days=3)).returns_on == D + timedelta(days=20)


def test_due_for_return():
	w = c.Window(D, D + timedelta(days=9))
	assert not c.due_for_return([w], w.until)
	assert c.due_for_return([w], w.returns_on)
	assert not c.due_for_return([w, c.Window(D, D + timedelta(days=20))], w.returns_on)
	assert not c.due_for_return([], D)


# --- company names and e-mail ------------------------------------------------------------------


@pytest.mark.parametrize(
	"name",
	[
		'ООО "Альфа-Строй"',
		"ООО «Альфа Строй»",
		"альфа-строй ооо",
		"  АЛЬФА   СТРОЙ  ",
		"Общество с ограниченной ответственностью «Альфа-Строй»",
		"АО Альфа Строй",
		"ОАО 'Альфа—Строй'",
		"ИП Альфа Строй",
	],
)
def test_company_names_of_one_organisation_normalise_alike(name):
	assert c.normalise_company(name) == "альфа строй"


def test_english_legal_forms_and_yo():
	assert c.normalise_company("Acme Ltd.") == c.normalise_company("ACME LLC") == "acme"
	assert c.normalise_company("Acme Trading Co., Inc.") == "acme trading"
	assert c.normalise_company("Ёлка") == c.normalise_company("елка")


def test_different_organisations_stay_apart_and_empty_is_none():
	assert c.normalise_company("ООО Альфа") != c.normalise_company("ООО Альфа-Строй")
	assert c.normalise_company("ООО") is None
	assert c.normalise_company("") is None
	assert c.normalise_company(None) is None
	# a legal form inside a word is not a legal form
	assert c.normalise_company("Аорта") == "аорта"


def test_email_parsing():
	assert c.email_address("Ivan <Ivan.Petrov@Alfa.RU>") == "ivan.petrov@alfa.ru"
	assert c.email_domain("sales@alfa-stroy.ru.") == "alfa-stroy.ru"
	assert c.email_address("not an address") is None
	assert c.email_address("x@localhost") is None
	assert c.email_addresses("a@x.ru, B <b@y.ru>; a@x.ru") == ["a@x.ru", "b@y.ru"]
	assert c.email_addresses(None) == []


@pytest.mark.parametrize(
	"domain",
	["gmail.com", "mail.ru", "yandex.ru", "bk.ru", "list.ru", "inbox.ru", "rambler.ru", "outlook.com", "hotmail.com",
		"yahoo.com", "icloud.com", "GMAIL.COM"],
)  # fmt: skip
def test_free_mail_domains(domain):
	assert c.is_free_mail(domain)


def test_company_domain_is_not_free():
	assert not c.is_free_mail("alfa-stroy.ru")
	assert not c.is_free_mail(None)


# --- scope matching ------------------------------------------------------------------------------

REFUSED = c.Party("Lead", "LEAD-1", 'ООО "Альфа-Строй"', ("ivan@alfa-stroy.ru", "boss@gmail.com"))


def test_record_scope_matches_the_record_and_its_address_only():
	assert c.matches(c.RECORD, REFUSED, c.Party("Lead", "LEAD-1"))
	assert c.matches(c.RECORD, REFUSED, c.Party("Lead", "", None, ("Ivan@Alfa-Stroy.ru",)))
	assert not c.matches(c.RECORD, REFUSED, c.Party("Lead", "LEAD-2", "Альфа Строй"))
	assert not c.matches(c.RECORD, REFUSED, c.Party("Lead", "LEAD-2", None, ("petr@alfa-stroy.ru",)))


def test_organisation_scope_matches_by_name_and_domain():
	assert c.matches(c.ORGANISATION, REFUSED, c.Party("Lead", "", "альфа строй ООО"))
	assert c.matches(c.ORGANISATION, REFUSED, c.Party("Lead", "", "Другое имя", ("petr@ALFA-STROY.ru",)))
	assert not c.matches(c.ORGANISATION, REFUSED, c.Party("Lead", "", "ООО Бета", ("petr@beta.ru",)))


def test_free_mail_domains_are_never_grouped():
	keys = c.cooling_keys(c.ORGANISATION, REFUSED)
	assert "domain:gmail.com" not in keys
	assert "email:boss@gmail.com" in keys
	stranger = c.Party("Lead", "", "ООО Бета", ("someone@gmail.com",))
	assert not c.matches(c.ORGANISATION, REFUSED, stranger)
	assert c.matches(c.ORGANISATION, REFUSED, c.Party("Lead", "", "ООО Бета", ("boss@gmail.com",)))


def test_customer_scope_covers_its_contacts():
	customer = c.Party("Customer", "Альфа", "Альфа", ("info@alfa.ru",), (("Contact", "Иван"), ("Contact", "Пётр")))
	contact = c.Party("Contact", "Пётр", None, ("petr@alfa.ru",), (("Customer", "Альфа"),))
	assert c.matches(c.CUSTOMER, customer, contact)
	assert c.matches(c.CUSTOMER, customer, c.Party("Contact", "Иван"))
	assert not c.matches(c.RECORD, customer, c.Party("Contact", "Иван"))
	# the customer scope does not group by name
	assert not c.matches(c.CUSTOMER, customer, c.Party("Lead", "", "Альфа"))


def test_keys_are_prefixed_by_kind():
	keys = c.cooling_keys(c.ORGANISATION, REFUSED)
	assert keys == {
		"Lead:LEAD-1", "email:ivan@alfa-stroy.ru", "email:boss@gmail.com", "org:альфа строй", "domain:alfa-stroy.ru",
	}  # fmt: skip
	assert c.target_keys(c.Party("Lead", "")) == frozenset()


# --- burn and exhaustion -------------------------------------------------------------------------


def test_burn_rate():
	assert c.burn_rate(30, 120) == 25.0
	assert c.burn_rate(1, 3) == 33.3
	assert c.burn_rate(5, 0) is None


def test_exhaustion_forecast():
	# 60 burned in 30 days = 2 a day; 1000 left -> 500 days
	assert c.exhaustion_days(1000, 60, 30) == 500
	assert c.exhaustion_days(1001, 60, 30) == 500  # whole days, rounded down
	assert c.exhaustion_days(0, 60, 30) == 0
	assert c.exhaustion_days(1000, 0, 30) is None  # no burn: never runs out
	assert c.exhaustion_days(1000, 10, 0) is None
	assert c.exhaustion_date(D, 500) == D + timedelta(days=500)
	assert c.exhaustion_date(D, None) is None


def test_plan_met_while_burning_the_base():
	assert c.burning_while_meeting_plan(104.0, 35.0, 30)
	assert not c.burning_while_meeting_plan(96.0, 35.0, 30)
	assert not c.burning_while_meeting_plan(120.0, 10.0, 30)
	assert not c.burning_while_meeting_plan(None, 35.0, 30)


def test_burn_totals():
	a = c.Burn(worked=10, refusals=3, closed=1, cooling=2, returned=1, base_untouched=50, base_warm=5)
	b = c.Burn(worked=5, refusals=1)
	total = c.add(a, b)
	assert (total.worked, total.burned, total.base_left) == (15, 5, 55)
