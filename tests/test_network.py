"""Network faults of http(s) origins, on a loopback server: each ends in a retry or a quarantine with the last
good data kept, never a crash."""

import hashlib
import http.server
import shutil
import socket
import threading
import time

import pytest

from sources.errors import FetchError
from sources.ingestion.fetch import fetch
from sources.ingestion.gate import refresh_source
from sources.ingestion.settings import Origin, Settings, get_settings

# the real URSSAF extract, served as the producer would serve it
PAYLOAD = (get_settings().data_dir / "urssaf" / "effectifs-salaries-prive-ze2010-extrait-diagnostic.csv").read_bytes()
NAME = "effectifs-salaries-prive-ze2010-extrait-diagnostic.csv"


class _Handler(http.server.BaseHTTPRequestHandler):
    calls: dict[str, int] = {}
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server API)
        self.calls[self.path] = n = self.calls.get(self.path, 0) + 1
        kind = self.path.split("/")[1]
        if kind == "error-then-ok" and n == 1:
            self.send_error(500)
            return
        if kind == "slow":
            time.sleep(2)
        body = PAYLOAD
        length = len(PAYLOAD)
        if kind == "truncated":
            body = PAYLOAD[: len(PAYLOAD) // 2]  # the connection closes before Content-Length bytes
        if kind == "length-mismatch":
            length = len(PAYLOAD) + 100  # announces more than it sends, then closes cleanly
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True
        if kind == "truncated":
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_500_then_200_is_retried(server, tmp_path):
    landed = fetch("urssaf_effectifs", f"{server}/error-then-ok/{NAME}", tmp_path, retries=2, backoff=0.01)
    assert landed.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert _Handler.calls[f"/error-then-ok/{NAME}"] == 2


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("slow", "timed out"),
        ("truncated", f"received {len(PAYLOAD) // 2} bytes, Content-Length announced {len(PAYLOAD)}"),
        ("length-mismatch", f"Content-Length announced {len(PAYLOAD) + 100}"),
    ],
)
def test_faults_raise_a_fetch_error_after_retries(server, tmp_path, kind, expected):
    with pytest.raises(FetchError, match=expected):
        fetch("urssaf_effectifs", f"{server}/{kind}/{NAME}", tmp_path, timeout=0.5, retries=1, backoff=0.01)
    assert _Handler.calls[f"/{kind}/{NAME}"] == 2, "retried once"
    # (a server announcing LESS than it sends cannot be caught by HTTP: the sha256 configured in origins.yml does)
    assert not list(tmp_path.rglob(NAME)), "nothing partial reaches the landing area"


@pytest.fixture
def store(built_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(built_home / "warehouse" / "store", home / "warehouse" / "store")
    return Settings(data_dir=get_settings().data_dir, home=home, origins_path=None)


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (lambda s: Origin(f"{s}/ok/{NAME}", "0" * 64), "differs from the expected"),
        (lambda s: Origin(f"{s}/truncated/{NAME}"), "failed after"),
        (lambda s: Origin(f"{s}/length-mismatch/{NAME}"), "Content-Length"),
    ],
)
def test_faults_quarantine_the_source_and_keep_its_last_good_data(server, store, monkeypatch, origin, expected):
    import sources.ingestion.fetch as fetch_module

    original = fetch_module.fetch
    monkeypatch.setattr(  # fewer and faster retries than the nightly defaults
        "sources.ingestion.gate.fetch", lambda *a, **k: original(*a, **{**k, "retries": 1, "backoff": 0.01})
    )
    validated = store.validated_dir / "urssaf_effectifs.parquet"
    before = validated.read_bytes()
    outcome = refresh_source(store, "urssaf_effectifs", origins=[origin(server)])
    assert outcome.status == "quarantined", outcome
    assert expected in " ".join(outcome.messages) and NAME in " ".join(outcome.messages)
    assert validated.read_bytes() == before
    assert "QUARANTINED" in open(outcome.report, encoding="utf-8").read()


def test_configured_sha256_that_matches_is_accepted(server, store, tmp_path):
    origins = tmp_path / "origins.yml"
    origins.write_text(
        f"urssaf_effectifs:\n  - url: {server}/ok/{NAME}\n    sha256: {hashlib.sha256(PAYLOAD).hexdigest()}\n"
    )
    settings = Settings(data_dir=store.data_dir, home=store.home, origins_path=origins)
    outcome = refresh_source(settings, "urssaf_effectifs")
    assert outcome.status in ("unchanged", "validated"), outcome
