"""Which edition each theme shows and how old it is, in the reader's words (issue 22), read from the published
warehouse only: `cfg_sources` (edition, landed_at, stale_since, stale_reason — carried through the build) and the
sources of the indicator values each theme's marts show (`indicator_values.source_id`).

« Source : Insee, populations légales — recensement 2023 (géographie au 1er janvier 2025) — reçu le 3 décembre
2026, il y a 3 jours », and when the producer did not deliver on the last online runs: « ; édition précédente
conservée : le producteur n'a pas répondu le 4 décembre 2026 »."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

import duckdb
import pandas as pd

from reports.render import Block, date_fr, quarter_fr
from transforms.runner import discover, shows, themes


@cache
def _theme_indicators() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Theme → (the catalogue indicators its marts' columns show, the sources proper to it: catalogue and
    lineage, transforms/runner.py `themes`), from the models' YAML."""
    models = discover()
    found: dict[str, set[str]] = {}
    for model in models.values():
        meta = (model.properties.get("config") or {}).get("meta") or {}
        if "theme" in meta:
            found.setdefault(meta["theme"], set()).update(model.shown_indicators)
    proper = {theme: tuple(sources) for theme, (_marts, sources, _tables) in themes(models).items()}
    return {theme: (tuple(sorted(i)), proper.get(theme, ())) for theme, i in found.items()}


def _given(value) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value)) and str(value) != ""


def _day(text) -> date | None:
    try:
        return datetime.fromisoformat(str(text)).date() if _given(text) else None
    except ValueError:
        return None


def _age(day: date, today: date) -> str:
    days = (today - day).days
    return "aujourd'hui" if days <= 0 else "hier" if days == 1 else f"il y a {days} jours"


def _why(reason: str) -> str:
    """The producer's answer (stale_reason, technical) in the reader's words."""
    if "Content-Length" in reason or "bytes" in reason:
        return "le fichier reçu du producteur était incomplet"
    if "offline" in reason:
        return "le réseau n'était pas accessible"
    if any(word in reason for word in ("HTTP 5", "Timeout", "Error", "failed")):
        return "le producteur n'a pas répondu"
    if "HTTP 404" in reason or "not published" in reason:
        return "aucune nouvelle édition n'a été trouvée chez le producteur"
    return "le producteur n'a pas répondu"


def edition_line(row: dict, today: date) -> str:
    """One source's line: producer and product, edition and its geography, when received and how long ago, and
    why the previous edition is kept when its producer did not deliver."""
    product = str(row["product"] or "").split(" (")[0].split(", ")[0].split(" — ")[0]
    text = f"Source : {row['producer']}, {product}"
    if _given(row.get("edition")):
        edition = quarter_fr(row["edition"]) if row["edition_kind"] == "trimestre" else (
            f"{row['edition_kind']} {row['edition']}")
        text += f" — {edition}"
        if _given(row.get("edition_geo_year")):
            text += f" (géographie au 1er janvier {int(row['edition_geo_year'])})"
    if row.get("bundled") is True:
        text += " — fichier livré avec l'observatoire"  # its landing date is the installation's, not the producer's
    elif landed := _day(row.get("landed_at")):
        text += f" — reçu le {date_fr(landed)}, {_age(landed, today)}"
    if since := _day(row.get("stale_since")):
        text += f" ; édition précédente conservée : {_why(str(row.get('stale_reason') or ''))} le {date_fr(since)}"
    return text


def theme_editions(con: duckdb.DuckDBPyConnection, today: date | None = None) -> dict[str, list[str]]:
    """Theme → one line per delivered source whose figures it shows (sources holding only the 2013 document's
    own figures, or nothing, are left out: the theme's text says what is missing)."""
    today = today or datetime.now(UTC).date()
    columns = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'cfg_sources'").fetchall()}
    if "edition" not in columns:  # a warehouse built before the editions were carried: nothing to say
        return {}
    sources = {r["source_id"]: r for r in con.execute(
        "SELECT * FROM cfg_sources WHERE role = 'input'").df().to_dict("records")
        # a delivery beside the document's extracts (those are named so: reports/today.py source_status)
        if any(f and "diagnostic" not in f for f in str(r["files"] or "").split(", "))}
    pairs = con.execute("SELECT DISTINCT indicator_id, source_id FROM indicator_values").fetchall()
    out = {}
    for theme, (indicators, proper) in _theme_indicators().items():
        shown = sorted({s for ind, s in pairs if s in sources and shows(indicators, ind)}
            | {s for s in proper if s in sources})
        if shown:
            out[theme] = [edition_line(sources[s], today) for s in shown]
    return out


NOT_UPDATED = "ce thème n'est pas actualisé"  # what a theme without today's data says (reports/today.py)


def with_editions(con: duckdb.DuckDBPyConnection, blocks: list[Block], today: date | None = None) -> list[Block]:
    """The blocks of the report's part 1 with, under each theme's heading (« 1.3 Emploi et chômage »), which
    edition of each source it shows and how old it is; nothing under a theme that says it is not updated (a source
    line there would read as if it were)."""
    lines = theme_editions(con, today)
    out = []
    for block, following in zip(blocks, [*blocks[1:], None], strict=True):
        out.append(block)
        if block.kind == "h3" and (theme := str(block.content).split(" ", 1)[-1]) in lines and not (
                following is not None and NOT_UPDATED in str(following.content)):
            out.append(Block("list", lines[theme]))
    return out


def editions_section(con: duckdb.DuckDBPyConnection, today: date | None = None) -> list[Block]:
    """A portrait's « Éditions des données » section: each theme, the editions its figures come from."""
    lines = theme_editions(con, today)
    if not lines:
        return []
    return [
        Block("h2", "Éditions des données", "editions"),
        Block("p", "Pour chaque thème, l'édition de chaque source dont viennent ses chiffres et depuis quand "
                   "l'observatoire la tient."),
        Block("list", [f"{theme} — {line}" for theme, theme_lines in sorted(lines.items()) for line in theme_lines]),
    ]
