"""The audit's output: one self-contained HTML page (inline CSS, inline SVG charts, no external
asset) and a JSON of the figures."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from html import escape
from pathlib import Path

from .i18n import text

CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;color:#1f272e;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #e2e6e9;padding-bottom:.3rem}
.muted{color:#6c7680;font-size:.9rem}table{border-collapse:collapse;width:100%;margin:.8rem 0;font-size:.9rem}
th,td{padding:.35rem .5rem;border-bottom:1px solid #eef0f2;text-align:right}th{background:#f7f8f9}
td:first-child,th:first-child{text-align:left}.finding{border-left:4px solid #e24c4c;padding:.5rem .8rem;margin:.6rem 0;background:#fdf6f6}
.finding b.amt{font-size:1.1rem}.feature{color:#2490ef}svg text{font-size:11px;fill:#1f272e}
"""


def fmt(value, digits: int = 2) -> str:
	if value is None:
		return "—"
	if isinstance(value, Decimal):
		q = f"{value:,.{digits}f}" if value != value.to_integral_value() or digits == 1 else f"{value:,.0f}"
		return q.replace(",", "\u202f")
	if isinstance(value, float):
		return f"{value:,.1f}".replace(",", "\u202f")
	if isinstance(value, int):
		return f"{value:,}".replace(",", "\u202f")
	return str(value)


def money(value) -> str:
	return fmt(Decimal(value).quantize(Decimal(1)) if value is not None else None)


def _table(lang, columns, rows) -> str:
	head = "".join(f"<th>{escape(text(lang, c))}</th>" for c, _k in columns)
	body = "".join(
		"<tr>" + "".join(f"<td>{escape(kind(r[c]) if kind else fmt(r[c]))}</td>" for c, kind in columns) + "</tr>"
		for r in rows
	)
	return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def bars(series: list[tuple[str, list[float]]], labels: list[str], colors=("#2490ef", "#29cd42", "#e24c4c")) -> str:
	"""Horizontal grouped bars as inline SVG."""
	if not labels:
		return ""
	peak = max((v for _n, vals in series for v in vals if v), default=0) or 1
	bar_h, gap, left, width = 12, 8, 190, 520
	group_h = bar_h * len(series) + gap
	height = group_h * len(labels) + 24
	parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" role="img">']
	for i, label in enumerate(labels):
		y0 = i * group_h
		parts.append(f'<text x="{left - 6}" y="{y0 + bar_h}" text-anchor="end">{escape(str(label)[:30])}</text>')
		for j, (_name, vals) in enumerate(series):
			v = float(vals[i] or 0)
			w = max(0.0, width * v / float(peak))
			y = y0 + j * bar_h
			parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{colors[j % len(colors)]}"/>')
			parts.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3}">{escape(fmt(vals[i]))}</text>')
	ly = height - 8
	for j, (name, _vals) in enumerate(series):
		x = left + j * 140
		parts.append(f'<rect x="{x}" y="{ly - 9}" width="10" height="10" fill="{colors[j % len(colors)]}"/>')
		parts.append(f'<text x="{x + 14}" y="{ly}">{escape(name)}</text>')
	parts.append("</svg>")
	return "".join(parts)


def finding_text(lang: str, f: dict) -> str:
	values = {k: fmt(v) if not isinstance(v, str) else v for k, v in f["values"].items()}
	if "top" in f["values"] and f["values"]["top"] in (None, "(not given)"):
		values["top"] = text(lang, "not_given")
	if "target" in f["values"]:
		values["target"] = money(f["values"]["target"])
	return text(lang, "f_" + f["code"], **values)


