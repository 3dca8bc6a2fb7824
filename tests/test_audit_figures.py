"""The audit report's figures on the demo dataset shipped in the package (exact numbers).

The demo is the realistic generator's data of the bench site (``make_demo.py``): 166
opportunities that went through the gates, 220 leads, their activities, invoices and the
transition log as Versions. Its date is 2026-11-25; the period is 12 months.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from sales_drive.audit import figures, report
from sales_drive.audit.cli import _months_back, main
from sales_drive.audit.sources import DemoSource

TODAY = date(2026, 11, 25)
D = Decimal


@pytest.fixture(scope="module")
def fig():
	return figures.run(DemoSource(), figures.Context(today=TODAY, since=_months_back(TODAY, 12), months=12))


def test_period_and_calendar(fig):
	assert fig["since"] == date(2025, 11, 26)
	assert fig["company"] == "Demo Company" and fig["currency"] == "RUB"
	assert fig["calendar"] == "Demo Holidays"


def test_opportunity_funnel_from_versions(fig):
	fn = fig["funnel"]
	assert fn["source"] == "versions"
	assert fn["order"] == list(figures.OPPORTUNITY_STEPS)
	rows = [(r["step"], r["entered"], r["forward"], r["lost"], r["back"], r["conversion"], r["pass_rate"], r["median_days"]) for r in fn["rows"]]
	assert rows == [
		("Qualification", 166, 131, 24, 0, D("78.9"), D("84.5"), D("2.00")),
		("Needs Assessment", 131, 114, 12, 0, D("87.0"), D("90.5"), D("4.00")),
		("Presentation", 114, 94, 13, 0, D("82.5"), D("87.9"), D("4.00")),
		("Proposal Preparation", 94, 86, 0, 0, D("91.5"), D("100.0"), D("2.00")),
		("Proposal Approval", 86, 60, 0, 6, D("69.8"), D("90.9"), D("7.00")),
		("Contract", 60, 52, 0, 0, D("86.7"), D("100.0"), D("7.00")),
		("Invoice", 52, 48, 0, 0, D("92.3"), D("100.0"), D("2.00")),
		("Payment", 48, 43, 0, 0, None, D("100.0"), D("8.00")),
	]
	assert (fn["entered"], fn["won"], fn["lost"], fn["conversion"]) == (166, 43, 49, D("25.9"))


def test_funnel_from_dates_when_the_site_keeps_no_versions(fig):
	source = DemoSource()
	source.datasets["versions"] = []
	f = figures.run(source, figures.Context(today=TODAY, since=_months_back(TODAY, 12), months=12))
	fn = f["funnel"]
	assert fn["source"] == "dates"
	# every opportunity of the cohort passed the stages before its current one
	assert [(r["step"], r["entered"], r["lost"], r["forward"]) for r in fn["rows"]] == [
		("Qualification", 166, 24, 131), ("Needs Assessment", 131, 12, 114), ("Presentation", 114, 13, 94),
		("Proposal Preparation", 94, 5, 80), ("Proposal Approval", 80, 12, 60), ("Contract", 60, 2, 56),
		("Invoice", 52, 0, 52), ("Payment", 48, 0, 48),
	]  # fmt: skip
	# the statuses count every loss and win, the versions only those the log recorded as moves
	assert (fn["won"], fn["lost"]) == (56, 68)
	assert all(r["median_days"] is None for r in fn["rows"])
	assert f["step_limits_known"] is False and f["open"]["over_limit"]["count"] == 0


def test_opportunity_outcomes_and_refusal_rate(fig):
	o = fig["opportunities"]
	assert o["total"] == 166
	assert o["by_status"] == {"Converted": 56, "Lost": 68, "Open": 24, "Quotation": 18}
	assert (o["won"], o["lost"]) == (56, 68)
	assert o["won_amount"] == D("27077000.00") and o["lost_amount"] == D("14374000.00")
	assert o["refusal_rate"] == 54.8  # 68 / (68 + 56)
	assert (o["median_days_to_win"], o["median_days_to_lose"]) == (D("27.50"), D("7.50"))


def test_lost_reasons(fig):
	r = fig["lost_reasons"]
	assert [(x["reason"], x["count"]) for x in r] == [
		("(not given)", 19),
		("Выбрали конкурента", 12),
		("Нет потребности", 10),
		("Отложили проект", 9),
		("Компания закрылась", 7),
		("Нет бюджета", 5),
		("Дорого", 4),
		("Не вышли на ЛПР", 2),
	]
	assert sum(x["count"] for x in r) == fig["opportunities"]["lost"]
	assert r[1]["amount"] == D("1280000.00") and r[1]["share"] == D("17.6")


def test_lead_funnel(fig):
	ld = fig["leads"]
	assert ld["by_status"] == {"Converted": 36, "Do Not Contact": 88, "Lead": 10, "Lost Quotation": 17, "Opportunity": 54, "Quotation": 15}
	assert [(r["step"], r["entered"], r["lost"]) for r in ld["funnel"]] == [
		("Lead", 220, 88), ("Open", 122, 0), ("Replied", 122, 0), ("Interested", 122, 0),
		("Opportunity", 122, 0), ("Quotation", 68, 17), ("Converted", 36, 0),
	]  # fmt: skip
	assert (ld["conversion"], ld["median_days_to_convert"]) == (D("16.4"), D("31.00"))


def test_base_burn_and_exhaustion(fig):
	b = fig["burn"]
	assert (b["worked"], b["refusals"], b["closed"], b["burned"]) == (376, 85, 88, 173)
	assert b["burn_rate"] == 46.0
	assert (b["base_untouched"], b["base_warm"], b["base_left"]) == (10, 69, 79)
	# 79 left / (173 burned / 365 days) = 166.7 -> 166 whole days
	assert (b["period_days"], b["days_left"], b["runs_out_on"]) == (365, 166, date(2027, 5, 10))


def test_open_overdue_stale_and_over_the_step_limit(fig):
	o = fig["open"]
	assert (o["count"], o["amount"]) == (42, D("9694000.00"))
	assert o["overdue"] == {"count": 7, "amount": D("1760000.00")}
	assert o["stale"] == {"count": 16, "amount": D("4140000.00")}
	assert o["over_limit"] == {"count": 24, "amount": D("5676000.00")}
	by = {r["stage"]: (r["open"], r["over_limit"], r["limit"]) for r in o["by_stage"]}
	assert by["Qualification"] == (11, 6, 3) and by["Proposal Approval"] == (8, 3, 10)
	assert sum(r["open"] for r in o["by_stage"]) == 42


def test_plan_vs_fact_from_sales_person_targets(fig):
	p = fig["plan"]
	assert p["has_targets"] and p["fiscal_year"] == "2026"
	assert (p["working_days"], p["working_days_done"], p["invoices"]) == (247, 222, 52)
	assert (p["target"], p["fact"]) == (D("30840000.00"), D("25277000.00"))
	first = p["rows"][0]
	assert first == {
		"sales_person": "Manager 01",
		"target": D("6170000.00"),
		"fact": D("5058000.00"),
		"done": D("82.0"),
		"forecast": D("5627594.59"),  # 5,058,000 x 247 / 222
		"gap": D("542405.41"),
	}


def test_decomposition_is_the_engines_and_exact(fig):
	m = fig["plan"]["month"]
	assert m == {"from": date(2026, 11, 1), "to": date(2026, 11, 30), "working_days": 20, "basis": "targets"}
	rows = {r["sales_person"]: r for r in fig["plan"]["decomposition"]}
	r = rows["Manager 05"]  # sold nothing this month: everything so far carried to today
	assert (r["month_plan"], r["base_daily"], r["target_today"], r["carried_in"]) == (
		D("91497.98"), D("4574.90"), D("77773.30"), D("73198.40"),
	)  # fmt: skip
	assert rows["Manager 01"]["target_today"] == D("0.00")  # ahead of plan: the surplus covers today
	assert rows["Manager 01"]["forecast"] == D("1729411.76")


def test_activity_per_manager(fig):
	a = {x["user"]: x for x in fig["activity"]}
	m = a["manager-01@demo.example"]
	assert (m["calls"], m["emails"], m["events"], m["open"], m["won"], m["won_amount"]) == (87, 42, 26, 12, 15, D("5778000.00"))
	assert "Administrator" not in a


def test_findings_ranked_by_money_with_the_feature(fig):
	got = [(f["code"], f["amount"], f["feature"]) for f in fig["findings"]]
	assert got == [
		("burn", D("14762528.77"), "base_burn"),
		("lost", D("14374000.00"), "cooling"),
		("weak_step", D("11604428.57"), "regulation"),
		("over_limit", D("5676000.00"), "stage_gates"),
		("stale", D("4140000.00"), "sales_day"),
		("plan_gap", D("2716491.01"), "sales_plan"),
		("overdue", D("1760000.00"), "stage_gates"),
		("idle", D("696000.00"), "coaching"),
	]
	assert [f["amount"] for f in fig["findings"]] == sorted((f["amount"] for f in fig["findings"]), reverse=True)


def test_html_is_self_contained_and_translated(fig):
	for lang, title in (("en", "Sales department audit"), ("ru", "Аудит отдела продаж")):
		page = report.html(fig, lang)
		assert title in page and "<svg" in page and "<style>" in page
		assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
		assert "<script" not in page and "<link" not in page
	assert "Воронка сделок по стадиям" in report.html(fig, "ru")


def test_cli_demo_writes_html_and_json(tmp_path, capsys):
	assert main(["audit", "--demo", "--out", str(tmp_path), "--quiet", "--lang", "ru"]) == 0
	data = json.loads((tmp_path / "sales-audit.json").read_text(encoding="utf-8"))
	assert data["funnel"]["source"] == "versions" and data["opportunities"]["total"] == 166
	assert data["findings"][0]["code"] == "burn"
	assert (tmp_path / "sales-audit.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
	assert "Отчёт:" in capsys.readouterr().out


def test_audit_package_never_imports_frappe():
	import ast
	from pathlib import Path

	pkg = Path(figures.__file__).parent
	for path in pkg.glob("*.py"):
		if path.name == "make_demo.py":  # runs on the bench, by hand
			continue
		tree = ast.parse(path.read_text(encoding="utf-8"))
		names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
		names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
		assert not [n for n in names if n.split(".")[0] in ("frappe", "erpnext")], path.name
