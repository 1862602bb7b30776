"""Fetch into the landing area: local files and http URLs from a loopback server started by the test."""

import hashlib
import http.server
import json
import os
import threading

import pytest

from sources.errors import FetchError
from sources.ingestion.fetch import fetch

PAYLOAD = b"siren;nom\n200000164;CC du Pays de Pange\n"


class _Handler(http.server.BaseHTTPRequestHandler):
    calls: dict[str, int] = {}

    def do_GET(self):  # noqa: N802 (http.server API)
        self.calls[self.path] = self.calls.get(self.path, 0) + 1
        if self.path == "/flaky.csv" and self.calls[self.path] < 3:
            self.send_error(503)  # two failures, then success: exercises retries with backoff
            return
        if self.path == "/missing.csv":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_local_file_lands_once_under_its_sha(tmp_path):
    src = tmp_path / "epci_2012.csv"
    src.write_bytes(PAYLOAD)
    expected = hashlib.sha256(PAYLOAD).hexdigest()  # independent hash of the bytes
    first = fetch("dgcl_epci", src, tmp_path / "landing")
    second = fetch("dgcl_epci", src, tmp_path / "landing")
    assert first.sha256 == second.sha256 == expected
    assert first.bytes == len(PAYLOAD)
    files = list((tmp_path / "landing" / "dgcl_epci").rglob("*.csv"))
    assert files == [tmp_path / "landing" / "dgcl_epci" / expected / "epci_2012.csv"]
    manifest = [json.loads(line) for line in (tmp_path / "landing" / "manifest.jsonl").read_text().splitlines()]
    assert [m["sha256"] for m in manifest] == [expected, expected]
    assert {"source_id", "origin", "fetched_at", "sha256", "bytes"} <= set(manifest[0])


def test_http_url_with_checksum(server, tmp_path):
    landed = fetch("dgcl_epci", f"{server}/2012.csv", tmp_path, expected_sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert (tmp_path / "dgcl_epci" / landed.sha256 / "2012.csv").read_bytes() == PAYLOAD


def test_http_retries_then_succeeds(server, tmp_path):
    landed = fetch("dgcl_epci", f"{server}/flaky.csv", tmp_path, retries=3, backoff=0.01)
    assert landed.bytes == len(PAYLOAD)
    assert _Handler.calls["/flaky.csv"] == 3


def test_http_client_error_is_not_retried(server, tmp_path):
    with pytest.raises(FetchError, match="missing.csv"):
        fetch("dgcl_epci", f"{server}/missing.csv", tmp_path, retries=3, backoff=0.01)
    assert _Handler.calls["/missing.csv"] == 1


def test_checksum_mismatch_and_size_limit_are_refused(server, tmp_path):
    with pytest.raises(FetchError, match="differs from the expected"):
        fetch("dgcl_epci", f"{server}/2012.csv", tmp_path, expected_sha256="0" * 64)
    with pytest.raises(FetchError, match="size limit"):
        fetch("dgcl_epci", f"{server}/2012.csv", tmp_path, max_bytes=10)
    assert not list((tmp_path / "dgcl_epci").rglob("2012.csv")), "nothing refused may reach the landing area"


def test_missing_local_file(tmp_path):
    with pytest.raises(FetchError, match="no such file"):
        fetch("dgcl_epci", tmp_path / "absent.csv", tmp_path)


def test_an_unchanged_local_file_is_not_read_again_and_a_rewritten_one_is(tmp_path):
    """The local If-Modified-Since: same size, modification time and inode → the landed copy's sha256, nothing read
    (shown by bytes swapped under the same stat); a file rewritten (new modification time) is hashed again."""
    from sources.ingestion.fetch import local_sha256

    src = tmp_path / "FD_MIGCOM_2021.zip"
    src.write_bytes(PAYLOAD)
    first = fetch("insee_fd_migcom", src, tmp_path / "landing")
    stat = src.stat()
    swapped = PAYLOAD.replace(b"1", b"2")
    assert len(swapped) == len(PAYLOAD) and swapped != PAYLOAD
    with open(src, "r+b") as handle:  # same inode, same size
        handle.write(swapped)
    os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same modification time: nothing says it changed
    assert fetch("insee_fd_migcom", src, tmp_path / "landing").sha256 == first.sha256
    assert local_sha256(tmp_path / "landing", "insee_fd_migcom", src) == first.sha256

    os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # rewritten: a new modification time
    expected = hashlib.sha256(swapped).hexdigest()
    assert local_sha256(tmp_path / "landing", "insee_fd_migcom", src) == expected
    assert fetch("insee_fd_migcom", src, tmp_path / "landing").sha256 == expected
