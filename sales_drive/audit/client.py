"""A read-only REST client for a live ERPNext (v14/v15) site.

- Token auth (``Authorization: token KEY:SECRET``); only GET requests: it never writes.
- :meth:`Client.iter_docs` pages through ``/api/resource/<doctype>`` with ``fields``,
  ``filters``, ``order_by``, ``limit_start`` and ``limit_page_length`` and yields one row at a
  time, so a caller streams 100k documents into aggregators with one page in memory.
- A progress bar on stderr (plain text), retries with exponential backoff on 429, 5xx,
  connection errors and timeouts, a clear message on 401/403 naming the doctype and the
  permission missing.
- The secret is never printed: every message and the repr go through :meth:`Client.mask`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

import requests

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 60.0


class AuditError(Exception):
	"""Something the user must fix (the message says what); never contains the secret."""


class AuthError(AuditError):
	pass


class PermissionDenied(AuditError):
	def __init__(self, message: str, doctype: str | None = None):
		super().__init__(message)
		self.doctype = doctype


class Progress:
	"""A plain-text progress bar: ``\\r``-redrawn on a terminal, a line every 10% otherwise."""

	def __init__(self, stream: TextIO | None = None, width: int = 30):
		self.stream = stream
		self.width = width
		self._last_tenth: dict[str, int] = {}

	def update(self, label: str, done: int, total: int | None, final: bool = False):
		if self.stream is None:
			return
		tty = getattr(self.stream, "isatty", lambda: False)()
		if total:
			frac = min(1.0, done / total)
			filled = int(frac * self.width)
			bar = "#" * filled + "." * (self.width - filled)
			text = f"{label:<22} [{bar}] {done:>9,}/{total:,}"
		else:
			text = f"{label:<22} {done:>9,}"
		if tty:
			self.stream.write("\r" + text + ("\n" if final else ""))
			self.stream.flush()
			return
		tenth = int(10 * done / total) if total else None
		if final or tenth is None or tenth > self._last_tenth.get(label, -1):
			self._last_tenth[label] = tenth if tenth is not None else -1
			if final or (tenth is not None and tenth < 10):
				self.stream.write(text + "\n")
				self.stream.flush()


class Client:
	"""GET-only access to one site; see the module docstring."""

	def __init__(
		self,
		url: str,
		api_key: str,
		api_secret: str,
		*,
		timeout: float = 60.0,
		max_retries: int = 5,
		backoff: float = 1.0,
		page_length: int = 1000,
		progress: Progress | None = None,
		sleep: Callable[[float], None] = time.sleep,
		session: requests.Session | None = None,
	):
		if not url or not url.startswith(("http://", "https://")):
			raise AuditError(f"The site URL must start with http:// or https://, got {url!r}")
		self.url = url.rstrip("/")
		self.api_key = api_key or ""
		self._secret = api_secret or ""
		self.timeout = timeout
		self.max_retries = max(0, int(max_retries))
		self.backoff = backoff
		self.page_length = max(1, int(page_length))
		self.progress = progress or Progress(None)
		self.sleep = sleep
		self.session = session or requests.Session()
		self.session.headers.update(
			{"Authorization": f"token {self.api_key}:{self._secret}", "Accept": "application/json"}
		)
		self.requests_made = 0
		self.retries_made = 0

	def __repr__(self) -> str:
		return f"Client(url={self.url!r}, api_key={self.api_key!r}, api_secret='****')"

	__str__ = __repr__

	def mask(self, text: Any) -> str:
		"""``text`` with the secret (and the whole token) replaced by ****."""
		text = str(text)
		if self._secret:
			text = text.replace(f"{self.api_key}:{self._secret}", f"{self.api_key}:****")
			text = text.replace(self._secret, "****")
		return text

	# --- requests --------------------------------------------------------------------

	def get(self, path: str, params: dict | None = None, doctype: str | None = None) -> Any:
		"""GET ``path`` and return the JSON body, retrying what is worth retrying."""
		url = self.url + path
		attempt = 0
		while True:
			self.requests_made += 1
			try:
				resp = self.session.get(url, params=params, timeout=self.timeout, allow_redirects=False)
			except (requests.ConnectionError, requests.Timeout) as e:
				kind = "timed out" if isinstance(e, requests.Timeout) else "could not connect"
				if attempt >= self.max_retries:
					raise AuditError(
						self.mask(
							f"{self.url}: {kind} after {attempt + 1} attempt(s) "
							f"(timeout {self.timeout:g}s): {e.__class__.__name__}"
						)
					) from None
				self._wait(attempt, None)
				attempt += 1
				continue
			if resp.status_code in RETRY_STATUS and attempt < self.max_retries:
				self._wait(attempt, resp.headers.get("Retry-After"))
				attempt += 1
				continue
			return self._body(resp, path, doctype)

	def _wait(self, attempt: int, retry_after: str | None):
		self.retries_made += 1
		delay = self.backoff * (2**attempt)
		if retry_after:
			try:
				delay = max(delay, float(retry_after))
			except ValueError:
				pass
		self.sleep(min(delay, MAX_BACKOFF))

	def _body(self, resp: requests.Response, path: str, doctype: str | None) -> Any:
		status = resp.status_code
		if status == 401:
			raise AuthError(
				self.mask(
					f"{self.url} refused the API key {self.api_key!r} (HTTP 401): check the key and "
					"secret (User → API Access → Generate Keys) and that the user is enabled."
				)
			)
		if status == 403:
			what = f"read permission on {doctype}" if doctype else f"access to {path}"
			raise PermissionDenied(
				self.mask(
					f"The API user has no {what} (HTTP 403{_server_message(resp)}). Give the user a role "
					f"that may read {doctype or 'it'} (e.g. Sales Manager; System Manager for DocType and "
					"Version), or run the audit with such a user."
				),
				doctype,
			)
		if 300 <= status < 400:
			raise AuditError(
				self.mask(f"{self.url}{path} redirected to {resp.headers.get('Location')!r}: use the site's final URL")
			)
		if status >= 400:
			raise AuditError(
				self.mask(f"{self.url}{path}: HTTP {status}{_server_message(resp)}")
			)
		try:
			return resp.json()
		except ValueError:
			raise AuditError(self.mask(f"{self.url}{path}: the answer is not JSON (is this an ERPNext site?)")) from None

	# --- resources -------------------------------------------------------------------

	def count(self, doctype: str, filters: Sequence | None = None) -> int:
		body = self.get(
			"/api/method/frappe.client.get_count",
			{"doctype": doctype, "filters": json.dumps(filters or [])},
			doctype,
		)
		return int(body.get("message") or 0)

	def get_doc(self, doctype: str, name: str) -> dict:
		return self.get(f"/api/resource/{doctype}/{requests.utils.quote(name, safe='')}", None, doctype)["data"]

	def iter_docs(
		self,
		doctype: str,
		fields: Sequence[str],
		filters: Sequence | None = None,
		order_by: str | None = None,
		label: str | None = None,
		total: int | None = None,
	) -> Iterator[dict]:
		"""Every matching row, page by page (``limit_start``/``limit_page_length``).

		Only one page is held at a time. ``order_by`` defaults to the name so that pages
		do not overlap or skip rows; ``total`` (else a count request) drives the bar.
		"""
		label = label or doctype
		if total is None:
			total = self.count(doctype, filters)
		params = {
			"fields": json.dumps(list(fields)),
			"filters": json.dumps(filters or []),
			"order_by": order_by or f"`tab{doctype}`.`name` asc",
			"limit_page_length": self.page_length,
		}
		start = done = 0
		self.progress.update(label, 0, total)
		while True:
			params["limit_start"] = start
			page = self.get(f"/api/resource/{requests.utils.quote(doctype)}", params, doctype).get("data") or []
			yield from page
			done += len(page)
			start += self.page_length
			self.progress.update(label, done, max(total or 0, done))
			if len(page) < self.page_length:
				break
		self.progress.update(label, done, max(total or 0, done), final=True)


def _server_message(resp: requests.Response) -> str:
	"""A short text of Frappe's error: exc_type and the first server message, if any."""
	try:
		body = resp.json()
	except ValueError:
		return ""
	parts = []
	if body.get("exc_type"):
		parts.append(str(body["exc_type"]))
	msgs = body.get("_server_messages")
	if msgs:
		try:
			first = json.loads(json.loads(msgs)[0])
			parts.append(str(first.get("message", ""))[:200])
		except (ValueError, TypeError, KeyError, IndexError):
			pass
	return (": " + "; ".join(p for p in parts if p)) if parts else ""
