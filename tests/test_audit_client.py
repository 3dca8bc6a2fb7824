"""The audit's REST client against a local HTTP server started here (127.0.0.1, a random port):
paging, retries with backoff, 401/403 messages, timeouts and the secret never shown."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

requests = pytest.importorskip("requests")

from sales_drive.audit.cli import main  # noqa: E402
from sales_drive.audit.client import AuditError, AuthError, Client, PermissionDenied, Progress  # noqa: E402

KEY, SECRET = "k3y0000000", "s3cr3t-Very-Private"


class Site:
	"""A fake Frappe site: ``rows`` per doctype, and a script of failures to play first."""

	def __init__(self):
		self.rows: dict[str, list[dict]] = {}
		self.fail: list[tuple[int, dict]] = []  # (status, headers) answered before the real one
		self.forbidden: set[str] = set()
		self.delay = 0.0
		self.requests: list[dict] = []


def make_handler(site: Site):
	class Handler(BaseHTTPRequestHandler):
		def log_message(self, *args):
			pass

		def _send(self, status, body, headers=None):
			data = json.dumps(body).encode()
			self.send_response(status)
			self.send_header("Content-Type", "application/json")
			self.send_header("Content-Length", str(len(data)))
			for k, v in (headers or {}).items():
				self.send_header(k, v)
			self.end_headers()
			self.wfile.write(data)

		def do_GET(self):
			url = urlparse(self.path)
			q = {k: v[0] for k, v in parse_qs(url.query).items()}
			site.requests.append({"path": url.path, "query": q, "auth": self.headers.get("Authorization")})
			if site.delay:
				import time

				time.sleep(site.delay)
			if self.headers.get("Authorization") != f"token {KEY}:{SECRET}":
				return self._send(401, {"exc_type": "AuthenticationError"})
			if site.fail:
				status, headers = site.fail.pop(0)
				return self._send(status, {"exc_type": "ServerError"}, headers)
			if url.path == "/api/method/frappe.client.get_count":
				doctype = q["doctype"]
				if doctype in site.forbidden:
					return self._send(403, _forbidden(doctype))
				return self._send(200, {"message": len(site.rows.get(doctype, []))})
			if url.path.startswith("/api/resource/"):
				doctype = url.path[len("/api/resource/") :].replace("%20", " ")
				if doctype in site.forbidden:
					return self._send(403, _forbidden(doctype))
				rows = site.rows.get(doctype, [])
				start, length = int(q.get("limit_start", 0)), int(q.get("limit_page_length", 20))
				fields = json.loads(q.get("fields", '["name"]'))
				page = [{f: r.get(f) for f in fields} for r in rows[start : start + length]]
				return self._send(200, {"data": page})
			return self._send(404, {"exc_type": "DoesNotExistError"})

	return Handler


def _forbidden(doctype):
	msg = json.dumps({"message": f"No permission for {doctype}"})
	return {"exc_type": "PermissionError", "_server_messages": json.dumps([msg])}


@pytest.fixture
def site():
	s = Site()
	server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(s))
	server.handle_error = lambda request, address: None  # a client that timed out closed the socket
	thread = threading.Thread(target=server.serve_forever, daemon=True)
	thread.start()
	s.url = f"http://127.0.0.1:{server.server_address[1]}"
	yield s
	server.shutdown()
	server.server_close()


def client(site, **kw):
	sleeps = []
	kw.setdefault("sleep", sleeps.append)
	c = Client(site.url, KEY, SECRET, **kw)
	c.sleeps = sleeps
	return c


def test_pages_through_every_row_with_limit_start(site):
	site.rows["Opportunity"] = [{"name": f"OPP-{i:04d}", "status": "Open"} for i in range(2345)]
	c = client(site, page_length=500)
	got = list(c.iter_docs("Opportunity", ["name", "status"]))
	assert [r["name"] for r in got] == [f"OPP-{i:04d}" for i in range(2345)]
	pages = [r["query"] for r in site.requests if r["path"].startswith("/api/resource/")]
	assert [int(p["limit_start"]) for p in pages] == [0, 500, 1000, 1500, 2000]
	assert {p["limit_page_length"] for p in pages} == {"500"}
	assert json.loads(pages[0]["fields"]) == ["name", "status"]
	assert "name` asc" in pages[0]["order_by"]


def test_paging_is_lazy_one_page_at_a_time(site):
	site.rows["Lead"] = [{"name": f"L{i}"} for i in range(1000)]
	c = client(site, page_length=100)
	it = c.iter_docs("Lead", ["name"])
	first = [next(it) for _ in range(150)]
	assert first[-1]["name"] == "L149"
	assert len([r for r in site.requests if r["path"].startswith("/api/resource/")]) == 2


def test_exact_multiple_of_the_page_ends_on_an_empty_page(site):
	site.rows["Lead"] = [{"name": f"L{i}"} for i in range(200)]
	assert len(list(client(site, page_length=100).iter_docs("Lead", ["name"]))) == 200


def test_retries_429_and_5xx_with_exponential_backoff(site):
	site.rows["Lead"] = [{"name": "L1"}]
	site.fail = [(429, {}), (502, {}), (503, {})]
	c = client(site, max_retries=5, backoff=0.01)
	assert c.count("Lead") == 1
	assert c.sleeps == [0.01, 0.02, 0.04]
	assert c.retries_made == 3


def test_retry_after_header_is_honoured(site):
	site.rows["Lead"] = [{"name": "L1"}]
	site.fail = [(429, {"Retry-After": "3"})]
	c = client(site, backoff=0.01)
	assert c.count("Lead") == 1
	assert c.sleeps == [3.0]


def test_gives_up_after_max_retries(site):
	site.fail = [(500, {})] * 10
	c = client(site, max_retries=2, backoff=0.001)
	with pytest.raises(AuditError, match="HTTP 500"):
		c.count("Lead")
	assert len(c.sleeps) == 2


def test_401_names_the_key_and_hides_the_secret(site):
	c = Client(site.url, KEY, "wrong-" + SECRET, sleep=lambda s: None)
	with pytest.raises(AuthError) as e:
		c.count("Lead")
	msg = str(e.value)
	assert "401" in msg and KEY in msg and "API Access" in msg
	assert SECRET not in msg


def test_403_names_the_doctype_and_the_permission(site):
	site.forbidden.add("Sales Invoice")
	with pytest.raises(PermissionDenied) as e:
		list(client(site).iter_docs("Sales Invoice", ["name"]))
	assert e.value.doctype == "Sales Invoice"
	assert "read permission on Sales Invoice" in str(e.value)
	assert "No permission for Sales Invoice" in str(e.value)
	assert SECRET not in str(e.value)


def test_timeout_is_retried_then_reported(site):
	site.delay = 0.5
	c = client(site, timeout=0.1, max_retries=1, backoff=0.001)
	with pytest.raises(AuditError) as e:
		c.count("Lead")
	assert "timed out after 2 attempt(s)" in str(e.value)
	assert "timeout 0.1s" in str(e.value)
	assert len(c.sleeps) == 1


def test_connection_refused_is_a_clear_error():
	c = Client("http://127.0.0.1:9", KEY, SECRET, max_retries=1, sleep=lambda s: None, timeout=1)
	with pytest.raises(AuditError, match="could not connect"):
		c.count("Lead")


def test_secret_is_masked_in_repr_and_messages(site):
	c = client(site)
	assert SECRET not in repr(c) and SECRET not in str(c)
	assert "****" in repr(c)
	assert c.mask(f"token {KEY}:{SECRET} and {SECRET}") == f"token {KEY}:**** and ****"


def test_only_get_requests_and_token_auth(site):
	site.rows["Lead"] = [{"name": "L1"}]
	list(client(site).iter_docs("Lead", ["name"]))
	assert {r["auth"] for r in site.requests} == {f"token {KEY}:{SECRET}"}


def test_progress_bar_goes_to_the_given_stream(site):
	import io

	site.rows["Lead"] = [{"name": f"L{i}"} for i in range(250)]
	stream = io.StringIO()
	list(client(site, page_length=100, progress=Progress(stream)).iter_docs("Lead", ["name"]))
	lines = stream.getvalue().splitlines()
	assert lines[-1].startswith("Lead") and lines[-1].endswith("250/250")
	assert "[" in lines[0]


def test_cli_never_prints_the_secret_on_failure(site, capsys):
	rc = main(["audit", "--url", site.url, "--api-key", KEY, "--api-secret", "bad-" + SECRET, "--max-retries", "0", "--quiet"])
	out = capsys.readouterr()
	assert rc == 1
	assert "401" in out.err
	assert SECRET not in out.err + out.out


def test_cli_needs_credentials_or_demo(capsys, monkeypatch):
	monkeypatch.delenv("SALES_DRIVE_API_KEY", raising=False)
	monkeypatch.delenv("SALES_DRIVE_API_SECRET", raising=False)
	assert main(["audit", "--url", "http://127.0.0.1:9"]) == 2
	assert "--api-secret" in capsys.readouterr().err
