"""The CI guard's memory: figures of the check set, per family, and the comparison with them.

``python -m benchmarks.run --check --write-baseline`` records the check set's figures in
``benchmarks/baseline.json`` (commit it with the figures in the message); ``--check`` fails when
any family's figure falls more than :data:`TOLERANCE_POINTS` below its recorded value, so a
regression in one family cannot hide in an average. The check set is rendered from fixed seeds:
the same code gives the same figures, and any change beyond the tolerance is the code's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

BASELINE = Path(__file__).resolve().parent / "baseline.json"

TOLERANCE_POINTS = 1.5
"""How far (percentage points) a figure may fall below its baseline before the guard fails."""


@dataclass(frozen=True)
class Verdict:
    failures: list[str]  # "stills/small read 91.2% < 95.0% - 1.5"
    unknown: list[str]  # groups measured now that the baseline does not hold
    absent: list[str]  # groups the baseline holds that were not measured now

    @property
    def ok(self) -> bool:
        return not self.failures


def percent(value: float) -> float:
    return round(100.0 * value, 2)


def load(path: Path = BASELINE) -> dict:
    """The recorded baseline; an empty one when the file does not exist yet."""
    if not path.is_file():
        return {"figures": {}}
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise ValueError(
            f"{path} is not valid JSON ({exc}); rewrite it with --write-baseline"
        ) from None
    if not isinstance(data.get("figures"), dict):
        raise ValueError(f"{path} holds no 'figures'; rewrite it with --write-baseline")
    return data


def write(figures: dict[str, dict[str, float]], meta: dict, path: Path = BASELINE) -> None:
    data = {**meta, "tolerance_points": TOLERANCE_POINTS, "figures": figures}
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")


def compare(
    current: dict[str, dict[str, float]], baseline: dict, tolerance: float = TOLERANCE_POINTS
) -> Verdict:
    """Each figure of each group against the baseline's (percentages, higher is better)."""
    recorded: dict[str, dict[str, float]] = baseline.get("figures", {})
    failures, unknown = [], []
    for group, figures in current.items():
        if group not in recorded:
            unknown.append(group)
            continue
        for name, value in figures.items():
            base = recorded[group].get(name)
            if base is not None and value < base - tolerance:
                failures.append(f"{group} {name} {value:.2f}% < {base:.2f}% - {tolerance}")
    absent = [group for group in recorded if group not in current]
    return Verdict(failures, unknown, absent)
