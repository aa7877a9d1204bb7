"""Assumed journey → process model → exact alignments per variant → fitness and deviations.

The assumed journey is a sequence of steps; a step is a touchpoint, a choice (`any_of`) or `optional`. Its
Petri net is a state machine: place p0 … pn, and between p(k-1) and pk one visible transition per touchpoint
the step allows plus, when the step may be skipped, one silent (tau) transition. pm4py aligns a trace to this
net with costs sync 0, log move 10000, visible model move 10000, tau 1. On this net the optimal alignment is a
shortest path in a small DAG (trace position × place), so :func:`align` solves it exactly by dynamic
programming — for a batch of variants at once, one trace position at a time — and its costs equal pm4py's
(checked in tests on fixtures and on the public receipt log). Nothing is approximated. :func:`conformance`
and :func:`run_conformance` walk every alignment of a batch back at once, without building its moves, so
a long tail of distinct variants (a year of returning customers: 225k variants of up to 118 steps) costs
seconds and a bounded amount of memory.

Fitness follows pm4py: per trace ``1 - deviations / (len + shortest model path)``; for the log
``1 - Σ cost / Σ (10000·len + best-worst cost)`` over customers.

Deviation kinds (each counted once per customer, weighted by the customers of the variant):
- ``skipped``: the alignment skips a step (a visible model move) and the customer never did any of its
  touchpoints anywhere in the journey;
- ``inserted``: a log move: the customer did a touchpoint where the assumed journey has no place for it;
- ``backtrack``: a step back to an earlier stage (from the stage mapping, see sql/marts/backtracks.sql).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import AnyOf, Optional_, Step

LOG_MOVE = 10_000
MODEL_MOVE = 10_000
TAU = 1
INF = np.int64(1) << 60


@dataclass(frozen=True)
class ModelStep:
    """One position of the assumed journey: the touchpoints it accepts and whether it may be skipped."""

    labels: frozenset[str]
    skippable: bool
    display: str

    @property
    def skip_cost(self) -> int:
        return TAU if self.skippable else MODEL_MOVE


@dataclass(frozen=True)
class AssumedModel:
    steps: tuple[ModelStep, ...]

    @property
    def best_worst_cost(self) -> int:
        """pm4py's cost of aligning the empty trace: the cheapest way through the model."""
        return sum(s.skip_cost for s in self.steps)

    @property
    def shortest_path(self) -> int:
        """Visible transitions on the shortest path through the model."""
        return sum(1 for s in self.steps if not s.skippable)

    @property
    def touchpoints(self) -> frozenset[str]:
        return frozenset().union(*(s.labels for s in self.steps)) if self.steps else frozenset()


def _flatten(step: Step) -> tuple[set[str], bool]:
    if isinstance(step, str):
        return {step}, False
    if isinstance(step, AnyOf):
        labels: set[str] = set()
        skippable = False
        for inner in step.any_of:
            child_labels, child_skip = _flatten(inner)
            labels |= child_labels
            skippable = skippable or child_skip
        return labels, skippable
    labels, _ = _flatten(step.optional)
    return labels, True


def _display(step: Step) -> str:
    if isinstance(step, str):
        return step
    if isinstance(step, AnyOf):
        return " | ".join(_display(s) for s in step.any_of)
    return f"({_display(step.optional)})?"


def assumed_model(steps: Sequence[Step]) -> AssumedModel:
    """The assumed journey as a sequence of model steps."""
    out = []
    for step in steps:
        labels, skippable = _flatten(step)
        out.append(ModelStep(frozenset(labels), skippable, _display(step)))
    return AssumedModel(tuple(out))


def process_tree_text(steps: Sequence[Step]) -> str:
    """pm4py's textual process tree of the assumed journey, e.g. ->( 'a', X( 'b', 'c' ), X( 'd', tau ) )."""

    def node(step: Step) -> str:
        if isinstance(step, str):
            return "'" + step.replace("\\", "\\\\").replace("'", "\\'") + "'"
        if isinstance(step, AnyOf):
            return "X( " + ", ".join(node(s) for s in step.any_of) + " )"
        assert isinstance(step, Optional_)
        return f"X( {node(step.optional)}, tau )"

    if len(steps) == 1:
        return node(steps[0])
    return "->( " + ", ".join(node(s) for s in steps) + " )"


