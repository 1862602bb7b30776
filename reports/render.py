"""Shared rendering of the publication: blocks → self-contained HTML (charts inlined) and Markdown; French numbers;
charts that fit one screen with title, unit, source and geography/period under each.

The report (`reports/report.py`) and the territory portraits (`reports/portraits.py`) are both lists of blocks.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
import unicodedata
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # no display: render to PNG in memory
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import pandas as pd  # noqa: E402

from transforms.runner import flag_vocabulary  # noqa: E402

# 9.6 in × 100 dpi = 960 px: a chart is never wider than the text column, whatever the window
CHART_WIDTH_IN = 9.6
CHART_DPI = 100
PALETTE = ["#1f4e79", "#c0504d", "#4f8f3a", "#e3a21a", "#7f5fa6", "#2a9d8f", "#8c564b", "#6c757d", "#d62728"]
# the comparison territories keep one colour on every page (report and portraits), whatever the other lines
COMPARATOR_COLORS = {
    "Bassin minier": "#c0504d",
    "Nord": "#4f8f3a",
    "Pas-de-Calais": "#2a9d8f",
    "Hauts-de-France": "#e3a21a",
    "France métropolitaine": "#6c757d",
}


# the other lines: no red, green, ochre or grey, which name the comparisons
OTHER_COLORS = ["#1f4e79", "#7f5fa6", "#8c564b", "#17becf", "#bcbd22", "#e377c2", "#393b79", "#637939"]


def comparator_color(name: str) -> str | None:
    """The fixed colour of a comparison territory (« Dép. Nord », « Région Hauts-de-France » …), else None."""
    bare = str(name)
    for prefix in ("Dép. ", "Région ", "département ", "région "):
        bare = bare.removeprefix(prefix)
    return COMPARATOR_COLORS.get(bare.split(" (")[0].strip())


STATUS_COLORS = {
    "reproduced": "#2e7d32",
    "consistent": "#66bb6a",
    "differs": "#f9a825",
    "inconsistent_input": "#c62828",
    "not_computable": "#9e9e9e",
    "not_statistical": "#bdbdbd",
}
STATUS_LABELS = {
    "reproduced": "reproduit",
    "consistent": "cohérent",
    "differs": "diffère",
    "inconsistent_input": "donnée d'entrée incohérente",
    "not_computable": "non calculable",
    "not_statistical": "non statistique",
}


@dataclass
class Block:
    kind: str  # h1 | h2 | h3 | p | note | table | figure | toc | list | links ((text, href) pairs)
    content: object = None
    name: str = ""  # anchor (headings) or file name (figures)
    caption: str = ""  # figures: unit · source · geography/period
    extra: dict = field(default_factory=dict)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text).split())[:60]


def section(number: int, title: str, *intro: str) -> list[Block]:
    """A numbered section of the report: its heading (anchored on the title) and its introductory paragraphs."""
    return [Block("h2", f"{number}. {title}", slug(title)), *(Block("p", text) for text in intro)]


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " "))


def fr(value, decimals: int = 0, sign: bool = False) -> str:
    """A number the French way: thin spaces between thousands, decimal comma; empty when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    decimals = 0 if decimals is None or pd.isna(decimals) else max(int(decimals), 0)
    if round(value, decimals) == 0:
        value, sign = 0.0, False  # no « −0,00 » or « +0,00 »: a value that rounds to zero has no sign
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",").replace("-", "−")


def tick(value: float) -> str:
    """An axis tick the French way: decimal comma, no useless trailing zeros."""
    if value == int(value):
        return fr(value, 0)
    return fr(value, 2).rstrip("0").rstrip(",")


def short_label(label: str) -> str:
    """The usual abbreviations of EPCI names (the whole name otherwise stays)."""
    for long, short in (("Communauté d'agglomération", "CA"), ("Communauté de communes", "CC"),
                        ("Communauté urbaine", "CU"), ("Métropole européenne", "Métropole européenne")):
        label = label.replace(long, short)
    return label


def pretty_indicator(name: str) -> str:
    """A printed indicator id as words: underscores to spaces, unit suffixes as symbols, year spans with a dash."""
    words = name.replace("_", " ").split()
    out, i = [], 0
    while i < len(words):
        w = words[i]
        if i + 1 < len(words) and w.isdigit() and words[i + 1].isdigit() and len(w) == len(words[i + 1]) == 4:
            out.append(f"{w}–{words[i + 1]}")
            i += 2
            continue
        out.append(ACCENTED.get(w, w))
        i += 1
    return " ".join(out).replace("pour mille", "(‰)")


