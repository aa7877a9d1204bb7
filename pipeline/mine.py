"""Discovered process models of the actual journey: the whole journey and each stage, from compact inputs.

pm4py never sees the event table: `sql/marts/process_dfg.sql` aggregates the directly-follows graph, start
and end activities per scope and applies the noise threshold (pm4py ignores `noise_threshold` when handed a
DFG, so the filtering is done in SQL). pm4py's inductive miner turns each filtered DFG into a process tree,
which is saved as PNML and BPMN (openable in ProM, Disco, Camunda, bpmn.io) beside the report.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")


def _dfg(con: duckdb.DuckDBPyConnection, scope: str) -> tuple[Any, int, int]:
    from pm4py.objects.dfg.obj import DFG

    rows = con.execute(
        "select kind, from_touchpoint, to_touchpoint, n, is_kept from process_dfg where scope = ?"
        " order by kind, from_touchpoint, to_touchpoint",
        [scope],
    ).fetchall()
    edges = {(src, dst): int(n) for kind, src, dst, n, _ in rows if kind == "edge"}
    starts = {dst: int(n) for kind, _, dst, n, _ in rows if kind == "start"}
    ends = {src: int(n) for kind, src, _, n, _ in rows if kind == "end"}
    kept_edges = {e for kind, src, dst, _, kept in rows if kind == "edge" and kept for e in [(src, dst)]}
    kept_starts = {dst for kind, _, dst, _, kept in rows if kind == "start" and kept}
    kept_ends = {src for kind, src, _, _, kept in rows if kind == "end" and kept}
    connect(edges, starts, ends, kept_edges, kept_starts, kept_ends)
    graph = Counter({e: edges[e] for e in kept_edges})
    return (
        DFG(graph, Counter({a: starts[a] for a in kept_starts}), Counter({a: ends[a] for a in kept_ends})),
        len(kept_edges),
        len(edges),
    )


def connect(
    edges: dict[tuple[str, str], int],
    starts: dict[str, int],
    ends: dict[str, int],
    kept_edges: set[tuple[str, str]],
    kept_starts: set[str],
    kept_ends: set[str],
) -> None:
    """Repair a noise-filtered DFG in place so every activity lies on a path from a start to an end.

    The noise filter can cut an activity off (its only frequent incoming edge came from a busier source).
    pm4py's inductive miner needs a connected DFG, and dropping the activity would hide a real touchpoint;
    so an activity that cannot be reached gets back its strongest incoming edge from a reachable activity
    (or its start, when it starts cases), and one that cannot reach an end its strongest outgoing edge to
    such an activity (or its end). Repeats until nothing changes.
    """
    activities = {a for e in edges for a in e} | set(starts) | set(ends)
    changed = True
    while changed:
        changed = False
        for forward in (True, False):
            seeds = kept_starts if forward else kept_ends
            reached = set(seeds)
            frontier = list(seeds)
            while frontier:
                a = frontier.pop()
                for src, dst in kept_edges:
                    nxt = dst if forward and src == a else src if not forward and dst == a else None
                    if nxt is not None and nxt not in reached:
                        reached.add(nxt)
                        frontier.append(nxt)
            for a in sorted(activities - reached):
                links = [
                    (n, e)
                    for e, n in edges.items()
                    if (forward and e[1] == a and e[0] in reached)
                    or (not forward and e[0] == a and e[1] in reached)
                ]
                if links:
                    kept_edges.add(max(links)[1])
                    changed = True
                elif forward and a in starts:
                    kept_starts.add(a)
                    changed = True
                elif not forward and a in ends:
                    kept_ends.add(a)
                    changed = True
                if changed:
                    break
            if changed:
                break


def slug(name: str) -> str:
    """A file-name-safe form of a scope name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "scope"


def discover_models(con: duckdb.DuckDBPyConnection, out_dir: Path | None = None) -> list[dict[str, Any]]:
    """One process tree per scope ('journey', then each stage in journey order); files written when out_dir."""
    import pm4py

    scopes = [
        r[0]
        for r in con.execute(
            "select p.scope from (select distinct scope from process_dfg) as p"
            " left join (select distinct stage, stage_order from config_stages) as s on s.stage = p.scope"
            " order by p.scope <> 'journey', coalesce(s.stage_order, 1000), p.scope"
        ).fetchall()
    ]
    models = []
    for scope in scopes:
        dfg, kept, total = _dfg(con, scope)
        if not dfg.graph and not dfg.start_activities:
            continue
        tree = pm4py.discover_process_tree_inductive(dfg)
        activities = sorted(
            {a for edge in dfg.graph for a in edge} | set(dfg.start_activities) | set(dfg.end_activities)
        )
        entry: dict[str, Any] = {
            "scope": scope,
            "tree": str(tree),
            "activities": len(activities),
            "edges_kept": kept,
            "edges_total": total,
        }
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            name = slug(scope)
            net, im, fm = pm4py.convert_to_petri_net(tree)
            pm4py.write_pnml(net, im, fm, str(out_dir / f"{name}.pnml"))
            pm4py.write_bpmn(pm4py.convert_to_bpmn(tree), str(out_dir / f"{name}.bpmn"), auto_layout=False)
            (out_dir / f"{name}.tree.txt").write_text(str(tree) + "\n", encoding="utf-8")
            entry["files"] = [f"{name}.pnml", f"{name}.bpmn", f"{name}.tree.txt"]
        models.append(entry)
    return models
