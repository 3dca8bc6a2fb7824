#!/usr/bin/env python3
"""Remake the screenshots in docs/images/ from a running site with the realistic demo.

Drives headless Chromium over the DevTools protocol (through a pipe, no port, no
extra packages: the Python standard library and a `chromium` binary). It logs in as
Administrator (English) and as people of the demo department (who work in Russian),
opens the pages and saves one PNG per page, 1280x800.

    # a site with the app and the demo:
    #   bench --site SITE execute sales_drive.demo.generate.run --kwargs '{"mode": "realistic"}'
    bench serve --port 8000 &                    # from the bench directory
    python3 scripts/screenshots.py --url http://SITE:8000 --admin-password ADMIN_PASSWORD

Sites are chosen by host name: `http://SITE:8000` works for names under `.localhost`
(Chromium resolves them to this machine); for another name add it to /etc/hosts.
The demo users' password is the generator's default unless --demo-password says otherwise.
pngquant or optipng, when installed, make the files smaller.

Shots (docs/images/):
  opportunity-gate-ru.png  an Opportunity's Regulation tab with the step panel, and the gate
                           refusing a move to the next step (the head of sales, Russian UI)
  funnel-report.png        Sales Funnel Conversion over the demo's months (Administrator)
  sales-day-ru.png         My Sales Day of a team lead (Russian UI)
  workspace.png            the Sales Drive workspace (Administrator)
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "SalesDrive#Demo2026"  # sales_drive.demo.generate.run's default
WIDTH, HEIGHT = 1280, 800


class Chromium:
	"""One headless Chromium, spoken to over --remote-debugging-pipe (fd 3: commands in, fd 4: out)."""

	def __init__(self, binary: str):
		self.profile = tempfile.mkdtemp(prefix="sd_shots_")
		to_chrome_r, self._to_chrome = os.pipe()
		self._from_chrome, from_chrome_w = os.pipe()

		def child_fds():
			a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
			os.dup2(a, 3)
			os.dup2(b, 4)

		self.proc = subprocess.Popen(
			[
				binary,
				"--headless=new",
				"--remote-debugging-pipe",
				f"--user-data-dir={self.profile}",
				"--no-first-run",
				"--no-default-browser-check",
				"--disable-gpu",
				"--disable-extensions",
				"--disable-dev-shm-usage",
				"--hide-scrollbars",
				"--no-sandbox",
				f"--window-size={WIDTH},{HEIGHT}",
				"about:blank",
			],
			stdin=subprocess.DEVNULL,
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
			preexec_fn=child_fds,
			pass_fds=(3, 4),
		)
		os.close(to_chrome_r)
		os.close(from_chrome_w)
		self._next = 0
		self._replies: dict[int, queue.Queue] = {}
		self._lock = threading.Lock()
		threading.Thread(target=self._read, daemon=True).start()
		self.session = self._attach()

	def _read(self):
		buf = b""
		while True:
			chunk = os.read(self._from_chrome, 1 << 16)
			if not chunk:
				return
			buf += chunk
			while b"\0" in buf:
				raw, buf = buf.split(b"\0", 1)
				msg = json.loads(raw)
				if "id" in msg and msg["id"] in self._replies:
					self._replies[msg["id"]].put(msg)

	def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60):
		with self._lock:
			self._next += 1
			mid = self._next
			self._replies[mid] = queue.Queue()
		msg = {"id": mid, "method": method, "params": params or {}}
		if session:
			msg["sessionId"] = session
		os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
		reply = self._replies[mid].get(timeout=timeout)
		del self._replies[mid]
		if "error" in reply:
			raise RuntimeError(f"{method}: {reply['error']}")
		return reply.get("result", {})

	def _attach(self) -> str:
		for _ in range(100):
			pages = [t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
			if pages:
				break
			time.sleep(0.1)
		else:
			raise RuntimeError("Chromium opened no page")
		session = self.send("Target.attachToTarget", {"targetId": pages[0]["targetId"], "flatten": True})[
			"sessionId"
		]
		for method in ("Page.enable", "Runtime.enable"):
			self.send(method, session=session)
		self.send(
			"Emulation.setDeviceMetricsOverride",
			{"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
			session=session,
		)
		return session

	def js(self, expression: str, timeout: float = 60):
		"""Evaluate in the page (promises awaited) and return the value."""
		result = self.send(
			"Runtime.evaluate",
			{"expression": expression, "awaitPromise": True, "returnByValue": True},
			session=self.session,
			timeout=timeout,
		)
		if "exceptionDetails" in result:
			details = result["exceptionDetails"]
			raise RuntimeError(
				f"JS error: {details.get('exception', {}).get('description') or details.get('text')}"
			)
		return result["result"].get("value")

	def goto(self, url: str):
		self.js("window.__sd_left = true")  # marks the document being left
		result = self.send("Page.navigate", {"url": url}, session=self.session)
		if result.get("errorText"):
			raise SystemExit(f"cannot open {url}: {result['errorText']}")
		self.wait("!window.__sd_left && document.readyState === 'complete'")

	def wait(self, condition: str, timeout: float = 60, settle: float = 0.0):
		end = time.time() + timeout
		while time.time() < end:
			try:
				if self.js(f"!!({condition})"):
					time.sleep(settle)
					return
			except RuntimeError:
				pass
			time.sleep(0.25)
		raise TimeoutError(f"waited {timeout}s for: {condition}")

	def screenshot(self, path: Path):
		data = self.send("Page.captureScreenshot", {"format": "png"}, session=self.session)["data"]
		path.write_bytes(base64.b64decode(data))

	def close(self):
		try:
			self.send("Browser.close", timeout=5)
		except Exception:
			pass
		try:
			self.proc.wait(timeout=10)
		except subprocess.TimeoutExpired:
			self.proc.kill()
		shutil.rmtree(self.profile, ignore_errors=True)


# the desk is ready: booted, the route rendered, no request running, no freeze overlay
DESK_READY = (
	"window.frappe && frappe.boot && frappe.container && frappe.container.page"
	" && !document.querySelector('.freeze')"
)


class Desk:
	def __init__(self, browser: Chromium, base: str):
		self.b, self.base = browser, base.rstrip("/")

	def login(self, user: str, password: str):
		self.b.goto(f"{self.base}/login")
		status = self.b.js(
			"fetch('/api/method/login', {method: 'POST', headers: {'Content-Type': 'application/json',"
			" 'Accept': 'application/json'}, body: JSON.stringify("
			+ json.dumps({"usr": user, "pwd": password})
			+ ")})"
			".then(r => r.status)"
		)
		if status != 200:
			raise SystemExit(f"login as {user} failed (HTTP {status})")

	def open(self, route: str, ready: str = "true", settle: float = 1.5):
		self.b.goto(f"{self.base}/app/{route}")
		self.b.wait(f"({DESK_READY}) && ({ready})", timeout=90, settle=settle)

	def call(self, method: str, args: dict | None = None):
		return self.b.js(f"frappe.xcall({json.dumps(method)}, {json.dumps(args or {})})")

	def names(self, doctype: str, filters, order_by: str = "name asc", limit: int = 20) -> list[str]:
		rows = self.call(
			"frappe.client.get_list",
			{
				"doctype": doctype,
				"filters": filters,
				"fields": ["name"],
				"order_by": order_by,
				"limit_page_length": limit,
			},
		)
		return [row["name"] for row in rows or []]


def optimise(path: Path):
	if shutil.which("pngquant"):
		subprocess.run(
			["pngquant", "--force", "--skip-if-larger", "--quality=70-95", "--output", str(path), str(path)],
			check=False,
		)
	if shutil.which("optipng"):
		subprocess.run(["optipng", "-quiet", "-o2", str(path)], check=False)


# ----------------------------------------------------------------------------- the shots


def people(desk: Desk) -> dict:
	"""As Administrator: the demo's head of sales and a team lead with a team."""
	head = desk.call(
		"frappe.client.get_single_value", {"doctype": "Sales Drive Settings", "field": "head_of_sales"}
	)
	leads = desk.names(
		"User",
		[
			["Has Role", "role", "=", "Sales Team Lead"],
			["enabled", "=", 1],
			["name", "like", "%@salesdrive.example"],
		],
	)
	if not head or not leads:
		raise SystemExit(
			"the site has no demo department: run sales_drive.demo.generate.run (realistic) first"
		)
	return {"head": head, "lead": leads[0]}


