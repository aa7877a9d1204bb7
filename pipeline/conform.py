"""Assumed journey → process model → exact alignments per variant → fitness and deviations.

The assumed journey is a sequence of steps; a step is a touchpoint, a choice (`any_of`) or `optional`. Its
Petri net is a state machine: place p0 … pn, and between p(k-1) and pk one visible transition per touchpoint
the step allows plus, when the step may be skipped, one silent (tau) transition. pm4py aligns a trace to this
net with costs sync 0, log move 10000, visible model move 10000, tau 1. On this net the optimal alignment is a
shortest path in a small DAG (trace position × place), so :func:`align` solves it exactly by dynamic
programming — for all variants at once, one trace position at a time — and its costs equal pm4py's
(checked in tests on fixtures and on the public receipt log). Nothing is approximated.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
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


@dataclass
class AlignmentResult:
    model: AssumedModel
    alignments: list[Alignment]
    weights: np.ndarray
    lengths: np.ndarray
    summary: dict[str, Any] = field(default_factory=dict)


def align(model: AssumedModel, traces: Sequence[Sequence[str]]) -> list[Alignment]:
    """Optimal alignments of every trace against the model (same costs as pm4py on :func:`petri_net`).

    cost[i, k] = cheapest way to read the first i events and stand in place k:
      log move   cost[i-1, k] + 10000
      sync       cost[i-1, k-1]            if event i may fire step k
      skip       cost[i, k-1] + (1 if step k is optional else 10000)
    Traces are processed longest first so that at position i the traces still running are a prefix of
    the arrays. Ties are broken in the order sync, skip, log (stated so the reported moves are stable).
    """
    n_steps = len(model.steps)
    if not traces:
        return []
    vocab = sorted(model.touchpoints | {t for trace in traces for t in trace})
    index = {t: i for i, t in enumerate(vocab)}
    accepts = np.zeros((n_steps + 1, len(vocab)), dtype=bool)  # accepts[k, a]: step k fires touchpoint a
    for k, step in enumerate(model.steps, start=1):
        for label in step.labels:
            accepts[k, index[label]] = True
    skip_cost = np.array([0] + [s.skip_cost for s in model.steps], dtype=np.int64)

    order = sorted(range(len(traces)), key=lambda v: -len(traces[v]))
    lengths = np.array([len(traces[v]) for v in order])
    max_len = int(lengths[0])
    coded = np.full((len(order), max_len), -1, dtype=np.int64)
    for row, v in enumerate(order):
        coded[row, : len(traces[v])] = [index[t] for t in traces[v]]

    # Row i of `how` holds, for the traces still running at position i, how each place was reached.
    how: list[np.ndarray] = []
    cost = np.full((len(order), n_steps + 1), INF, dtype=np.int64)
    cost[:, 0] = 0
    move = np.zeros((len(order), n_steps + 1), dtype=np.int8)
    for k in range(1, n_steps + 1):
        cost[:, k] = cost[:, k - 1] + skip_cost[k]
        move[:, k] = SKIP
    how.append(move.copy())
    finals = np.empty(len(order), dtype=np.int64)
    done = lengths == 0
    finals[done] = cost[done, n_steps]
    for i in range(1, max_len + 1):
        active = int(np.searchsorted(-lengths, -i, side="right"))  # traces with len >= i
        prev = cost[:active]
        events = coded[:active, i - 1]
        new = prev + LOG_MOVE
        move = np.full((active, n_steps + 1), LOG, dtype=np.int8)
        for k in range(1, n_steps + 1):
            fires = accepts[k, events]
            sync = np.where(fires, prev[:, k - 1], INF)
            skip = new[:, k - 1] + skip_cost[k]
            best = np.minimum(np.minimum(sync, skip), new[:, k])
            # tie-break: sync, then skip, then log
            chosen = np.where(sync == best, SYNC, np.where(skip == best, SKIP, LOG)).astype(np.int8)
            new[:, k] = best
            move[:, k] = chosen
        how.append(move)
        cost = new
        ending = lengths[:active] == i
        finals[:active][ending] = cost[ending, n_steps]

    results: list[Alignment | None] = [None] * len(traces)
    for row, v in enumerate(order):
        trace = traces[v]
        i, k = len(trace), n_steps
        moves: list[tuple[str, str | None, int]] = []
        while i > 0 or k > 0:
            m = how[i][row, k] if i > 0 else SKIP
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


def trace_fitness(model: AssumedModel, alignment: Alignment, length: int) -> float:
    """pm4py's per-trace alignment fitness."""
    denominator = length + model.shortest_path
    return 1 - alignment.deviations / denominator if denominator > 0 else 0.0


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


