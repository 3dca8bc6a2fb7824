"""The channel funnel and the refusal matrix (sales_drive/engine/channels.py)."""

from decimal import Decimal as D

from sales_drive.engine.channels import channel_funnel, percent, refusal_matrix


def test_channel_funnel_conversion_won_amount_and_median_days_per_channel():
	rows = channel_funnel(
		[
			("Website", "Spring", 10, 4, 2, D("3000")),
			("Cold Calling", "", 20, 5, 1, D("500")),
			("Website", "Spring", 10, 2, 0, 0),  # the same channel twice: summed
			(None, None, 5, 0, 0, None),
		],
		[("Website", "Spring", 10, 1), ("Website", "Spring", 20, 1), ("Cold Calling", "", 7, 1)],
	)
	by = {(r.source, r.campaign, r.total): r for r in rows}
	web = by[("Website", "Spring", False)]
	assert (web.leads, web.opportunities, web.won, web.won_amount) == (20, 6, 2, D("3000"))
	assert (web.to_opportunity, web.to_won, web.median_days) == (D("30.0"), D("10.0"), D("15.00"))
	cold = by[("Cold Calling", "", False)]
	assert (cold.to_opportunity, cold.to_won, cold.median_days) == (D("25.0"), D("5.0"), D("7.00"))
	unset = by[("", "", False)]
	assert (unset.to_opportunity, unset.to_won, unset.median_days) == (D("0.0"), D("0.0"), None)
	total = rows[-1]
	assert total.total and (total.leads, total.opportunities, total.won, total.won_amount) == (45, 11, 3, D("3500"))
	assert total.median_days == D("10.00")  # 7, 10, 20
	# the most leads first, the total last
	assert [(r.source, r.total) for r in rows] == [("Website", False), ("Cold Calling", False), ("", False), ("", True)]


def test_channel_funnel_empty_and_percent():
	assert channel_funnel([]) == []
	assert percent(1, 0) is None and percent(1, 3) == D("33.3")


def test_refusal_matrix_reason_by_step_in_regulation_order():
	steps, rows = refusal_matrix(
		[
			("Lead", "Price", "SQL", 2),
			("Lead", "Price", "New Lead", 1),
			("Lead", "", "MQL", 1),
			("Opportunity", "Price", "Proposal", 3),
			("Opportunity", "Competitor", "Qualification", 1),
			("Opportunity", "Competitor", "Zeta", 1),  # a step outside the regulation
			("Opportunity", "Competitor", None, 1),
			("Lead", "Ignored", "SQL", 0),
		],
		{"Lead": ["New Lead", "MQL", "SQL"], "Opportunity": ["Qualification", "Proposal"]},
	)
	assert steps == ["New Lead", "MQL", "SQL", "Qualification", "Proposal", "Zeta", ""]
	assert [(r.pipeline, r.reason, r.total) for r in rows] == [
		("Lead", "Price", 3), ("Opportunity", "Competitor", 3), ("Opportunity", "Price", 3), ("Lead", "", 1),
	]  # fmt: skip
	assert rows[0].by_step == {"SQL": 2, "New Lead": 1}
	assert rows[1].by_step == {"Qualification": 1, "Zeta": 1, "": 1}
