"""Hostile ticket text through the whole `journeys report`: escaped in the page, neutralised in the CSVs, personal
data redacted everywhere the report writes — in one run of the real command."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

from ..conftest import TICKET_COLUMNS, basic_config, write_project

SCRIPT = "</script><script>alert('owned')</script>"
FORMULA = '=HYPERLINK("http://evil.example/x","click")'
EMAIL = "jan.jansen@example.nl"
PHONE = "+31 6 1234 5678"


def test_hostile_ticket_text_is_harmless_in_every_output(tmp_path: Path) -> None:
    clicks = ["customer_id,ts,event"]
    tickets = ["customer_id,created_at,body,category"]
    for i in range(12):
        c = f"c{i}"
        clicks += [
            f"{c},2026-10-05T08:00:{i:02d}Z,ad",
            f"{c},2026-10-05T08:05:{i:02d}Z,cart",
            f"{c},2026-10-05T08:09:{i:02d}Z,pay",
        ]
        body = [
            f"Payment failed, terrible, awful service {SCRIPT}",
            f"{FORMULA} payment broken and horrible",
            f"Payment failed again, I am furious, mail me at {EMAIL} or call {PHONE}",
        ][i % 3]
        tickets.append(f'{c},2026-10-05T09:00:{i:02d}Z,"{body.replace(chr(34), chr(34) * 2)}",payment')
    tickets.append(f'{FORMULA},2026-10-05T09:00:00Z,"{FORMULA.replace(chr(34), chr(34) * 2)}",payment')
    config = basic_config(
        sources={
            "clickstream": {
                "path": "clicks.csv",
                "customer_id": "customer_id",
                "timestamp": "ts",
                "touchpoint": "event",
            },
            "tickets": {"path": "tickets.csv", **TICKET_COLUMNS, "about": {"payment": "pay"}},
        },
        assumed_journey=["ad", "cart", "pay"],
    )
    cfg = write_project(
        tmp_path, {"clicks.csv": "\n".join(clicks) + "\n", "tickets.csv": "\n".join(tickets) + "\n"}, config
    )
    out = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "report", "--config", str(cfg), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    latest = out / "latest"
    page = (latest / "index.html").read_text(encoding="utf-8")
    summary = (latest / "summary.json").read_text(encoding="utf-8")
    tables = {p.name: p.read_text(encoding="utf-8") for p in (latest / "tables").glob("*.csv")}

    # the page: the quotes are there, but only as text
    assert "payment" in page.lower()
    assert "<script>alert(" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(" in page  # the quote is shown, as text
    assert page.count("<script") == page.lower().count("<script")  # no odd-case variants either
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert all("alert" not in s for s in scripts)

    # personal data: nowhere in what the report writes
    for text in [page, summary, *tables.values()]:
        assert EMAIL not in text
        assert "1234 5678" not in text
    assert "[email]" in page or "[email]" in summary or any("[email]" in t for t in tables.values())

    # CSVs: no cell a spreadsheet would run
    for name, text in tables.items():
        for row in csv.reader(text.splitlines()):
            for value in row:
                assert (
                    not re.match(r"^[=+\-@\t\r]", value) or value.lstrip("-").replace(".", "", 1).isdigit()
                ), (name, value)
    assert any(
        value.startswith("'=HYPERLINK")
        for row in csv.reader(tables["pain_points.csv"].splitlines())
        for value in row
    )
    json.loads(summary)  # still valid JSON