def conformance(
    model: AssumedModel, paths: Sequence[Sequence[str]], customers: Sequence[int]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[Alignment]]:
    """Fitness, conforming share and skipped/inserted deviations, weighted by customers per variant.

    Returns (figures, deviations, alignments in the order of `paths`).
    """
    alignments = align(model, paths)
    total = int(sum(customers))
    cost_sum = bwc_sum = 0
    fit_sum = 0.0
    conforming = 0
    counts: Counter[tuple[str, str]] = Counter()
    for path, weight, alignment in zip(paths, customers, alignments, strict=True):
        cost_sum += weight * alignment.cost
        bwc_sum += weight * (LOG_MOVE * len(path) + model.best_worst_cost)
        fit_sum += weight * trace_fitness(model, alignment, len(path))
        conforming += weight if alignment.deviations == 0 else 0
        for deviation in variant_deviations(model, path, alignment):
            counts[deviation] += weight
    figures = {
        "fitness": 1 - cost_sum / bwc_sum if bwc_sum else None,
        "average_trace_fitness": fit_sum / total if total else None,
        "conforming_share": conforming / total if total else None,
        "customers": total,
        "variants": len(paths),
        "method": "exact alignments per variant (dynamic programming on the assumed journey's Petri net)",
        "approximated": False,
    }
    deviations = [
        {"kind": kind, "touchpoint": touchpoint, "customers": n, "share": n / total if total else None}
        for (kind, touchpoint), n in counts.items()
    ]
    return figures, deviations, alignments


def run_conformance(con: Any, steps: Sequence[Step]) -> dict[str, Any] | None:
    """Align every variant in the warehouse to the assumed journey; write conformance tables; return figures.

    Writes ``conformance_variants`` (one row per variant: cost, deviations, fitness) and
    ``conformance_deviations`` (one row per skipped/inserted touchpoint). Back-steps come from the
    ``backtracks`` mart and join these in ``rpt_deviations``. Returns None without an assumed journey.
    """
    import pandas as pd

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
    rows = con.execute("select variant_rank, path, customers from variants order by variant_rank").fetchall()
    ranks = [int(r[0]) for r in rows]
    paths = [list(r[1]) for r in rows]
    weights = [int(r[2]) for r in rows]
    figures, deviations, alignments = conformance(model, paths, weights)
    per_variant = pd.DataFrame(
        {
            "variant_rank": ranks,
            "customers": weights,
            "n_steps": [len(p) for p in paths],
            "cost": [a.cost for a in alignments],
            "n_deviations": [a.deviations for a in alignments],
            "trace_fitness": [
                trace_fitness(model, a, len(p)) for a, p in zip(alignments, paths, strict=True)
            ],
            "is_conforming": [a.deviations == 0 for a in alignments],
        }
    )
    con.register("_conf_variants", per_variant)
    con.execute("insert into conformance_variants select * from _conf_variants")
    con.unregister("_conf_variants")
    if deviations:
        frame = pd.DataFrame(deviations)[["kind", "touchpoint", "customers", "share"]]
        con.register("_conf_dev", frame)
        con.execute("insert into conformance_deviations select * from _conf_dev")
        con.unregister("_conf_dev")
    figures["assumed_journey"] = [s.display for s in model.steps]
    figures["process_tree"] = process_tree_text(steps)
    return figures
