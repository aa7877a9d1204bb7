"""Personas: behavioural segments found in the journeys (scikit-learn), each labelled by what sets it apart.

Features come from SQL (`int_persona_features`, one row per customer and feature) in four blocks:
touchpoint visits and directly-follows transitions (both weighted TF-IDF, sublinear), timing (share of
clicks by local time of day, days active, sessions) and attributes (the customer's usual device, channel, …).
Each block is L2-normalised per customer so that no block outweighs another by its number of columns.

The matrix is projected to at most SVD_COMPONENTS dimensions (truncated SVD, as in latent semantic
analysis) and rows are L2-normalised: distances in a few dense dimensions separate behaviours better than
in hundreds of sparse ones. The number of personas is the smallest k in 2…max_count whose silhouette is
within K_TOLERANCE of the best (measured on a sample). A split is **weak** — one persona, and the summary
says so — when its silhouette is below `min_silhouette` (0.25: "no substantial structure", Kaufman &
Rousseeuw) or when it beats chance by less than `min_excess` (0.1). Chance is the same clustering after
shuffling whole feature groups (path, timing, attributes) between customers: each group keeps its own
structure and only their co-occurrence is lost. Discrete variation in one respect (one view or two, morning
or afternoon) separates well on its own but is not a persona; a persona is traits that go together. With a
single feature group, single columns are shuffled instead. SVD and k-means (Lloyd) are fitted on a sample of at most FIT_SAMPLE
customers and then every customer is assigned, so a million customers take seconds, not minutes.
Everything random takes the config's seed: the same data gives the same personas.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.preprocessing import normalize

from .config import Config, Personas
from .db import build_one

BLOCK_OF_SETTING = {
    "touchpoints": "touchpoint",
    "transitions": "transition",
    "timing": "timing",
    "attributes": "attribute",
}
# report models this stage builds itself (the labels need them); the reports layer leaves them as built
BUILT_MODELS = ("rpt_persona_traits",)
FIT_SAMPLE = 100_000
CHOICE_SAMPLE = 20_000
SILHOUETTE_SAMPLE = 4_000
MIN_CUSTOMERS = 20
SVD_COMPONENTS = 16
K_TOLERANCE = 0.02
DAY_PARTS = ("night", "morning", "afternoon", "evening")


@dataclass
class Features:
    """Customers × features, sparse, with each feature's name and block; rows in customer id order.

    The columns are kept as parts (one per block, in the order of `names`), weighted and normalised, and joined
    only for the rows a step needs: one joined copy of every customer would double the peak memory of a large
    run (2 GB more at 12.5M customers).
    """

    names: list[str]
    blocks: list[str]
    parts: list[sparse.csr_matrix]
    n_rows: int

    def rows(self, rows: slice | np.ndarray = slice(None)) -> sparse.csr_matrix:
        """The joined matrix of the given rows (all by default)."""
        return sparse.hstack([part[rows] for part in self.parts], format="csr", dtype=np.float32)


@dataclass
class PersonaModel:
    count: int
    chosen_by: str
    silhouette: float | None
    silhouettes: dict[int, float] = field(default_factory=dict)
    weak: bool = False
    seconds: float = 0.0
    chance_silhouette: float | None = None


GROUP_OF_BLOCK = {"touchpoint": "path", "transition": "path", "timing": "timing", "attribute": "attribute"}
NULL_SHUFFLES = 3


def load_features(con: duckdb.DuckDBPyConnection, settings: Personas) -> Features:
    """The feature matrix of every customer (row = `customer_no`, which numbers customers in customer id order),
    blocks weighted and normalised.

    `int_persona_features` is a view over the per-customer tables: each block is read twice, for its feature
    names and then as integers (customer number, feature column, value); only those cross into Python, one block
    at a time, so the whole raw matrix never sits in memory at once. Customer ids stay in DuckDB
    (`int_customer_keys`, for `write_assignment`).
    """
    blocks = [BLOCK_OF_SETTING[b] for b in settings.features]
    count = con.execute("select count(*) from int_customer_keys").fetchone()
    n_rows = int(count[0]) if count else 0
    parts, names, kinds = [], [], []
    for block in blocks:
        # the block is read twice (its feature names, then its values by row and column): cheaper than
        # copying its ~10M rows of strings into a table first
        con.execute(
            "create or replace temp table _persona_columns as"
            " select feature, (row_number() over (order by feature) - 1)::integer as col"
            " from (select distinct feature from int_persona_features where block = $block)",
            {"block": block},
        )
        features = [f for (f,) in con.execute("select feature from _persona_columns order by col").fetchall()]
        if not features:
            continue
        triples = con.execute(
            "select b.customer_no as row_no, c.col, b.value::float as value from int_persona_features as b"
            " join _persona_columns as c using (feature) where b.block = $block",
            {"block": block},
        ).fetchnumpy()
        part = sparse.csr_matrix(
            (
                np.asarray(triples["value"], dtype=np.float32),
                (np.asarray(triples["row_no"]), np.asarray(triples["col"])),
            ),
            shape=(n_rows, len(features)),
        )
        del triples
        if block in ("touchpoint", "transition"):
            part = TfidfTransformer(sublinear_tf=True).fit(part).transform(part, copy=False)
        elif block == "timing":
            scale = np.asarray(abs(part).max(axis=0).todense()).ravel()
            part = part @ sparse.diags(1 / np.where(scale > 0, scale, 1))
        parts.append(normalize(part.tocsr(), norm="l2", copy=False).astype(np.float32, copy=False))
        names += features
        kinds += [block] * len(features)
    con.execute("drop table if exists _persona_columns")
    if not parts:  # no features at all: one part without columns keeps the row count
        parts.append(sparse.csr_matrix((n_rows, 0), dtype=np.float32))
    return Features(names, kinds, parts, n_rows)


def write_assignment(con: duckdb.DuckDBPyConnection, persona_of_row: np.ndarray) -> None:
    """`customer_personas` (customer_id, customer_no, persona_id) from each row's (customer number's) persona."""
    assignment = pd.DataFrame(
        {
            "row_no": np.arange(len(persona_of_row), dtype=np.int32),
            "persona_id": persona_of_row.astype(np.int64, copy=False),
        }
    )
    con.register("_assignment", assignment)
    con.execute(
        "create or replace table customer_personas as select k.customer_id, k.customer_no, a.persona_id"
        " from int_customer_keys as k join _assignment as a on a.row_no = k.customer_no order by k.customer_id"
    )
    con.unregister("_assignment")


def _rows(features: Features, rows: np.ndarray) -> Features:
    return Features(features.names, features.blocks, [part[rows] for part in features.parts], len(rows))


def project(features: Features, seed: int) -> np.ndarray:
    """Rows in at most SVD_COMPONENTS dense dimensions (SVD fitted on a sample), L2-normalised, float32."""
    n, m = features.n_rows, len(features.names)
    # no feature at all (e.g. only `attributes`, and none configured): nothing to place customers by
    if m == 0:
        return np.zeros((n, 0), dtype=np.float32)
    components = min(SVD_COMPONENTS, m - 1, n - 1)
    if components < 2:  # tiny data: nothing to reduce
        return normalize(features.rows().toarray()).astype(np.float32)
    svd = TruncatedSVD(n_components=components, random_state=seed)
    svd.fit(features.rows(_sample(n, FIT_SAMPLE, seed)))
    out = np.empty((n, svd.n_components), dtype=np.float32)
    for start in range(0, n, 200_000):  # bounded memory on large runs
        out[start : start + 200_000] = svd.transform(features.rows(slice(start, start + 200_000)))
    return normalize(out, copy=False)  # in place: a copy is 0.8 GB at 12.5M customers


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(n, size), replace=False))


def _fit(points: np.ndarray, k: int, seed: int) -> KMeans:
    """k-means (Lloyd, 10 restarts) on at most FIT_SAMPLE customers; cheap in a few dense dimensions."""
    fit_rows = _sample(points.shape[0], FIT_SAMPLE, seed)
    return KMeans(n_clusters=k, random_state=seed, n_init=10).fit(points[fit_rows])


def shuffled(features: Features, seed: int) -> Features:
    """The features with each group's rows shuffled independently (single columns if there is one group)."""
    rng = np.random.default_rng(seed)
    matrix = features.rows().tocsc()
    n = matrix.shape[0]
    groups: dict[str, list[int]] = {}
    for j, block in enumerate(features.blocks):
        groups.setdefault(GROUP_OF_BLOCK[block], []).append(j)
    units = list(groups.values()) if len(groups) > 1 else [[j] for j in range(matrix.shape[1])]
    parts, order = [], []
    for cols in units:
        parts.append(matrix[:, cols][rng.permutation(n)])
        order += cols
    out = sparse.hstack(parts, format="csc")[:, np.argsort(order)]
    return Features(features.names, features.blocks, [out.tocsr()], n)


