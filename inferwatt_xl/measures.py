"""The per-query measures, declared once: name, unit, words, the inputs without a sourced default each needs,
its per-trial values (the engine), its formula twin and its status (the workbook).

Every face lists these: `inferwatt impacts`, IW_STAT and IW_IMPACTS, the Impacts sheet. A new measure is one
entry here, beside its inputs in data/parameters.csv and a test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .method import impacts as imp

HARDWARE_INPUTS = ("hardware_usd_per_node", "hardware_lifetime_years")
NEEDS_INDEPENDENT = "needs pnode_model = independent (the engine computes it)"


@dataclass(frozen=True)
class Trials:
    """What a measure's per-trial values are computed from: one run's pooled energies and draws (the price, WUE
    and node-seconds drawn or computed when first asked), the run's parameters and grid intensities."""

    energy_wh: np.ndarray
    pue: Callable[[], np.ndarray]
    price_usd_per_kwh: Callable[[], np.ndarray]
    wue_l_per_kwh: Callable[[], np.ndarray]
    node_seconds: Callable[[], np.ndarray]
    params: Mapping[str, object]
    carbon_intensity_g_per_kwh: float
    water_intensity_l_per_kwh: float | None
    value: Callable[[str], np.ndarray]  # another measure's values
    computed: Callable[[str], bool]  # whether another measure has its inputs


@dataclass(frozen=True)
class Measure:
    """A per-query measure. `formula` is the workbook's per-trial twin over the trials x model-slots block, with
    {e} (energy), {pue}, {price}, {wue}, {node_s}, {carbon}, {water}, {hardware_rate} and {p.<parameter>};
    `status` the workbook formula that says "ok" or what is missing (none: always ok); `missing` the engine's
    note when a needed input has no value."""

    name: str
    unit: str
    words: str
    needs: tuple[str, ...]
    per_trial: Callable[[Trials], np.ndarray]
    formula: str
    status: str | None = None
    missing: str = ""


_WH_PER_KWH = f"{imp.WH_PER_KWH:g}"
_WATER, _CARBON = "{n.Water_Intensity_Used_L_per_kWh}", "{n.Carbon_Intensity_Used_g_per_kWh}"


def _hardware(t: Trials) -> np.ndarray:
    return imp.hardware_usd(t.node_seconds(), t.params["hardware_usd_per_node"], t.params["hardware_lifetime_years"])


def _cost(t: Trials) -> np.ndarray:
    """Electricity, plus the amortised hardware when its price and lifetime are given."""
    electricity = t.value("electricity_usd")
    return electricity + t.value("hardware_usd") if t.computed("hardware_usd") else electricity


MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("energy_wh", "Wh", "energy", (), lambda t: t.energy_wh, "{e}"),
    Measure("cost_usd", "USD", "cost", (), _cost, f"{{e}}*{{price}}/{_WH_PER_KWH}+{{node_s}}*{{hardware_rate}}",
            f'=IF({{n.Hardware_Blocked}},"{NEEDS_INDEPENDENT}","ok")'),
    Measure("carbon_g", "gCO2e", "operational carbon", (),
            lambda t: imp.carbon_g(t.energy_wh, t.carbon_intensity_g_per_kwh), f"{{e}}*{_CARBON}/{_WH_PER_KWH}"),
    Measure("water_ml", "mL", "water", ("water_intensity_l_per_kwh",),
            lambda t: imp.water_ml(t.energy_wh, t.pue(), t.wue_l_per_kwh(), t.water_intensity_l_per_kwh),
            f"{{e}}/{{pue}}*{{wue}}+{{e}}*{_WATER}", f'=IF(ISNUMBER({_WATER}),"ok","needs water_intensity_l_per_kwh")',
            "water_ml needs water_intensity_l_per_kwh: region {region} has no sourced value"),
    Measure("electricity_usd", "USD", "electricity cost", (),
            lambda t: imp.electricity_cost_usd(t.energy_wh, t.price_usd_per_kwh()), f"{{e}}*{{price}}/{_WH_PER_KWH}"),
    Measure("hardware_usd", "USD", "hardware cost, amortised", HARDWARE_INPUTS, _hardware, "{node_s}*{hardware_rate}",
            f'=IF(NOT({{n.Node_Seconds_Known}}),"{NEEDS_INDEPENDENT}",IF({{n.Hardware_Given}},"ok","needs '
            'hardware_usd_per_node and hardware_lifetime_years"))',
            "cost_usd is electricity only: give hardware_usd_per_node and hardware_lifetime_years to add the "
            "amortised hardware"))}
