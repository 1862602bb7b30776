"""Online mode on a loopback server that mirrors the producers' paths (OBSERVATOIRE_MIRROR) and serves the real
(small-geography) files in their delivered formats, with ETag / Last-Modified: night 1 downloads, night 2 only
sends conditional requests, a new quarterly workbook refreshes that source alone, a server error keeps the
previous edition (stale). No request leaves the machine."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from sources.ingestion import online
from sources.ingestion.registry import SOURCES
from sources.ingestion.settings import get_settings

CHOMAGE_PATH = "/www.insee.fr/fr/statistiques/fichier/1893230/chomage-zone-t1-2003-t{q}-2023.xlsx"


class Producer(http.server.BaseHTTPRequestHandler):
    """Files by path; GET honours If-None-Match; `failing` paths answer 500."""

    files: dict[str, bytes] = {}
    failing: set[str] = set()
    log: list[tuple[str, str, int]] = []

    def _answer(self, body: bool) -> None:
        data = self.files.get(self.path)
        if self.path in self.failing:
            status = 500
        elif data is None:
            status = 404
        else:
            etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
            status = 304 if self.headers.get("If-None-Match") == etag else 200
        self.log.append((self.command, self.path, status))
        self.send_response(status)
        if status == 200:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", "Mon, 15 Jan 2024 08:00:00 GMT")
            self.send_header("Content-Length", str(len(data)))
        else:
            self.send_header("Content-Length", "0")
        self.end_headers()
        if body and status == 200:
            self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server API)
        self._answer(body=True)

    def do_HEAD(self):  # noqa: N802
        self._answer(body=False)

    def log_message(self, *args):
        pass


@pytest.fixture
def producer(monkeypatch):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Producer)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Producer.files, Producer.failing, Producer.log = {}, set(), []
    monkeypatch.setenv("OBSERVATOIRE_MIRROR", f"http://127.0.0.1:{httpd.server_address[1]}")
    # `--online` sets OBSERVATOIRE_ONLINE in this process: recorded here so that it is removed after the test
    monkeypatch.setenv(online.ONLINE_ENV, "0")
    online.forget_probe()
    yield Producer
    httpd.shutdown()
    online.forget_probe()


def _with_quarter_t4(workbook: Path, out: Path) -> None:
    """SYNTHETIC next edition: the real 2023-T3 workbook with a 2023-T4 column whose rates are the 2023-T3 rates
    + 0.1 point (built by code; only the file name and the new column differ from the delivered layout)."""
    book = openpyxl.load_workbook(workbook)
    for sheet in book.worksheets:
        header = next((row for row in sheet.iter_rows() if any(c.value == "2023-T3" for c in row)), None)
        if header is None:
            continue
        t3 = next(c for c in header if c.value == "2023-T3")
        new_col = sheet.max_column + 1
        sheet.cell(row=t3.row, column=new_col, value="2023-T4")
        for r in range(t3.row + 1, sheet.max_row + 1):
            value = sheet.cell(row=r, column=t3.column).value
            if isinstance(value, int | float):
                sheet.cell(row=r, column=new_col, value=round(value + 0.1, 1))
            elif value is not None:
                sheet.cell(row=r, column=new_col, value=value)
    book.save(out)


def _attempts(settings) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (settings.store_dir / "attempts").glob("*.json")}


def test_nights_online_on_a_loopback_producer(producer, small_private_home, small_data, tmp_path):
    from flows.cli import app

    runner = CliRunner()
    settings = get_settings()
    workbook = small_data / "insee_chomage" / "chomage-zone-t1-2003-t3-2023.xlsx"
    producer.files[CHOMAGE_PATH.format(q=3)] = workbook.read_bytes()

    # night 1: the chomage workbook is downloaded from the producer (same bytes as the bundled one: unchanged);
    # URSSAF's producer answers 404 for its series: its previous edition stays, said stale
    night1 = runner.invoke(app, ["run", "--no-prefect", "--online"])
    assert night1.exit_code == 0, night1.output
    gets = [p for m, p, s in producer.log if m == "GET" and s == 200]
    assert gets == [CHOMAGE_PATH.format(q=3)]
    attempts = _attempts(settings)
    fetched = attempts["insee_chomage"]["online"]
    assert fetched.startswith("fetched") and "t3-2023" in fetched
    assert attempts["urssaf_effectifs"]["online"].startswith("stale: no edition reachable")
    sources = {r["source"]: r for r in json.loads(runner.invoke(app, ["sources", "--format", "json"]).output)}
    assert sources["insee_chomage"]["reachable"].startswith("yes: fetched")
    assert sources["urssaf_effectifs"]["reachable"].startswith("no: stale")

    # night 2: nothing new: only a conditional request, answered 304, nothing downloaded
    producer.log.clear()
    night2 = runner.invoke(app, ["run", "--no-prefect", "--online"])
    assert night2.exit_code == 0, night2.output
    assert [s for m, p, s in producer.log if m == "GET"] == [304]

    # night 3: INSEE publishes 2023-T4: only that source refreshes, its latest quarter becomes 2023-T4
    t4 = tmp_path / "t4.xlsx"
    _with_quarter_t4(workbook, t4)
    producer.files[CHOMAGE_PATH.format(q=4)] = t4.read_bytes()
    night3 = runner.invoke(app, ["run", "--no-prefect", "--online"])
    assert night3.exit_code == 0, night3.output
    attempts = _attempts(settings)
    assert attempts["insee_chomage"]["status"] == "validated"
    assert {a["status"] for k, a in attempts.items() if k != "insee_chomage"} <= {"unchanged", "not_configured"}
    quarters = pd.read_parquet(settings.validated_dir / "insee_chomage.parquet", columns=["quarter"])["quarter"]
    assert quarters.max() == "2023-T4"

    # night 4: the producer fails (500 on every request): the 2023-T4 edition stays, said stale
    producer.failing |= set(producer.files)
    before = (settings.validated_dir / "insee_chomage.parquet").read_bytes()
    night4 = runner.invoke(app, ["run", "--no-prefect", "--online"])
    assert night4.exit_code == 0, night4.output
    assert (settings.validated_dir / "insee_chomage.parquet").read_bytes() == before
    assert _attempts(settings)["insee_chomage"]["online"].startswith("stale")


def test_offline_is_one_line_and_keeps_the_editions(small_private_home, monkeypatch):
    # a mirror on a closed local port: the probe fails at once (no timeout per source)
    import socket

    from flows.cli import app

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setenv("OBSERVATOIRE_MIRROR", f"http://127.0.0.1:{port}")
    monkeypatch.setenv(online.ONLINE_ENV, "0")  # removed after the test (`--online` sets it in this process)
    online.forget_probe()
    result = CliRunner().invoke(app, ["run", "--no-prefect", "--online"])
    online.forget_probe()
    assert result.exit_code == 0, result.output
    assert "offline:" in result.output and "bundled and landed editions" in result.output
    assert "Traceback" not in result.output
    assert set(_attempts(get_settings())) == set(SOURCES)
