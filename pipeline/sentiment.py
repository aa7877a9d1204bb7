"""Ticket text → sentiment in [-1, 1], offline: VADER with rules for how people write to support.

vaderSentiment ships its lexicon, so nothing is downloaded. Plain VADER misreads support language in
ways that are rules of language, not of particular sentences; each rule group below is switched on only if
it helps on the human-rated corpora (benchmarks/sentiment.py, see README):

- **phrases**: multi-word expressions carry the sentiment their words do not: "charged twice", "still
  waiting", "doesn't work", "stopped working", "not worth it", "waste of money", "send it back", "thanks for
  nothing" (negative); "no problems", "can't complain", "works like a charm" (positive). Matched
  case-insensitively and scored as one token.
- **service nouns**: "customer service", "tech support", "help desk" name a department, not praise
  (VADER scores "support" and "help" +1.7).
- **politeness**: formulaic greetings and sign-offs ("Dear …", "kind regards", "thanks in advance") and the
  request marker "please" are not sentiment; they are neutralised so that politeness does not hide anger.
- **irrealis**: positive words after "I wish", "would be nice", "should have been", "if only" describe what
  is missing, so they count against.
- **lexicon**: evaluative words VADER lacks ("incredible", "unusable", "overcharged", "declined", "refund").

Scores are VADER's compound score of the rewritten text. Text is scored as given (multi-line, any language:
words VADER does not know count as neutral); very long texts are cut at MAX_CHARS.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

SCORER_VERSION = "tickets-1"
MAX_CHARS = 20_000
NEGATIVE_BELOW = -0.05  # VADER's documented thresholds: compound <= -0.05 negative, >= 0.05 positive
POSITIVE_ABOVE = 0.05

_NEG_AUX = r"(?:not|never|n't|no longer)"
_WORK = r"work(?:s|ing|ed)?"
_IT = r"(?:it|them|this|that|the \w+|my \w+)"

# (pattern, valence of the whole phrase on VADER's -4..4 scale)
PHRASES: list[tuple[str, float]] = [
    (r"\bcharged (?:me )?(?:twice|double|two times|three times)\b|\bdouble[- ]charged\b", -2.6),
    (r"\bstill (?:waiting|no (?:answer|reply|response|refund|news))\b", -2.0),
    (r"\bno (?:answer|reply|response|feedback)\b", -1.6),
    (r"\bnever (?:arrived|came|showed up|got delivered|received)\b", -2.2),
    (rf"\b(?:stopped|quit|stops|quits) {_WORK}\b|\bno longer {_WORK}\b", -2.2),
    (
        rf"\b(?:does|do|did|will|would|could|can|is|are|was)(?:n't| not) {_WORK}\b|\bnot {_WORK}\b|\bnever {_WORK}\b",
        -2.0,
    ),
    (r"\bwon't (?:work|load|start|open|connect|turn on)\b", -2.0),
    (r"\bwaste (?:of|your) (?:money|time|cash)\b|\bwasted (?:my|our) (?:money|time)\b", -2.6),
    (r"\bnot worth (?:it|the|a|any|buying|the money)\b", -2.2),
    (r"\bsave your (?:money|cash)\b", -2.0),
    (
        rf"\b(?:send|sent|sending|ship|shipped) {_IT} back\b|\b(?:had|have|going) to (?:return|send back)\b",
        -1.6,
    ),
    (rf"\b(?:return|returned|returning) {_IT}\b", -1.4),
    (r"\bthank(?:s| you) for nothing\b", -2.8),
    (r"\bfed up\b", -2.2),
    (r"\b(?:is|was|what) a joke\b", -1.8),
    (r"\b(?:timed|timing|times) out\b|\bkeeps? (?:crashing|freezing)\b", -1.6),
    (r"\bno (?:problems?|issues?|complaints?|trouble|worries)\b", 1.5),
    (r"\bcan(?:'t|not| not) complain\b", 1.5),
    (
        r"\bcould(?:n't| not) be (?:happier|better)\b|\bdoes(?:n't| not) get any better\b|\bcan(?:'t|not) go wrong\b",
        2.8,
    ),
    (r"\blike a charm\b", 2.2),
]

SERVICE_NOUNS = (
    r"\b(?:customer|tech(?:nical)?|it) (?:service|support|care)\b|\bsupport (?:team|desk|staff|agents?|line|people)\b"
    r"|\bhelp ?desk\b|\bservice (?:desk|team|centre|center)\b"
)
POLITENESS = (
    r"(?:^|\n)\s*(?:dear|hi|hello|hey)\b|\b(?:kind|best|warm|many) regards\b|\bregards\s*,|\bsincerely\s*,"
    r"|\bthank(?:s| you) in advance\b|\bplease\b"
)
IRREALIS = r"\bi wish\b|\bwould (?:be|have been) nice\b|\bshould have been\b|\bcould have been\b|\bif only\b"

LEXICON_EXTRA: dict[str, float] = {
    "incredible": 2.2,
    "unusable": -2.3,
    "unreliable": -1.9,
    "flimsy": -1.5,
    "overpriced": -1.6,
    "overcharged": -2.2,
    "ripoff": -2.4,
    "junk": -2.0,
    "garbage": -2.0,
    "buggy": -1.8,
    "glitchy": -1.6,
    "defect": -1.6,
    "defects": -1.6,
    "unanswered": -1.6,
    "declined": -1.4,
    "refund": -0.8,
    "hassle": -1.5,
    "froze": -1.4,
    "freezes": -1.4,
    "crashed": -1.6,
    "crashes": -1.6,
}

RULES = ("phrases", "service_nouns", "politeness", "irrealis", "lexicon")


class TicketSentiment(SentimentIntensityAnalyzer):
    """VADER with the rule groups named in `rules` (all by default)."""

    def __init__(self, rules: Iterable[str] = RULES) -> None:
        super().__init__()
        self.rules = frozenset(rules)
        unknown = self.rules - set(RULES)
        if unknown:
            raise ValueError(f"unknown rule groups: {sorted(unknown)}")
        self._phrases: list[tuple[re.Pattern[str], str]] = []
        # one search for any phrase first: ~3% of ticket texts hold one, and a single pass costs less than half
        # the twenty substitutions it lets the others skip (nothing else changes: with no phrase in the text,
        # none of them would replace anything)
        self._any_phrase: re.Pattern[str] | None = None
        if "phrases" in self.rules:
            for n, (pattern, valence) in enumerate(PHRASES):
                token = f"zzphrase{n}zz"
                self.lexicon[token] = valence
                self._phrases.append((re.compile(pattern, re.IGNORECASE), f" {token} "))
            self._any_phrase = re.compile("|".join(f"(?:{p})" for p, _ in PHRASES), re.IGNORECASE)
        if "lexicon" in self.rules:
            self.lexicon.update(LEXICON_EXTRA)
        self._service = re.compile(SERVICE_NOUNS, re.IGNORECASE)
        self._polite = re.compile(POLITENESS, re.IGNORECASE)
        self._irrealis = re.compile(IRREALIS, re.IGNORECASE)

    def rewrite(self, text: str) -> str:
        """The text as the scorer reads it (phrases as single tokens, neutral words removed)."""
        text = text[:MAX_CHARS]
        if "service_nouns" in self.rules:
            text = self._service.sub(" department ", text)
        if "politeness" in self.rules:
            text = self._polite.sub("\n", text)
        if self._any_phrase is not None and self._any_phrase.search(text):
            # in order: an earlier phrase takes its words from later ones
            for pattern, token in self._phrases:
                text = pattern.sub(token, text)
        if "irrealis" in self.rules and self._irrealis.search(text):
            text = self._irrealis.sub(f" {WISH} ", text)
            text = re.sub(r"([.!?;\n]+)", rf"\1 {STOP} ", text)
        return text

    def polarity_scores(self, text: str) -> dict[str, float]:
        scores: dict[str, float] = super().polarity_scores(self.rewrite(text))
        return scores

    def _but_check(self, words_and_emoticons: list[str], sentiments: list[float]) -> list[float]:
        """VADER's 'but' rule, then: from a wish to the end of its sentence, positive words count against."""
        sentiments = super()._but_check(words_and_emoticons, sentiments)
        if "irrealis" not in self.rules:
            return sentiments
        wishing = False
        for i, word in enumerate(words_and_emoticons):
            token = word.lower()
            if token == WISH:
                wishing = True
            elif token == STOP:
                wishing = False
            elif wishing and sentiments[i] > 0:
                sentiments[i] = -0.5 * sentiments[i]
        return sentiments


