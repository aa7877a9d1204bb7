"""Pain points on a hand-worked fixture: every component, the score formula, evidence, quotes, safety.

Stages: Awareness [ad], Consideration [view], Decision [cart, pay, confirm, upload], Service [track, ticket*],
Loyalty [refill]. Assumed journey ad > view > cart > pay > confirm > track: the goal stage is Service.
Clicks (all steps 60 s apart unless said):
  p1: ad view cart pay pay(+600 s) confirm      ticket about pay: "charged twice", CSAT 1
  p2: ad view cart pay                          ticket about pay: "card declined … +31 6 12345678 …"
  p3: ad view cart pay confirm track(+1 day)    ticket 'delivery' (about track): a neutral question, CSAT 4
  p4: ad view cart pay confirm
  p5: refill upload cart(+30 h) pay confirm
pay: reached by 5; 2 of them wrote a ticket, both negative -> ticket rate 0.4, negative share 1.0, voice
min(1, 0.4 / 0.25) = 1; p2's journey ends at pay -> drop-off 0.2; p1 came back -> loop 0.2; waits after pay
to the next Decision step are 600, 60, 60, 60, 60 s (median 60 s) and every Decision wait has median 60 s
-> ratio 1, waiting 0. Score = 100 * (0.45*1 + 0.30*0.2 + 0.15*0.2 + 0.10*0) = 54.
upload: 1 customer, no ticket, no drop-off, no loop; waits 30 h vs the usual 60 s -> ratio 1800,
waiting min(1, log10(1800) / 3) = 1 -> score 100 * 0.10 = 10.
track: in the goal stage, so no drop-off or waiting; its one ticket is not negative -> score 0.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.flow import Progress, run_report

from .conftest import rows, write_project

T0 = 1_791_187_200  # 2026-10-05 08:00:00 UTC


def _clicks() -> str:
    lines = ["customer_id,ts,event"]

    def add(cid: str, steps: list[tuple[str, int]]) -> None:
        t = T0
        for touchpoint, gap in steps:
            t += gap
            lines.append(f"{cid},{t},{touchpoint}")

    base = [("ad", 0), ("view", 60), ("cart", 60), ("pay", 60)]
    add("p1", [*base, ("pay", 600), ("confirm", 60)])
    add("p2", base)
    add("p3", [*base, ("confirm", 60), ("track", 86400)])
    add("p4", [*base, ("confirm", 60)])
    add("p5", [("refill", 0), ("upload", 60), ("cart", 108000), ("pay", 60), ("confirm", 60)])
    return "\n".join(lines) + "\n"


TICKETS = (
    "customer_id,ts,category,body,csat\n"
    f"p1,{T0 + 1000},payment,I was charged twice and want a refund,1\n"
    f'p2,{T0 + 1000},payment,"Card declined again, call me on +31 6 12345678. Unacceptable!",\n'
    f"p3,{T0 + 200000},delivery,When will my parcel arrive?,4\n"
)


def _config(tickets: bool = True) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": "Pain fixture",
        "sources": {
            "clickstream": {
                "path": "clicks.csv",
                "customer_id": "customer_id",
                "timestamp": "ts",
                "timestamp_format": "epoch_s",
                "touchpoint": "event",
            }
        },
        "stages": [
            {"name": "Awareness", "touchpoints": ["ad"]},
            {"name": "Consideration", "touchpoints": ["view"]},
            {"name": "Decision", "touchpoints": ["cart", "pay", "confirm", "upload"]},
            {"name": "Service", "touchpoints": ["track", "ticket*"]},
            {"name": "Loyalty", "touchpoints": ["refill"]},
        ],
        "assumed_journey": ["ad", "view", "cart", "pay", "confirm", "track"],
    }
    if tickets:
        config["sources"]["tickets"] = {
            "path": "tickets.csv",
            "customer_id": "customer_id",
            "timestamp": "ts",
            "timestamp_format": "epoch_s",
            "text": "body",
            "category": "category",
            "satisfaction": "csat",
            "about": {"payment": "pay", "delivery": "track"},
        }
    return config


@pytest.fixture
def con(project):  # type: ignore[no-untyped-def]
    return project({"clicks.csv": _clicks(), "tickets.csv": TICKETS}, _config())


def _pain(con) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """pain_points rows by touchpoint."""
    cur = con.execute("select * from pain_points")
    names = [d[0] for d in cur.description]
    return {row[names.index("touchpoint")]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def test_components_of_pay(con) -> None:  # type: ignore[no-untyped-def]
    pay = _pain(con)["pay"]
    assert (pay["customers"], pay["tickets"], pay["negative_tickets"]) == (5, 2, 2)
    assert pay["ticket_rate"] == pytest.approx(0.4)
    assert pay["negative_share"] == pytest.approx(1.0)
    assert pay["voice_component"] == pytest.approx(1.0)
    assert pay["drop_off_rate"] == pytest.approx(0.2)
    assert pay["loop_rate"] == pytest.approx(0.2)
    assert pay["median_wait_hours"] == pytest.approx(60 / 3600)
    assert pay["wait_ratio"] == pytest.approx(1.0)
    assert pay["score"] == pytest.approx(54.0)
    assert pay["pain_rank"] == 1
    assert pay["evidence"] == (
        "40% of customers who reached pay opened a ticket about it; 100% of those tickets are negative;"
        " 20% never got further; 20% came back to it more than once"
    )


def test_waiting_and_the_goal_stage(con) -> None:  # type: ignore[no-untyped-def]
    pain = _pain(con)
    upload = pain["upload"]
    assert upload["wait_ratio"] == pytest.approx(1800.0)
    assert upload["score"] == pytest.approx(10.0)
    assert (
        upload["evidence"]
        == "they waited a median 30.0 h for their next step in Decision, 1800 times the usual 60 s"
    )
    track = pain["track"]
    # A busy but neutral touchpoint in the goal stage: a ticket from everyone who reached it, score 0.
    assert (track["ticket_rate"], track["negative_share"], track["drop_off_rate"], track["score"]) == (
        1.0,
        0.0,
        None,
        0.0,
    )
    assert "ticket" not in pain  # tickets are not touchpoints of the journey here


def test_sentiment_blends_text_and_satisfaction(con) -> None:  # type: ignore[no-untyped-def]
    from pipeline.sentiment import score_text

    got = dict(rows(con, "select customer_id, sentiment from int_ticket_sentiment"))
    assert got["p1"] == pytest.approx(0.5 * score_text("I was charged twice and want a refund") + 0.5 * -1.0)
    assert got["p2"] == pytest.approx(
        score_text("Card declined again, call me on +31 6 12345678. Unacceptable!")
    )
    assert got["p3"] == pytest.approx(0.5 * score_text("When will my parcel arrive?") + 0.5 * 0.5)
    stages = dict(rows(con, "select stage, sentiment_mean from stages where n_tickets > 0"))
    assert stages == {
        "Decision": pytest.approx((got["p1"] + got["p2"]) / 2),
        "Service": pytest.approx(got["p3"]),
    }


def test_quotes_are_redacted_most_negative_first(con) -> None:  # type: ignore[no-untyped-def]
    from pipeline.pain import write_quotes

    assert write_quotes(con) == 2  # quotes come from negative tickets only: the delivery question is not one
    quotes = rows(
        con, "select quote, sentiment from pain_point_quotes where touchpoint = 'pay' order by quote_rank"
    )
    # p1: 0.5 * text + 0.5 * CSAT(1 -> -1) is below p2's text-only score, so p1 comes first.
    assert [q[0] for q in quotes] == [
        "I was charged twice and want a refund",
        "Card declined again, call me on [phone]. Unacceptable!",
    ]
    assert quotes[0][1] < quotes[1][1]


def test_clickstream_only_rests_on_behaviour(project) -> None:  # type: ignore[no-untyped-def]
    con = project({"clicks.csv": _clicks()}, _config(tickets=False))
    pay = _pain(con)["pay"]
    assert pay["voice_component"] is None and pay["tickets"] == 0
    assert pay["score"] == pytest.approx(100 * (0.30 * 0.2 + 0.15 * 0.2) / 0.55)
    assert rows(con, "select count(*) from stages where sentiment_mean is not null") == [(0,)]


HOSTILE = (
    "customer_id,ts,category,body,csat\n"
    f"p1,{T0 + 1000},payment,\"<script>alert('x')</script></td></table><b>charged twice</b>, refund!\",1\n"
    f'p2,{T0 + 1000},payment,"=HYPERLINK(""http://evil.example"",""refund"") card declined, call +44 7700 900123",1\n'
)


def test_hostile_text_is_harmless_in_html_csv_and_json(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, {"clicks.csv": _clicks(), "tickets.csv": HOSTILE}, _config())
    html_path = run_report(cfg, tmp_path / "reports", progress=Progress(quiet=True))
    html = html_path.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "</table><b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;/td&gt;&lt;/table&gt;" in html
    with (html_path.parent / "tables" / "pain_points.csv").open(encoding="utf-8", newline="") as fh:
        pay = next(r for r in csv.DictReader(fh) if r["touchpoint"] == "pay")
    quotes = {pay["quote_1"], pay["quote_2"]}
    assert '\'=HYPERLINK("http://evil.example","refund") card declined, call [phone]' in quotes
    summary = json.loads((html_path.parent / "summary.json").read_text(encoding="utf-8"))
    pay_json = next(p for p in summary["pain_points"] if p["touchpoint"] == "pay")
    assert all("7700" not in q for q in pay_json["quotes"])
    assert pay_json["score"] > 0 and pay_json["negative_share"] == 1.0


def test_waits_and_last_clicks_skip_tickets_between_clicks(project) -> None:  # type: ignore[no-untyped-def]
    # a click's wait runs to the next click, over a ticket written between them; a ticket after the last click
    # does not make that click anything but the customer's last
    from .conftest import TICKET_COLUMNS, basic_config

    config = basic_config()
    config["sources"]["tickets"] = {"path": "tickets.csv", **TICKET_COLUMNS}
    clicks = (
        "customer_id,ts,event\n"
        "w1,2026-10-05T08:00:00Z,cart\nw1,2026-10-05T08:01:00Z,pay\n"  # a ticket at 08:00:30 between them
        "w2,2026-10-05T08:00:00Z,cart\nw2,2026-10-05T08:03:00Z,pay\n"
        "w3,2026-10-05T08:00:00Z,cart\n"  # then a ticket an hour later: w3 ends at cart
    )
    tickets = (
        "customer_id,created_at,body,category\n"
        "w1,2026-10-05T08:00:30Z,Where is the pay button?,payment\n"
        "w3,2026-10-05T09:00:00Z,I gave up,payment\n"
    )
    con = project({"clicks.csv": clicks, "tickets.csv": tickets}, config)
    got = rows(con, "select touchpoint, median_wait_hours * 3600, drop_off_rate from pain_points order by 1")
    # cart: waits 60 s (w1, across the ticket) and 180 s (w2) -> median 120 s; w3 of 3 ends there.
    # pay: nobody clicks after it (no wait); w1 and w2 end there, 2 of 2.
    assert got == [("cart", pytest.approx(120.0), pytest.approx(1 / 3)), ("pay", None, pytest.approx(1.0))]
