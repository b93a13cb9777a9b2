"""Timing helpers: repeated runs, median (min, max), and a result line with its budget."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """Several timings of one thing, in seconds (or bytes for memory figures)."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)


def time_calls(function: Callable[[], object], runs: int, warmup: int = 1) -> Sample:
    """Wall time of ``function`` over ``runs`` calls after ``warmup`` untimed ones; GC is off while timing."""
    for _ in range(warmup):
        function()
    values = []
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            function()
            values.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return Sample(tuple(values))


@dataclass(frozen=True)
class Result:
    """One line of the table: a measurement, its baseline from the same run, and the budget."""

    name: str
    measured: Sample
    baseline: Sample
    baseline_name: str
    ratio_budget: float | None = None  # measured/baseline must be at most this
    absolute_budget: float | None = None  # measured median must be at most this (seconds or bytes)
    unit: str = "ms"

    @property
    def ratio(self) -> float:
        # Medians of each side, not ratios of paired runs: pairing would only match unrelated noise.
        return self.measured.median / self.baseline.median

    @property
    def within_budget(self) -> bool:
        ok = True
        if self.ratio_budget is not None:
            ok = ok and self.ratio <= self.ratio_budget
        if self.absolute_budget is not None:
            ok = ok and self.measured.median <= self.absolute_budget
        return ok

    def shown(self, sample: Sample) -> str:
        scale = {"ms": 1000.0, "MB": 1 / 1_000_000}[self.unit]
        return f"{sample.median * scale:.1f} ({sample.low * scale:.1f}, {sample.high * scale:.1f})"

    def budget_text(self) -> str:
        parts = []
        if self.ratio_budget is not None:
            parts.append(f"<= {self.ratio_budget:g}x")
        if self.absolute_budget is not None:
            scale = {"ms": 1000.0, "MB": 1 / 1_000_000}[self.unit]
            parts.append(f"< {self.absolute_budget * scale:g} {self.unit}")
        return ", ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "unit": self.unit,
            "measured": {"median": self.measured.median, "min": self.measured.low, "max": self.measured.high},
            "baseline": {
                "name": self.baseline_name,
                "median": self.baseline.median,
                "min": self.baseline.low,
                "max": self.baseline.high,
            },
            "ratio": self.ratio,
            "ratio_budget": self.ratio_budget,
            "absolute_budget": self.absolute_budget,
            "within_budget": self.within_budget,
        }
