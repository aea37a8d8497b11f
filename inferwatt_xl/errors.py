"""The project's own errors: every message names the input, the value and what is allowed."""

from __future__ import annotations


class InferWattError(Exception):
    """Base of every error InferWatt raises on purpose."""


class InputError(InferWattError, ValueError):
    """A value given by the user is outside what the method allows."""

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(f"{name} must be {allowed}, got {value!r}")


class DataError(InferWattError):
    """A data file shipped with (or given to) InferWatt is malformed."""

    def __init__(self, file: str, row: int | None, column: str | None, expected: str, got: object) -> None:
        where = file if row is None else f"{file}, row {row}"
        if column:
            where += f", column {column!r}"
        super().__init__(f"{where}: expected {expected}, got {got!r}")
