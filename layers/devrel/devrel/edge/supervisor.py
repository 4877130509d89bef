"""Keep a child service of the runner alive: notice that it died, restart it, back off while it fails."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("devrel.edge")


class Service(Protocol):
    @property
    def running(self) -> bool:
        """Whether the child is alive (asking also reaps a child that exited, so none is left defunct)."""
        ...

    @property
    def exit_code(self) -> int | None: ...

    def start(self) -> object: ...


class Supervisor:
    """Restarts `service` whenever it is found dead, waiting `first_delay` seconds before the first
    attempt and doubling the wait after each failed one, up to `max_delay`; a child that has stayed
    up for `steady_seconds` is forgiven its past failures."""

    def __init__(
        self,
        name: str,
        service: Service,
        stop: threading.Event,
        check_seconds: float = 1.0,
        first_delay: float = 1.0,
        max_delay: float = 60.0,
        steady_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.service = service
        self.restarts = 0
        self.state = "running"
        self._stop = stop
        self._check = check_seconds
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._steady = steady_seconds
        self._clock = clock

    def run(self) -> None:
        delay = self._first_delay
        up_since = self._clock()
        while not self._stop.wait(self._check):
            if self.service.running:
                if self._clock() - up_since >= self._steady:
                    delay = self._first_delay
                continue
            self.state = "restarting"
            log.warning("%s exited (code %s); restarting in %.0f s", self.name, self.service.exit_code, delay)
            if self._stop.wait(delay):
                return
            try:
                self.service.start()
            except Exception as error:  # any failure to start: try again later, never give up the loop
                log.warning("%s did not restart: %s", self.name, error)
                delay = min(delay * 2, self._max_delay)
                continue
            self.restarts += 1
            self.state = "running"
            up_since = self._clock()
            delay = min(delay * 2, self._max_delay)
            log.info("%s restarted (%d restarts so far)", self.name, self.restarts)
