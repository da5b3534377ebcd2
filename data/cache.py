"""Query results cached with flask-caching, keyed by the warehouse's data version.

The data version is the id of the latest successful ETL load. Every cached result's key
carries it, so after a load each worker (or host, with Redis) misses on its next refresh
and reads the new figures; nothing needs to be deleted. The version itself is re-read at
most every ``CSB_VERSION_TTL`` seconds (default 1) per process.

Backends, from ``CSB_CACHE``: ``simple`` (per process, the embedded default),
``filesystem`` (several workers on one host, ``CSB_CACHE_DIR``), ``redis`` (several hosts,
``REDIS_URL``), ``null`` (off). If the backend fails (Redis down), queries go straight to
the warehouse and the log says so once; when it answers again, the log says that too.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import threading
import time

from flask_caching import Cache

from data import settings

log = logging.getLogger("csb.cache")

cache = Cache()
_state: dict = {"backend": None, "down": False, "retry_at": 0.0}
RETRY_SECONDS = 10.0  # while the backend is down, try it again this often, not on every call
_version_lock = threading.Lock()
_versions: dict[str, tuple[float, int]] = {}  # database url -> (read at, version)


def config_from_env() -> dict:
    """flask-caching configuration for the backend named by ``CSB_CACHE``."""
    kind = os.environ.get("CSB_CACHE", "simple").strip().lower()
    timeout = int(os.environ.get("CSB_CACHE_TIMEOUT", "3600"))
    base = {"CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_KEY_PREFIX": os.environ.get("CSB_CACHE_PREFIX", "csb:")}
    if kind == "redis":
        return {
            **base,
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            # Fail fast when Redis is away: the warehouse answers instead.
            "CACHE_OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    if kind == "filesystem":
        folder = os.environ.get("CSB_CACHE_DIR") or str(settings.var_dir() / "cache")
        return {**base, "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": folder, "CACHE_THRESHOLD": 20000}
    if kind == "null":
        return {**base, "CACHE_TYPE": "NullCache"}
    if kind != "simple":
        raise ValueError(f"CSB_CACHE={kind!r}: expected simple, filesystem, redis or null")
    return {**base, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 5000}


def init_app(server) -> None:
    """Attach the cache to the Flask server; query functions start using it."""
    cache.init_app(server, config=config_from_env())
    _state["backend"] = server.extensions["cache"][cache]
    _state["down"] = False


def reset() -> None:
    """Stop caching in this process (tests, and code run outside the app)."""
    _state["backend"] = None
    _state["down"] = False
    _versions.clear()


def data_version(url: str) -> int:
    """The warehouse's data version, re-read at most every CSB_VERSION_TTL seconds."""
    ttl = float(os.environ.get("CSB_VERSION_TTL", "1"))
    now = time.monotonic()
    seen = _versions.get(url)
    if seen and now - seen[0] < ttl:
        return seen[1]
    with _version_lock:
        from data import query

        version = query.data_version()
        _versions[url] = (time.monotonic(), version)
        return version


def _backend_failed(err: Exception) -> None:
    _state["retry_at"] = time.monotonic() + RETRY_SECONDS
    if not _state["down"]:
        _state["down"] = True
        log.warning("cache backend unavailable, serving from the warehouse: %s", err)


def _backend_ok() -> None:
    if _state["down"]:
        _state["down"] = False
        log.warning("cache backend available again")


def cached(fn):
    """Cache ``fn``'s result per (data version, arguments) when the app has a cache.

    Calls that pass their own ``engine`` (tests, the ETL) bypass the cache: the key
    only knows ``DATABASE_URL``'s warehouse.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        backend = _state["backend"]
        if backend is None or kwargs.get("engine") is not None:
            return fn(*args, **kwargs)
        if _state["down"] and time.monotonic() < _state["retry_at"]:
            return fn(*args, **kwargs)
        url = settings.database_url()
        raw = pickle.dumps((fn.__module__, fn.__qualname__, url, args, sorted(kwargs.items())), protocol=4)
        key = f"{data_version(url)}:{fn.__name__}:{hashlib.sha1(raw).hexdigest()}"
        try:
            hit = backend.get(key)
            _backend_ok()
        except Exception as err:  # noqa: BLE001 - any backend failure: go to the warehouse
            _backend_failed(err)
            return fn(*args, **kwargs)
        if hit is not None:
            return hit
        result = fn(*args, **kwargs)
        try:
            backend.set(key, result)
        except Exception as err:  # noqa: BLE001
            _backend_failed(err)
        return result

    wrapper.uncached = fn
    return wrapper
