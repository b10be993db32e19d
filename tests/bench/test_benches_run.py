"""Every benchmark still runs (a smoke run at a tiny size): it finishes and prints its
figures beside the raw library baseline. The full sizes stay manual (README, Benchmarks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each script with a size that takes seconds, and a line of figures it must print.
SMOKE_RUNS = {
    "intake": (
        ["--requests", "120", "--concurrency", "8", "--latency-seconds", "1"],
        "raw eventsourcing save",
    ),
    "routing": (["--proposals", "40"], "raw: aiokafka consume"),
    "decision": (["--proposals", "40"], "raw: aiokafka consume"),
    "publication": (["--proposals", "20"], "raw: aiokafka consume"),
}


@pytest.mark.parametrize("bench", sorted(SMOKE_RUNS))
def test_the_benchmark_runs_on_each_broker_and_prints_its_figures(
    bench: str, broker_kind: str
) -> None:
    arguments, baseline_line = SMOKE_RUNS[bench]
    smoke_run(bench, [*arguments, "--broker", broker_kind], baseline_line)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_replay_benchmark_runs_and_prints_its_figures(database: str) -> None:
    smoke_run("replay", ["--events", "3000", "--database", database], "raw rows")


def smoke_run(bench: str, arguments: list[str], baseline_line: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{bench}.py"), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    assert baseline_line in done.stdout, done.stdout
    assert "%" in done.stdout, "the share of the raw speed is missing:\n" + done.stdout