def petri_net(model: AssumedModel) -> tuple[Any, Any, Any]:
    """The state-machine Petri net (net, initial marking, final marking) that :func:`align` solves."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils

    net = PetriNet("assumed journey")
    places = [PetriNet.Place(f"p{k}") for k in range(len(model.steps) + 1)]
    for place in places:
        net.places.add(place)
    for k, step in enumerate(model.steps, start=1):
        for n, label in enumerate(sorted(step.labels)):
            t = PetriNet.Transition(f"t{k}_{n}", label)
            net.transitions.add(t)
            petri_utils.add_arc_from_to(places[k - 1], t, net)
            petri_utils.add_arc_from_to(t, places[k], net)
        if step.skippable:
            t = PetriNet.Transition(f"tau{k}", None)
            net.transitions.add(t)
            petri_utils.add_arc_from_to(places[k - 1], t, net)
            petri_utils.add_arc_from_to(t, places[k], net)
    return net, Marking({places[0]: 1}), Marking({places[-1]: 1})


# Alignment ------------------------------------------------------------------------------------------
SYNC, SKIP, LOG = 1, 2, 3  # how a DP cell was reached (0: start)


@dataclass
class Alignment:
    """Per variant: raw cost (pm4py units), its moves, and what they mean."""

    cost: int
    moves: list[
        tuple[str, str | None, int]
    ]  # (kind: sync|skip|tau|log, touchpoint or None, step index or -1)

    @property
    def deviations(self) -> int:
        return self.cost // LOG_MOVE


BATCH = 16_384  # variants read from the warehouse at once
CELLS = 1 << 22  # variants × trace positions per DP chunk: its moves take CELLS × (steps + 1) bytes


@dataclass(frozen=True)
class _Coded:
    """The model against one vocabulary: accepts[k, a] is True when step k fires touchpoint a (row 0 unused)."""

    vocab: list[str]
    accepts: np.ndarray
    skip_cost: np.ndarray

    @classmethod
    def of(cls, model: AssumedModel, vocab: list[str]) -> _Coded:
        index = {t: i for i, t in enumerate(vocab)}
        accepts = np.zeros((len(model.steps) + 1, len(vocab)), dtype=bool)
        for k, step in enumerate(model.steps, start=1):
            for label in step.labels:
                if label in index:
                    accepts[k, index[label]] = True
        skip_cost = np.array([0] + [s.skip_cost for s in model.steps], dtype=np.int64)
        return cls(vocab, accepts, skip_cost)


def _forward(coded: _Coded, events: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The DP for traces sorted longest first: (optimal cost per trace, how[i, k, trace] each cell was reached).

    cost[i, k] = cheapest way to read the first i events and stand in place k:
      log move   cost[i-1, k] + 10000
      sync       cost[i-1, k-1]            if event i may fire step k
      skip       cost[i, k-1] + (1 if step k is optional else 10000)
    `events` holds each trace's touchpoint codes, padded; at position i the traces still running are a prefix
    of the arrays. Ties are broken in the order sync, skip, log (stated so the reported moves are stable).
    Traces are the last axis of every array, so each step of the loop reads and writes contiguous memory.
    """
    n, max_len = events.shape
    n_steps = coded.accepts.shape[0] - 1
    # 32-bit costs when no sum can reach 2**30 (any trace shorter than ~50k events): half the memory traffic
    small = LOG_MOVE * (max_len + 2 * n_steps + 2) < 1 << 29
    dtype, inf = (np.int32, np.int32(1 << 30)) if small else (np.int64, INF)
    skip_cost = coded.skip_cost.astype(dtype)
    log_move = dtype(LOG_MOVE)
    how = np.empty((max_len + 1, n_steps + 1, n), dtype=np.int8)
    how[0, 0] = 0
    how[0, 1:] = SKIP
    cost = np.empty((n_steps + 1, n), dtype=dtype)
    cost[0] = 0
    for k in range(1, n_steps + 1):
        cost[k] = cost[k - 1] + skip_cost[k]
    finals = np.empty(n, dtype=np.int64)
    done = lengths == 0
    finals[done] = cost[n_steps, done]
    codes = np.ascontiguousarray(events.T)
    for i in range(1, max_len + 1):
        active = int(np.searchsorted(-lengths, -i, side="right"))  # traces with len >= i
        prev = cost[:, :active]
        fires = coded.accepts[:, codes[i - 1, :active]]  # [step, trace]: may this event fire the step
        new = prev + log_move
        move = how[i, :, :active]
        move[0] = LOG
        for k in range(1, n_steps + 1):
            sync = np.where(fires[k], prev[k - 1], inf)
            skip = new[k - 1] + skip_cost[k]
            best = np.minimum(np.minimum(sync, skip), new[k])
            new[k] = best
            move[k] = np.where(sync == best, SYNC, np.where(skip == best, SKIP, LOG))
        cost = new
        ending = lengths[:active] == i
        finals[:active][ending] = cost[n_steps, ending]
    return finals, how


