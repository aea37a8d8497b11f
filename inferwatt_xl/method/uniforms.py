"""Uniform random numbers: the HDR 2.0 counter-based generator and numpy's.

HDR (Hubbard Decision Research, SIPmath standard) is a pure function of
(trial, variable, entity, seed3, seed4) in exact integer arithmetic, so a
spreadsheet formula of MOD calls gives the very same numbers as this code.
"""

from __future__ import annotations

import numpy as np

TWO_32 = 4294967296
# HDR arguments InferWatt fixes: one entity for the whole product, seed4 unused.
HDR_ENTITY = 1
HDR_SEED4 = 0


def hdr_uniforms(trials: np.ndarray | int, variable: int, seed: int, entity: int = HDR_ENTITY,
                 seed4: int = HDR_SEED4) -> np.ndarray:
    """HDR 2.0 uniforms in (0, 1) for trial numbers 1..n (or the given trial array).

    Every intermediate stays below 2**53, so int64 arithmetic is exact.
    """
    i = np.arange(1, trials + 1, dtype=np.int64) if isinstance(trials, int) else np.asarray(trials, np.int64)
    a = (i * 2499997 + variable * 1800451 + entity * 2000371 + seed * 1796777 + seed4 * 2299603) % 7450589
    b = ((999999999999989 % (a * 4658 + 7450581)) * 383) % 99991
    c = (i * 2246527 + variable * 2399993 + entity * 2100869 + seed * 1918303 + seed4 * 1624729) % 7450987
    d = ((999999999999989 % (c * 7580 + 7560584)) * 17669) % 7440893
    return (((b * 7440893 + d) * 1343) % TWO_32 + 0.5) / TWO_32


def numpy_uniforms(n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniforms strictly inside (0, 1) from a numpy Generator (0 would give L_out = 0)."""
    return (rng.integers(0, 2**53, size=n, dtype=np.int64) + 0.5) / 2**53
