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
# HDR 2.0 constants (SPEC Sec. 4), used by this module and by the workbook's formulas alike.
# Multipliers of (trial, variable, entity, seed3, seed4) and the modulus of the two counters a and c:
A_MULTIPLIERS, A_MODULUS = (2499997, 1800451, 2000371, 1796777, 2299603), 7450589
C_MULTIPLIERS, C_MODULUS = (2246527, 2399993, 2100869, 1918303, 1624729), 7450987
BIG_PRIME = 999999999999989
# b = ((BIG_PRIME mod (a*B[0] + B[1])) * B[2]) mod B[3]; d likewise with D; u from (b*D[3] + d) * FINAL_MULTIPLIER.
B_CONSTANTS = (4658, 7450581, 383, 99991)
D_CONSTANTS = (7580, 7560584, 17669, 7440893)
FINAL_MULTIPLIER = 1343


def hdr_uniforms(trials: np.ndarray | int, variable: int, seed: int, entity: int = HDR_ENTITY,
                 seed4: int = HDR_SEED4) -> np.ndarray:
    """HDR 2.0 uniforms in (0, 1) for trial numbers 1..n (or the given trial array).

    Every intermediate stays below 2**53, so int64 arithmetic is exact.
    """
    i = np.arange(1, trials + 1, dtype=np.int64) if isinstance(trials, int) else np.asarray(trials, np.int64)
    ta, va, ea, sa, s4a = A_MULTIPLIERS
    tc, vc, ec, sc, s4c = C_MULTIPLIERS
    a = (i * ta + variable * va + entity * ea + seed * sa + seed4 * s4a) % A_MODULUS
    c = (i * tc + variable * vc + entity * ec + seed * sc + seed4 * s4c) % C_MODULUS
    b = ((BIG_PRIME % (a * B_CONSTANTS[0] + B_CONSTANTS[1])) * B_CONSTANTS[2]) % B_CONSTANTS[3]
    d = ((BIG_PRIME % (c * D_CONSTANTS[0] + D_CONSTANTS[1])) * D_CONSTANTS[2]) % D_CONSTANTS[3]
    return (((b * D_CONSTANTS[3] + d) * FINAL_MULTIPLIER) % TWO_32 + 0.5) / TWO_32


def numpy_uniforms(n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniforms strictly inside (0, 1) from a numpy Generator (0 would give L_out = 0)."""
    return (rng.integers(0, 2**53, size=n, dtype=np.int64) + 0.5) / 2**53
