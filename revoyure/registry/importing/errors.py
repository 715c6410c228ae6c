"""What can go wrong in an import, in the words shown to the person importing."""

from __future__ import annotations

from dataclasses import dataclass


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, unknown format, no name column, bad mapping…).

    Holds one or more messages, each already naming the problem."""

    def __init__(self, *messages: str) -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class RowError:
    """One problem in one row, with the row number as the person sees it in their file."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.field:
            return f"row {self.row}, field {self.field}: {self.message}"
        return f"row {self.row}: {self.message}"