def _encode(traces: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Traces of names as (vocabulary, concatenated codes into it, lengths): what :func:`_chunks` reads."""
    vocab = sorted({t for trace in traces for t in trace})
    index = {t: i for i, t in enumerate(vocab)}
    flat = np.array([index[t] for trace in traces for t in trace], dtype=np.int32)
    return vocab, flat, np.array([len(t) for t in traces], dtype=np.int64)


def _chunks(flat: np.ndarray, lengths: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Traces given as concatenated codes and their lengths, longest first, in chunks of at most CELLS padded
    positions (one trace alone when it is longer): (their rows in the input, their lengths, codes padded with -1).

    The DP's moves take rows × (longest + 1) × (steps + 1) bytes per chunk, so one very long case (a crawler
    with 100k clicks) is aligned on its own instead of padding thousands of short ones to its length.
    """
    order = np.argsort(-lengths, kind="stable")
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    begin = 0
    while begin < len(order):
        width = int(lengths[order[begin]])
        rows = order[begin : begin + max(1, CELLS // max(width, 1))]
        sizes = lengths[rows].astype(np.int64)
        events = np.full((len(rows), width), -1, dtype=np.int32)
        row = np.repeat(np.arange(len(rows)), sizes)
        pos = np.arange(len(row)) - np.repeat(np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
        events[row, pos] = flat[np.repeat(starts[rows], sizes) + pos]
        yield rows, sizes, events
        begin += len(rows)


def align(model: AssumedModel, traces: Sequence[Sequence[str]]) -> list[Alignment]:
    """Optimal alignments of every trace against the model (same costs as pm4py on :func:`petri_net`), with
    their moves. :func:`conformance` computes the same costs and deviations without building moves."""
    n_steps = len(model.steps)
    vocab, flat, all_lengths = _encode(traces)
    coded = _Coded.of(model, vocab)
    results: list[Alignment | None] = [None] * len(traces)
    for rows, lengths, events in _chunks(flat, all_lengths):
        finals, how = _forward(coded, events, lengths)
        for row, v in enumerate(rows):
            trace = traces[v]
            i, k = len(trace), n_steps
            moves: list[tuple[str, str | None, int]] = []
            while i > 0 or k > 0:
                m = how[i, k, row]
                if m == SYNC:
                    moves.append(("sync", trace[i - 1], k - 1))
                    i, k = i - 1, k - 1
                elif m == SKIP:
                    kind = "tau" if model.steps[k - 1].skippable else "skip"
                    moves.append((kind, None, k - 1))
                    k -= 1
                else:
                    moves.append(("log", trace[i - 1], -1))
                    i -= 1
            moves.reverse()
            results[v] = Alignment(int(finals[row]), moves)
    return [r for r in results if r is not None]


def _marks(
    coded: _Coded, events: np.ndarray, lengths: np.ndarray, how: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Walk every alignment back at once: (inserted[trace, touchpoint], skipped[trace, step]) as booleans.

    inserted: a log move of that touchpoint; skipped: a visible model move of that step (not yet checked
    against the touchpoints done elsewhere in the trace).
    """
    n = len(lengths)
    n_steps = coded.accepts.shape[0] - 1
    inserted = np.zeros((n, len(coded.vocab)), dtype=bool)
    skipped = np.zeros((n, n_steps), dtype=bool)
    i = lengths.copy()
    k = np.full(n, n_steps, dtype=np.int64)
    live = np.flatnonzero((i > 0) | (k > 0))
    while live.size:
        ii, kk = i[live], k[live]
        m = how[ii, kk, live]
        log = m == LOG
        inserted[live[log], events[live[log], ii[log] - 1]] = True
        skip = m == SKIP
        skipped[live[skip], kk[skip] - 1] = True
        i[live[~skip]] -= 1  # sync or log reads an event
        k[live[~log]] -= 1  # sync or skip moves to the next place
        live = live[(i[live] > 0) | (k[live] > 0)]
    return inserted, skipped


def _fitness(model: AssumedModel, deviations: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """pm4py's per-trace alignment fitness: 1 - deviations / (len + shortest model path)."""
    denominator = lengths + model.shortest_path
    return np.where(denominator > 0, 1 - deviations / np.maximum(denominator, 1), 0.0)


def trace_fitness(model: AssumedModel, alignment: Alignment, length: int) -> float:
    """pm4py's per-trace alignment fitness of one alignment."""
    return float(_fitness(model, np.array([alignment.deviations]), np.array([length]))[0])


def variant_deviations(
    model: AssumedModel, trace: Sequence[str], alignment: Alignment
) -> set[tuple[str, str]]:
    """The (kind, touchpoint) deviations of one trace, each once."""
    seen = set(trace)
    out: set[tuple[str, str]] = set()
    for kind, touchpoint, k in alignment.moves:
        if kind == "log" and touchpoint is not None:
            out.add(("inserted", touchpoint))
        elif kind == "skip":
            step = model.steps[k]
            if not (step.labels & seen):
                out.add(("skipped", step.display))
    return out


class _Tally:
    """Exact alignments batch by batch, summed into the log's figures and deviation counts; memory per batch."""

    def __init__(self, model: AssumedModel) -> None:
        self.model = model
        self.required = np.array([not s.skippable for s in model.steps], dtype=bool)
        self.displays = sorted({s.display for s in model.steps})  # two steps may read the same
        self.display_of_step = np.array(
            [[s.display == d for d in self.displays] for s in model.steps], dtype=np.int32
        ).reshape(len(model.steps), len(self.displays))
        self.best_worst = model.best_worst_cost
        self.cost_sum = self.bwc_sum = self.conforming = self.total = self.variants = 0
        self.fit_sum = 0.0
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, vocab: list[str], flat: np.ndarray, lengths: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """One batch of variants (codes into `vocab`, concatenated); returns each variant's cost, in order."""
        coded = _Coded.of(self.model, vocab)
        costs = np.empty(len(lengths), dtype=np.int64)
        for rows, sizes, events in _chunks(flat, lengths):
            costs[rows] = self._add_chunk(coded, sizes, events, weights[rows].astype(np.int64))
        return costs

    def _add_chunk(self, coded: _Coded, lengths: np.ndarray, events: np.ndarray, w: np.ndarray) -> np.ndarray:
        finals, how = _forward(coded, events, lengths)
        inserted, skipped = _marks(coded, events, lengths, how)
        seen = np.zeros_like(inserted)
        rows, pos = np.nonzero(events >= 0)
        seen[rows, events[rows, pos]] = True
        done = (
            seen.astype(np.int32) @ coded.accepts[1:].T.astype(np.int32)
        ) > 0  # did a touchpoint of step k
        for a in np.flatnonzero(by := w @ inserted):
            self.counts["inserted", coded.vocab[a]] += int(by[a])
        missed = (skipped & self.required & ~done).astype(np.int32) @ self.display_of_step  # once per display
        for d in np.flatnonzero(by := w @ (missed > 0)):
            self.counts["skipped", self.displays[d]] += int(by[d])
        deviations = finals // LOG_MOVE
        self.cost_sum += int(w @ finals)
        self.bwc_sum += int(w @ (LOG_MOVE * lengths + self.best_worst))
        self.fit_sum += float(w @ _fitness(self.model, deviations, lengths))
        self.conforming += int(w[deviations == 0].sum())
        self.total += int(w.sum())
        self.variants += len(lengths)
        return finals

    def result(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        total = self.total
        figures = {
            "fitness": 1 - self.cost_sum / self.bwc_sum if self.bwc_sum else None,
            "average_trace_fitness": self.fit_sum / total if total else None,
            "conforming_share": self.conforming / total if total else None,
            "customers": total,
            "variants": self.variants,
            "method": "exact alignments per variant (dynamic programming on the assumed journey's Petri net)",
            "approximated": False,
        }
        deviations = [
            {"kind": kind, "touchpoint": touchpoint, "customers": n, "share": n / total if total else None}
            for (kind, touchpoint), n in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        return figures, deviations


def conformance(
    model: AssumedModel, paths: Sequence[Sequence[str]], customers: Sequence[int]
) -> tuple[dict[str, Any], list[dict[str, Any]], np.ndarray]:
    """Fitness, conforming share and skipped/inserted deviations, weighted by customers per variant.

    Returns (figures, deviations most customers first, each path's alignment cost in the order of `paths`).
    """
    tally = _Tally(model)
    costs = tally.add(*_encode(paths), np.asarray(customers, dtype=np.int64))
    figures, deviations = tally.result()
    return figures, deviations, costs


def run_conformance(con: Any, steps: Sequence[Step]) -> dict[str, Any] | None:
    """Align every variant in the warehouse to the assumed journey; write conformance tables; return figures.

    Writes ``conformance_variants`` (one row per variant: cost, deviations, fitness) and
    ``conformance_deviations`` (one row per skipped/inserted touchpoint). Back-steps come from the
    ``backtracks`` mart and join these in ``rpt_deviations``. Variants are read as Arrow tables of BATCH ranks
    and aligned batch by batch, so memory does not grow with the number of variants (a long tail).
    """
    import pandas as pd
    import pyarrow.compute as pc

    con.execute(
        "create or replace table conformance_variants ("
        " variant_rank bigint, customers bigint, n_steps bigint, cost bigint, n_deviations bigint,"
        " trace_fitness double, is_conforming boolean)"
    )
    con.execute(
        "create or replace table conformance_deviations (kind varchar, touchpoint varchar, customers bigint, share double)"
    )
    if not steps:
        return None
    model = assumed_model(steps)
    tally = _Tally(model)
    # by ranges of ranks, each sorted on its own: one sort of every path list ran out of memory at a tenth of
    # the default limit on 225k variants (DuckDB does not spill it well), and the order keeps the sums exact
    last = con.execute("select coalesce(max(variant_rank), 0) from variants").fetchall()[0][0]
    parts = []
    for first in range(1, int(last) + 1, BATCH):
        batch = con.sql(
            "select variant_rank, customers, path from variants"
            f" where variant_rank >= {first} and variant_rank < {first + BATCH} order by variant_rank"
        ).to_arrow_table()
        paths = batch.column("path").combine_chunks()
        lengths = pc.list_value_length(paths).to_numpy(zero_copy_only=False).astype(np.int64)
        touchpoints = pc.dictionary_encode(paths.flatten())
        flat = touchpoints.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        weights = batch.column("customers").to_numpy(zero_copy_only=False).astype(np.int64)
        costs = tally.add(touchpoints.dictionary.to_pylist(), flat, lengths, weights)
        deviations = costs // LOG_MOVE
        parts.append(
            pd.DataFrame(
                {
                    "variant_rank": batch.column("variant_rank").to_numpy(zero_copy_only=False),
                    "customers": weights,
                    "n_steps": lengths,
                    "cost": costs,
                    "n_deviations": deviations,
                    "trace_fitness": _fitness(model, deviations, lengths),
                    "is_conforming": deviations == 0,
                }
            )
        )
    figures, found = tally.result()
    if parts:
        per_variant = pd.concat(parts, ignore_index=True)
        con.register("_conf_variants", per_variant)
        con.execute("insert into conformance_variants select * from _conf_variants")
        con.unregister("_conf_variants")
    if found:
        frame = pd.DataFrame(found)[["kind", "touchpoint", "customers", "share"]]
        con.register("_conf_dev", frame)
        con.execute("insert into conformance_deviations select * from _conf_dev")
        con.unregister("_conf_dev")
    figures["assumed_journey"] = [s.display for s in model.steps]
    figures["process_tree"] = process_tree_text(steps)
    return figures
