"""The report files: offline by construction, the experience map alone as SVG and PNG, change since the last run."""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path

import duckdb

from pipeline.flow import Progress, run_report

from .conftest import basic_config, write_project

CLICKS = "customer_id,ts,event\n" + "".join(
    f"c{i},2026-10-05T08:0{k}:00Z,{tp}\n"
    for i in range(6)
    for k, tp in enumerate(["ad", "view", "cart", "pay"][: 2 + i % 3])
)
MORE = "customer_id,ts,event\n" + "".join(
    f"n{i},2026-10-06T09:0{k}:00Z,{tp}\n"
    for i in range(4)
    for k, tp in enumerate(["ad", "view", "cart", "pay"])
)


def _report(tmp_path: Path) -> Path:
    cfg = write_project(
        tmp_path, {"clicks_1.csv": CLICKS}, basic_config(assumed_journey=["ad", "view", "cart", "pay"])
    )
    return run_report(cfg, tmp_path / "reports", progress=Progress(quiet=True))


def test_page_needs_no_network(tmp_path: Path) -> None:
    html = _report(tmp_path).read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html, re.IGNORECASE)
    assert "window.vegaEmbed" in html and html.count("window.vegaEmbed=") == 1  # the bundle, inlined once
    assert 'id="chart-specs"' in html


def test_experience_map_alone_as_svg_and_png(tmp_path: Path) -> None:
    out = _report(tmp_path).parent
    svg = (out / "experience_map.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "How it feels" in svg and "Awareness" in svg
    png = (out / "experience_map.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_second_run_shows_change_since_the_first(tmp_path: Path) -> None:
    first = _report(tmp_path)
    first_id = first.parent.name
    first_html = first.read_text(encoding="utf-8")
    assert "This is the first run on this warehouse" in first_html
    assert 'id="chart-history"' not in first_html
    (tmp_path / "clicks_2.csv").write_text(MORE, encoding="utf-8")  # a new day of exports
    second = run_report(tmp_path / "journey.yml", tmp_path / "reports", progress=Progress(quiet=True))
    html = second.read_text(encoding="utf-8")
    assert f"This run against the previous one ({first_id})" in html
    row = re.search(
        r"<tr><td>customers</td><td class=\"n\">([\d,]+)</td><td class=\"n\">([\d,]+)</td><td class=\"n\">(.*?)</td></tr>",
        html,
    )
    assert row is not None
    assert (row.group(1), row.group(2)) == ("6", "10")
    assert "▲ +4" in row.group(3)
    specs = json.loads(
        re.search(r'<script type="application/json" id="chart-specs">(.*?)</script>', html, re.S).group(1)
    )  # type: ignore[union-attr]
    assert "chart-history" in specs
    runs = {
        r["run_id"]
        for r in specs["chart-history"]["datasets"][next(iter(specs["chart-history"]["datasets"]))]
    }
    assert runs == {first_id, second.parent.name}


FIVE_PATHS = {
    "c0": ["ad", "social_x", "view", "cart", "pay"],
    "c1": ["ad", "view", "cart"],
    "c2": ["view", "compare"],
    "c3": ["view", "track"],
    "c4": ["view"],
}


def _five_customers(tmp_path: Path, *queries: str) -> list[list[tuple[object, ...]]]:
    """A report on FIVE_PATHS, assumed journey any_of(ad, social_x) → view → optional compare → cart → pay;
    the rows of each query on its warehouse."""
    clicks = "customer_id,ts,event\n" + "".join(
        f"{c},2026-10-05T08:0{k}:00Z,{tp}\n" for c, path in FIVE_PATHS.items() for k, tp in enumerate(path)
    )
    journey = [{"any_of": ["ad", "social_x"]}, "view", {"optional": "compare"}, "cart", "pay"]
    cfg = write_project(tmp_path, {"clicks_1.csv": clicks}, basic_config(assumed_journey=journey))
    run_report(cfg, tmp_path / "reports", progress=Progress(quiet=True))
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        return [con.execute(query).fetchall() for query in queries]
    finally:
        con.close()


def test_flow_diagram_counts_an_any_of_step_once_per_customer(tmp_path: Path) -> None:
    # c0 does both touchpoints of the first (any_of) step: the step is reached by 2 of 5 customers, not 3, so
    # most skip it; a one-touchpoint step is reached by that touchpoint's customers; track, outside the design,
    # sits half a step after view, where its customers come from
    [got] = _five_customers(
        tmp_path,
        "select touchpoint, kind, customers, share from rpt_flow_nodes where persona = 'All customers'"
        " order by x, y desc",
    )
    assert got == [
        ("ad", "assumed, most skip it", 2, 0.4),
        ("social_x", "assumed, most skip it", 1, 0.2),
        ("view", "assumed", 5, 1.0),
        ("track", "not in the assumed journey", 1, 0.2),
        ("compare", "assumed", 1, 0.2),
        ("cart", "assumed, most skip it", 2, 0.4),
        ("pay", "assumed, most skip it", 1, 0.2),
    ]


def test_persona_stages_add_up_to_the_customers_reach_and_drop_off(tmp_path: Path) -> None:
    # reached: Awareness c0 c1; Consideration all; Decision c0 c1; Service c3. Furthest stage: Consideration for
    # c2 and c4, Decision for c0 and c1, Service for c3 — where each drops off (the last stage has no drop-off)
    got, all_customers = _five_customers(
        tmp_path,
        "select stage, sum(customers)::int, round(sum(customers * drop_off_rate))::int from rpt_persona_stages"
        " group by stage, stage_order order by stage_order",
        "select e.stage, e.customers, f.customers, f.drop_off_rate from rpt_experience_stages as e"
        " join rpt_funnel as f using (persona, stage) where persona = 'All customers' order by e.stage_order",
    )
    assert got == [
        ("Awareness", 2, 0),
        ("Consideration", 5, 2),
        ("Decision", 2, 2),
        ("Service", 1, 1),
        ("Loyalty", 0, None),
    ]
    assert all_customers == [
        ("Awareness", 2, 2, 0.0),
        ("Consideration", 5, 5, 0.4),
        ("Decision", 2, 2, 1.0),
        ("Service", 1, 1, 1.0),
        ("Loyalty", 0, 0, None),
    ]


def test_javascript_bundle_is_built_once_and_then_read_from_the_cache(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pipeline import render

    monkeypatch.setenv("JOURNEYS_CACHE_DIR", str(tmp_path / "cache"))
    render.javascript_bundle.cache_clear()
    built = render.javascript_bundle()
    (cached,) = (tmp_path / "cache").iterdir()
    assert cached.name == (
        f"vega-bundle-vl-convert-{version('vl-convert-python')}-vega-lite-{render.VL_VERSION}.js"
    )
    assert cached.read_text(encoding="utf-8") == built and "window.vegaEmbed=" in built

    def not_again(**_: object) -> str:
        raise AssertionError("the bundle was built again")

    monkeypatch.setattr(render.vlc, "javascript_bundle", not_again)
    render.javascript_bundle.cache_clear()
    assert render.javascript_bundle() == built
    render.javascript_bundle.cache_clear()


def test_javascript_bundle_is_built_when_the_cache_cannot_be_written(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pipeline import render

    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")
    monkeypatch.setenv("JOURNEYS_CACHE_DIR", str(tmp_path / "not-a-folder"))
    render.javascript_bundle.cache_clear()
    assert "window.vegaEmbed=" in render.javascript_bundle()
    assert [p.name for p in tmp_path.iterdir()] == ["not-a-folder"]  # nothing left behind
    render.javascript_bundle.cache_clear()
