"""Recalculate a workbook in LibreOffice headless and read its values back (SPEC Sec. 5).

Each call gets its own profile with OOXMLRecalcMode = 0 (always recalculate), so stale
stored values are never read and concurrent runs do not share state.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    """The LibreOffice binary: in CI its absence fails the test, elsewhere it skips it."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path:
        return path
    message = "LibreOffice (soffice) is required: apt-get install -y libreoffice-calc-nogui"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def recalculate(xlsx: Path, out_dir: Path) -> tuple[Path, float]:
    """LibreOffice's recalculated copy of `xlsx` in out_dir, and the seconds it took."""
    binary = soffice()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(PROFILE_XCU)
        start = time.perf_counter()
        result = subprocess.run(
            [binary, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(xlsx)],
            capture_output=True, text=True, timeout=600)
        seconds = time.perf_counter() - start
    out = out_dir / xlsx.name
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"LibreOffice failed ({result.returncode}): {result.stdout} {result.stderr}")
    return out, seconds
