"""The sample generator: deterministic, reproduces the committed data set, plants what it says it plants."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from pipeline.sample import format_ts, make_customer, write_sample

from .conftest import REPO


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "README.md"
    }


def test_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    write_sample(tmp_path, customers=5000, seed=7)
    assert _digests(tmp_path) == _digests(REPO / "data" / "sample")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    write_sample(tmp_path / "a", customers=300, seed=3)
    write_sample(tmp_path / "b", customers=300, seed=3)
    write_sample(tmp_path / "c", customers=300, seed=4)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a") != _digests(tmp_path / "c")


def test_planted_mess_is_there(tmp_path: Path) -> None:
    truth = write_sample(tmp_path, customers=1000, seed=5)
    raw = (tmp_path / "tickets.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM
    assert b"\r\n" in raw  # CRLF
    with (tmp_path / "tickets.csv").open(encoding="utf-8-sig", newline="") as fh:
        bodies = [r["body"] for r in csv.DictReader(fh)]
    assert any("\n" in b for b in bodies)  # multi-line quoted text
    offsets = set()
    for p in tmp_path.glob("clickstream_*.csv"):
        with p.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                ts = r["ts"] or ""
                if len(ts) == 19 or len(ts) >= 20:
                    offsets.add("Z" if ts.endswith("Z") else ts[-6:] if ts[-6] in "+-" else "naive")
    assert {"Z", "+02:00", "+01:00", "naive"} <= offsets
    assert truth["clickstream"]["rejected_by_reason"] == {
        "missing customer id": 6,
        "unparseable timestamp": 5,
        "wrong number of fields": 3,
    }
    assert truth["clickstream"]["duplicates_dropped"] > 0
    assert set(truth["personas"]) == {"quick_mobile", "researcher", "refiller"}


def test_customers_do_not_depend_on_chunking() -> None:
    a, b = make_customer(1234, 9), make_customer(1234, 9)
    assert [(e.at, e.touchpoint) for e in a.events] == [(e.at, e.touchpoint) for e in b.events]
    assert a.persona == b.persona


def test_ambiguous_local_times_keep_their_offset() -> None:
    # 2026-10-25 00:30 UTC is 02:30 CEST, a wall time that occurs twice in Amsterdam that night.
    at = 1792888200.0
    assert format_ts(at, 2) == "2026-10-25T02:30:00+02:00"
    assert format_ts(at + 3600, 2) == "2026-10-25T02:30:00+01:00"
    assert format_ts(at + 7200, 2) == "2026-10-25 03:30:00"


def test_truth_file_is_committed_and_consistent() -> None:
    truth = json.loads((REPO / "data" / "sample" / "truth" / "truth.json").read_text())
    click = truth["clickstream"]
    assert click["rows_in"] == click["rows_loaded"] + click["rows_rejected"] + click["duplicates_dropped"]
    assert truth["events"] == click["rows_loaded"] + truth["tickets"]["rows_loaded"]
    assert sum(truth["personas"].values()) == truth["customers"]


def test_returning_customers_travel_several_journeys_after_their_first() -> None:
    """--journeys N: the first journey is the one-journey customer's; each return is new sessions, days later."""
    counts = []
    for index in range(400):
        once, back = make_customer(index, 9), make_customer(index, 9, journeys=4)
        first = [(e.at, e.touchpoint) for e in once.events]
        assert [(e.at, e.touchpoint) for e in back.events[: len(first)]] == first
        assert back.persona == once.persona
        assert back.sessions[: len(first)] == once.sessions
        if len(back.events) > len(first):  # the next journey starts a new session at least a week later
            nxt = len(first)
            assert back.sessions[nxt] > back.sessions[nxt - 1]
            assert back.events[nxt].at - back.events[nxt - 1].at >= 7 * 86400 - 3600
            assert not back.by_the_book
        assert [e.at for e in back.events] == sorted(e.at for e in back.events)
        counts.append((len(once.events), len(back.events)))
    ratio = sum(b for _, b in counts) / sum(a for a, _ in counts)
    assert 3.4 < ratio < 4.6  # 1 to 7 journeys, 4 on average
    assert max(b / a for a, b in counts) > 5 and min(b / a for a, b in counts) == 1


def test_a_returning_sample_keeps_its_count_and_spans_months(tmp_path: Path) -> None:
    truth = write_sample(tmp_path, customers=600, seed=3, journeys=3)
    click = truth["clickstream"]
    assert click["rows_in"] == click["rows_loaded"] + click["rows_rejected"] + click["duplicates_dropped"]
    assert truth["journeys_per_customer"] == 3
    assert len(list(tmp_path.glob("clickstream_*.csv"))) >= 6  # several months of visits
    assert truth["events"] / truth["customers"] > 2.5 * 9
