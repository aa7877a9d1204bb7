"""The unified journey log and its marts on a hand-worked fixture (answers derived on paper, in comments).

Events in UTC, in case order (T = ticket):
  u1: ad 10-05 08:00 | view 08:10 | cart 08:20:00 | pay 08:20:00 | T payment 08:20:00 | track 10-06 08:00
  u2: social_post 10-05 12:00 | view 12:05 | cart 12:10 (+ a duplicate) | compare 12:15 | T question 10-12 12:00
  u3: ad 10-05 07:00 | T billing 10-15 07:00 (10 days later)
  u4: view 10-07 10:00 | mystery 10:01 (no stage) | T delivery 11:00 | refill 10-08 10:00
  u5: T (no category) 10-09 10:00
  u6: ad 10-05 09:00 | view 09:30          (gap exactly 30 min: one session)
  u7: ad 10-06 09:00 | view 09:31          (gap 31 min: two sessions)
u1's timestamps are written with +02:00, naive Amsterdam time, Z and +01:00; all are the same instants.
"""

from __future__ import annotations

import random

import pytest

from .conftest import TICKET_COLUMNS, basic_config, rows

CLICKS = """\
customer_id,ts,event
u1,2026-10-05T10:00:00+02:00,ad
u1,2026-10-05 10:10:00,view
u1,2026-10-05T08:20:00Z,cart
u1,2026-10-05T09:20:00+01:00,pay
u1,2026-10-06T09:00:00+01:00,track
u2,2026-10-05T12:00:00Z,social_post
u2,2026-10-05T12:05:00Z,view
u2,2026-10-05T12:10:00Z,cart
u2,2026-10-05T14:10:00+02:00,cart
u2,2026-10-05T12:15:00Z,compare
u3,2026-10-05T07:00:00Z,ad
u4,2026-10-07T10:00:00Z,view
u4,2026-10-07T10:01:00Z,mystery
u4,2026-10-08T10:00:00Z,refill
u6,2026-10-05T09:00:00Z,ad
u6,2026-10-05T09:30:00Z,view
u7,2026-10-06T09:00:00Z,ad
u7,2026-10-06T09:31:00Z,view
"""

TICKETS = """\
customer_id,created_at,category,body
u1,2026-10-05T08:20:00Z,payment,card declined
u2,2026-10-12T12:00:00Z,question,how do I compare?
u3,2026-10-15T07:00:00Z,billing,invoice please
u4,2026-10-07T11:00:00Z,delivery,where is it
u5,2026-10-09T10:00:00Z,,hello
"""


def _config() -> dict[str, object]:
    config = basic_config()
    config["sources"]["tickets"] = {  # type: ignore[index]
        "path": "tickets.csv",
        "customer_id": "customer_id",
        "timestamp": "created_at",
        "text": "body",
        "category": "category",
        "about": {"delivery": "track"},
    }
    return config


@pytest.fixture
def con(project):  # type: ignore[no-untyped-def]
    return project({"clicks.csv": CLICKS, "tickets.csv": TICKETS}, _config())


def test_case_order_across_sources_time_zones_and_ties(con) -> None:  # type: ignore[no-untyped-def]
    u1 = rows(con, "select touchpoint from journey_events where customer_id = 'u1' order by event_seq")
    # cart and pay share a second: file order decides; the ticket at that second comes after clickstream.
    assert [r[0] for r in u1] == ["ad", "view", "cart", "pay", "ticket:payment", "track"]
    times = rows(
        con,
        "select strftime(occurred_at, '%Y-%m-%d %H:%M') from journey_events where customer_id = 'u1'"
        " order by event_seq",
    )
    assert [t[0] for t in times] == [
        "2026-10-05 08:00",
        "2026-10-05 08:10",
        "2026-10-05 08:20",
        "2026-10-05 08:20",
        "2026-10-05 08:20",
        "2026-10-06 08:00",
    ]


def test_each_event_knows_the_next_one_in_its_case(con) -> None:  # type: ignore[no-untyped-def]
    u1 = rows(
        con,
        "select touchpoint, next_touchpoint, seconds_to_next from journey_events where customer_id = 'u1'"
        " order by event_seq",
    )
    assert u1 == [
        ("ad", "view", 600.0),
        ("view", "cart", 600.0),
        ("cart", "pay", 0.0),  # same second, file order
        ("pay", "ticket:payment", 0.0),  # the ticket at that second comes after the click
        ("ticket:payment", "track", 85200.0),  # 10-05 08:20 → 10-06 08:00 is 23 h 40 min
        ("track", None, None),  # the case's last event
    ]


