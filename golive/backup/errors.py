"""The error every drill step raises when it cannot run: its own home, below the drills and the
drill that orchestrates them, so that any of them can raise it."""

from __future__ import annotations


class DrillError(Exception):
    """A drill step could not run (no backup, no binaries, unreachable source...).

    ``unreachable`` marks source/host connection failures, which the plugin classifies apart from
    product defects.
    """

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable
        # read by golive.outcomes: the message already names the database, show it as is
        self.subject, _, self.reason = message.partition(": ")
