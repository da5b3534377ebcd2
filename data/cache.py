"""Query results cached with flask-caching, keyed by the warehouse's data version.

The data version is the id of the latest successful ETL load. Every cached result's key
carries it (with the staff console's edit count: ``stamp``), so after a load (or a
console change) each worker (or host, with Redis) misses on its next refresh
and reads the new figures; nothing needs to be deleted. The version is the app's
``data.version.Reader``: re-read at most every ``CSB_VERSION_TTL`` seconds (default 1)
per process, and one value for all the keys of one request.

Backends, from ``CSB_CACHE``: ``simple`` (per process, the embedded default),
``filesystem`` (several workers on one host, ``CSB_CACHE_DIR``), ``redis`` (several hosts,
``REDIS_URL``), ``null`` (off). If the backend fails (Redis down), queries go straight to
the warehouse and the log says so once; when it answers again, the log says that too.

Values are stored as data (``data.codec``: JSON with tagged dates, tuples and frames),
never pickled: whoever can write to the Redis or the cache folder can plant a value, and
a planted value is refused (a miss, logged), not run.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar

from flask_caching import Cache
from sqlalchemy import Engine

from data import codec, db, settings
from data import version as data_versions

log = logging.getLogger("csb.cache")
P = ParamSpec("P")
R = TypeVar("R")

cache = Cache()
# The app's cache as the query functions see it: flask-caching's backend, the local front,
# the app's version reader, and whether the backend is down. Module state because query
# functions are also called outside any request (scripts, tests) once an app is made.
_state: dict = {"backend": None, "local": None, "version": None, "down": False, "retry_at": 0.0, "decoded": False}
RETRY_SECONDS = 10.0  # while the backend is down, try it again this often, not on every call


class _Encoded(bytes):
    """A value ``cached`` has already encoded, handed to the backend as it is."""


class DataSerializer:
    """cachelib's serializer interface (Redis, files, in-process) over ``data.codec``.

    ``loads`` refuses anything ``codec`` did not write: a crafted entry is a miss,
    logged, and the next answer overwrites it.
    """

    def dumps(self, value, protocol: int | None = None) -> bytes:
        return bytes(value) if isinstance(value, _Encoded) else codec.encode(value)

    def loads(self, blob):
        if blob is None:
            return None
        try:
            return codec.decode(blob)
        except codec.Refused as err:
            log.warning("cache: refused a stored value that is not ours (%s); reading the warehouse", err)
            return None

    def dump(self, value, f, protocol: int | None = None) -> None:
        f.write(self.dumps(value))

    def load(self, f):
        return self.loads(f.read())


class _Local:
    """This process's most recently used answers, in front of a shared backend (Redis, files).

    A wall refresh asks the cache some forty times; from Redis that is forty round trips
    in a row, each waiting for the GIL again in a busy worker. Keys carry the data
    version, so an entry can never be stale, only old: the least recently used go first,
    beyond ``CSB_LOCAL_CACHE_ITEMS`` entries or ``CSB_LOCAL_CACHE_MB``. Answers are kept
    encoded and decoded on each hit: every caller gets its own copy, as from Redis.
    """

    def __init__(self, items: int, budget: int):
        self.items, self.budget = items, budget
        self.entries: OrderedDict[str, bytes] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            blob = self.entries.get(key)
            if blob is None:
                return None
            self.entries.move_to_end(key)
        return codec.decode(blob)

    def put(self, key: str, blob: bytes) -> None:
        if len(blob) > self.budget // 16:
            return  # one answer must not push out everything else
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self.entries[key] = blob
            self.size += len(blob)
            while self.entries and (len(self.entries) > self.items or self.size > self.budget):
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped)


def _local_from_env(kind: str) -> _Local | None:
    if kind not in ("redis", "filesystem"):
        return None  # simple is in this process already; null caches nothing
    items = int(os.environ.get("CSB_LOCAL_CACHE_ITEMS", "8192"))
    budget = int(float(os.environ.get("CSB_LOCAL_CACHE_MB", "64")) * 1024 * 1024)
    return _Local(items, budget) if items > 0 and budget > 0 else None


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


def init_app(server, reader: data_versions.Reader | None = None) -> None:
    """Attach the cache to the Flask server, its keys versioned by ``reader`` (the app's,
    from ``server.extensions``, or a new one); query functions start using it."""
    cache.init_app(server, config=config_from_env())
    reader = reader or server.extensions.get(data_versions.EXTENSION) or data_versions.Reader()
    server.extensions[data_versions.EXTENSION] = reader
    backend = _state["backend"] = server.extensions["cache"][cache]
    if hasattr(backend, "serializer"):  # cachelib's backends; flask-caching's NullCache has none
        backend.serializer = DataSerializer()
    kind = os.environ.get("CSB_CACHE", "simple").strip().lower()
    _state["local"] = _local_from_env(kind)
    # Decoded answers kept in this process (decoded_per_version): with the in-process cache,
    # or where a local copy of the shared cache's answers is kept; not for the null cache.
    _state["decoded"] = kind == "simple" or _state["local"] is not None
    _state["version"] = reader
    _state["down"] = False


def enabled() -> bool:
    """Whether this process has a cache (the app does; tests and the ETL calling data/ don't)."""
    return _state["backend"] is not None


def reset() -> None:
    """Stop caching in this process (tests, and code run outside the app)."""
    for memo in _DECODED:
        memo.clear()
    _state["backend"] = None
    _state["local"] = None
    _state["decoded"] = False
    _state["version"] = None
    _state["down"] = False


def data_version(url: str | None = None) -> int:
    """The data version the cache keys carry: the app reader's value for this request
    (see ``data.version``); without an app cache, read from the warehouse now."""
    url = url or settings.database_url()
    reader = _state["version"]
    return reader(url) if reader is not None else data_versions.read_fresh(url)


def stamp(url: str | None = None) -> str:
    """What cache keys carry: the data version and the console's edits (``data.version``),
    so a notice or a target changed in the console is a miss like a load is."""
    url = url or settings.database_url()
    reader = _state["version"]
    return reader.stamp(url) if reader is not None else data_versions.stamp_of(*data_versions.read_fresh_with_edits(url))


def forget_version() -> None:
    """After this process changed the version (a console edit committed): read it afresh."""
    reader = _state["version"]
    if reader is not None:
        reader.forget()


def trusted_version(engine) -> int | None:
    """``data_version()`` when ``engine`` is the app's warehouse and the app has a cache;
    None for any other engine (tests, the ETL), whose state must be read on every call."""
    if _state["version"] is None:
        return None
    url = settings.database_url()
    if db.made_engine(url) is not engine:  # not get_engine: asking must not open the app's warehouse
        return None
    return data_version(url)


def _backend_failed(err: Exception) -> None:
    _state["retry_at"] = time.monotonic() + RETRY_SECONDS
    if not _state["down"]:
        _state["down"] = True
        log.warning("cache backend unavailable, serving from the warehouse: %s", err)


def _backend_ok() -> None:
    if _state["down"]:
        _state["down"] = False
        log.warning("cache backend available again")


def cached(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache ``fn``'s result per (data version, arguments) when the app has a cache.

    Calls that pass their own ``engine`` (tests, the ETL) bypass the cache: the key
    only knows ``DATABASE_URL``'s warehouse.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        backend = _state["backend"]
        if backend is None or kwargs.get("engine") is not None:
            return fn(*args, **kwargs)
        if _state["down"] and time.monotonic() < _state["retry_at"]:
            return fn(*args, **kwargs)
        url = settings.database_url()
        try:
            raw = codec.key_bytes((fn.__module__, fn.__qualname__, url, args, sorted(kwargs.items())))
        except (codec.Unsupported, ValueError):
            return fn(*args, **kwargs)  # arguments the key cannot name (nested too deep): not cached
        key = f"{stamp(url)}:{fn.__name__}:{hashlib.sha1(raw).hexdigest()}"
        local = _state.get("local")
        if local is not None:
            hit = local.get(key)
            if hit is not None:
                return hit
        try:
            hit = backend.get(key)
            _backend_ok()
        except Exception as err:  # noqa: BLE001 - any backend failure: go to the warehouse
            _backend_failed(err)
            return fn(*args, **kwargs)
        if hit is not None:
            if local is not None:
                local.put(key, codec.encode(hit))
            return hit
        result = fn(*args, **kwargs)
        try:
            blob = _Encoded(codec.encode(result))
        except codec.Unsupported as err:
            log.warning("cache: %s's answer is not stored: %s", fn.__qualname__, err)
            return result
        try:
            backend.set(key, blob)
        except Exception as err:  # noqa: BLE001
            _backend_failed(err)
        if local is not None and result is not None:
            local.put(key, blob)
        return result

    return wrapper


#: The memos of ``decoded_per_version``, emptied by ``reset``.
_DECODED: list[dict] = []


def decoded_per_version(fn: Callable[..., R]) -> Callable[..., R]:
    """Keep ``fn``'s answer (a function of the warehouse alone: no arguments but ``engine``)
    decoded in this process for the current data version.

    For an answer every question of a screen reads, such as the coverage spans: through
    ``cached`` each read decodes it from the cache again, which for a city's 3,000
    communities costs more than the screen's SQL. The answer is shared: callers only read
    it. Like ``cached``, only while the app has a cache, and never for calls with their own
    engine; and like the local cache, not when ``CSB_LOCAL_CACHE_ITEMS=0`` (every read
    goes to the shared cache).
    """
    memo: dict[str, tuple[int, R]] = {}
    _DECODED.append(memo)

    @functools.wraps(fn)
    def wrapper(*, engine: Engine | None = None) -> R:
        if engine is not None or _state["backend"] is None or not _state.get("decoded"):
            return fn(engine=engine)
        url = settings.database_url()
        version = data_version(url)
        seen = memo.get(url)
        if seen is None or seen[0] != version:
            seen = memo[url] = (version, fn())
        return seen[1]

    return wrapper


class Lookup(Protocol):
    """A catalogue look-up by code, as ``per_version`` keeps them."""

    def __call__(self, code: str, *, engine: Engine | None = None) -> dict | None: ...


def per_version(fn: Lookup) -> Lookup:
    """Keep ``fn``'s answers in this process for the current data version.

    For the catalogue look-ups a screen makes by the hundred (is this metric a
    percentage?): a dict read instead of a cache round trip (and a decoding) each.
    Like ``cached``, only while the app has a cache, and never for calls with their own
    engine.
    """
    memo: dict[str, tuple[str, dict[str, dict]]] = {}

    @functools.wraps(fn)
    def wrapper(code: str, *, engine: Engine | None = None) -> dict | None:
        if engine is not None or _state["backend"] is None:
            return fn(code, engine=engine)
        url = settings.database_url()
        version = stamp(url)
        seen = memo.get(url)
        if seen is None or seen[0] != version:
            seen = memo[url] = (version, {})
        found = seen[1].get(code)
        if found is None:
            found = fn(code)
            if found is None:
                return None  # unknown codes are asked again: a catalogue may grow without a load
            seen[1][code] = found
        return dict(found)

    return wrapper
