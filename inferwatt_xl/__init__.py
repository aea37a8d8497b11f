"""InferWatt: energy of LLM inference per query and per fleet (Oviedo et al., arXiv 2509.20241).

    >>> from inferwatt_xl import simulate
    >>> round(simulate("baseline", "traditional", n=10_000, seed=1).stats["median"], 2)  # doctest: +SKIP
"""

from .api import CalibratedModel, beta, energy_wh, fleet, simulate, throughput_fits, tps
from .calibration import Calibration, Measurement, calibrate, read_measurements
from .errors import DataError, InferWattError, InputError
from .impacts import capacity, impacts
from .scenarios import Scenario, compare, comparison
from .sensitivity import sensitivity

__version__ = "0.1.0"
__all__ = ["CalibratedModel", "Calibration", "DataError", "InferWattError", "InputError", "Measurement", "Scenario",
           "__version__", "beta", "calibrate", "capacity", "compare", "comparison", "energy_wh", "fleet", "impacts",
           "read_measurements", "sensitivity", "simulate", "throughput_fits", "tps"]
