"""The report: index.html (one Jinja2 template, every chart interactive, offline), the experience map as
SVG and PNG, and summary.json.

- Chart data comes from `sql/reports/rpt_*` tables; `pipeline/charts.py` only encodes it.
- The Vega, Vega-Lite and vega-embed JavaScript (vl-convert's bundle) is inlined once; each chart's spec is
  embedded as JSON in a `<script type="application/json">` block with `<`, `>` and `&` escaped, so text from
  the data (a ticket quote with `</script>`) can neither end the block nor inject markup.
- Jinja2 autoescaping is on for everything else.
"""

from __future__ import annotations

import contextlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import vl_convert as vlc
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from . import charts
from .config import UNMAPPED, Config

_env = Environment(
    loader=PackageLoader("pipeline", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
VL_VERSION = "6.4"
EMBED_OPTIONS = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}


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


def _change(current: float | None, previous: float | None, digits: int = 0, percent: bool = False) -> Markup:
    """▲/▼ and the difference, or an em dash when there is nothing to compare."""
    if current is None or previous is None:
        return Markup("—")
    diff = current - previous
    if abs(diff) < 10 ** (-(digits + (2 if percent else 0))) / 2:
        return Markup('<span class="same">=</span>')
    shown = f"{diff * 100:+.{digits}f} pt" if percent else f"{diff:+,.{digits}f}"
    arrow, cls = ("▲", "up") if diff > 0 else ("▼", "down")
    return Markup(f'<span class="{cls}">{arrow} {shown}</span>')


_env.filters["pct"] = _pct
_env.filters["num"] = _num
_env.filters["hours"] = _hours
_env.globals["change"] = _change


def safe_json(value: Any) -> Markup:
    """JSON that can sit inside a <script> element: no '<', '>' or '&' can end it or start markup."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return Markup(text)


def cache_dir() -> Path:
    """Where files that depend only on the installed packages are kept between runs: `$JOURNEYS_CACHE_DIR`, else
    `$XDG_CACHE_HOME/observed-journeys`, else `~/.cache/observed-journeys`."""
    if os.environ.get("JOURNEYS_CACHE_DIR"):
        return Path(os.environ["JOURNEYS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "observed-journeys"


@cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script (from vl-convert: nothing fetched at run time).

    vl-convert builds it in ~2 CPU-s, the same bytes every time for one vl-convert and Vega-Lite version: it is
    kept in the cache folder under those versions (written whole, then renamed) and read from there by later
    runs. A cache that cannot be read or written is skipped: the bundle is built instead.
    """
    path = cache_dir() / f"vega-bundle-vl-convert-{version('vl-convert-python')}-vega-lite-{VL_VERSION}.js"
    try:
        bundle = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        bundle = str(vlc.javascript_bundle(vl_version=VL_VERSION))  # type: ignore[call-arg]
        _store(path, bundle)
    if "</script" in bundle.lower():  # it is inlined in a <script> element
        raise RuntimeError("the JavaScript bundle contains '</script' and cannot be inlined")
    return bundle


def _store(path: Path, text: str) -> None:
    """Best effort: `text` at `path`, never half-written (a temporary name in the same folder, then a rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        with contextlib.suppress(OSError):  # e.g. the folder is a file
            tmp.unlink(missing_ok=True)


def write_summary(out: Path, summary: dict[str, Any]) -> Path:
    """summary.json, written to a temporary name and renamed so it is never half-written."""
    path = out / "summary.json"
    tmp = out / ".summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path


def _frame(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    return con.execute(f"select * from {table}").df()


def experience_map_spec(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, Any]:
    """The observed experience map's Vega-Lite spec (all customers, with the persona selector)."""
    chart = charts.experience_map(
        _frame(con, "rpt_experience_stages"),
        _frame(con, "rpt_experience_touchpoints"),
        _frame(con, "rpt_experience_pains").assign(persona=charts.ALL),
        [s.name for s in config.stages],
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


def chart_specs(
    con: duckdb.DuckDBPyConnection, config: Config, experience_map: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Every chart's Vega-Lite spec, by element id (the experience map's as given, if it is)."""
    order = [s.name for s in config.stages]
    specs: dict[str, Any] = {
        "chart-assumed-vs-actual": charts.assumed_vs_actual(
            _frame(con, "rpt_flow_nodes"), _frame(con, "rpt_flow_edges")
        ),
        "chart-funnel": charts.funnel_and_flow(
            _frame(con, "rpt_funnel"), _frame(con, "rpt_stage_flow"), order
        ),
        "chart-variants": charts.variants(_frame(con, "rpt_variants_top")),
        "chart-times": charts.times(
            _frame(con, "rpt_stage_times"), _frame(con, "rpt_transition_times"), order
        ),
        "chart-pain": charts.pain_points(_frame(con, "rpt_pain_components")),
        "chart-personas": charts.personas(_frame(con, "personas"), _frame(con, "rpt_persona_trait_matrix")),
        "chart-quality": charts.data_quality(_frame(con, "rpt_data_quality")),
    }
    history = _frame(con, "rpt_run_history")
    if history["run_id"].nunique() > 1:
        specs["chart-history"] = charts.history(history)
    first = experience_map if experience_map is not None else experience_map_spec(con, config)
    return {"chart-experience-map": first, **{key: chart.to_dict() for key, chart in specs.items()}}


def write_experience_map(out: Path, spec: dict[str, Any]) -> None:
    """experience_map.svg and .png: the map alone (all customers), for slides."""
    (out / "experience_map.svg").write_text(
        vlc.vegalite_to_svg(spec, vl_version=VL_VERSION), encoding="utf-8"
    )
    (out / "experience_map.png").write_bytes(vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=2))


def write_report(
    out: Path,
    con: duckdb.DuckDBPyConnection,
    config: Config,
    summary: dict[str, Any],
    history: list[dict[str, Any]],
) -> Path:
    """index.html, experience_map.svg and experience_map.png for one run.

    The map's SVG and PNG are drawn by vl-convert (Rust, without the GIL) in a thread while the other charts'
    specs are made in Python (the render stage ran on one core: 1.9 -> 1.2 s for both at 10M events).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        experience_map = experience_map_spec(con, config)
        drawing = pool.submit(write_experience_map, out, experience_map)
        specs = chart_specs(con, config, experience_map)
        drawing.result()
    persona_charts = [
        key for key, spec in specs.items() if any(p.get("name") == "persona" for p in spec.get("params", []))
    ]
    previous = history[0] if history else None
    html = _env.get_template("report.html.j2").render(
        title=config.name,
        summary=summary,
        previous=previous,
        history=history,
        specs=safe_json(specs),
        persona_charts=safe_json(persona_charts),
        embed_options=safe_json(EMBED_OPTIONS),
        chart_ids=list(specs),
        javascript=Markup(javascript_bundle()),
        unmapped=UNMAPPED,
    )
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
