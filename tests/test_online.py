"""Online mode on a loopback server that mirrors the producers' paths (OBSERVATOIRE_MIRROR) and serves the real
(small-geography) files in their delivered formats, with ETag / Last-Modified: night 1 downloads, night 2 only
sends conditional requests, a new quarterly workbook refreshes that source alone, a server error keeps the
previous edition (stale). No request leaves the machine."""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import socket
import threading
import time
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
    """Files by path; GET honours If-None-Match; `failing` paths answer 500; `slow` paths wait 2 s before answering
    (past the read timeout the test sets); `truncated` paths announce the whole Content-Length, send half the body
    and close the connection."""

    files: dict[str, bytes] = {}
    failing: set[str] = set()
    slow: set[str] = set()
    truncated: set[str] = set()
    log: list[tuple[str, str, int]] = []

    def _answer(self, body: bool) -> None:
        data = self.files.get(self.path)
        if self.path in self.slow:
            time.sleep(2)
        if self.path in self.truncated and data is not None:
            self.log.append((self.command, self.path, 200))
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            if body:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
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
    Producer.slow, Producer.truncated = set(), set()
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
    # (downloaded by the no-change check, which then hands over to the full run — URSSAF's edition is kept, stale,
    # which the publication must say — whose own conditional request is answered 304)
    assert fetched.startswith(("fetched", "checked")) and "t3-2023" in fetched
    assert attempts["urssaf_effectifs"]["online"].startswith("stale: no edition reachable")
    sources = {r["source"]: r for r in json.loads(runner.invoke(app, ["sources", "--format", "json"]).output)}
    assert sources["insee_chomage"]["reachable"].startswith("yes: ")
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


COMPARATEUR_PATH = "/www.insee.fr/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"


def _serve_bundled_deliveries(producer, small_data: Path) -> dict[str, bytes]:
    """Every catalogued source whose bundled file is a real producer delivery, at its producer's path: the
    unemployment workbook and the comparateur zip (the URSSAF and census-age files bundled are extracts of the
    diagnostic, not deliveries: their producer paths answer 404, and they stay as they are)."""
    served = {
        CHOMAGE_PATH.format(q=3): (small_data / "insee_chomage" / "chomage-zone-t1-2003-t3-2023.xlsx").read_bytes(),
        COMPARATEUR_PATH: (small_data / "insee_comparateur" / "base_cc_comparateur_csv.zip").read_bytes(),
    }
    producer.files.update(served)
    return served


def _gets(producer) -> list[tuple[str, int]]:
    return [(p, s) for m, p, s in producer.log if m == "GET"]


def test_online_night_with_nothing_new_is_as_cheap_as_the_offline_no_change_night(producer, small_private_home,
                                                                                  small_data):
    from flows.cli import app

    runner = CliRunner()
    served = _serve_bundled_deliveries(producer, small_data)
    fast = "decided before starting the Prefect engine"

    # the offline no-change night, timed (the Prefect engine is never started: the CLI answers before)
    started = time.perf_counter()
    offline = runner.invoke(app, ["run"])
    offline_seconds = time.perf_counter() - started
    assert offline.exit_code == 0 and fast in offline.output, offline.output

    # night 1 online: every served delivery is downloaded once (same bytes as the bundled ones); the producers that
    # serve nothing (404) leave their sources stale, which the publication must now say: a build
    night1 = runner.invoke(app, ["run", "--no-prefect", "--online"])
    assert night1.exit_code == 0, night1.output
    assert sorted(x for x in _gets(producer) if x[1] == 200) == sorted((path, 200) for path in served)

    # night 2 online: only conditional requests (every GET answered 304), nothing downloaded, no engine, no build
    producer.log.clear()
    started = time.perf_counter()
    night2 = runner.invoke(app, ["run", "--online"])
    online_seconds = time.perf_counter() - started
    assert night2.exit_code == 0 and fast in night2.output, night2.output
    assert sorted(_gets(producer)) == sorted((path, 304) for path in served)
    print(f"no-change night: offline {offline_seconds:.2f} s, online {online_seconds:.2f} s")
    assert online_seconds < offline_seconds + 2, (online_seconds, offline_seconds)
    attempts = _attempts(get_settings())
    assert "304 not modified" in attempts["insee_chomage"]["online"]
    assert "304 not modified" in attempts["insee_comparateur"]["online"]
    rows = {r["source"]: r for r in json.loads(runner.invoke(app, ["sources", "--format", "json"]).output)}
    assert "304 not modified" in rows["insee_chomage"]["latest_seen"]
    assert rows["insee_chomage"]["reachable"].startswith("yes: checked")


