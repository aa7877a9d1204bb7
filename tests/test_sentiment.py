"""Ticket sentiment: in [-1, 1], offline, rules that fit support language, better than plain VADER, cached."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from pipeline import sentiment
from pipeline.sentiment import TicketSentiment, score_text, score_texts

from .conftest import REPO, basic_config, build_warehouse, rows, write_project

PLAIN = SentimentIntensityAnalyzer()


@pytest.mark.parametrize(
    ("text", "plain_sign", "our_sign"),
    [
        ("Thanks for nothing.", 1, -1),  # politeness hiding anger
        ("Card declined three times at checkout even though the card works everywhere else.", 0, -1),
        ("I was charged twice, please refund me.", 1, -1),  # "please" lifted plain VADER above zero
        ("Still waiting for my order.", 0, -1),
        ("It doesn't work after two days.", 0, -1),
        ("Never arrived, still no response.", 1, -1),
        ("It works like a charm.", 1, 1),
        ("Please send me the invoice for order 123456. Kind regards, Anna", 1, 0),  # formula, not feeling
        ("I contacted customer support about my order.", 1, 0),  # a department, not praise
        ("I wish the app was easy to use.", 1, -1),  # what is missing
    ],
)
def test_support_language_rules(text: str, plain_sign: int, our_sign: int) -> None:
    def sign(x: float) -> int:
        return 0 if abs(x) < 0.05 else (1 if x > 0 else -1)

    assert sign(PLAIN.polarity_scores(text)["compound"]) == plain_sign
    assert sign(score_text(text)) == our_sign


def test_scores_are_in_range_and_robust() -> None:
    texts = [
        "Hello,\n\nthe payment failed again.\nRegards,\nAnna",
        "Het pakket is niet aangekomen en ik wil mijn geld terug.",  # Dutch: unknown words are neutral
        "Très déçu 😡😡 !!!",
        "<script>alert('x')</script> charged twice",
        '=HYPERLINK("http://x","y")',
        "",
        "   ",
        "x" * 1_000_000,
    ]
    scores = score_texts(texts)
    assert len(scores) == len(texts)
    assert all(-1.0 <= s <= 1.0 for s in scores)
    assert scores[0] < 0 and scores[3] < 0
    assert scores[5] == scores[6] == 0.0
    assert score_texts([None]) == [0.0]  # type: ignore[list-item]


def test_distinct_texts_are_scored_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str | None] = []
    real = sentiment.score_text

    def counting(text: str | None) -> float:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(sentiment, "score_text", counting)
    assert sentiment.score_texts(["a bad day", "a good day", "a bad day"]) == [
        real("a bad day"),
        real("a good day"),
        real("a bad day"),
    ]
    assert calls == ["a bad day", "a good day"]


def _corpus(name: str) -> tuple[np.ndarray, list[str]]:
    from benchmarks.sentiment import load

    return load(REPO / "benchmarks" / "sentiment_data" / name)


def test_better_than_plain_vader_on_amazon_and_not_behind_elsewhere() -> None:
    """Development halves of the human-rated corpora (the full table: python -m benchmarks.sentiment)."""
    from benchmarks.sentiment import CORPORA, classes, macro_f1

    ours = TicketSentiment()
    for name, file in CORPORA.items():
        ratings, texts = _corpus(file)
        plain_scores = np.array([PLAIN.polarity_scores(t)["compound"] for t in texts])
        our_scores = np.array([ours.polarity_scores(t)["compound"] for t in texts])
        r_plain, r_ours = np.corrcoef(ratings, plain_scores)[0, 1], np.corrcoef(ratings, our_scores)[0, 1]
        truth = classes(ratings, -0.5, 0.5)
        f1_plain = macro_f1(truth, classes(plain_scores, -0.05, 0.05))
        f1_ours = macro_f1(truth, classes(our_scores, -0.05, 0.05))
        if name == "Amazon reviews":
            assert r_ours > r_plain + 0.02, (name, r_plain, r_ours)
            assert f1_ours > f1_plain + 0.01, (name, f1_plain, f1_ours)
        else:
            assert r_ours >= r_plain - 0.001, (name, r_plain, r_ours)
            assert f1_ours >= f1_plain - 0.001, (name, f1_plain, f1_ours)


def test_rule_groups_can_be_switched_off() -> None:
    bare = TicketSentiment(rules=[])
    assert (
        bare.polarity_scores("Thanks for nothing.")["compound"]
        == PLAIN.polarity_scores("Thanks for nothing.")["compound"]
    )
    with pytest.raises(ValueError, match="unknown rule groups"):
        TicketSentiment(rules=["sarcasm"])


def test_warehouse_cache_scores_only_new_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = basic_config()
    config["sources"]["tickets"] = {
        "path": "tickets*.csv",
        "customer_id": "customer_id",
        "timestamp": "ts",
        "text": "body",
    }
    files = {
        "clicks.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\n",
        "tickets_1.csv": "customer_id,ts,body\na,2026-10-05T09:00:00Z,charged twice\nb,2026-10-05T09:00:00Z,charged twice\n",
    }
    cfg = write_project(tmp_path, files, config)
    con = build_warehouse(cfg)
    assert rows(con, "select count(*) from sentiment_cache") == [(1,)]  # one distinct text
    assert sentiment.score_new_tickets(con) == {"scored": 0, "cached": 1}
    (tmp_path / "tickets_2.csv").write_text(
        "customer_id,ts,body\nc,2026-10-06T09:00:00Z,great service\n", encoding="utf-8"
    )
    from pipeline.config import load_config
    from pipeline.ingest import ingest

    ingest(con, load_config(cfg))
    assert sentiment.score_new_tickets(con) == {"scored": 1, "cached": 1}
    monkeypatch.setattr(sentiment, "SCORER_VERSION", "tickets-next")  # a new scorer rescoring everything
    import threading

    stop = threading.Event()
    stop.set()
    with pytest.raises(sentiment.ScoringStopped, match="after 0 of 2 texts"):
        sentiment.score_new_tickets(con, stop)  # asked to stop: nothing scored, nothing written
    assert rows(con, "select count(*) from sentiment_cache where scorer_version = 'tickets-next'") == [(0,)]
    assert sentiment.score_new_tickets(con) == {"scored": 2, "cached": 0}
    con.close()


def test_the_phrase_precheck_changes_no_rewrite() -> None:
    """The scorer skips the phrase substitutions when one search finds no phrase; running them always gives the
    same rewritten text, on all four human-rated corpora and on texts made to hold several phrases."""
    import re

    from benchmarks.sentiment import CORPORA

    ours = TicketSentiment()
    always = TicketSentiment()
    always._any_phrase = re.compile("")  # matches every text: every substitution runs
    made = [
        "Still no answer and no response, I was charged twice. Waste of money, not worth it.",
        "It doesn't work, it stopped working, never arrived. I wish it would be nice.",
    ]
    texts = [t for file in CORPORA.values() for t in _corpus(file)[1]] + made
    assert [ours.rewrite(t) for t in texts] == [always.rewrite(t) for t in texts]
    with_phrase = [t for t in texts if "zzphrase" in ours.rewrite(t)]
    assert len(with_phrase) > 50 and set(made) <= set(with_phrase)  # the comparison covers real phrases
