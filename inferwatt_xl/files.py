"""Writing outputs so that nothing half-written is ever left: a temporary file beside the target, renamed into
place when complete; the writer's PID in its name, so a later run removes what a killed one left at once."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .errors import InputError

STALE_TEMP_SECONDS = 3600  # a temporary file whose writer cannot be told apart is removed after an hour


def clear_stale_temps(folder: Path, name: str) -> None:
    """Remove temporary files an earlier, killed writer left beside `name`: at once when the process that wrote
    one (its PID is in the name) is gone, else when older than an hour."""
    for stale in folder.glob(f".{name}.*.tmp"):
        try:
            if not _alive(stale.name) or time.time() - stale.stat().st_mtime > STALE_TEMP_SECONDS:
                if stale.is_dir() and not stale.is_symlink():  # a build's staging folder
                    shutil.rmtree(stale)
                else:
                    stale.unlink()
        except OSError:
            pass


def _alive(temp_name: str) -> bool:
    """Whether the process named in a temporary file's name (.NAME.PID.random.tmp) still runs."""
    pid = temp_name.rsplit(".", 3)[-3] if temp_name.count(".") >= 4 else ""
    if not pid.isdigit():
        return True  # a name of the old form: left to the age rule
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but is another user's
    return True


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_beside(path: Path) -> Path:
    """A new, empty temporary file beside `path` (stale ones cleared first)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clear_stale_temps(path.parent, path.name)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise InputError("output path", str(path), f"a writable location ({err.strerror})") from None
    os.close(fd)
    return Path(tmp)


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """`write(temporary path)`, then rename onto `path` with the permissions of the user's umask; on any failure
    or interruption the old file stays as it was and the temporary file is removed."""
    path = Path(path)
    tmp = temp_beside(path)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except OSError as err:
        raise InputError("output path", str(path), f"a writable file ({err.strerror})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path
