"""The report document as terminal tables, CSV files (one per table) and one HTML page.

The page is self-contained: no script and nothing from the network. The charts are SVG
drawn here by pygal (its tooltip scripts are taken out) and inlined; jinja2 lays out the page
with autoescaping, so an account named `<b>` stays text.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pygal
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pygal.style import Style

from sync.report.document import percent

TIERS = ("red", "yellow", "green", "unknown")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
_COLOURS = {"red": "#c0392b", "yellow": "#d4a017", "green": "#2e8b57", "unknown": "#8a8f98"}


def tables(document: dict[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every table of the report: name -> (headers, rows)."""
    kpi_head = ["", "due", "won", "lost", "open", "resolution", "close", "conversion",
                "renewed", "prior", "GRR", "NRR"]  # fmt: skip

    def kpi_row(name: str, k: dict[str, Any]) -> list[str]:
        return [
            name, str(k["due"]), str(k["won"]), str(k["lost"]), str(k["open"]),
            percent(k["resolution_rate"]), percent(k["close_rate"]),
            percent(k["conversion_rate"]), k["renewed_amount"], k["prior_amount"],
            percent(k.get("grr")), percent(k.get("nrr")),
        ]  # fmt: skip

    kpis = document["kpis"]
    calendar = document["calendar"]
    return {
        "kpis": (kpi_head, [kpi_row("all", kpis)]),
        "kpis_by_segment": (kpi_head, [kpi_row(n, k) for n, k in document["by_segment"].items()]),
        "kpis_by_owner": (kpi_head, [kpi_row(n, k) for n, k in document["by_owner"].items()]),
        "retention": (
            ["period", "accounts", "ARR at start", "ARR at end", "GRR", "NRR"],
            [
                [
                    f"{document['period']['from']} to {document['period']['to']}",
                    str(kpis["retention"]["accounts"]),
                    kpis["retention"]["arr_start"],
                    kpis["retention"]["arr_end"],
                    percent(kpis["grr"]),
                    percent(kpis["nrr"]),
                ]
            ]
            + [
                [q["quarter"], "", "", "", percent(q["grr"]), percent(q["nrr"])]
                for q in document["retention_by_quarter"]
            ],
        ),
        "calendar": (
            ["due within", "renewals", "expected spend"],
            [
                [f"{w['days']} days", str(w["count"]), w["expected_spend"]]
                for w in calendar["within"]
            ],
        ),
        "calendar_by_month": (
            ["month", "renewals", "expected spend", *TIERS],
            [
                [
                    m["month"],
                    str(m["count"]),
                    m["expected_spend"],
                    *(str(m["by_tier"].get(t, 0)) for t in TIERS),
                ]
                for m in calendar["by_month"]
            ],
        ),
        "overdue_tasks": (
            ["due", "days overdue", "account", "task"],
            [
                [t["due"], str(t["days_overdue"]), t["account"], t["subject"]]
                for t in calendar["overdue_tasks"]
            ],
        ),
        "at_risk": (
            ["due", "account", "owner", "amount", "tier", "score", "weak parts"],
            [
                [
                    r["due"],
                    r["account"],
                    r["owner"],
                    r["amount"],
                    r["tier"],
                    str(r["score"] or ""),
                    ", ".join(f"{k} {v}" for k, v in r["weak_parts"].items()),
                ]
                for r in document["at_risk"]
            ],
        ),
    }


def write_csv(document: dict[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (head, rows) in tables(document).items():
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(head)
            writer.writerows(rows)
        written.append(path)
    return written


def _style() -> Style:
    return Style(
        background="transparent", plot_background="transparent", font_family="sans-serif",
        colors=tuple(_COLOURS[t] for t in TIERS),
    )  # fmt: skip


def calendar_chart(document: dict[str, Any]) -> str:
    """Renewals due by month for the next 12 months, stacked by health tier."""
    months = document["calendar"]["by_month"]
    chart = pygal.StackedBar(
        style=_style(), height=320, width=900, js=(), disable_xml_declaration=True,
        show_legend=True, legend_at_bottom=True, x_label_rotation=30,
        title="Renewals due by month and health tier",
    )  # fmt: skip
    chart.x_labels = [m["month"] for m in months]
    for tier in TIERS:
        chart.add(tier, [m["by_tier"].get(tier, 0) for m in months])
    return _static(chart.render(is_unicode=True))


def _static(svg: str) -> str:
    """pygal's SVG without the inline script it adds for tooltips (the page runs none)."""
    return _SCRIPT.sub("", svg)


def retention_chart(document: dict[str, Any]) -> str:
    """GRR and NRR by quarter, in percent."""
    quarters = document["retention_by_quarter"]
    chart = pygal.Line(
        style=Style(background="transparent", plot_background="transparent",
                    font_family="sans-serif", colors=("#1f5fa8", "#2e8b57")),
        height=280, width=900, js=(), disable_xml_declaration=True, legend_at_bottom=True,
        title="Revenue retention by quarter (%)",
    )  # fmt: skip
    chart.x_labels = [q["quarter"] for q in quarters]
    for name in ("grr", "nrr"):
        chart.add(name.upper(), [_pct(q[name]) for q in quarters])
    return _static(chart.render(is_unicode=True))


def _pct(value: str | None) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def write_html(document: dict[str, Any], path: Path) -> Path:
    environment = Environment(
        loader=PackageLoader("sync.report", "templates"), autoescape=select_autoescape(),
    )  # fmt: skip
    environment.filters["percent"] = percent
    page = environment.get_template("report.html").render(
        doc=document,
        tables=tables(document),
        calendar_svg=Markup(calendar_chart(document)),  # noqa: S704 - pygal's own SVG
        retention_svg=Markup(retention_chart(document)),  # noqa: S704 - pygal's own SVG
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
