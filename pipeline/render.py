"""The report: summary.json and a self-contained index.html from one Jinja2 template.

Jinja2 autoescaping is on for every template, so any text from the data (touchpoint names, ticket quotes,
file names) is escaped before it reaches the page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from .config import Config

_env = Environment(
    loader=PackageLoader("pipeline", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _num(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _hours(value: float | None) -> str:
    """Hours as a readable duration: 45 s, 12 min, 5.2 h, 3.1 d."""
    if value is None:
        return "—"
    seconds = value * 3600
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} d"


_env.filters["pct"] = _pct
_env.filters["hours"] = _hours
_env.filters["num"] = _num


def write_summary(out: Path, summary: dict[str, Any]) -> Path:
    """summary.json, written to a temporary name and renamed so it is never half-written."""
    path = out / "summary.json"
    tmp = out / ".summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path


def write_report(out: Path, config: Config, summary: dict[str, Any], history: list[dict[str, Any]]) -> Path:
    """index.html for one run."""
    html = _env.get_template("report.html.j2").render(
        title=config.name, summary=summary, history=history, stages_config=config.stages
    )
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