def test_counts_and_duplicates(con) -> None:  # type: ignore[no-untyped-def]
    assert rows(con, "select count(*), count(distinct customer_id) from journey_events") == [(22, 7)]
    assert rows(
        con, "select sum(duplicates_dropped), sum(rows_in) from input_files where source = 'clickstream'"
    ) == [(1, 18)]


def test_stage_reach_and_drop_off(con) -> None:  # type: ignore[no-untyped-def]
    got = rows(con, "select stage, customers, drop_off_rate from stages order by stage_order")
    assert got == [
        ("Awareness", 5, 0.0),
        ("Consideration", 5, 0.4),  # u6 and u7 never get further
        ("Decision", 2, 0.0),  # u2's only later event is a ticket, which is Service
        ("Service", 5, 0.8),  # only u4 reaches Loyalty
        ("Loyalty", 1, None),  # last stage
        ("Unmapped", 1, None),  # u4's mystery touchpoint
    ]


def test_median_hours_to_next_stage(con) -> None:  # type: ignore[no-untyped-def]
    got = dict(rows(con, "select stage, median_hours_to_next_stage from stages"))
    assert got["Awareness"] == pytest.approx(0.5)  # 1/12, 1/6, 0.5, 31/60, 240
    assert got["Consideration"] == pytest.approx(1 / 6)  # 1/6, 1/12, 1 (mystery is Unmapped: skipped)
    assert got["Decision"] == pytest.approx((0 + 167 + 5 / 6) / 2)  # 0 and 7 days minus 10 min
    assert got["Service"] == pytest.approx(23.0)
    assert got["Loyalty"] is None


def test_transitions(con) -> None:  # type: ignore[no-untyped-def]
    got = {
        (f, t): (n, h)
        for f, t, n, h in rows(
            con, "select from_touchpoint, to_touchpoint, n_transitions, median_hours from transitions"
        )
    }
    assert sum(n for n, _ in got.values()) == 15  # events minus cases: 22 - 7
    assert got[("ad", "view")] == (3, pytest.approx(0.5))  # 10, 30, 31 minutes
    assert got[("view", "cart")] == (2, pytest.approx(0.125))  # 10 and 5 minutes
    assert got[("cart", "pay")] == (1, pytest.approx(0.0))
    assert got[("pay", "ticket:payment")] == (1, pytest.approx(0.0))  # across the two sources
    assert got[("ticket:payment", "track")] == (1, pytest.approx(23 + 40 / 60))
    assert got[("ad", "ticket:billing")] == (1, pytest.approx(240.0))
    assert got[("cart", "compare")] == (1, pytest.approx(5 / 60))


def test_variants(con) -> None:  # type: ignore[no-untyped-def]
    got = rows(con, "select path, customers, share from variants order by variant_rank")
    assert got[0] == (["ad", "view"], 2, pytest.approx(2 / 7))
    assert len(got) == 6
    assert (["ad", "view", "cart", "pay", "ticket:payment", "track"], 1, pytest.approx(1 / 7)) in got


def test_customers_carry_their_own_path_and_its_variant(con) -> None:  # type: ignore[no-untyped-def]
    # paths are grouped and joined as touchpoint numbers (variants.path_nos) and named after: each customer's
    # path, its variant's path and the numbers' names must be the case's touchpoints in order
    cases = dict(
        rows(con, "select customer_id, list(touchpoint order by event_seq) from journey_events group by 1")
    )
    got = rows(
        con,
        "select c.customer_id, c.path, v.path, v.path_nos from customers as c"
        " join variants as v using (variant_rank) order by c.customer_id",
    )
    names = dict(rows(con, "select touchpoint_no, touchpoint from int_touchpoint_stages"))
    assert len(got) == len(cases) == 7
    for customer_id, path, variant_path, numbers in got:
        assert path == variant_path == cases[customer_id]
        assert [names[n] for n in numbers] == path


