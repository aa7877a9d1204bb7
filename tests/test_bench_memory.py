"""benchmarks/measure.py samples peak memory per report stage by the stage `Progress` is running."""

from __future__ import annotations

import time

import pytest

from benchmarks.measure import stage_memory
from pipeline.flow import Progress


def test_each_stage_gets_its_peak() -> None:
    progress = Progress(quiet=True)
    with stage_memory(progress) as peaks:
        with progress.stage("ingest", "loading"):
            time.sleep(0.35)
        with progress.stage("model", "building"):
            blob = bytearray(64 << 20)  # 64 MB more resident while the model stage runs
            blob[::4096] = b"x" * len(blob[::4096])
            time.sleep(0.35)
            del blob
    assert set(peaks) == {"ingest", "model"}
    assert peaks["model"] >= peaks["ingest"] + 50


def test_a_sampler_that_fails_is_not_silent() -> None:
    class NoStage:  # a progress object without `current`, as after a refactoring that dropped it
        pass

    with pytest.raises(RuntimeError, match="memory sampler"), stage_memory(NoStage()):
        time.sleep(0.25)