# words of the printed indicator ids (ASCII, underscores) as the reader reads them
ACCENTED = {
    "pct": "(%)", "pts": "(points)", "diplome": "diplôme", "evol": "évolution", "evolution": "évolution",
    "francaise": "française", "eleve": "élevé", "vs": "par rapport à la", "ecart": "écart", "natalite": "natalité",
    "regionale": "régionale", "residence": "résidence", "pop": "population", "sup": "supérieur",
    "annuel": "annuel", "ampleur": "ampleur de la",
}
# printed periods that the extraction annotated in English
PERIOD_WORDS = {"(not printed; same paragraph": "(non imprimée ; même paragraphe", "(not printed)": "(non imprimée)"}


def pretty_period(period) -> str:
    text = "" if period is None else str(period)
    for english, french in PERIOD_WORDS.items():
        text = text.replace(english, french)
    return text


def wrap(label: str, width: int = 34) -> str:
    """Whole labels on several lines instead of truncated ones."""
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI)
    plt.close(fig)
    return buffer.getvalue()


def _finish(fig, ax, title: str) -> bytes:
    ax.set_title(title, fontsize=11, loc="left", fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x" if ax.get_yaxis().get_ticklabels() else "y", color="#ddd", linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    return png(fig)


def bar_chart(labels: list[str], values: list[float], title: str, xlabel: str, decimals: int = 1,
              highlight: set[str] | None = None) -> bytes:
    """Horizontal bars sorted by value (largest on top), value printed at the end of each bar."""
    frame = pd.DataFrame({"label": labels, "value": values}).dropna().sort_values("value", ascending=True)
    height = min(0.34 * len(frame) + 1.3, 8.2)  # at most one screen
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, height))
    colors = [PALETTE[1] if highlight and lab in highlight else PALETTE[0] for lab in frame["label"]]
    ax.barh([wrap(lab, 40) for lab in frame["label"]], frame["value"], color=colors)
    span = (frame["value"].abs().max() or 1) * 0.01
    for i, v in enumerate(frame["value"]):
        ax.text(v + (span if v >= 0 else -span), i, fr(v, decimals), va="center",
                ha="left" if v >= 0 else "right", fontsize=8)
    if (frame["value"] < 0).any():
        ax.axvline(0, color="#333", linewidth=0.8)
    ax.margins(x=0.12)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: tick(v)))
    ax.set_xlabel(xlabel, fontsize=9)
    ax.tick_params(labelsize=8)
    return _finish(fig, ax, title)


def line_chart(series: dict[str, pd.Series], title: str, ylabel: str, log: bool = False,
               x_is_text: bool = False) -> bytes:
    """One line per territory (index: x values); legend outside the plot so no line is hidden."""
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, 4.4))
    others = iter(OTHER_COLORS * 3)
    for name, s in series.items():
        x = list(range(len(s))) if x_is_text else [int(v) for v in s.index]
        color = comparator_color(name) or next(others)
        ax.plot(x, s.values, marker="" if x_is_text else "o", markersize=3, linewidth=1.6,
                color=color, label=wrap(name, 30),
                linestyle="--" if comparator_color(name) and "Bassin minier" not in name else "-")
    if x_is_text:
        labels = [str(v) for v in next(iter(series.values())).index]
        firsts = [i for i, lab in enumerate(labels) if lab.endswith("-T1") and lab[:4].isdigit()]
        if firsts:  # quarters: a tick at the 1st quarter of some years, labelled with the year alone
            step = max(1, -(-len(firsts) // 11))
            ax.set_xticks(firsts[::step], [labels[i][:4] for i in firsts[::step]])
            ax.set_xlabel("année (repère : 1er trimestre)", fontsize=9)
        else:
            step = max(1, len(labels) // 10)
            ax.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])
    if log:
        ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: tick(v)))
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _finish(fig, ax, title)


