"""journey.yml validation: every mistake is one line naming the key path and what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import AnyOf, ConfigError, Optional_, load_config

from .conftest import basic_config, write_project

CLICKS = {"clicks.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\n"}


def _load(tmp_path: Path, config: dict[str, Any]) -> None:
    load_config(write_project(tmp_path, CLICKS, config))  # type: ignore[arg-type]


def test_spec_example_loads(tmp_path: Path) -> None:
    config = basic_config(
        assumed_journey=["ad", {"any_of": ["view", "compare"]}, {"optional": "compare"}, "pay"],
        sessions={"inactivity_minutes": 45},
    )
    config["sources"]["clickstream"].update(
        session_id="sid", attributes=["device"], timestamp_format="%d/%m/%Y %H:%M:%S"
    )
    cfg = load_config(write_project(tmp_path, CLICKS, config))
    assert cfg.timezone == "Europe/Amsterdam"
    assert cfg.sessions.inactivity_minutes == 45
    assert cfg.assumed_journey == [
        "ad",
        AnyOf(any_of=["view", "compare"]),
        Optional_(optional="compare"),
        "pay",
    ]
    assert [p.name for p in cfg.source_files("clickstream")] == ["clicks.csv"]
    assert cfg.warehouse_path == (tmp_path / "warehouse.duckdb").resolve()


def _mutated(change: str) -> dict[str, Any]:
    config = basic_config()
    exec(change, {}, {"c": config})  # the change is a literal statement below, not user input
    return config


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("c['colour'] = 'blue'", "journey.yml: colour: unknown key"),
        ("c['sources']['clickstream']['txt'] = 'x'", "journey.yml: sources.clickstream.txt: unknown key"),
        (
            "c['sources']['clickstream']['customer_id'] = 3",
            "journey.yml: sources.clickstream.customer_id: expected text, got 3",
        ),
        ("c['stages'] = []", "journey.yml: stages: expected at least one entry, got an empty list"),
        (
            "c['stages'][0]['touchpoints'] = []",
            "journey.yml: stages.0.touchpoints: expected at least one entry, got an empty list",
        ),
        ("c['stages'][1]['name'] = 'Awareness'", "journey.yml: stages: stage name 'Awareness' appears twice"),
        (
            "c['stages'][1]['name'] = 'Unmapped'",
            "journey.yml: stages.1.name: 'Unmapped' is reserved for touchpoints that match no stage",
        ),
        (
            "c['timezone'] = 'Mars/Olympus'",
            "journey.yml: timezone: unknown time zone 'Mars/Olympus'; expected an IANA name such as Europe/Amsterdam",
        ),
        (
            "c['sources']['clickstream']['path'] = 'nope*.csv'",
            "journey.yml: sources.clickstream.path: no file matches 'nope*.csv'",
        ),
        (
            "del c['sources']['clickstream']['timestamp']",
            "journey.yml: sources.clickstream.timestamp: required key is missing",
        ),
        (
            "c['sessions'] = {'inactivity_minutes': 'soon'}",
            "journey.yml: sessions.inactivity_minutes: expected a whole number, got 'soon'",
        ),
        (
            "c['sessions'] = {'inactivity_minutes': 0}",
            "journey.yml: sessions.inactivity_minutes: Input should be greater than 0",
        ),
        (
            "c['assumed_journey'] = ['ad', 7]",
            "journey.yml: assumed_journey.1: expected a touchpoint name, {any_of: [...]} or {optional: ...}, got 7",
        ),
        (
            "c['assumed_journey'] = [{'anyof': ['a', 'b']}]",
            "journey.yml: assumed_journey.0.anyof: unknown key",
        ),
        (
            "c['assumed_journey'] = [{'any_of': ['a']}]",
            "journey.yml: assumed_journey.0.any_of: expected at least 2 entries, got 1",
        ),
        (
            "c['assumed_journey'] = [{'optional': {'any_of': ['a', 3]}}]",
            "journey.yml: assumed_journey.0.optional.any_of.1: expected a touchpoint name, {any_of: [...]} or {optional: ...}, got 3",
        ),
        (
            "c['assumed_journey'] = [{'optional': 'a', 'x': 1}]",
            "journey.yml: assumed_journey.0.x: unknown key",
        ),
        (
            "c['sources']['clickstream']['timestamp_format'] = 'dd/mm/yyyy'",
            "journey.yml: sources.clickstream.timestamp_format: expected a strptime format",
        ),
        (
            "c['sources']['clickstream']['attributes'] = ['device', 'Device']",
            "journey.yml: sources.clickstream.attributes: attribute 'Device' is listed twice (names are compared ignoring case)",
        ),
        (
            "c['sources']['clickstream']['delimiter'] = ';;'",
            "journey.yml: sources.clickstream.delimiter: expected one character",
        ),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, change: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, _mutated(change))
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)


def test_not_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "journey.yml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"journey.yml: not valid YAML \(line 2"):
        load_config(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping of keys"):
        load_config(bad)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.yml")


def test_committed_journey_yml_is_valid() -> None:
    cfg = load_config(Path(__file__).resolve().parent.parent / "journey.yml")
    assert [s.name for s in cfg.stages] == ["Awareness", "Consideration", "Decision", "Service", "Loyalty"]
    assert (
        yaml.safe_load((cfg.source_file).read_text())["sources"]["tickets"]["about"]["payment"] == "payment"
    )


def test_engine_settings_reach_duckdb(tmp_path: Path) -> None:
    from pipeline import db

    config = load_config(
        write_project(
            tmp_path,
            CLICKS,
            {**basic_config(), "engine": {"memory_limit": "512MB", "threads": 1, "temp_directory": "spill"}},
        )
    )
    con = db.connect(config)
    limit, spill, threads = con.execute(
        "select current_setting('memory_limit'), current_setting('temp_directory'), current_setting('threads')"
    ).fetchone()  # type: ignore[misc]
    assert limit == "488.2 MiB"  # DuckDB shows 512 MB in MiB
    assert spill == str(tmp_path / "spill")
    assert threads == 1
    # checkpoints do not rewrite partly filled row groups (db.connect says why; nothing deletes rows)
    assert con.execute("select current_setting('max_vacuum_tasks')").fetchone() == (0,)


def test_engine_defaults_spill_next_to_the_warehouse(tmp_path: Path) -> None:
    config = load_config(write_project(tmp_path, CLICKS, basic_config()))
    assert config.engine.memory_limit == "1GB"
    assert config.spill_path == config.warehouse_path.with_name(config.warehouse_path.name + ".tmp")


@pytest.mark.parametrize("value", ["lots", "1GB'; drop table runs; --", "-1GB", "12"])
def test_engine_memory_limit_must_be_a_size(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"engine\.memory_limit"):
        _load(tmp_path, {**basic_config(), "engine": {"memory_limit": value}})
