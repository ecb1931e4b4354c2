"""The safe default of DESIGN.md: the largest power of two that no limit forbids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .schema import Model


def floor_pow2(value: int) -> int:
    """The largest power of two not above value (1 for anything below 2)."""
    return 1 << (max(int(value), 1).bit_length() - 1)


@dataclass(frozen=True)
class SafeDefault:
    value: int
    explanation: str


def safe_default(
    model: Optional[Model],
    *,
    input_reserve: int,
    buffer: int,
    default_max_tokens: int,
    surface_cap: Optional[int] = None,
    surface_cap_reason: str = "",
) -> SafeDefault:
    """DESIGN.md's formula: the largest power of two that no limit forbids."""
    if model is None:
        limits = [default_max_tokens]
        text = f"model unknown: default-max-tokens {default_max_tokens:,}"
        if surface_cap is not None and surface_cap < default_max_tokens:
            limits.append(surface_cap)
            text += f", {surface_cap_reason} {surface_cap:,}"
        value = floor_pow2(min(limits))
        return SafeDefault(value, f"{text} -> {value:,}")
    headroom = max(model.context - input_reserve - buffer, model.context // 4)
    parts = [f"max output {model.output_cap:,}", f"headroom {headroom:,} (context {model.context:,} - {input_reserve:,} input - {buffer:,} buffer)"]
    limits = [model.output_cap, headroom]
    if surface_cap is not None:
        limits.append(surface_cap)
        parts.append(f"{surface_cap_reason} {surface_cap:,}")
    value = floor_pow2(min(limits))
    return SafeDefault(value, f"{model.id}: floor_pow2(min({', '.join(parts)})) = {value:,}")
