"""Sentiment scorer vs plain VADER on human-rated text: Pearson r and macro-F1 (negative / neutral / positive).

    python -m benchmarks.sentiment            # table to stdout and benchmarks/SENTIMENT.md
    python -m benchmarks.sentiment --ablation # also: ours without each rule group

Corpora (benchmarks/sentiment_data/, development halves of Hutto & Gilbert 2014, MIT licence): each line is
id, mean human rating (-4 … 4, 10–20 raters), text. A human rating is negative at <= -0.5, positive at >= 0.5,
else neutral; a score is negative at <= -0.05, positive at >= 0.05 (VADER's thresholds), for both scorers.
Also scored: the sample's support tickets (data/sample/tickets.csv) against the polarity the generator planted.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from pipeline.sentiment import NEGATIVE_BELOW, POSITIVE_ABOVE, RULES, TicketSentiment

ROOT = Path(__file__).resolve().parent
CORPORA = {
    "Amazon reviews": "amazonReviewSnippets_GroundTruth.txt",
    "movie reviews": "movieReviewSnippets_GroundTruth.txt",
    "NYT editorials": "nytEditorialSnippets_GroundTruth.txt",
    "tweets": "tweets_GroundTruth.txt",
}
HUMAN_BAND = 0.5
LABEL_VALUE = {"neg": -1.0, "neu": 0.0, "pos": 1.0}


def load(path: Path) -> tuple[np.ndarray, list[str]]:
    ratings, texts = [], []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            ratings.append(float(parts[1]))
            texts.append("\t".join(parts[2:]))
    return np.array(ratings), texts


def sample_tickets() -> tuple[np.ndarray, list[str]]:
    """The sample's tickets with the polarity planted for each template (-1, 0, 1)."""
    from pipeline.sample import HOSTILE, TICKETS

    label_of: dict[str, str] = {}
    for bank in TICKETS.values():
        for label, template in bank:
            label_of[template.split("{")[0][:40]] = label
    for _, label, body in HOSTILE:
        label_of[body[:40]] = label
    ratings, texts = [], []
    with (ROOT.parent / "data" / "sample" / "tickets.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            key = next((k for k in label_of if row["body"].startswith(k)), None)
            if key is not None:
                ratings.append(LABEL_VALUE[label_of[key]])
                texts.append(row["body"])
    return np.array(ratings), texts


def classes(values: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.where(values >= high, 2, np.where(values <= low, 0, 1))


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    scores = []
    for c in range(3):
        tp = int(((truth == c) & (predicted == c)).sum())
        precision = tp / max(int((predicted == c).sum()), 1)
        recall = tp / max(int((truth == c).sum()), 1)
        scores.append(0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
    return float(np.mean(scores))


def evaluate(
    score: Callable[[str], float], ratings: np.ndarray, texts: list[str], band: float
) -> tuple[float, float, float]:
    start = time.perf_counter()
    scores = np.array([score(t) for t in texts])
    per_second = len(texts) / (time.perf_counter() - start)
    r = float(np.corrcoef(ratings, scores)[0, 1])
    f1 = macro_f1(classes(ratings, -band, band), classes(scores, NEGATIVE_BELOW, POSITIVE_ABOVE))
    return r, f1, per_second


def datasets() -> dict[str, tuple[np.ndarray, list[str], float]]:
    out = {}
    for name, file in CORPORA.items():
        ratings, texts = load(ROOT / "sentiment_data" / file)
        out[name] = (ratings, texts, HUMAN_BAND)
    ratings, texts = sample_tickets()
    out["sample support tickets"] = (ratings, texts, 0.5)
    return out


def main() -> None:
    plain = SentimentIntensityAnalyzer()
    ours = TicketSentiment()
    scorers: dict[str, Callable[[str], float]] = {
        "plain VADER": lambda t: plain.polarity_scores(t)["compound"],
        "ours": lambda t: ours.polarity_scores(t)["compound"],
    }
    if "--ablation" in sys.argv:
        for rule in RULES:
            variant = TicketSentiment([r for r in RULES if r != rule])
            scorers[f"ours without {rule}"] = lambda t, v=variant: v.polarity_scores(t)["compound"]  # type: ignore[misc]
    lines = [
        "| text | rows | scorer | Pearson r | macro-F1 | texts/s |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for name, (ratings, texts, band) in datasets().items():
        for label, score in scorers.items():
            r, f1, speed = evaluate(score, ratings, texts, band)
            lines.append(f"| {name} | {len(texts):,} | {label} | {r:.3f} | {f1:.3f} | {speed:,.0f} |")
            print(lines[-1], flush=True)
    if "--ablation" not in sys.argv:
        (ROOT / "SENTIMENT.md").write_text(
            "# Sentiment: ours vs plain VADER\n\nRerun: `python -m benchmarks.sentiment` (part of `make bench`)."
            " Corpora and class bands: see benchmarks/sentiment.py.\n\n" + "\n".join(lines) + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