def _silhouettes(points: np.ndarray, ks: Iterable[int], seed: int) -> dict[int, float]:
    """The silhouette of k-means with each k, on one sample of SILHOUETTE_SAMPLE points whose distances are
    computed once for every k (a k whose clustering puts the sample in one cluster has none)."""
    sample = points[_sample(points.shape[0], SILHOUETTE_SAMPLE, seed)]
    distances: np.ndarray | None = None
    out: dict[int, float] = {}
    for k in ks:
        labels = _fit(points, k, seed).predict(sample)
        if len(set(labels)) > 1:
            if distances is None:
                distances = pairwise_distances(sample)
            out[k] = float(silhouette_score(distances, labels, metric="precomputed"))
    return out


def choose_count(features: Features, points: np.ndarray, settings: Personas) -> PersonaModel:
    """How many personas: fixed by the config, or by silhouette, weak splits made one.

    `features` and `points` are those of the customers to choose on: the caller passes a sample of at most
    CHOICE_SAMPLE (choosing k does not need everyone).
    """
    n = points.shape[0]
    if points.shape[1] == 0:  # before a fixed count: without features there is nothing to split by
        return PersonaModel(1, "no features", None, weak=True)
    if isinstance(settings.count, int):
        return PersonaModel(min(settings.count, max(n, 1)), "config", None)
    if n < MIN_CUSTOMERS:
        return PersonaModel(1, f"fewer than {MIN_CUSTOMERS} customers", None, weak=True)
    silhouettes = _silhouettes(points, range(2, min(settings.max_count, n - 1) + 1), settings.seed)
    if not silhouettes:
        return PersonaModel(1, "no split found", None, silhouettes, weak=True)
    best = max(silhouettes.values())
    chosen = min(k for k, v in silhouettes.items() if v >= best - K_TOLERANCE)
    chance_values = [
        v
        for shuffle in range(NULL_SHUFFLES)
        for v in _silhouettes(
            project(shuffled(features, settings.seed + shuffle), settings.seed), [chosen], settings.seed
        ).values()
    ]
    chance = float(np.mean(chance_values)) if chance_values else 0.0
    weak = silhouettes[chosen] < settings.min_silhouette or silhouettes[chosen] - chance < settings.min_excess
    return PersonaModel(
        1 if weak else chosen, "silhouette", silhouettes[chosen], silhouettes, weak, 0.0, chance
    )


