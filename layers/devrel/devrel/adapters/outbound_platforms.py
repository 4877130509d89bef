"""A lazy mapping of platform name -> outbound adapter (the composition root supplies the factories).

Webhook functions share `Services` with the worker but never post anything, so no platform SDK
(PyGithub, slack-sdk, requests) is imported until the worker first asks for that platform.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping

from devrel.ports import ChatPlatform

Factory = Callable[[], ChatPlatform | None]


class PlatformRegistry(Mapping[str, ChatPlatform]):
    """A mapping of platform name -> adapter whose entries are built lazily, once.

    A platform that is not configured (its factory returns None) is simply absent.
    """

    def __init__(self, factories: Mapping[str, Factory]) -> None:
        self._factories = dict(factories)
        self._built: dict[str, ChatPlatform | None] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> ChatPlatform:
        with self._lock:
            if name not in self._built:
                factory = self._factories.get(name)
                if factory is None:
                    raise KeyError(name)
                self._built[name] = factory()
            platform = self._built[name]
        if platform is None:
            raise KeyError(name)
        return platform

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)
