"""``sales-drive audit``: audit a sales department on a live ERPNext over its REST API, read-only.

    sales-drive audit --demo
    sales-drive audit --url https://erp.example.com --api-key KEY --api-secret SECRET [--out DIR]

The key and secret may also come from SALES_DRIVE_API_KEY / SALES_DRIVE_API_SECRET, which keeps
the secret out of the shell history. Exit codes: 0 done, 1 the site refused or failed, 2 usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta

from . import figures, report
from .client import AuditError, Client, Progress
from .i18n import LANGS, text
from .sources import DemoSource, SiteSource


def _months_back(today: date, months: int) -> date:
	y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
	day = min(today.day, 28)
	return date(y, m + 1, day) + timedelta(days=1) if months else today


def parser() -> argparse.ArgumentParser:
	p = argparse.ArgumentParser(prog="sales-drive", description="Sales Drive command line")
	sub = p.add_subparsers(dest="command", required=True)
	a = sub.add_parser("audit", help="audit a sales department on ERPNext (read-only) and write an HTML report")
	a.add_argument("--url", help="the site, e.g. https://erp.example.com")
	a.add_argument("--api-key", default=os.environ.get("SALES_DRIVE_API_KEY"))
	a.add_argument("--api-secret", default=os.environ.get("SALES_DRIVE_API_SECRET"))
	a.add_argument("--out", default="sales-audit", help="output folder (default ./sales-audit)")
	a.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default 60)")
	a.add_argument("--max-retries", type=int, default=5, help="retries on 429/5xx/network errors (default 5)")
	a.add_argument("--page-length", type=int, default=1000, help="rows per request (default 1000)")
	a.add_argument("--months", type=int, default=12, help="the period: months up to today (default 12)")
	a.add_argument("--today", type=date.fromisoformat, help="the audit's date (default: today; the demo's own date)")
	a.add_argument("--company", help="the company whose holiday list and documents to use (default: all, first company's calendar)")
	a.add_argument("--lang", choices=LANGS, default="en", help="report language (en, ru)")
	a.add_argument("--demo", action="store_true", help="run on the demo dataset shipped in the package, no site needed")
	a.add_argument("--quiet", action="store_true", help="no progress bar")
	return p


def main(argv: list[str] | None = None) -> int:
	args = parser().parse_args(argv)
	progress = Progress(None if args.quiet else sys.stderr)
	try:
		if args.demo:
			source = DemoSource()
			today = args.today or date.fromisoformat(source.meta["today"])
		else:
			if not (args.url and args.api_key and args.api_secret):
				print("sales-drive audit: --url, --api-key and --api-secret are needed (or --demo)", file=sys.stderr)
				return 2
			client = Client(
				args.url,
				args.api_key,
				args.api_secret,
				timeout=args.timeout,
				max_retries=args.max_retries,
				page_length=args.page_length,
				progress=progress,
			)
			source = SiteSource(client)
			today = args.today or date.today()
		ctx = figures.Context(today=today, since=_months_back(today, args.months), months=args.months, company=args.company)
		result = figures.run(source, ctx)
	except AuditError as e:
		print(f"sales-drive audit: {e}", file=sys.stderr)
		return 1
	html_path, json_path = report.write(result, args.out, args.lang)
	print(text(args.lang, "done_msg", html=html_path, json=json_path))
	return 0


if __name__ == "__main__":
	sys.exit(main())