def status_chart(counts: pd.Series, title: str) -> bytes:
    """One stacked bar of figures by status (whatever statuses exist)."""
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, 2.4))
    left = 0
    for status, n in counts.items():
        if n:
            ax.barh([0], [n], left=left, color=STATUS_COLORS.get(status, "#607d8b"),
                    label=f"{status_label(status)} ({n})")
            left += n
    ax.set_yticks([])
    ax.set_xlabel("nombre de chiffres publiés", fontsize=9)
    # legend beside the bar, never over the axis label
    ax.legend(fontsize=8, ncol=1, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.set_title(title, fontsize=11, loc="left", fontweight="bold")
    ax.spines[["top", "right", "left"]].set_visible(False)
    fig.tight_layout()
    return png(fig)


# ---------------------------------------------------------------- rendering


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    def text(v) -> str:
        if v is None or (not isinstance(v, list | tuple) and pd.isna(v)):
            return ""
        if isinstance(v, float):
            return fr(v, 0 if v.is_integer() else 2)
        return str(v)

    return frame.map(text)


def _is_number(text: str) -> bool:
    text = text.rstrip("*").rstrip("\u00a0")  # a count with its reliability mark (reports/flows.py) is a number
    return bool(text) and text.replace("\u202f", "").replace(",", "").replace("−", "").replace("+", "").replace(
        "\u2060–\u2060", "").isdigit()


def toc(blocks: list[Block]) -> list[tuple[int, str, str]]:
    return [(2 if b.kind == "h2" else 3, str(b.content), b.name) for b in blocks if b.kind in ("h2", "h3")]


def to_markdown(blocks: list[Block], image_dir: str = "img") -> str:
    out = []
    for b in blocks:
        if b.kind == "h1":
            out.append(f"# {b.content}\n")
        elif b.kind in ("h2", "h3"):
            out.append(f"\n{'#' * (2 if b.kind == 'h2' else 3)} {b.content}\n")
        elif b.kind in ("p", "note"):
            out.append(f"{'> ' if b.kind == 'note' else ''}{b.content}\n")
        elif b.kind == "list":
            out += [f"- {item}" for item in b.content] + [""]
        elif b.kind == "links":
            out.append(" · ".join(f"[{text}]({href.replace('.html', '.md')})" for text, href in b.content) + "\n")
        elif b.kind == "toc":
            out.append("**Sommaire**\n")
            out += [f"{'  ' * (level - 2)}- [{title}](#{anchor})" for level, title, anchor in toc(blocks)]
            out.append("")
        elif b.kind == "figure":
            out.append(f"![{b.extra.get('title', b.name)}]({image_dir}/{image_file(b)})\n")
            out.append(f"*{b.caption}*\n")
        elif b.kind == "table":
            frame = _cells(b.content).map(lambda s: s.replace("|", "\\|").replace("\n", " "))
            out.append("| " + " | ".join(map(str, frame.columns)) + " |")
            out.append("|" + "---|" * len(frame.columns))
            out += ["| " + " | ".join(row) + " |" for row in frame.itertuples(index=False)]
            out.append("")
    return "\n".join(out)


STYLE = """
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:15px;line-height:1.5;color:#222;margin:0;background:#fafafa}
main{max-width:1040px;margin:0 auto;padding:1.5em 2em 4em;background:#fff}
h1{font-size:1.8em;color:#1f4e79;margin-top:.3em}
h2{font-size:1.4em;color:#1f4e79;border-bottom:2px solid #1f4e79;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.12em;color:#333;margin-top:1.6em}
p,li{max-width:75ch}
.note{background:#f1f5f9;border-left:4px solid #1f4e79;padding:.5em 1em;max-width:none}
nav.toc{background:#f1f5f9;padding:.6em 1.2em;margin:1em 0}
nav.toc ul{margin:.2em 0;padding-left:1.2em}
nav.toc li{max-width:none}
figure{margin:1.2em 0}
figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.85em;color:#555;margin-top:.3em}
table{border-collapse:collapse;margin:.8em 0 1.4em;font-size:.86em;max-width:100%}
th,td{border-bottom:1px solid #ddd;padding:3px 8px;vertical-align:top;text-align:left;overflow-wrap:break-word}
th{background:#e8eef5;font-weight:600}
td.num{text-align:right;white-space:nowrap}
td.status{white-space:nowrap;font-weight:600}
td.code{overflow-wrap:anywhere;font-size:.92em;min-width:9em}
tr:nth-child(even) td{background:#fafbfc}
a{color:#1f4e79}
.small{font-size:.85em;color:#555}
@media print{
 @page{size:A4;margin:14mm 12mm}
 body{background:#fff;font-size:10.5pt}
 main{max-width:none;padding:0}
 nav.toc,p.links{display:none}
 h2{break-before:auto;break-after:avoid}
 h3{break-after:avoid}
 figure,table,tr{break-inside:avoid}
 table{font-size:8.5pt}
 figure img{max-height:120mm;width:auto;max-width:100%}
 a{color:#222;text-decoration:none}
}
"""


def _table_html(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    status_values = {status_label(s) for s in STATUS_COLORS} | set(STATUS_COLORS)
    rows = []
    for row in _cells(frame).itertuples(index=False):
        cells = []
        for v in row:
            if v in status_values:
                status = next((k for k in STATUS_COLORS if v in (k, status_label(k))), "")
                color = STATUS_COLORS.get(status, "#333")
                cells.append(f'<td class="status" style="color:{color}">{html.escape(v)}</td>')
            elif _is_number(v):
                cells.append(f'<td class="num">{html.escape(v)}</td>')
            elif len(v) > 24 and " " not in v:  # an identifier: may break anywhere rather than widen its column
                cells.append(f'<td class="code">{html.escape(v)}</td>')
            else:
                cells.append(f"<td>{html.escape(v)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def to_html(blocks: list[Block], title: str, links: dict[str, str] | None = None) -> str:
    body = []
    for b in blocks:
        if b.kind == "h1":
            body.append(f"<h1>{html.escape(str(b.content))}</h1>")
        elif b.kind in ("h2", "h3"):
            body.append(f'<{b.kind} id="{b.name}">{html.escape(str(b.content))}</{b.kind}>')
        elif b.kind == "p":
            body.append(f"<p>{html.escape(str(b.content))}</p>")
        elif b.kind == "note":
            body.append(f'<p class="note">{html.escape(str(b.content))}</p>')
        elif b.kind == "links":
            body.append('<p class="links">' + " · ".join(
                f'<a href="{html.escape(href)}">{html.escape(text)}</a>' for text, href in b.content) + "</p>")
        elif b.kind == "list":
            items = "".join(
                f'<li><a href="{html.escape(links[i])}">{html.escape(i)}</a></li>' if links and i in links
                else f"<li>{html.escape(str(i))}</li>"
                for i in b.content
            )
            body.append(f"<ul>{items}</ul>")
        elif b.kind == "toc":
            items, level_open = [], 2
            for level, text, anchor in toc(blocks):
                if level > level_open:
                    items.append("<ul>")
                elif level < level_open:
                    items.append("</ul>")
                level_open = level
                items.append(f'<li><a href="#{anchor}">{html.escape(text)}</a></li>')
            items += ["</ul>"] * (level_open - 2)
            body.append(f'<nav class="toc"><strong>Sommaire</strong><ul>{"".join(items)}</ul></nav>')
        elif b.kind == "figure":
            data = base64.b64encode(b.content).decode()
            alt = html.escape(b.extra.get("title", b.name))
            mime = "image/svg+xml" if b.extra.get("ext") == "svg" else "image/png"
            body.append(
                f'<figure><img alt="{alt}" src="data:{mime};base64,{data}">'
                f"<figcaption>{html.escape(b.caption)}</figcaption></figure>"
            )
        elif b.kind == "table":
            body.append(_table_html(b.content))
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>"
    )


def image_file(block: Block) -> str:
    """File name of a figure's image: PNG charts, SVG maps (`extra["ext"]`)."""
    return f"{block.name}.{block.extra.get('ext', 'png')}"


def figure(content: bytes, name: str, title: str, unit: str, source: str, scope: str) -> Block:
    """A chart with what a reader needs under it: unit, source, geography and period."""
    return Block("figure", content, name, f"Unité : {unit} · Source : {source} · {scope}", {"title": title})


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def date_fr(day) -> str:
    """« 6 décembre 2026 » (« 1er » for the first of the month)."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def quarter_fr(quarter: str | None) -> str:
    """« 2023-T3 » → « 3e trimestre 2023 » (« 1er trimestre »); any other text unchanged."""
    text = str(quarter or "")
    if len(text) == 7 and text[4:6] == "-T" and text[:4].isdigit() and text[6] in "1234":
        n = int(text[6])
        return f"{'1er' if n == 1 else f'{n}e'} trimestre {text[:4]}"
    return text


# The flags a reader sees beside a number (the others are for analysts: exports' `marqueurs`, the annex)
READER_FLAGS = ("provisional", "suppressed", "estimated", "revised", "incomplete", "not_available")


def flag_words(flags: str | None) -> str:
    """Flags of a value in the reader's words (their labels in transforms/flags.yml), « » when none is shown."""
    labels = flag_vocabulary()
    found = [labels[f]["label"] for f in str(flags or "").split(",") if f in READER_FLAGS and f in labels]
    return f" ({', '.join(dict.fromkeys(found))})" if found else ""