def test_ticket_attribution(con) -> None:  # type: ignore[no-untyped-def]
    got = dict(rows(con, "select customer_id, about_touchpoint from journey_events where source = 'tickets'"))
    assert got == {
        "u1": "pay",  # last non-ticket touchpoint before it (same second, earlier in case order)
        "u2": "compare",  # 6 days 23 h 45 min after compare: within 7 days
        "u3": None,  # 10 days after the last touchpoint
        "u4": "track",  # the `about` mapping wins, even without a visit to track
        "u5": None,  # no touchpoint at all
    }
    touch = dict(rows(con, "select touchpoint, tickets from touchpoints where tickets > 0"))
    assert touch == {"pay": 1, "compare": 1, "track": 1}


def test_sessions_by_inactivity(con) -> None:  # type: ignore[no-untyped-def]
    got = dict(rows(con, "select customer_id, count(*) from sessions group by customer_id"))
    assert got == {"u1": 2, "u2": 1, "u3": 1, "u4": 2, "u6": 1, "u7": 2}
    assert rows(
        con, "select count(*) from journey_events where source = 'tickets' and session_id is not null"
    ) == [(0,)]


def test_unmapped_touchpoint_is_reported(con) -> None:  # type: ignore[no-untyped-def]
    assert rows(
        con, "select touchpoint, stage, is_unmapped from touchpoints where touchpoint = 'mystery'"
    ) == [("mystery", "Unmapped", True)]
    assert rows(con, "select stage from journey_events where touchpoint = 'ticket'") == [("Service",)]


def test_given_session_ids_are_used(project) -> None:  # type: ignore[no-untyped-def]
    config = basic_config()
    config["sources"]["clickstream"]["session_id"] = "sid"  # type: ignore[index]
    con = project(
        {
            "clicks.csv": """\
            customer_id,ts,event,sid
            a,2026-10-05T08:00:00Z,ad,S1
            a,2026-10-05T08:01:00Z,view,S2
            a,2026-10-05T12:00:00Z,cart,S2
            a,2026-10-05T12:01:00Z,pay,
            """
        },
        config,
    )
    got = rows(con, "select session_id, n_events from sessions order by started_at")
    # Given ids win even across a 4-hour gap; a row without one gets the inactivity-cut session it falls in
    # (08:00 and 08:01 are derived session 1, 12:00 and 12:01 derived session 2).
    assert got == [("S1", 1), ("S2", 2), ("a#2", 1)]


def test_file_order_decides_ties(project) -> None:  # type: ignore[no-untyped-def]
    con = project(
        {
            "clicks_b.csv": "customer_id,ts,event\nc,2026-10-05T08:00:00Z,pay\n",
            "clicks_a.csv": "customer_id,ts,event\nc,2026-10-05T08:00:00Z,cart\nc,2026-10-05T10:00:00+02:00,view\n",
        }
    )
    got = rows(con, "select touchpoint from journey_events order by event_seq")
    # clicks_a.csv comes first by name; within it, cart stands before view.
    assert [r[0] for r in got] == ["cart", "view", "pay"]


BACK_AND_FORTH = """\
customer_id,ts,event
b1,2026-10-05T08:00:00Z,ad
b1,2026-10-05T09:00:00Z,view
b1,2026-10-05T10:00:00Z,ad
b1,2026-10-05T11:00:00Z,mystery
b1,2026-10-05T12:00:00Z,cart
b2,2026-10-05T08:00:00Z,cart
b2,2026-10-05T09:00:00Z,ad
b2,2026-10-05T10:00:00Z,view
b2,2026-10-05T13:00:00Z,pay
"""


def test_hours_to_next_stage_after_going_back(project) -> None:  # type: ignore[no-untyped-def]
    con = project({"clicks.csv": BACK_AND_FORTH}, basic_config())
    got = {
        (c, s): h
        for c, s, h in rows(
            con,
            "select customer_id, stage, hours_to_next_stage from int_customer_stage_next"
            " join int_customer_keys using (customer_no) order by all",
        )
    }
    assert got == {
        ("b1", "Awareness"): 1.0,  # ad 08:00 → view 09:00
        # Consideration first at 09:00; back to ad, the Unmapped mystery does not count: cart at 12:00
        ("b1", "Consideration"): 3.0,
        # b2 starts in Decision: nothing later. Awareness at 09:00 → view 10:00; Consideration → pay 13:00
        ("b2", "Awareness"): 1.0,
        ("b2", "Consideration"): 3.0,
    }


