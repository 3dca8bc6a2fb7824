"""Base cooling (остывание базы, METHOD.md §4): pure rules, windows, matching, burn.

After a refusal the party rests: nobody contacts it until its cooling ends.
Only a *final* reason ("decision maker died", "business closed") closes a
party for good; every other refusal ends in a cooling.

- A :class:`Rule` says which refusals cool (its trigger), for how long, how
  wide (its scope) and whether contact is blocked or only warned about.
- A :class:`Window` is one cooling of one party: first and last cooled day
  (both inclusive); the party returns to the base the day after ``until``.
- Matching is by *keys*: a cooling stores the keys of what it covers (the
  record, the customer and its contacts, the organisation's normalised name
  and e-mail domain) and a record about to be contacted is looked up by its
  own keys. Free-mail domains are never grouped.
- Burn: refusals and closures against the parties worked, and how many days
  the base left lasts at that pace.

Nothing here reads the clock: the caller passes ``today``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sales_drive.engine.problems import Problem

# --- vocabulary ------------------------------------------------------------------

LEAD_LOST, OPPORTUNITY_LOST, QUOTATION_LOST, REPEATED = (
	"Lead Lost",
	"Opportunity Lost",
	"Quotation Lost",
	"Repeated Refusals",
)
TRIGGERS = (LEAD_LOST, OPPORTUNITY_LOST, QUOTATION_LOST, REPEATED)
# the doctype whose loss fires each trigger
TRIGGER_DOCTYPES = {
	LEAD_LOST: ("Lead",),
	OPPORTUNITY_LOST: ("Opportunity",),
	QUOTATION_LOST: ("Quotation",),
	REPEATED: ("Lead", "Opportunity", "Quotation"),
}

RECORD, CUSTOMER, ORGANISATION = "Record Only", "Customer and Contacts", "Organisation"
SCOPES = (RECORD, CUSTOMER, ORGANISATION)
# a lost Lead is nobody's customer yet: the customer scope cannot match it
SCOPE_DOCTYPES = {
	RECORD: ("Lead", "Opportunity", "Quotation"),
	CUSTOMER: ("Opportunity", "Quotation"),
	ORGANISATION: ("Lead", "Opportunity", "Quotation"),
}

BLOCK, WARN = "Block", "Warn"
MODES = (BLOCK, WARN)

RESTART, ADD, DOUBLE = "Restart Period", "Add Period", "Double Period"
EXTENSIONS = (RESTART, ADD, DOUBLE)

ACTIVE, LIFTED, RETURNED, CLOSED = "Active", "Lifted", "Returned", "Closed for Good"
STATUSES = (ACTIVE, LIFTED, RETURNED, CLOSED)


@dataclass(frozen=True)
class Rule:
	name: str
	trigger: str
	days: int
	scope: str = RECORD
	mode: str = BLOCK
	# Opportunity Lost: the reasons that fire the rule; empty = any non-final reason
	lost_reasons: tuple[str, ...] = ()
	extension: str = RESTART
	# a refusal up to this many days after a cooling ended still counts as a repeat
	grace_days: int = 30
	# Repeated Refusals: at least ``refusals`` within ``window_days``
	refusals: int = 0
	window_days: int = 0
	enabled: bool = True


@dataclass(frozen=True)
class Window:
	start: date
	until: date  # last cooled day, inclusive
	mode: str = BLOCK
	rule: str = ""
	refusals: int = 1

	@property
	def returns_on(self) -> date:
		return self.until + timedelta(days=1)

	@property
	def length(self) -> int:
		return (self.until - self.start).days + 1

	def covers(self, day: date) -> bool:
		return self.start <= day <= self.until


# --- rules -------------------------------------------------------------------------


def validate_rules(rules: Sequence[Rule], final_reasons: Iterable[str] = ()) -> list[Problem]:
	"""Everything wrong with a set of rules, as problems (empty when all is well).

	- the cooling period must be at least one day;
	- two enabled rules with the same trigger and scope must not differ in mode;
	- a final reason closes for good, so no (temporary) rule may name it;
	- the scope must be able to match the trigger's doctype;
	- Repeated Refusals needs at least 2 refusals within at least 1 day.
	"""
	finals = {r for r in final_reasons if r}
	problems: list[Problem] = []
	for rule in rules:
		if rule.trigger not in TRIGGERS:
			problems.append(Problem("cooling_unknown_trigger", {"rule": rule.name, "trigger": rule.trigger}))
			continue
		if rule.days is None or rule.days <= 0:
			problems.append(Problem("cooling_days", {"rule": rule.name, "value": rule.days}))
		if rule.scope not in SCOPES:
			problems.append(Problem("cooling_unknown_scope", {"rule": rule.name, "scope": rule.scope}))
		else:
			wrong = [d for d in TRIGGER_DOCTYPES[rule.trigger] if d not in SCOPE_DOCTYPES[rule.scope]]
			if wrong:
				problems.append(
					Problem(
						"cooling_scope_mismatch",
						{"rule": rule.name, "scope": rule.scope, "trigger": rule.trigger, "doctype": wrong[0]},
					)
				)
		if rule.mode not in MODES:
			problems.append(Problem("cooling_unknown_mode", {"rule": rule.name, "mode": rule.mode}))
		for reason in rule.lost_reasons:
			if reason in finals:
				problems.append(Problem("cooling_final_reason", {"rule": rule.name, "reason": reason}))
		if rule.grace_days is not None and rule.grace_days < 0:
			problems.append(Problem("cooling_grace_days", {"rule": rule.name, "value": rule.grace_days}))
		if rule.trigger == REPEATED and (rule.refusals < 2 or rule.window_days < 1):
			problems.append(
				Problem("cooling_refusals", {"rule": rule.name, "refusals": rule.refusals, "days": rule.window_days})
			)
	enabled = [r for r in rules if r.enabled]
	for i, a in enumerate(enabled):
		for b in enabled[i + 1 :]:
			if a.trigger == b.trigger and a.scope == b.scope and a.mode != b.mode:
				problems.append(
					Problem(
						"cooling_conflicting_modes",
						{"rule": a.name, "other": b.name, "trigger": a.trigger, "scope": a.scope},
					)
				)
	return problems


def is_final(reasons: Iterable[str], final_reasons: Iterable[str]) -> bool:
	"""A loss closes for good when any of its reasons is final."""
	finals = set(final_reasons)
	return any(r in finals for r in reasons)


def rules_for(rules: Sequence[Rule], trigger: str, reasons: Iterable[str] = ()) -> list[Rule]:
	"""Enabled rules a (non-final) loss fires; a rule with reasons fires only for one of them."""
	reasons = set(reasons)
	out = []
	for rule in rules:
		if not rule.enabled or rule.trigger != trigger:
			continue
		if trigger == OPPORTUNITY_LOST and rule.lost_reasons and not reasons & set(rule.lost_reasons):
			continue
		out.append(rule)
	return out


def repeated_refusals(refused_on: Iterable[date], today: date, rule: Rule) -> bool:
	"""At least ``rule.refusals`` refusals in the ``rule.window_days`` days ending today."""
	since = today - timedelta(days=rule.window_days - 1)
	return sum(1 for d in refused_on if since <= d <= today) >= rule.refusals


# --- windows -----------------------------------------------------------------------


def window_for(rule: Rule, refused_on: date) -> Window:
	"""A fresh cooling: ``rule.days`` days from the day of the refusal."""
	return Window(refused_on, refused_on + timedelta(days=rule.days - 1), rule.mode, rule.name, 1)


def apply_refusal(rule: Rule, refused_on: date, current: Sequence[Window] = ()) -> Window:
	"""The window a refusal leaves the party in, given its coolings so far.

	A refusal while the party cools, or within ``rule.grace_days`` after its
	cooling ended, is a repeat: the cooling is extended from the latest window
	as the rule says —

	- Restart Period: ``days`` from the new refusal;
	- Add Period: ``days`` more after the current end;
	- Double Period: twice the length of the latest window, from the refusal.

	The extended window keeps the start of the latest one (one continuous
	cooling) and counts one more refusal. Otherwise a fresh window opens.
	"""
	latest = None
	for w in current:
		if w.start <= refused_on and refused_on <= w.until + timedelta(days=max(rule.grace_days or 0, 0)):
			if latest is None or w.until > latest.until:
				latest = w
	if latest is None:
		return window_for(rule, refused_on)
	if rule.extension == ADD:
		until = max(latest.until, refused_on - timedelta(days=1)) + timedelta(days=rule.days)
	elif rule.extension == DOUBLE:
		until = refused_on + timedelta(days=2 * max(latest.length, rule.days) - 1)
	else:
		until = refused_on + timedelta(days=rule.days - 1)
	until = max(until, latest.until)
	mode = BLOCK if BLOCK in (latest.mode, rule.mode) else rule.mode
	return Window(latest.start, until, mode, rule.name, latest.refusals + 1)


@dataclass(frozen=True)
class State:
	"""Where a party stands on a day, all its coolings taken together."""

	cooling: bool
	mode: str | None = None
	until: date | None = None  # last cooled day of the strongest mode
	returns_on: date | None = None  # the day after every overlapping window has ended


def state_on(windows: Sequence[Window], today: date) -> State:
	"""Overlapping coolings combined: block beats warn; the party returns when the last one ends."""
	active = [w for w in windows if w.covers(today)]
	if not active:
		return State(False)
	mode = BLOCK if any(w.mode == BLOCK for w in active) else WARN
	until = max(w.until for w in active if w.mode == mode)
	spans = merge(windows)
	end = next(u for s, u in spans if s <= today <= u)
	return State(True, mode, until, end + timedelta(days=1))


def merge(windows: Sequence[Window]) -> list[tuple[date, date]]:
	"""Overlapping or touching windows as continuous (first, last) spans, in order."""
	spans: list[list[date]] = []
	for w in sorted(windows, key=lambda w: (w.start, w.until)):
		if spans and w.start <= spans[-1][1] + timedelta(days=1):
			spans[-1][1] = max(spans[-1][1], w.until)
		else:
			spans.append([w.start, w.until])
	return [(s, u) for s, u in spans]


def cooled_days(windows: Sequence[Window]) -> int:
	"""Days the party spent cooling, overlaps counted once."""
	return sum((u - s).days + 1 for s, u in merge(windows))


def due_for_return(windows: Sequence[Window], today: date) -> bool:
	"""Every cooling of the party has ended before today (and there was one)."""
	return bool(windows) and all(w.until < today for w in windows)


# --- scope matching -----------------------------------------------------------------

FREE_MAIL_DOMAINS = frozenset(
	{
		"gmail.com", "googlemail.com", "mail.ru", "yandex.ru", "ya.ru", "yandex.com", "yandex.by",
		"yandex.kz", "yandex.ua", "bk.ru", "list.ru", "inbox.ru", "internet.ru", "rambler.ru",
		"ro.ru", "lenta.ru", "autorambler.ru", "myrambler.ru", "outlook.com", "hotmail.com",
		"live.com", "msn.com", "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com",
		"aol.com", "gmx.com", "gmx.de", "web.de", "proton.me", "protonmail.com", "zoho.com",
		"mail.com", "qip.ru", "pochta.ru", "ukr.net", "tut.by", "e1.ru", "ngs.ru",
	}
)  # fmt: skip

# organisational-legal forms, dropped from a company name before comparing
LEGAL_FORMS = frozenset(
	{
		"ооо", "оао", "зао", "пао", "ао", "нао", "ип", "чп", "тоо", "нко", "ано", "гуп", "муп", "фгуп",
		"пбоюл", "кфх", "llc", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "gmbh",
		"plc", "llp", "ag", "sa", "bv", "oy", "ab", "co",
	}
)  # fmt: skip
LONG_LEGAL_FORMS = (
	"общество с ограниченной ответственностью",
	"публичное акционерное общество",
	"открытое акционерное общество",
	"закрытое акционерное общество",
	"непубличное акционерное общество",
	"акционерное общество",
	"индивидуальный предприниматель",
	"limited liability company",
)
_QUOTES = "\"'«»„“”‘’‚`´"
_PUNCT = re.compile(r"[\s.,;:!?()\[\]{}/\\|+&#№*_=~\-–—]+")
_EMAIL = re.compile(r"([^\s<>@,;\"']+)@([^\s<>@,;\"']+)")


def normalise_company(name: str | None) -> str | None:
	"""A company name reduced to what identifies the organisation.

	Case, ё/е, quotes, punctuation, extra spaces and legal forms (ООО, ОАО,
	АО, ИП, LLC, Ltd...) do not matter: «ООО "Альфа-Строй"», "Альфа Строй
	ООО" and "альфа-строй" are the same organisation. None when nothing is left.
	"""
	if not name:
		return None
	text = unicodedata.normalize("NFKC", str(name)).casefold().replace("ё", "е")
	for q in _QUOTES:
		text = text.replace(q, " ")
	text = _PUNCT.sub(" ", text)
	text = f" {' '.join(text.split())} "
	for form in LONG_LEGAL_FORMS:
		text = text.replace(f" {form} ", " ")
	tokens = [t for t in text.split() if t not in LEGAL_FORMS]
	return " ".join(tokens) or None


def email_address(value: str | None) -> str | None:
	"""The bare, lower-case address in ``value`` ("Ivan <Ivan@Alfa.ru>" -> "ivan@alfa.ru")."""
	if not value:
		return None
	m = _EMAIL.search(str(value))
	if not m:
		return None
	domain = m.group(2).strip(".").lower()
	if "." not in domain:
		return None
	return f"{m.group(1).lower()}@{domain}"


def email_addresses(value: str | None) -> list[str]:
	"""Every address in a recipients string ("a@x.ru, B <b@y.ru>")."""
	if not value:
		return []
	out = []
	for m in _EMAIL.finditer(str(value)):
		addr = email_address(m.group(0))
		if addr and addr not in out:
			out.append(addr)
	return out


def email_domain(value: str | None) -> str | None:
	addr = email_address(value)
	return addr.split("@", 1)[1] if addr else None


def is_free_mail(domain: str | None) -> bool:
	return bool(domain) and domain.lower().strip(".") in FREE_MAIL_DOMAINS


@dataclass(frozen=True)
class Party:
	"""What is known of a party (a Lead, Customer, Contact...) to match it with coolings."""

	doctype: str
	name: str
	company_name: str | None = None
	emails: tuple[str, ...] = ()
	# records it belongs with: a contact's customer, a customer's contacts, a lead's customer
	linked: tuple[tuple[str, str], ...] = ()


def party_key(doctype: str, name: str) -> str:
	return f"{doctype}:{name}"


def _email_keys(emails) -> set[str]:
	return {f"email:{a}" for a in (email_address(e) for e in emails) if a}


def _org_keys(party: Party) -> set[str]:
	keys = set()
	org = normalise_company(party.company_name)
	if org:
		keys.add(f"org:{org}")
	for e in party.emails:
		domain = email_domain(e)
		if domain and not is_free_mail(domain):
			keys.add(f"domain:{domain}")
	return keys


def cooling_keys(scope: str, party: Party) -> frozenset[str]:
	"""The keys a cooling of ``party`` with ``scope`` covers.

	- Record Only: the record itself and its exact e-mail addresses;
	- Customer and Contacts: also every linked record (the customer's contacts);
	- Organisation: also the normalised company name and the e-mail domains
	  (never a free-mail domain: two gmail.com addresses are not one company).
	"""
	keys = {party_key(party.doctype, party.name)} | _email_keys(party.emails)
	if scope in (CUSTOMER, ORGANISATION):
		keys |= {party_key(d, n) for d, n in party.linked if d and n}
	if scope == ORGANISATION:
		keys |= _org_keys(party)
	return frozenset(keys)


def target_keys(party: Party) -> frozenset[str]:
	"""Every key a record about to be contacted can be found under."""
	keys = {party_key(party.doctype, party.name)} if party.name else set()
	keys |= {party_key(d, n) for d, n in party.linked if d and n}
	keys |= _email_keys(party.emails)
	keys |= _org_keys(party)
	return frozenset(keys)


def matches(scope: str, refused: Party, target: Party) -> bool:
	return bool(cooling_keys(scope, refused) & target_keys(target))


# --- burn and exhaustion -----------------------------------------------------------------


@dataclass
class Burn:
	worked: int = 0
	refusals: int = 0
	closed: int = 0
	cooling: int = 0
	returned: int = 0
	base_untouched: int = 0
	base_warm: int = 0
	extra: dict = field(default_factory=dict)

	@property
	def burned(self) -> int:
		return self.refusals + self.closed

	@property
	def base_left(self) -> int:
		return self.base_untouched + self.base_warm


def burn_rate(burned: int, worked: int) -> float | None:
	"""Refusals and closures as a percentage of the parties worked (None: nothing worked)."""
	if not worked:
		return None
	return round(100.0 * burned / worked, 1)


def exhaustion_days(base_left: int, burned: int, period_days: int) -> int | None:
	"""Whole days until the base left is burned at the period's pace (None: no burn)."""
	if period_days <= 0 or burned <= 0:
		return None
	per_day = burned / period_days
	return math.floor(base_left / per_day)


def exhaustion_date(today: date, days: int | None) -> date | None:
	return None if days is None else today + timedelta(days=days)


def burning_while_meeting_plan(plan_percent: float | None, rate: float | None, alarm_percent: float) -> bool:
	"""The sweet lie of seed 004: the plan is met, and the base burns above the alarm level."""
	return plan_percent is not None and rate is not None and plan_percent >= 100 and rate >= alarm_percent


def add(a: Burn, b: Burn) -> Burn:
	return replace(
		a,
		worked=a.worked + b.worked,
		refusals=a.refusals + b.refusals,
		closed=a.closed + b.closed,
		cooling=a.cooling + b.cooling,
		returned=a.returned + b.returned,
		base_untouched=a.base_untouched + b.base_untouched,
		base_warm=a.base_warm + b.base_warm,
	)
