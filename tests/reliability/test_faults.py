"""Faults: a run killed at any point, two runs at once, a damaged warehouse, an unwritable or full disk.

Each run here is the real command in its own process (`python -m pipeline report`), on a small generated sample.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline.config import load_config
from pipeline.flow import run_lock
from pipeline.sample import write_sample

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faults-sample")
    write_sample(folder, customers=150, seed=5)
    return folder


def _project(root: Path, sample: Path) -> Path:
    """A copy of the committed journey.yml pointing at the small sample; returns the config path."""
    data = root / "data"
    shutil.copytree(sample, data, ignore=shutil.ignore_patterns("truth"))
    text = (REPO / "journey.yml").read_text(encoding="utf-8").replace("data/sample/", "data/")
    cfg = root / "journey.yml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def _report(cfg: Path, out: Path, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("JOURNEYS_KILL_AT", None)
    if kill_at:
        env["JOURNEYS_KILL_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "report", "--config", str(cfg), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cfg.parent,
        timeout=300,
    )


def _counts(warehouse: Path) -> tuple[int, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        files, rows = con.execute(
            "select (select count(*) from ingested_files), (select count(*) from raw_clickstream)"
        ).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    return int(files), int(rows)


KILL_POINTS = ["ingest-commit", "model", "personas", "render", "publish"]


def test_a_run_killed_at_any_point_leaves_the_last_complete_report_and_a_usable_warehouse(
    tmp_path: Path, sample_files: Path
) -> None:
    cfg = _project(tmp_path, sample_files)
    out = tmp_path / "reports"
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    first = _report(cfg, out)
    assert first.returncode == 0, first.stderr
    complete = os.readlink(out / "latest")
    before = _counts(warehouse)

    # a new day's file arrives, so that the killed ingest has something to (not) commit
    lines = (tmp_path / "data" / "clickstream_2026-11.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "data" / "clickstream_2026-12.csv").write_text(
        "\n".join([lines[0], *(line.replace("2026-11-", "2026-12-") for line in lines[1:40])]) + "\n",
        encoding="utf-8",
    )
    for point in KILL_POINTS:
        killed = _report(cfg, out, kill_at=point)
        assert killed.returncode == -9, (point, killed.stderr)
        assert os.readlink(out / "latest") == complete, point
        assert (out / "latest" / "index.html").is_file(), point
        if point == "ingest-commit":
            assert _counts(warehouse) == before  # the file's transaction rolled back: nothing half-loaded

    final = _report(cfg, out)
    assert final.returncode == 0, final.stderr
    assert os.readlink(out / "latest") != complete
    assert not list(out.glob(".*.partial"))  # the killed runs' leftovers are gone
    files, rows = _counts(warehouse)
    assert files == before[0] + 1
    assert rows == before[1] + 39  # the new file's rows once, never twice


def test_a_second_run_at_the_same_time_stops_with_a_clear_message(tmp_path: Path, sample_files: Path) -> None:
    cfg = _project(tmp_path, sample_files)
    out = tmp_path / "reports"
    with run_lock(load_config(cfg)):
        second = _report(cfg, out)
    assert second.returncode == 1
    assert "another run is using the warehouse" in second.stderr
    assert "Traceback" not in second.stderr
    assert not out.exists() or not any(out.iterdir())  # it wrote nothing


def test_a_process_holding_the_warehouse_open_is_named_not_a_traceback(
    tmp_path: Path, sample_files: Path
) -> None:
    cfg = _project(tmp_path, sample_files)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    holder = duckdb.connect(str(warehouse))  # e.g. an analyst's notebook with the warehouse open for writing
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "ingest", "--config", str(cfg)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.close()
    assert done.returncode == 1
    assert "in use by another process" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "content",
    [b"\x00garbage\xff" * 1000, b"SQLite format 3\x00" + bytes(4096), b"customer_id,ts\n"],
    ids=["random bytes", "a SQLite file", "a CSV"],
)
def test_a_damaged_or_foreign_warehouse_is_a_clear_error_and_nothing_is_published(
    tmp_path: Path, sample_files: Path, content: bytes
) -> None:
    cfg = _project(tmp_path, sample_files)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    warehouse.write_bytes(content)
    out = tmp_path / "reports"
    done = _report(cfg, out)
    assert done.returncode == 1
    assert "cannot open the warehouse" in done.stderr and "move it aside" in done.stderr
    assert "Traceback" not in done.stderr
    assert warehouse.read_bytes() == content  # left as it was for the user to inspect
    assert not (out / "latest").exists()
    assert not [p for p in out.iterdir() if p.name != "latest"]


def _mount_tmpfs(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    if not _mount_tmpfs(mount, "size=600k"):
        pytest.skip("cannot mount a tmpfs here (needs root); the full-disk path is not exercised")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_is_a_clear_error_and_latest_is_untouched(
    tmp_path: Path, sample_files: Path, tiny_disk: Path
) -> None:
    cfg = _project(tmp_path, sample_files)
    out = tiny_disk / "reports"
    done = _report(cfg, out)
    assert done.returncode == 1, done.stderr
    assert "disk is full" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (out / "latest").exists()
    assert not list(out.glob(".*.partial"))


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "readonly"
    if not _mount_tmpfs(mount, "size=1m,ro"):
        pytest.skip("cannot mount a read-only tmpfs here (needs root); as root, chmod does not stop writes")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_read_only_output_folder_is_a_clear_error_before_any_work(
    tmp_path: Path, sample_files: Path, read_only_folder: Path
) -> None:
    cfg = _project(tmp_path, sample_files)
    done = _report(cfg, read_only_folder / "reports")
    assert done.returncode == 1
    assert "read-only file system" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()  # stopped before touching the warehouse


def test_a_full_disk_under_the_warehouse_is_a_clear_error(
    tmp_path: Path, sample_files: Path, tiny_disk: Path
) -> None:
    cfg = _project(tmp_path, sample_files)
    text = cfg.read_text(encoding="utf-8").replace(
        "warehouse: data/warehouse.duckdb", f"warehouse: {tiny_disk}/wh.duckdb"
    )
    assert str(tiny_disk) in text
    cfg.write_text(text, encoding="utf-8")
    out = tmp_path / "reports"
    done = _report(cfg, out)
    assert done.returncode == 1, done.stderr
    assert "disk" in done.stderr and "full" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (out / "latest").exists()
    assert not list(out.glob(".*.partial"))