def shot_workspace(desk: Desk, out: Path):
	desk.open(
		"sales-drive",
		"document.querySelector('.codex-editor, .workspace-main-section, .layout-main-section')",
	)
	desk.b.screenshot(out / "workspace.png")


def shot_funnel(desk: Desk, out: Path, months: int):
	first = date.today().replace(day=1)
	back = first.month - 1 - months  # months back from this month's first day
	since = first.replace(year=first.year + back // 12, month=back % 12 + 1)
	report = "frappe.query_report && frappe.query_report.report_name === 'Sales Funnel Conversion'"
	desk.open(
		"query-report/Sales Funnel Conversion", f"{report} && frappe.query_report.get_filter('from_date')"
	)
	desk.b.js(f"frappe.query_report.set_filter_value('from_date', {json.dumps(since.isoformat())}), 1")
	desk.b.wait(
		f"{report} && frappe.query_report.get_filter_value('from_date') === {json.dumps(since.isoformat())}"
		" && !frappe.query_report.$loading.is(':visible') && frappe.query_report.data && frappe.query_report.data.length"
		" && document.querySelector('.chart-container svg')",
		settle=2.5,
	)
	desk.b.screenshot(out / "funnel-report.png")


def gate_candidate(desk: Desk) -> dict | None:
	"""An open Opportunity of a default-regulation step whose exit criteria are not met yet."""
	names = desk.names(
		"Opportunity",
		{"status": "Open", "sales_stage": ["in", ["Needs Assessment", "Presentation", "Qualification"]]},
		order_by="modified desc",
		limit=40,
	)
	for name in names or []:
		panel = desk.call("sales_drive.api.step_panel", {"doctype": "Opportunity", "name": name})
		if (
			panel.get("regulated")
			and panel.get("missing")
			and panel.get("next_step")
			and panel.get("in_regulation")
		):
			return {"name": name, "next_step": panel["next_step"]}
	return None


def shot_gate(desk: Desk, out: Path):
	desk.open("opportunity")  # the desk, for its xcall
	found = gate_candidate(desk)
	if not found:
		print(
			"no open Opportunity with unmet exit criteria: opportunity-gate-ru.png not made", file=sys.stderr
		)
		return
	name = found["name"]
	desk.open(
		f"opportunity/{name}",
		f"window.cur_frm && cur_frm.doc.name === {json.dumps(name)} && document.querySelector('.sd-step-panel')",
	)
	# the Regulation tab with the step panel, then try to move the record on: the server's gate refuses the save
	desk.b.js("cur_frm.scroll_to_field('sd_panel'), 1")
	desk.b.wait("document.querySelector('.sd-step-panel').offsetParent !== null", settle=0.5)
	desk.b.js(
		f"cur_frm.set_value('sales_stage', {json.dumps(found['next_step'])}).then(() => {{ cur_frm.save(); return 1; }})"
	)
	desk.b.wait(
		"document.querySelector('.modal.show .msgprint, .modal.show .modal-body')", timeout=60, settle=1.0
	)
	desk.b.screenshot(out / "opportunity-gate-ru.png")


def shot_sales_day(desk: Desk, out: Path):
	desk.open(
		"sales-day",
		"document.querySelector('.layout-main-section table, .layout-main-section .sd-day')",
		settle=2.0,
	)
	desk.b.screenshot(out / "sales-day-ru.png")


def main(argv=None) -> int:
	parser = argparse.ArgumentParser(description="Remake docs/images/ from a site with the realistic demo.")
	parser.add_argument(
		"--url", default="http://localhost:8000", help="the site, e.g. http://mysite.localhost:8000"
	)
	parser.add_argument("--admin-password", default="admin")
	parser.add_argument("--demo-password", default=DEMO_PASSWORD)
	parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
	parser.add_argument(
		"--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
	)
	parser.add_argument("--months", type=int, default=6, help="months of the funnel report")
	parser.add_argument("--only", nargs="*", help="workspace funnel gate sales-day (default: all)")
	args = parser.parse_args(argv)
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	wanted = set(args.only or ["workspace", "funnel", "gate", "sales-day"])

	browser = Chromium(args.chromium)
	try:
		desk = Desk(browser, args.url)
		desk.login("Administrator", args.admin_password)
		desk.open("sales-drive")
		who = people(desk)
		if "workspace" in wanted:
			shot_workspace(desk, out)
		if "funnel" in wanted:
			shot_funnel(desk, out, args.months)
	finally:
		browser.close()
	for shot, user in (("gate", who["head"]), ("sales-day", who["lead"])):
		if shot not in wanted:
			continue
		browser = Chromium(args.chromium)  # a fresh profile: one user's session each
		try:
			desk = Desk(browser, args.url)
			desk.login(user, args.demo_password)
			(shot_gate if shot == "gate" else shot_sales_day)(desk, out)
		finally:
			browser.close()
	for path in sorted(out.glob("*.png")):
		optimise(path)
		print(
			f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {path.stat().st_size // 1024} KB"
		)
	return 0


if __name__ == "__main__":
	sys.exit(main())
