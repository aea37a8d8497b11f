"""Import the throughput table of the authors' analysis code as InferWatt benchmark rows.

Run: .venv/bin/python scripts/import_oviedo_code.py [PATH to model_throughput_DB.csv]
(default: ../shared/data/oviedo_code/ beside this repository). Writes data/tps_benchmarks_oviedo_code.csv.

The code (Oviedo et al., Joule 2026 / arXiv 2509.20241 v2; MIT licence; public copy
CelesteTroncone06/aienergy_simulation at commit 95f32b6, simulation_traditional_queries.py line 32) keeps
the rows whose Quantization is FP8: 22 of 25. The three others (FP16, input length "Variable") are left out
here as there. Nodes: the code serves every model on an 8xH100 node and DeepSeek-R1 on its larger node
(get_node_power, line 161: 12.8 kW against 10.2 kW); the file's own Hardware column says where a row was
measured, and it is kept in each row's source.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "oviedo_code" / "model_throughput_DB.csv"
OUT = ROOT / "data" / "tps_benchmarks_oviedo_code.csv"
ORIGIN = ("Oviedo et al. analysis code (Joule 2026), model_throughput_DB.csv row {row} "
          "(CelesteTroncone06/aienergy_simulation@95f32b6, MIT)")
NODE_OF_MODEL = {"DeepSeek-R1": "10xH100"}  # get_node_power: the larger node; every other model on 8xH100


def main(source: Path) -> None:
    rows = []
    with source.open(encoding="utf-8") as f:
        for row_no, r in enumerate(csv.DictReader(f), start=2):
            if r["Quantization"] != "FP8":
                continue
            detail = f"; measured on {r['Hardware']}" + ("; power scaled" if r["Scaled Power"] == "Yes" else "")
            note = f"; note: {r['Comments']}" if r["Comments"] else ""
            rows.append({"model": r["Model"], "node": NODE_OF_MODEL.get(r["Model"], "8xH100"), "precision": "FP8",
                         "input_tokens": r["Input Length"], "output_tokens": r["Output Length"],
                         "tps_tokens_per_s": r["Tokens per Second (TPS)"],
                         "source": ORIGIN.format(row=row_no) + f"; {r['Source']}{detail}{note}"})
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} rows)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
