"""Receivable ageing and the collection rate (sales_drive/engine/receivables.py)."""

from datetime import date
from decimal import Decimal as D

import pytest

from sales_drive.engine.receivables import (
	Billed,
	Invoice,
	ReceivablesError,
	ageing,
	bucket_labels,
	bucket_of,
	collection_rates,
	overdue,
)

DAY = date(2026, 12, 3)


def inv(name, owner, due, outstanding, share="100", customer="C"):
	return Invoice(name, customer, owner, due, D(outstanding), D(share), "RUB")


def test_bucket_labels_and_edges():
	assert bucket_labels() == ["1-30", "31-60", "61-90", "90+"]
	assert [bucket_of(d) for d in (1, 30, 31, 60, 61, 90, 91, 400)] == [
		"1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "90+", "90+",
	]  # fmt: skip
	assert bucket_labels((7,)) == ["1-7", "7+"]
	with pytest.raises(ReceivablesError):
		bucket_of(0)
	with pytest.raises(ReceivablesError):
		bucket_labels((60, 30))


def test_overdue_only_past_due_with_something_owed_longest_first():
	rows = overdue(
		[
			inv("due-today", "ann", DAY, "100"),  # due today: not overdue yet
			inv("paid", "ann", date(2026, 11, 1), "0"),
			inv("one-day", "ann", date(2026, 12, 2), "50"),
			inv("old", "bob", date(2026, 8, 1), "70"),
			inv("no-due", "bob", None, "70"),
		],
		DAY,
	)
	assert [(r.name, r.days_overdue, r.bucket) for r in rows] == [("old", 124, "90+"), ("one-day", 1, "1-30")]


def test_ageing_buckets_count_a_split_invoice_once_and_each_owner_their_share():
	invoices = [
		inv("A", "ann", date(2026, 11, 20), "1000", "60"),
		inv("A", "bob", date(2026, 11, 20), "1000", "40"),
		inv("B", "bob", date(2026, 9, 10), "300"),
		inv("C", "cid", date(2026, 10, 20), "200"),
	]
	a = ageing(invoices, DAY)
	assert a.count == 3 and a.total == D("1500")
	assert a.buckets == {"1-30": D("1000"), "31-60": D("200"), "61-90": D("300"), "90+": D(0)}
	assert a.by_owner == {"ann": (1, D("600.00")), "bob": (2, D("700.00")), "cid": (1, D("200.00"))}
	team = ageing(invoices, DAY, members={"bob"})
	assert [(r.name, r.amount) for r in team.lines] == [("B", D("300.00")), ("A", D("400.00"))]
	assert team.total == D("1300") and list(team.by_owner) == ["bob"]
	assert ageing([], DAY).total == 0


def test_collection_rate_paid_within_terms_capped_and_weighted_by_share():
	rates = collection_rates(
		[
			Billed("A", "ann", D("1000"), D("1000")),  # paid in time
			Billed("B", "ann", D("1000"), D("0")),  # paid late or not at all
			Billed("C", "bob", D("500"), D("900")),  # overpaid: capped at the invoice
			Billed("D", "bob", D("1000"), D("250"), D("50")),  # half of it is bob's
			Billed("E", "cid", D("0"), D("0")),
		]
	)
	assert rates["ann"] == D("50.0")
	assert rates["bob"] == D("62.5")  # (500 + 125) / (500 + 500)
	assert rates["cid"] is None
	assert collection_rates([]) == {}