def test_timeout_and_truncated_body_keep_the_previous_edition_stale(producer, small_private_home, small_data,
                                                                    tmp_path, monkeypatch):
    from flows.cli import app

    monkeypatch.setenv("OBSERVATOIRE_READ_TIMEOUT", "0.5")  # the producer's 2 s wait is past it
    monkeypatch.setenv("OBSERVATOIRE_FETCH_RETRIES", "1")
    monkeypatch.setenv("OBSERVATOIRE_FETCH_BACKOFF", "0.01")
    runner = CliRunner()
    settings = get_settings()
    _serve_bundled_deliveries(producer, small_data)
    assert runner.invoke(app, ["run", "--no-prefect", "--online"]).exit_code == 0

    # night 2: INSEE publishes 2023-T4 (served whole); the comparateur's producer announces its Content-Length and
    # closes half-way: the unemployment source refreshes, the comparateur keeps its edition, said stale
    t4 = tmp_path / "t4.xlsx"
    _with_quarter_t4(small_data / "insee_chomage" / "chomage-zone-t1-2003-t3-2023.xlsx", t4)
    producer.files[CHOMAGE_PATH.format(q=4)] = t4.read_bytes()
    producer.files[COMPARATEUR_PATH] += b"\n"  # a new content behind the same URL, cut short in transit
    producer.truncated.add(COMPARATEUR_PATH)
    comparateur = (settings.validated_dir / "insee_comparateur.parquet").read_bytes()
    night2 = runner.invoke(app, ["run", "--no-prefect", "--online"])
    assert night2.exit_code == 0, night2.output  # README « Exit codes »: a producer fault is not a quarantine
    attempts = _attempts(settings)
    assert attempts["insee_chomage"]["status"] == "validated"
    stale = attempts["insee_comparateur"]
    assert stale["status"] == "unchanged" and stale["online"].startswith("stale")
    assert "Content-Length announced" in stale["online"] and stale["stale_since"]
    assert (settings.validated_dir / "insee_comparateur.parquet").read_bytes() == comparateur
    quarters = pd.read_parquet(settings.validated_dir / "insee_chomage.parquet", columns=["quarter"])["quarter"]
    assert quarters.max() == "2023-T4"

    # night 3: the unemployment producer does not answer within the read timeout: its 2023-T4 edition stays, said
    # stale; the comparateur is still stale, since the same moment
    producer.slow.add(CHOMAGE_PATH.format(q=4))
    chomage = (settings.validated_dir / "insee_chomage.parquet").read_bytes()
    started = time.perf_counter()
    night3 = runner.invoke(app, ["run", "--no-prefect", "--online"])
    assert time.perf_counter() - started < 15, "a timeout costs the read timeout, not minutes"
    assert night3.exit_code == 0, night3.output
    attempts = _attempts(settings)
    assert attempts["insee_chomage"]["online"].startswith("stale") and "Timeout" in attempts["insee_chomage"]["online"]
    assert attempts["insee_comparateur"]["stale_since"] == stale["stale_since"]
    assert (settings.validated_dir / "insee_chomage.parquet").read_bytes() == chomage

    status = runner.invoke(app, ["status"], terminal_width=400)
    assert status.exit_code == 0, status.output
    assert "stale since" in status.output and "Content-Length announced" in status.output, status.output
    rows = {r["source"]: r for r in json.loads(runner.invoke(app, ["sources", "--format", "json"]).output)}
    assert rows["insee_chomage"]["reachable"].startswith("no: stale") and "stale since" in rows["insee_chomage"][
        "reachable"]


PL_PATHS = {  # the producer's addresses of the two bundled editions (sources/insee_populations_legales.py)
    2022: "/www.insee.fr/fr/statistiques/fichier/8290591/ensemble.zip",
    2023: "/www.insee.fr/fr/statistiques/fichier/8680726/ensemble.zip",
}