WISH = "zzwishzz"
STOP = "zzstopzz"


@cache
def _analyzer() -> TicketSentiment:
    return TicketSentiment()


def score_text(text: str | None) -> float:
    """One text's sentiment in [-1, 1]; empty or missing text is 0."""
    if not text or not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


def score_texts(texts: Sequence[str | None]) -> list[float]:
    """Sentiment in [-1, 1] for each text (same order); distinct texts are scored once."""
    seen: dict[str | None, float] = {}
    out = []
    for text in texts:
        if text not in seen:
            seen[text] = score_text(text)
        out.append(seen[text])
    return out


def text_hash(text: str) -> str:
    """The key of the sentiment cache: md5 of the UTF-8 text (DuckDB's md5() gives the same)."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


CACHE_SCHEMA = """
create table if not exists sentiment_cache (
    text_md5 varchar not null,
    scorer_version varchar not null,
    score double not null,
    primary key (text_md5, scorer_version)
)
"""


class ScoringStopped(Exception):
    """`score_new_tickets` was asked to stop (the run it belongs to failed or was interrupted)."""


STOP_CHECK_EVERY = 2_000  # texts (~0.1 s of scoring) between looks at the stop flag


def score_new_tickets(con: Any, stop: threading.Event | None = None) -> dict[str, int]:
    """Score the distinct ticket texts not yet in the warehouse's sentiment cache (for this scorer version).

    A nightly run rescoring nothing that was scored before is the point: only new texts reach VADER. When
    `stop` is set (from another thread) scoring ends at the next STOP_CHECK_EVERY texts with ScoringStopped,
    and nothing is written to the cache.
    """
    con.execute(CACHE_SCHEMA)
    rows = con.execute(
        "select distinct body from raw_tickets as t where body is not null"
        " and not exists (select 1 from sentiment_cache as c"
        "   where c.text_md5 = md5(t.body) and c.scorer_version = ?)",
        [SCORER_VERSION],
    ).fetchall()
    texts = [r[0] for r in rows]
    scores: list[float] = []
    for start in range(0, len(texts), STOP_CHECK_EVERY):
        if stop is not None and stop.is_set():
            raise ScoringStopped(
                f"stopped after {start:,} of {len(texts):,} texts; nothing written to the cache"
            )
        scores += score_texts(texts[start : start + STOP_CHECK_EVERY])
    if texts:
        import pandas as pd

        frame = pd.DataFrame(
            {"text_md5": [text_hash(t) for t in texts], "scorer_version": SCORER_VERSION, "score": scores}
        )
        con.register("_new_scores", frame)
        con.execute("insert into sentiment_cache select * from _new_scores")
        con.unregister("_new_scores")
    total = con.execute(
        "select count(*) from sentiment_cache where scorer_version = ?", [SCORER_VERSION]
    ).fetchone()
    return {"scored": len(texts), "cached": int(total[0]) - len(texts) if total else 0}