def assign(points: np.ndarray, model: PersonaModel, seed: int) -> np.ndarray:
    """Persona number (1 = largest) of every customer."""
    n = points.shape[0]
    if model.count <= 1 or n == 0:
        return np.ones(n, dtype=np.int64)
    labels = _fit(points, model.count, seed).predict(points)
    sizes = np.bincount(labels, minlength=model.count)
    order = sorted(range(model.count), key=lambda c: (-sizes[c], c))
    renumber = np.empty(model.count, dtype=np.int64)
    for rank, cluster in enumerate(order, start=1):
        renumber[cluster] = rank
    return renumber[labels]


def _readable(name: str, block: str) -> str:
    if block == "attribute":
        return name.split("=", 1)[1].replace("_", " ")
    if block == "transition":
        return name.replace("_", " ").replace(" > ", " → ")
    return name.replace("_", " ")


def distinguishing(con: duckdb.DuckDBPyConnection, top: int = 3) -> dict[int, list[dict[str, Any]]]:
    """Per persona, the traits that set it apart (from `rpt_persona_traits`, built by `run_personas`).

    score = share in the persona × (share in it − share elsewhere); a trait must be held by at least 40% of
    the persona. The label takes one trait per group (touchpoint, attribute, time of day, transition; ties
    prefer them in that order) and no transition that only repeats a touchpoint already named, so it reads
    like "symptom checker, desktop, evening".
    """
    rows = con.execute(
        "select persona_id, block, feature, share_in_persona, share_elsewhere, score from rpt_persona_traits"
        " where score > 0 and share_in_persona >= 0.4"
    ).fetchall()
    preference = {"touchpoint": 0, "attribute": 1, "timing": 2, "transition": 3}
    out: dict[int, list[dict[str, Any]]] = {}
    for persona in sorted({r[0] for r in rows}):
        candidates = sorted(
            (r for r in rows if r[0] == persona), key=lambda r: (-round(r[5], 9), preference[r[1]], r[2])
        )
        picked: list[dict[str, Any]] = []
        named: set[str] = set()
        for _, block, name, share_in, share_out, _score in candidates:
            if any(p["block"] == block for p in picked):
                continue
            parts = name.split(" > ") if block == "transition" else [name]
            if block in ("transition", "touchpoint") and set(parts) & named:
                continue
            picked.append(
                {
                    "feature": name,
                    "block": block,
                    "label": _readable(name, block),
                    "share_in_persona": float(share_in),
                    "share_elsewhere": float(share_out),
                }
            )
            named.update(parts)
            if len(picked) == top:
                break
        out[int(persona)] = picked
    return out


