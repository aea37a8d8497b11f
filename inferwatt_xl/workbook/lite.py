"""The xlwings Lite folder: main.py with the IW_* functions over a bundled copy of the package.

xlwings Lite (Excel on Windows, macOS and the web; Python in Pyodide) takes one main.py
and a requirements.txt. InferWatt is not on PyPI, so main.py carries the engine as a
base64 zip that it unpacks once and imports; numpy and scipy come from Pyodide.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from importlib.resources import files
from pathlib import Path

from .. import __version__
from ..files import write_atomically

# What the Excel functions need at run time (no workbook generator, CLI or figures): these modules and the
# whole method package, so that a new method module is bundled without a list to keep up to date.
BUNDLED_MODULES = ("__init__.py", "errors.py", "catalogue.py", "api.py", "impacts.py", "sensitivity.py", "udf.py",
                   *sorted(f"method/{p.name}" for p in (Path(__file__).resolve().parents[1] / "method").glob("*.py")))
REQUIREMENTS = ("numpy", "scipy")

MAIN_TEMPLATE = '''"""InferWatt Excel functions for xlwings Lite (built by build.py, version {version}; do not edit).

Paste this file into xlwings Lite's main.py and requirements.txt's lines into its requirements.txt,
then restart xlwings Lite. Functions: {names}.
"""

import base64
import io
import os
import sys
import tempfile
import zipfile

from xlwings import arg, func

_BUNDLE_SHA256 = "{digest}"
_BUNDLE = "{bundle}"


def _import_bundle():
    """Unpack the bundled inferwatt_xl package once and put it first on sys.path."""
    target = os.path.join(tempfile.gettempdir(), "inferwatt_xl_" + _BUNDLE_SHA256[:16])
    if not os.path.isdir(os.path.join(target, "inferwatt_xl")):
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(_BUNDLE))) as bundle:
            bundle.extractall(target)
    if target not in sys.path:
        sys.path.insert(0, target)
    from inferwatt_xl import udf

    return udf


_iw = _import_bundle()
'''

FUNCTION_TEMPLATE = '''

@func
{args}def {name}({signature}):
    """{doc}"""
    return _iw.{name}({call})
'''


def _bundle() -> bytes:
    """A zip of the package files the functions need, laid out as installed (data inside the package)."""
    buffer = io.BytesIO()

    def add(z: zipfile.ZipFile, name: str, data: bytes) -> None:  # a fixed entry time: same files, same bytes
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        package = files("inferwatt_xl")
        for module in BUNDLED_MODULES:
            add(z, f"inferwatt_xl/{module}", package.joinpath(module).read_bytes())
        data = files("inferwatt_xl.data")
        for entry in sorted(data.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".csv", ".py")):
                add(z, f"inferwatt_xl/data/{entry.name}", entry.read_bytes())
    return buffer.getvalue()


def main_py() -> str:
    """The text of main.py: the bundle and one @func wrapper per Excel function."""
    import inspect

    from .. import udf

    bundle = _bundle()
    text = MAIN_TEMPLATE.format(version=__version__, names=", ".join(f.__name__ for f in udf.EXCEL_FUNCTIONS),
                                digest=hashlib.sha256(bundle).hexdigest(),
                                bundle=base64.b64encode(bundle).decode())
    for f in udf.EXCEL_FUNCTIONS:
        sig = inspect.signature(f)
        docs = udf.ARG_DOCS.get(f.__name__, {})
        args = "".join(f'@arg("{p}", doc={docs[p]!r})\n' for p in sig.parameters if p in docs)
        call = ", ".join(sig.parameters)
        text += FUNCTION_TEMPLATE.format(args=args, name=f.__name__, signature=str(sig)[1:-1], call=call,
                                         doc=(f.__doc__ or "").strip())
    return text


def build_lite(folder: Path) -> Path:
    """Write main.py, requirements.txt and a short README into folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    texts = {"main.py": main_py(), "requirements.txt": "\n".join(REQUIREMENTS) + "\n", "README.txt": (
        "InferWatt for xlwings Lite\n\n1. In Excel: Home > Add-ins, search 'xlwings', add xlwings Lite.\n"
        "2. Open the xlwings Lite pane; replace main.py's content with this folder's main.py.\n"
        "3. In requirements.txt, keep its xlwings line and add the lines of this folder's requirements.txt.\n"
        "4. Restart xlwings Lite (its menu > Restart). Type =IW_VERSION() in a cell.\n")}
    for name, text in texts.items():  # each file whole or not at all
        write_atomically(folder / name, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
    return folder
