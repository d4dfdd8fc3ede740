"""A dependency-free progress line: bar, count, rate and ETA (``\\r`` on a terminal, plain lines otherwise)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30
TTY_REDRAW_SECONDS = 0.2
PLAIN_REDRAW_SECONDS = 5.0


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Draw ``label [#####.....]  45%  450,000/1,000,000  12,345/s  ETA 0:00:45`` as work advances."""

    def __init__(self, total: int, label: str, unit: str = "rows", stream: TextIO | None = None) -> None:
        self.total = max(total, 0)
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.done = 0
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._drawn_done = -1

    def advance(self, amount: int) -> None:
        self.update(self.done + amount)

    def update(self, done: int) -> None:
        self.done = min(done, self.total)
        now = time.monotonic()
        every = TTY_REDRAW_SECONDS if self.tty else PLAIN_REDRAW_SECONDS
        if now - self._drawn_at >= every or self.done >= self.total:
            self._drawn_at = now
            self._draw(now)

    def close(self) -> float:
        """Finish the line; returns the elapsed seconds."""
        elapsed = time.monotonic() - self.started
        if self._drawn_done != self.done:
            self._draw(time.monotonic())
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
        return elapsed

    def _draw(self, now: float) -> None:
        self._drawn_done = self.done
        elapsed = max(now - self.started, 1e-9)
        fraction = self.done / self.total if self.total else 1.0
        filled = int(fraction * BAR_WIDTH)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else 0
        line = (
            f"{self.label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%} "
            f"{self.done:,}/{self.total:,} {self.unit}  {rate:,.0f}/s  "
            f"{'ETA ' + _duration(eta) if self.done < self.total else 'in ' + _duration(elapsed)}"
        )
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