def _ensemble_zip(folder: Path, edition: int) -> bytes:
    """INSEE's « ensemble » zip of one edition, in its delivered layout (members donnees_communes.csv,
    donnees_departements.csv, donnees_regions.csv), holding the REAL bundled files of that edition (cut to the
    small geography) byte for byte once decompressed; the bundled 2022 edition has only its communes file."""
    import gzip
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for level in ("communes", "departements", "regions"):
            path = folder / f"pl{edition}_donnees_{level}.csv.gz"
            if path.exists():
                archive.writestr(f"donnees_{level}.csv", gzip.decompress(path.read_bytes()))
    return out.getvalue()


@pytest.mark.slow  # two builds of the small geography: ≈ 22 s
def test_december_populations_legales_bring_census_n_on_geography_n_plus_2(producer, small_data, tmp_path,
                                                                           monkeypatch):
    import gzip
    from datetime import date

    from conftest import _use_small

    from flows.cli import app
    from warehouse.db import connect_readonly

    _use_small(monkeypatch, tmp_path / "home", small_data)  # a fresh home: night 1 is the first run
    runner = CliRunner()
    folder = small_data / "insee_populations_legales"
    producer.files[PL_PATHS[2022]] = _ensemble_zip(folder, 2022)

    # night 1, in June 2025: only the 2022 edition is published (census 2022, geography 2024); the other
    # catalogued producers answer 404, so those sources start from their bundled files
    monkeypatch.setattr(online, "today", lambda: date(2025, 6, 15))
    night1 = runner.invoke(app, ["run", "--no-prefect", "--online"])
    assert night1.exit_code == 0, night1.output
    assert (PL_PATHS[2022], 200) in _gets(producer) and not any(p == PL_PATHS[2023] for p, _ in _gets(producer))
    settings = get_settings()
    con = connect_readonly(settings.warehouse_path)
    try:
        assert con.execute("SELECT count(*) FROM indicator_values WHERE geo_year = 2025").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM mart_population WHERE millesime_geo = 2024 AND recensement = '2022'"
                       ).fetchone()[0] > 0
    finally:
        con.close()

    # night 2, in December 2025: INSEE publishes the 2023 edition (census 2023, geography 2025) beside it
    producer.files[PL_PATHS[2023]] = _ensemble_zip(folder, 2023)
    producer.log.clear()
    monkeypatch.setattr(online, "today", lambda: date(2025, 12, 20))
    night2 = runner.invoke(app, ["run", "--no-prefect", "--online"])
    assert night2.exit_code == 0, night2.output
    assert (PL_PATHS[2023], 200) in _gets(producer) and (PL_PATHS[2022], 200) not in _gets(producer)
    attempts = _attempts(settings)
    assert attempts["insee_populations_legales"]["status"] == "validated"
    others = {k: a["status"] for k, a in attempts.items() if k != "insee_populations_legales"}
    assert set(others.values()) <= {"unchanged", "not_configured"}, others

    # expected from the delivered file, with pandas: population municipale of a few communes, and of the Nord
    delivered = pd.read_csv(folder / "pl2023_donnees_communes.csv.gz", sep=";", dtype=str, compression="gzip")
    delivered["PMUN"] = delivered["PMUN"].astype(int)
    communes = {"59350": "Lille", "62498": "Lens", "62119": "Béthune"}
    expected = delivered.set_index("COM").loc[list(communes), "PMUN"].to_dict()
    nord = int(delivered.loc[delivered["DEP"] == "59", "PMUN"].sum())
    assert gzip.decompress((folder / "pl2023_donnees_communes.csv.gz").read_bytes())  # the file served above
    con = connect_readonly(settings.warehouse_path)
    try:
        got = dict(con.execute(
            "SELECT code, value FROM indicator_values WHERE indicator_id = 'population' AND level = 'commune' "
            f"AND geo_year = 2025 AND period = '2023' AND code IN {tuple(communes)}").fetchall())
        mart_nord = con.execute("SELECT population FROM mart_population WHERE niveau = 'departement' AND code = '59' "
                            "AND millesime_geo = 2025 AND recensement = '2023'").fetchone()
    finally:
        con.close()
    assert got == pytest.approx(expected)
    assert mart_nord is not None and mart_nord[0] == pytest.approx(nord)


