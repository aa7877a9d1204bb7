"""The report in a real browser: headless Chromium opens index.html from disk with the network cut off.

Every chart must draw (SVG with marks), nothing may be requested from the network, the console must stay
free of errors, the persona selector must narrow the charts, and hostile ticket text must stay text.
A full-page screenshot is kept in tests/artifacts/ for people to look at.

Chromium: `make test` installs Debian's package when it is missing and it can; without it these tests are
skipped and say so.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.flow import Progress, run_report

from .conftest import REPO, write_project

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None
)
ARTIFACTS = REPO / "tests" / "artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Chromium is not installed (make test installs Debian's chromium when it can)",
    ),
]
CHART_IDS = [
    "chart-experience-map",
    "chart-pain",
    "chart-assumed-vs-actual",
    "chart-funnel",
    "chart-variants",
    "chart-times",
    "chart-personas",
    "chart-quality",
]


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(REPO / "data" / "sample", root / "data" / "sample")
    shutil.copy(REPO / "journey.yml", root / "journey.yml")
    return run_report(root / "journey.yml", root / "reports", progress=Progress(quiet=True))


class Page:
    """A loaded report page with what it logged and tried to fetch."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []


@pytest.fixture
def open_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )

        def load(html: Path) -> Page:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
            page = context.new_page()
            loaded = Page(page)

            def route(r: Any) -> None:
                if r.request.url.startswith("file:"):
                    r.continue_()
                else:  # the network is off: record and refuse
                    loaded.requests.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page.on("console", lambda m: loaded.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: loaded.errors.append(str(e)))
            page.goto(html.as_uri())
            page.wait_for_selector("body[data-charts=done]", timeout=90_000)
            return loaded

        yield load
        browser.close()


def test_every_chart_draws_offline_without_errors(sample_report: Path, open_page: Any) -> None:
    loaded = open_page(sample_report)
    states = loaded.page.eval_on_selector_all(
        ".chart",
        "els => els.map(e => [e.id, e.getAttribute('data-drawn'), e.querySelectorAll('svg g.mark-symbol path, svg g.mark-rect path, svg g.mark-line path, svg g.mark-text text, svg g.mark-rule line, svg g.mark-area path').length])",
    )
    drawn = {chart_id: (state, marks) for chart_id, state, marks in states}
    for chart_id in CHART_IDS:
        assert chart_id in drawn, chart_id
        state, marks = drawn[chart_id]
        assert state == "true" and marks > 0, (chart_id, state, marks)
    assert loaded.errors == []
    assert loaded.requests == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    loaded.page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert (ARTIFACTS / "report.png").stat().st_size > 50_000


def test_persona_selector_narrows_the_charts(sample_report: Path, open_page: Any) -> None:
    loaded = open_page(sample_report)
    page = loaded.page
    options = page.eval_on_selector_all("#persona-select option", "els => els.map(e => e.value)")
    assert options[0] == "All customers" and len(options) == 4
    before = page.inner_text("#chart-funnel")
    page.select_option("#persona-select", options[3])  # the refillers, who never pass Awareness
    page.wait_for_function(
        "label => window.journeyViews['chart-funnel'].signal('persona') === label",
        arg=options[3],
        timeout=10_000,
    )
    page.wait_for_timeout(300)
    after = page.inner_text("#chart-funnel")
    assert before != after
    for chart_id in ("chart-experience-map", "chart-assumed-vs-actual", "chart-variants", "chart-times"):
        assert page.evaluate(f"window.journeyViews['{chart_id}'].signal('persona')") == options[3]
    assert loaded.errors == []


HOSTILE_TICKETS = (
    "customer_id,ts,category,body\n"
    'a,2026-10-05T08:10:00Z,payment,"</script><script>window.pwned = 1</script> charged twice, refund now"\n'
    'b,2026-10-05T08:10:00Z,payment,"<img src=x onerror=""window.pwned = 2""> card declined, unacceptable"\n'
    'c,2026-10-05T08:10:00Z,"<b>odd</b>","&lt;script&gt; \u2028 line separator and ""quotes"" — awful"\n'
)


def test_hostile_ticket_text_stays_text(tmp_path: Path, open_page: Any) -> None:
    clicks = "customer_id,ts,event\n" + "".join(
        f"{c},2026-10-05T08:0{i}:00Z,{tp}\n" for c in "abcdef" for i, tp in enumerate(["ad", "view", "pay"])
    )
    config = {
        "name": "<script>alert('title')</script> pharmacy",
        "sources": {
            "clickstream": {
                "path": "clicks.csv",
                "customer_id": "customer_id",
                "timestamp": "ts",
                "touchpoint": "event",
            },
            "tickets": {
                "path": "tickets.csv",
                "customer_id": "customer_id",
                "timestamp": "ts",
                "text": "body",
                "category": "category",
                "about": {"payment": "pay"},
            },
        },
        "stages": [
            {"name": "Awareness", "touchpoints": ["ad"]},
            {"name": "Consideration", "touchpoints": ["view"]},
            {"name": "Decision", "touchpoints": ["pay"]},
            {"name": "Service", "touchpoints": ["ticket*"]},
        ],
        "assumed_journey": ["ad", "view", "pay"],
    }
    cfg = write_project(tmp_path, {"clicks.csv": clicks, "tickets.csv": HOSTILE_TICKETS}, config)
    html = run_report(cfg, tmp_path / "reports", progress=Progress(quiet=True))
    text = html.read_text(encoding="utf-8")
    assert (
        "<script>window.pwned" not in text
        and "<script>alert('title')" not in text
        and "<b>odd</b>" not in text
    )
    loaded = open_page(html)
    page = loaded.page
    assert page.evaluate("window.pwned") is None
    assert page.title().startswith("<script>alert('title')</script> pharmacy")  # shown as text
    assert "</script><script>window.pwned = 1</script> charged twice" in page.inner_text("body")
    assert loaded.errors == []