def test_previous_stage_order_skips_unmapped(project) -> None:  # type: ignore[no-untyped-def]
    con = project({"clicks.csv": BACK_AND_FORTH}, basic_config())
    got = rows(
        con,
        "select customer_id, touchpoint, previous_stage_order from journey_events order by customer_id, event_seq",
    )
    assert got == [
        # b1: ad (1), view (2), ad (1), mystery (Unmapped, not a stage: the cart after it still follows ad), cart (3)
        ("b1", "ad", None),
        ("b1", "view", 1),
        ("b1", "ad", 2),
        ("b1", "mystery", 1),
        ("b1", "cart", 1),
        # b2: cart (3), ad (1), view (2), pay (3)
        ("b2", "cart", None),
        ("b2", "ad", 3),
        ("b2", "view", 1),
        ("b2", "pay", 2),
    ]


def test_hours_to_next_stage_matches_brute_force(project) -> None:  # type: ignore[no-untyped-def]
    # 60 random paths over all five stages and an unmapped touchpoint, one event an hour: for each stage a
    # customer was in, the hours from its first event to the first later event of a later stage, by definition
    rng = random.Random(7)
    stage_of = {"ad": 1, "view": 2, "cart": 3, "track": 4, "refill": 5, "mystery": None}
    names = {1: "Awareness", 2: "Consideration", 3: "Decision", 4: "Service", 5: "Loyalty"}
    lines = ["customer_id,ts,event"]
    expected: dict[tuple[str, str], float] = {}
    for c in range(60):
        path = [rng.choice(list(stage_of)) for _ in range(rng.randint(1, 12))]
        for hour, touchpoint in enumerate(path):
            lines.append(f"c{c},2026-10-05T{hour:02d}:00:00Z,{touchpoint}")
        stages = [stage_of[t] for t in path]
        for s in {s for s in stages if s is not None}:
            first = stages.index(s)
            later = next((i for i in range(first + 1, len(stages)) if (stages[i] or 0) > s), None)
            if later is not None:
                expected[(f"c{c}", names[s])] = float(later - first)
    con = project({"clicks.csv": "\n".join(lines) + "\n"}, basic_config())
    got = {
        (c, s): h
        for c, s, h in rows(
            con,
            "select customer_id, stage, hours_to_next_stage from int_customer_stage_next"
            " join int_customer_keys using (customer_no)",
        )
    }
    assert len(expected) > 100
    assert got == expected


@pytest.mark.parametrize(
    ("timezone", "clicks", "expected"),
    [
        # Monrovia was UTC-0:44:30 until 1972: 12:40 UTC is 11:55:30 (morning), 12:44:40 UTC is 12:00:10
        # (afternoon) — one UTC quarter hour, two local hours, so those clicks are converted one by one
        (
            "Africa/Monrovia",
            ["1971-06-01T12:40:00Z", "1971-06-01T12:44:40Z"],
            {"morning": 0.5, "afternoon": 0.5},
        ),
        # Amsterdam, the night the clocks go back: 00:30 and 01:30 UTC are both 02:30 local (night); 17:59:59
        # UTC is 18:59:59 CET (evening) and 04:59:59 UTC on 10-24 is 06:59:59 CEST (morning)
        (
            "Europe/Amsterdam",
            [
                "2026-10-25T00:30:00Z",
                "2026-10-25T01:30:00Z",
                "2026-10-25T17:59:59.999Z",
                "2026-10-24T04:59:59Z",
            ],
            {"night": 0.5, "evening": 0.25, "morning": 0.25},
        ),
    ],
)
def test_local_time_of_day_habits(project, timezone, clicks, expected) -> None:  # type: ignore[no-untyped-def]
    csv = "customer_id,ts,event\n" + "".join(f"h1,{ts},view\n" for ts in clicks)
    con = project({"clicks.csv": csv}, basic_config(timezone=timezone))
    got = dict(
        rows(
            con,
            "select feature, value from int_customer_habits where block = 'timing'"
            " and feature in ('night', 'morning', 'afternoon', 'evening')",
        )
    )
    assert got == expected