def run_personas(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, Any]:
    """Find the personas, write `customer_personas` and `personas`, return the figures for summary.json."""
    start = time.perf_counter()
    settings = config.personas
    features = load_features(con, settings)
    points = project(features, settings.seed)
    # from here on only a sample's features and everyone's points are needed: freeing the sparse matrix of
    # everyone returns ~2 GB at 12.5M customers before k is chosen and customers are assigned
    choice = _sample(features.n_rows, CHOICE_SAMPLE, settings.seed)
    sample = _rows(features, choice)
    del features
    model = choose_count(sample, points[choice], settings)
    persona_of_row = assign(points, model, settings.seed)
    del points
    write_assignment(con, persona_of_row)
    del persona_of_row
    for name in BUILT_MODELS:  # they read only persona_id, which the labels below do not change
        build_one(con, name)
    described = distinguishing(con) if model.count > 1 else {1: []}
    labels: dict[int, str] = {}
    for persona in range(1, model.count + 1):
        label = ", ".join(f["label"] for f in described.get(persona, [])) or (
            "all customers" if model.count == 1 else f"persona {persona}"
        )
        while label in labels.values():
            label = f"{label} ({persona})"
        labels[persona] = label
    con.execute("create or replace temp table _labels (persona_id bigint, label varchar)")
    con.executemany("insert into _labels values (?, ?)", sorted(labels.items()))
    con.execute(
        "create or replace table personas as"
        " select persona_id, l.label, count(*) as customers, count(*) / sum(count(*)) over () as share"
        " from customer_personas join _labels as l using (persona_id) group by persona_id, l.label order by persona_id"
    )
    con.execute(
        "create or replace table customer_personas as"
        " select cp.customer_id, cp.customer_no, cp.persona_id, p.label as persona"
        " from customer_personas as cp join personas as p using (persona_id) order by cp.customer_id"
    )
    con.execute("drop table _labels")
    model.seconds = time.perf_counter() - start
    return {
        "count": model.count,
        "chosen_by": model.chosen_by,
        "silhouette": model.silhouette,
        "silhouettes": {str(k): v for k, v in model.silhouettes.items()},
        "chance_silhouette": model.chance_silhouette,
        "weak_split": model.weak,
        "features": list(settings.features),
        "seed": settings.seed,
        "distinguishing": {str(p): f for p, f in described.items()},
        "labels": {str(p): label for p, label in labels.items()},
        "seconds": model.seconds,
        "note": (
            "no clear behavioural segments: every customer is in one persona (the best split has silhouette"
            f" {model.silhouette:.2f}; shuffling traits between customers gives {model.chance_silhouette or 0:.2f};"
            f" a persona split needs at least {settings.min_silhouette} and {settings.min_excess} above chance)"
            if model.weak and model.silhouette is not None
            else None
        ),
    }


def adjusted_rand(labels_a: np.ndarray, labels_b: np.ndarray) -> float:
    """Adjusted Rand index of two labellings (sklearn's), for tests and benchmarks."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(labels_a, labels_b))