def test_report_and_portrait_say_which_edition_each_theme_shows_and_how_old(producer, small_private_home, small_data,
                                                                            tmp_path):
    import html
    from datetime import UTC, datetime

    from flows.cli import app
    from reports.portraits import write_portraits
    from reports.render import date_fr
    from reports.report import write_report

    # an online night: the comparateur is served (unchanged), the unemployment producer answers 500: its previous
    # edition is kept, and the publication must say so
    producer.files[COMPARATEUR_PATH] = (small_data / "insee_comparateur" / "base_cc_comparateur_csv.zip").read_bytes()
    producer.files[CHOMAGE_PATH.format(q=3)] = b"unused"
    producer.failing.add(CHOMAGE_PATH.format(q=3))
    night = CliRunner().invoke(app, ["run", "--no-prefect", "--online"])
    assert night.exit_code == 0, night.output

    warehouse = get_settings().warehouse_path
    report = html.unescape(write_report(warehouse, tmp_path / "report")["html"].read_text(encoding="utf-8"))
    portrait = html.unescape(write_portraits(warehouse, tmp_path / "portraits", "epci", "246200364")[0].read_text(
        encoding="utf-8"))
    today = date_fr(datetime.now(UTC).date())  # the small home's files were landed by this session
    # expected editions from the delivered files themselves: the unemployment workbook's name says its last quarter
    # (t3-2023); the populations légales' newest file is census 2023, delivered on the geography of N+2
    workbook = pd.read_excel(small_data / "insee_chomage" / "chomage-zone-t1-2003-t3-2023.xlsx", sheet_name=None,
                             header=None, engine="calamine")
    last_quarter = max(str(v) for sheet in workbook.values() for v in sheet.to_numpy().ravel()
                       if isinstance(v, str) and len(v) == 7 and v[4:6] == "-T")
    assert last_quarter == "2023-T3"
    chomage = "Source : INSEE, Taux de chômage localisés par zone d'emploi — 3e trimestre 2023"
    population = "recensement 2023 (géographie au 1er janvier 2025)"
    for page in (report, portrait):
        assert chomage in page, [line for line in page.split("<li>") if "Source : " in line][:8]
        assert population in page
        # the comparateur was served with the bundled bytes: still the bundled content, whose landing date is this
        # clone's, not a reception from the producer
        assert "Base comparateur de territoires — recensement 2018 — fichier livré avec l'observatoire" in page
        assert f"édition précédente conservée : le producteur n'a pas répondu le {today}" in page
    # in the report, under the theme's own heading
    emploi = report.split(">1.3 Emploi et chômage</h3>", 1)[1]
    assert emploi.index(chomage) < emploi.index("<h3")
    # and never under a theme that says it is not updated (a source line there would read as if it were)
    opening = [re.findall(r"<(p|ul)[^>]*>(.*?)</\1>", section.split("<h3", 1)[0], re.S)[:2]
               for section in report.split("</h3>")[1:]]
    not_updated = [b for b in opening if any("ce thème n'est pas actualisé" in text for _, text in b)]
    assert not_updated and all(b[0][0] == "p" for b in not_updated), not_updated
    status = CliRunner().invoke(app, ["status"])
    assert "editions in the publication, by theme:" in status.output and "3e trimestre 2023" in status.output


def test_an_edition_line_says_when_a_delivery_was_received_and_how_long_ago():
    """A delivery fetched from its producer: « reçu le …, il y a N jours »; a bundled file: no reception date."""
    from datetime import date

    from reports.editions import edition_line

    row = {"producer": "INSEE", "product": "Taux de chômage localisés (zones d'emploi)", "edition": "2023-T4",
           "edition_kind": "trimestre", "edition_geo_year": None, "landed_at": "2026-12-03T05:00:00+00:00",
           "bundled": False, "stale_since": None, "stale_reason": None}
    assert edition_line(row, date(2026, 12, 6)) == (
        "Source : INSEE, Taux de chômage localisés — 4e trimestre 2023 — reçu le 3 décembre 2026, il y a 3 jours")
    assert edition_line({**row, "bundled": True}, date(2026, 12, 6)).endswith(
        "4e trimestre 2023 — fichier livré avec l'observatoire")