def html(figures: dict, lang: str = "en") -> str:
	t = lambda key, **kw: text(lang, key, **kw)  # noqa: E731
	cur = figures.get("currency") or ""
	out = [
		f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(t("title"))}</title>',
		f"<style>{CSS}</style></head><body>",
		f"<h1>{escape(t('title'))}</h1>",
		'<p class="muted">'
		+ escape(
			t(
				"subtitle",
				source=figures["source"],
				company=figures.get("company") or "—",
				since=figures["since"],
				today=figures["today"],
				months=figures["months"],
			)
		)
		+ "</p>",
		f"<h2>{escape(t('findings'))}</h2>",
	]
	if not figures["findings"]:
		out.append(f"<p>{escape(t('no_findings'))}</p>")
	for i, f in enumerate(figures["findings"], 1):
		out.append(
			f'<div class="finding">{i}. {escape(finding_text(lang, f))}<br>'
			f'{escape(t("at_stake"))}: <b class="amt">{money(f["amount"])} {escape(cur)}</b> · '
			f'{escape(t("fix_with"))}: <span class="feature">{escape(t("feat_" + f["feature"]))}</span></div>'
		)

	fn = figures["funnel"]
	out.append(f"<h2>{escape(t('funnel_opp'))}</h2>")
	out.append(f'<p class="muted">{escape(t("source_" + fn["source"]))}</p>')
	out.append(
		"<p>"
		+ escape(t("overall", entered=fmt(fn["entered"]), won=fmt(fn["won"]), lost=fmt(fn["lost"]), conversion=fmt(fn["conversion"])))
		+ " "
		+ escape(
			t("cycle", win=fmt(figures["opportunities"]["median_days_to_win"]), lose=fmt(figures["opportunities"]["median_days_to_lose"]))
		)
		+ "</p>"
	)
	out.append(
		bars(
			[(t("entered"), [r["entered"] for r in fn["rows"]]), (t("forward"), [r["forward"] for r in fn["rows"]]), (t("lost"), [r["lost"] for r in fn["rows"]])],
			[r["step"] for r in fn["rows"]],
		)
	)
	cols = [("step", None), ("entered", None), ("forward", None), ("lost", None), ("back", None), ("conversion", None), ("pass_rate", None), ("median_days", None)]
	out.append(_table(lang, cols, fn["rows"]))

	ld = figures["leads"]
	out.append(f"<h2>{escape(t('funnel_lead'))}</h2><p class='muted'>{escape(t('lead_source'))}</p>")
	out.append(bars([(t("entered"), [r["entered"] for r in ld["funnel"]])], [r["step"] for r in ld["funnel"]]))
	out.append(_table(lang, cols[:-1], ld["funnel"]))

	opp = figures["opportunities"]
	out.append(f"<h2>{escape(t('lost_reasons'))}</h2>")
	out.append(
		"<p>"
		+ escape(t("refusal", won=fmt(opp["won"]), lost=fmt(opp["lost"]), rate=fmt(opp["refusal_rate"]), amount=f"{money(opp['lost_amount'])} {cur}"))
		+ "</p>"
	)
	reasons = [
		{**r, "reason": text(lang, "not_given") if r["reason"] == "(not given)" else r["reason"]} for r in figures["lost_reasons"]
	]
	out.append(bars([(t("count"), [r["count"] for r in reasons])], [r["reason"] for r in reasons], colors=("#e24c4c",)))
	out.append(_table(lang, [("reason", None), ("count", None), ("amount", money), ("share", None)], reasons))

	b = figures["burn"]
	out.append(f"<h2>{escape(t('burn'))}</h2><p>")
	out.append(
		escape(
			t(
				"burn_text",
				worked=fmt(b["worked"]),
				refusals=fmt(b["refusals"]),
				closed=fmt(b["closed"]),
				rate=fmt(b["burn_rate"]),
				left=fmt(b["base_left"]),
				untouched=fmt(b["base_untouched"]),
				warm=fmt(b["base_warm"]),
				days=fmt(b["days_left"]) if b["days_left"] is not None else t("burn_none"),
				until=fmt(b["runs_out_on"]),
			)
		)
		+ "</p>"
	)

	p = figures["plan"]
	out.append(f"<h2>{escape(t('plan'))}</h2>")
	if p["has_targets"]:
		out.append(
			f"<p class='muted'>{escape(t('plan_text', fy=p['fiscal_year'], done=p['working_days_done'], days=p['working_days'], invoices=fmt(p['invoices'])))}</p>"
		)
		out.append(
			bars(
				[(t("target"), [r["target"] for r in p["rows"]]), (t("fact"), [r["fact"] for r in p["rows"]]), (t("forecast"), [r["forecast"] for r in p["rows"]])],
				[r["sales_person"] for r in p["rows"]],
				colors=("#a0aab3", "#29cd42", "#2490ef"),
			)
		)
		out.append(
			_table(lang, [("sales_person", None), ("target", money), ("fact", money), ("done", None), ("forecast", money), ("gap", money)], p["rows"])
		)
	else:
		out.append(f"<p>{escape(t('no_targets'))}</p>")
	m = p["month"]
	out.append(f"<h3>{escape(t('decomposition', start=m['from'], end=m['to'], days=m['working_days']))}</h3>")
	out.append(f"<p class='muted'>{escape(t('basis_' + m['basis']))}</p>")
	out.append(
		_table(
			lang,
			[("sales_person", None), ("month_plan", money), ("base_daily", money), ("target_today", money), ("carried_in", money), ("fact_to_date", money), ("forecast", money)],
			p["decomposition"],
		)
	)

	out.append(f"<h2>{escape(t('activity'))}</h2>")
	out.append(
		_table(
			lang,
			[("user", None), ("calls", None), ("emails", None), ("meetings", None), ("events", None), ("open", None), ("open_amount", money), ("won", None), ("won_amount", money), ("per_open_deal", None)],
			figures["activity"],
		)
	)

	o = figures["open"]
	out.append(f"<h2>{escape(t('open_deals'))}</h2><p>")
	out.append(
		escape(
			t(
				"open_text",
				count=fmt(o["count"]),
				amount=f"{money(o['amount'])} {cur}",
				overdue=fmt(o["overdue"]["count"]),
				overdue_amount=f"{money(o['overdue']['amount'])} {cur}",
				stale=fmt(o["stale"]["count"]),
				stale_amount=f"{money(o['stale']['amount'])} {cur}",
				days=30,
			)
		)
	)
	if figures.get("step_limits_known"):
		out.append(" " + escape(t("limit_text", count=fmt(o["over_limit"]["count"]), amount=f"{money(o['over_limit']['amount'])} {cur}")))
	else:
		out.append(" " + escape(t("limit_unknown")))
	out.append("</p>")
	out.append(
		bars(
			[(t("open"), [r["open"] for r in o["by_stage"]]), (t("overdue"), [r["overdue"] for r in o["by_stage"]]), (t("over_limit"), [r["over_limit"] for r in o["by_stage"]])],
			[r["stage"] or "—" for r in o["by_stage"]],
			colors=("#2490ef", "#f5a623", "#e24c4c"),
		)
	)
	out.append(
		_table(lang, [("stage", None), ("open", None), ("amount", money), ("overdue", None), ("stale", None), ("limit", None), ("over_limit", None)], o["by_stage"])
	)
	if figures.get("skipped"):
		out.append(f"<h2>{escape(t('skipped'))}</h2><ul>" + "".join(f"<li>{escape(s)}</li>" for s in figures["skipped"]) + "</ul>")
	out.append(f"<p class='muted'>{escape(t('footer'))}</p></body></html>")
	return "\n".join(out)


def _default(o):
	if isinstance(o, Decimal):
		return str(o)
	if isinstance(o, datetime | date):
		return o.isoformat()
	raise TypeError(type(o).__name__)


def to_json(figures: dict) -> str:
	return json.dumps(figures, default=_default, ensure_ascii=False, indent=1, sort_keys=True)


def write(figures: dict, out_dir: Path | str, lang: str = "en") -> tuple[Path, Path]:
	out = Path(out_dir)
	out.mkdir(parents=True, exist_ok=True)
	h, j = out / "sales-audit.html", out / "sales-audit.json"
	h.write_text(html(figures, lang), encoding="utf-8")
	j.write_text(to_json(figures), encoding="utf-8")
	return h, j
