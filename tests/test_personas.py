"""Personas: found from behaviour, counted from the data, stable for a seed, honest about weak splits."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from pipeline.config import load_config
from pipeline.personas import BUILT_MODELS, adjusted_rand, run_personas

from .conftest import basic_config, build_warehouse, rows, write_project


def _two_behaviours(n: int = 60, seed: int = 1) -> str:
    """Half buy fast on mobile in the morning; half research on desktop in the evening and come back."""
    rng = random.Random(seed)
    lines = ["customer_id,ts,event,device"]
    for i in range(n):
        day = 5 + rng.randrange(20)
        if i % 2 == 0:
            start = f"2026-10-{day:02d}T0{7 + rng.randrange(3)}:{rng.randrange(60):02d}:00Z"
            steps = ["ad", "view", "cart", "pay"]
            device = "mobile"
        else:
            start = f"2026-10-{day:02d}T{19 + rng.randrange(3)}:{rng.randrange(60):02d}:00Z"
            steps = ["social_post", "compare", "view", "compare", "compare", "refill"]
            device = "desktop"
        t = np.datetime64(start.rstrip("Z"))
        for step in steps:
            t = t + np.timedelta64(60 + rng.randrange(120), "s")
            lines.append(f"c{i:03d},{t}Z,{step},{device}")
    return "\n".join(lines) + "\n"


def _one_behaviour(n: int = 120, seed: int = 2) -> str:
    """Everyone does the same thing; only how often they look and when differ a little."""
    rng = random.Random(seed)
    lines = ["customer_id,ts,event"]
    for i in range(n):
        t = np.datetime64(f"2026-10-{5 + rng.randrange(20):02d}T{8 + rng.randrange(10):02d}:00:00")
        for step in ["ad", *["view"] * rng.randint(1, 2), "cart", "pay"]:
            t = t + np.timedelta64(30 + rng.randrange(300), "s")
            lines.append(f"c{i:03d},{t}Z,{step}")
    return "\n".join(lines) + "\n"


def _config(**personas: Any) -> dict[str, Any]:
    config = basic_config(timezone="UTC")
    config["sources"]["clickstream"]["attributes"] = ["device"]
    if personas:
        config["personas"] = personas
    return config


def test_two_obvious_behaviours_are_separated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = write_project(tmp_path, {"clicks.csv": _two_behaviours()}, _config())
    con = build_warehouse(cfg)
    model = run_personas(con, load_config(cfg))
    assert model["count"] == 2 and not model["weak_split"]
    got = dict(rows(con, "select customer_id, persona_id from customer_personas"))
    truth = {f"c{i:03d}": i % 2 for i in range(60)}
    assert (
        adjusted_rand(np.array([truth[c] for c in sorted(got)]), np.array([got[c] for c in sorted(got)]))
        == 1.0
    )
    # Every trait of each group is perfectly distinguishing; ties prefer touchpoint, attribute, time of day.
    assert sorted(r[0] for r in rows(con, "select label from personas")) == [
        "ad, mobile, morning",
        "compare, desktop, evening",
    ]
    con.close()


def test_one_behaviour_is_not_split(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = basic_config(timezone="UTC")
    cfg = write_project(tmp_path, {"clicks.csv": _one_behaviour()}, config)
    con = build_warehouse(cfg)
    model = run_personas(con, load_config(cfg))
    assert model["count"] == 1
    assert model["weak_split"] is True
    assert model["note"].startswith("no clear behavioural segments")
    assert rows(con, "select persona_id, customers, share from personas") == [(1, 120, 1.0)]
    # the stage builds the traits table itself (the reports layer then skips it), also for one persona:
    # everyone has every visit, no one else does
    assert BUILT_MODELS == ("rpt_persona_traits",)
    assert rows(
        con,
        "select feature, share_in_persona, share_elsewhere from rpt_persona_traits"
        " where block = 'touchpoint' order by feature",
    ) == [("ad", 1.0, 0.0), ("cart", 1.0, 0.0), ("pay", 1.0, 0.0), ("view", 1.0, 0.0)]
    con.close()


def test_same_seed_same_personas_and_a_fixed_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = write_project(tmp_path, {"clicks.csv": _two_behaviours(80, seed=3)}, _config())
    con = build_warehouse(cfg)
    config = load_config(cfg)
    run_personas(con, config)
    first = rows(con, "select * from customer_personas order by customer_id")
    run_personas(con, config)
    assert rows(con, "select * from customer_personas order by customer_id") == first
    fixed = config.model_copy(update={"personas": config.personas.model_copy(update={"count": 3})})
    model = run_personas(con, fixed)
    assert model["count"] == 3 and model["chosen_by"] == "config"
    assert rows(con, "select count(distinct persona_id), count(*) from customer_personas") == [(3, 80)]
    con.close()


@pytest.mark.parametrize("count", ["auto", 3])
def test_no_features_at_all_make_one_persona_not_a_crash(tmp_path, count) -> None:  # type: ignore[no-untyped-def]
    # only the attribute block asked for, and the clickstream has no attribute columns: zero feature columns
    config = basic_config(timezone="UTC")
    config["personas"] = {"features": ["attributes"], "count": count}
    cfg = write_project(tmp_path, {"clicks.csv": _one_behaviour()}, config)
    con = build_warehouse(cfg)
    model = run_personas(con, load_config(cfg))
    assert (model["count"], model["chosen_by"], model["weak_split"]) == (1, "no features", True)
    assert rows(con, "select count(*), count(distinct persona_id) from customer_personas") == [(120, 1)]
    con.close()


def test_config_rejects_bad_persona_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pipeline.config import ConfigError

    for personas, message in (
        ({"count": 0}, "personas.count"),
        ({"count": "many"}, "personas.count"),
        ({"features": ["colour"]}, "personas.features.0"),
        ({"features": []}, "personas.features: expected at least one entry"),
    ):
        cfg = write_project(
            tmp_path, {"clicks.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\n"}, _config(**personas)
        )
        with pytest.raises(ConfigError, match=message):
            load_config(cfg)
