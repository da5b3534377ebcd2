"""Failed logins counted per address and name, and per address, so guessing is slow.

After ``attempts`` failures within ``window`` seconds the pair is paused until the oldest
failure is ``window`` seconds old; an address gets ten times as many across all names.
Counts live in the process: with several workers each keeps its own, which still bounds
guessing to a few attempts per worker per window. Behind a reverse proxy, name it in
``CSB_TRUSTED_PROXIES`` so the visitor's own address (X-Forwarded-For) is counted.
"""
from __future__ import annotations

import threading
import time
from collections import deque


class LoginLimiter:
    def __init__(self, attempts: int = 5, window: float = 900.0):
        self.attempts = attempts
        self.window = window
        self._failures: dict[tuple, deque] = {}
        self._lock = threading.Lock()

    def _keys(self, address: str, name: str) -> list[tuple[tuple, int]]:
        return [(("pair", address, name.casefold()), self.attempts), (("address", address), self.attempts * 10)]

    def wait(self, address: str, name: str) -> float:
        """Seconds before this address may try this name again; 0 when it may now."""
        now = time.monotonic()
        longest = 0.0
        with self._lock:
            for key, limit in self._keys(address, name):
                seen = self._failures.get(key)
                if not seen:
                    continue
                while seen and now - seen[0] >= self.window:
                    seen.popleft()
                if len(seen) >= limit:
                    longest = max(longest, self.window - (now - seen[0]))
        return longest

    def failed(self, address: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, _limit in self._keys(address, name):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, address: str, name: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(address, name)[0][0], None)