def test_customer_activity_counts(project) -> None:  # type: ignore[no-untyped-def]
    # a: two sessions (a 5 h 50 min gap), a ticket, an unmapped last click; Amsterdam is UTC+2 on 5 October
    clicks = (
        "customer_id,ts,event\n"
        "a,2026-10-05T06:00:00Z,ad\n"  # 08:00 local, morning
        "a,2026-10-05T06:10:00Z,view\n"
        "a,2026-10-05T12:00:00Z,cart\n"  # 14:00, afternoon, a new session
        "a,2026-10-05T12:05:00Z,mystery\n"  # unmapped: not a stage reached
        "b,2026-10-06T20:00:00Z,view\n"  # 22:00, evening
    )
    tickets = "customer_id,created_at,body,category\na,2026-10-05T13:00:00Z,My payment failed,payment\n"
    config = basic_config()
    config["sources"]["tickets"] = {"path": "tickets.csv", **TICKET_COLUMNS}
    con = project({"clicks.csv": clicks, "tickets.csv": tickets}, config)
    activity = rows(
        con,
        "select customer_id, n_clicks, n_tickets, n_sessions, n_night_clicks, n_morning_clicks,"
        " n_afternoon_clicks, n_evening_clicks, span_seconds from int_customer_activity"
        " join int_customer_keys using (customer_no) order by customer_id",
    )
    # the span runs from a's first click to the ticket
    assert activity == [("a", 4, 1, 2, 0, 2, 2, 0, 25200.0), ("b", 1, 0, 1, 0, 0, 0, 1, 0.0)]
    customers = rows(
        con,
        "select customer_id, n_events, n_clicks, n_tickets, n_sessions, furthest_stage_order"
        " from customers order by customer_id",
    )
    # a's furthest stage is Service (4: the ticket, ticket:payment), not the unmapped last click
    assert customers == [("a", 5, 4, 1, 2, 4), ("b", 1, 1, 0, 1, 2)]


def test_customers_and_touchpoints_numbered_in_id_and_name_order(project) -> None:  # type: ignore[no-untyped-def]
    # "0t" has only a ticket, "b" a duplicated click: each customer gets one number, in customer id order
    clicks = (
        "customer_id,ts,event\n"
        "b,2026-10-05T08:00:00Z,ad\n"
        "b,2026-10-05T08:00:00Z,ad\n"
        "a,2026-10-05T09:00:00Z,view\n"
        "a,2026-10-05T09:30:00Z,cart\n"
    )
    tickets = "customer_id,created_at,body,category\n0t,2026-10-05T10:00:00Z,Where is my order?,delivery\n"
    config = basic_config()
    config["sources"]["tickets"] = {"path": "tickets.csv", **TICKET_COLUMNS}
    con = project({"clicks.csv": clicks, "tickets.csv": tickets}, config)
    assert rows(con, "select customer_id, customer_no from int_customer_keys order by customer_no") == [
        ("0t", 0),
        ("a", 1),
        ("b", 2),
    ]
    # journey_events and the customers mart carry the same number for the same id; per-customer tables key on it
    assert rows(con, "select distinct customer_id, customer_no from journey_events order by customer_no") == [
        ("0t", 0),
        ("a", 1),
        ("b", 2),
    ]
    assert rows(con, "select customer_id, customer_no, n_events from customers order by customer_no") == [
        ("0t", 0, 1),
        ("a", 1, 2),
        ("b", 2, 1),
    ]
    # touchpoints are numbered in name order; journey_events and the per-customer tables carry the number
    assert rows(
        con, "select touchpoint, touchpoint_no from int_touchpoint_stages order by touchpoint_no"
    ) == [
        ("ad", 1),
        ("cart", 2),
        ("ticket:delivery", 3),
        ("view", 4),
    ]
    assert rows(
        con,
        "select customer_no, touchpoint, touchpoint_no, next_touchpoint, next_touchpoint_no from journey_events"
        " order by customer_no, event_seq",
    ) == [
        (0, "ticket:delivery", 3, None, None),
        (1, "view", 4, "cart", 2),
        (1, "cart", 2, None, None),
        (2, "ad", 1, None, None),
    ]
    assert rows(
        con,
        "select c.customer_no, s.touchpoint, c.n_events from int_customer_touchpoints as c"
        " join int_touchpoint_stages as s using (touchpoint_no) order by all",
    ) == [
        (0, "ticket:delivery", 1),
        (1, "cart", 1),
        (1, "view", 1),
        (2, "ad", 1),
    ]
    assert rows(con, "select * from int_customer_transitions") == [(1, 4, 2, 1)]
