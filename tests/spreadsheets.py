"""Recalculate a workbook in a real spreadsheet engine and read its values back (SPEC Sec. 5).

Two independent engines: LibreOffice (headless) and Gnumeric (ssconvert). LibreOffice gets its
own profile per call with OOXMLRecalcMode = 0 (always recalculate), so stale stored values are
never read and concurrent runs do not share state; ssconvert --recalc recalculates every cell.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ENGINES = ("libreoffice", "gnumeric")
INSTALL = {"libreoffice": "apt-get install -y libreoffice-calc-nogui", "gnumeric": "apt-get install -y gnumeric"}
BINARIES = {"libreoffice": ("soffice", "libreoffice"), "gnumeric": ("ssconvert",)}

PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def binary(engine: str) -> str:
    """The engine's program: in CI its absence fails the test, elsewhere it skips it."""
    for name in BINARIES[engine]:
        path = shutil.which(name)
        if path:
            return path
    message = f"{engine} is required for this test: {INSTALL[engine]}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def recalculate(xlsx: Path, out_dir: Path, engine: str = "libreoffice") -> tuple[Path, float]:
    """The engine's recalculated copy of `xlsx` in out_dir, and the seconds it took."""
    program = binary(engine)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / xlsx.name
    with tempfile.TemporaryDirectory(prefix=f"{engine}-") as scratch:
        if engine == "libreoffice":
            user = Path(scratch) / "user"
            user.mkdir()
            (user / "registrymodifications.xcu").write_text(PROFILE_XCU)
            command = [program, f"-env:UserInstallation={Path(scratch).as_uri()}", "--headless", "--norestore",
                       "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(xlsx)]
        else:
            command = [program, "--recalc", "--export-type=Gnumeric_Excel:xlsx2", str(xlsx), str(out)]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, timeout=900,
                                env={**os.environ, "HOME": scratch})
        seconds = time.perf_counter() - start
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"{engine} failed ({result.returncode}): {result.stdout} {result.stderr}")
    return out, seconds
