"""Cached answers as data: JSON with a few tagged types, never pickle.

A shared cache (Redis, a cache folder) is written by every app host and readable by
whoever reaches it; a pickle read from there runs whatever code its writer chose. So the
cache stores what query functions return as JSON: plain values as themselves, and dates,
tuples, numpy values and pandas frames as ``{"$": tag, ...}`` objects that ``decode``
turns back into exactly those types and nothing else. Anything else refuses to encode
(the answer is then not cached), and a value that does not decode is refused (a miss).
"""
from __future__ import annotations

import base64
import dataclasses
import json
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

MAGIC = b"csb-json-1\n"  # every value this module writes starts with it
MAX_DEPTH = 64  # answers are tables and figures; deeper than this is not one of ours


_STORED: dict[str, type] = {}  # the frozen dataclasses a cached answer may hold, by name


def stored(*classes: type) -> None:
    """Let answers hold these frozen dataclasses (the wall's need descriptions): stored as
    their fields, rebuilt only as one of the classes named here."""
    for cls in classes:
        if not (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen):  # type: ignore[attr-defined]
            raise TypeError(f"{cls!r}: only frozen dataclasses")
        _STORED[f"{cls.__module__}.{cls.__qualname__}"] = cls


class Unsupported(TypeError):
    """A value of a type the cache does not store (the answer is served, not cached)."""


class Refused(ValueError):
    """Bytes that are not a value this module wrote (a crafted or damaged cache entry)."""


def _enc(value: Any, depth: int, key: bool = False) -> Any:  # noqa: C901 - one branch per type
    if depth > MAX_DEPTH:
        raise Unsupported("nested too deeply")
    t = type(value)
    if value is None or t in (str, bool, int):
        return value
    if t is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if isinstance(value, str):  # str subclasses (SQLAlchemy's column names): as the text they are
        return str(value)
    if t is list:
        return [_enc(v, depth + 1, key) for v in value]
    if t is dict:
        if all(isinstance(k, str) for k in value) and "$" not in value:
            return {str(k): _enc(v, depth + 1, key) for k, v in value.items()}
        return {"$": "dict", "v": [[_enc(k, depth + 1, key), _enc(v, depth + 1, key)] for k, v in value.items()]}
    if t is tuple:
        return {"$": "tuple", "v": [_enc(v, depth + 1, key) for v in value]}
    if t in (set, frozenset):
        items = [_enc(v, depth + 1, key) for v in value]  # in one order, so a key is the same in every process
        return {"$": t.__name__, "v": sorted(items, key=lambda e: json.dumps(e, sort_keys=True))}
    if value is pd.NaT:
        return {"$": "nat"}
    if value is pd.NA:
        return {"$": "na"}
    if isinstance(value, pd.Timestamp):
        return {"$": "ts", "v": value.isoformat(), "unit": value.unit}
    if t is datetime:
        return {"$": "datetime", "v": value.isoformat()}
    if t is date:
        return {"$": "date", "v": value.isoformat()}
    if t is time:
        return {"$": "time", "v": value.isoformat()}
    if t is timedelta:
        return {"$": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if t is Decimal:
        return {"$": "decimal", "v": str(value)}
    if t is bytes:
        return {"$": "bytes", "v": base64.b64encode(value).decode("ascii")}
    if isinstance(value, np.generic):
        return _enc(value.item(), depth, key)
    if t is np.ndarray:
        if value.dtype.kind not in "biufUO":
            raise Unsupported(f"numpy array of {value.dtype}")
        return {"$": "ndarray", "dtype": value.dtype.str if value.dtype.kind != "O" else "O",
                "shape": list(value.shape), "v": _enc(value.ravel().tolist(), depth + 1, key)}
    if t is pd.DataFrame:
        return _enc_frame(value, depth)
    if t is pd.Series:
        return {"$": "series", "dtype": str(value.dtype), "name": _enc(value.name, depth + 1, key),
                "index": _enc_index(value.index, depth), "v": _enc(value.tolist(), depth + 1, key)}
    name = f"{t.__module__}.{t.__qualname__}"
    if _STORED.get(name) is t:
        return {"$": "dc", "type": name,
                "v": {f.name: _enc(getattr(value, f.name), depth + 1, key) for f in dataclasses.fields(value)}}
    if key:  # naming an argument, never decoded: its type and repr say what it is
        return {"$": "repr", "type": f"{t.__module__}.{t.__qualname__}", "v": repr(value)}
    raise Unsupported(f"{t.__module__}.{t.__qualname__} is not stored in the cache")


def _enc_index(index: pd.Index, depth: int) -> Any:
    if isinstance(index, pd.MultiIndex):
        raise Unsupported("MultiIndex")
    if isinstance(index, pd.RangeIndex):
        return {"$": "range", "v": [index.start, index.stop, index.step], "name": _enc(index.name, depth + 1)}
    return {"$": "index", "dtype": str(index.dtype), "name": _enc(index.name, depth + 1),
            "v": _enc(index.tolist(), depth + 1)}


def _enc_frame(frame: pd.DataFrame, depth: int) -> Any:
    if isinstance(frame.columns, pd.MultiIndex) or not frame.columns.is_unique:
        raise Unsupported("a frame with MultiIndex or repeated columns")
    return {
        "$": "frame",
        "columns": _enc(list(frame.columns), depth + 1),
        "dtypes": [str(d) for d in frame.dtypes],
        "data": [_enc(frame[c].tolist(), depth + 1) for c in frame.columns],
        "index": _enc_index(frame.index, depth),
        "attrs": _enc(dict(frame.attrs), depth + 1),
    }


def encode(value: Any) -> bytes:
    """``value`` as bytes for the cache; ``Unsupported`` for a type it does not store."""
    try:
        text = json.dumps(_enc(value, 0), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError as err:  # a float that slipped through as NaN: not ours to guess
        raise Unsupported(str(err)) from err
    return MAGIC + text.encode("utf-8")


def key_bytes(value: Any) -> bytes:
    """Bytes that name ``value`` (a cached function's arguments) for a cache key: like
    ``encode``, but an argument of another type (the wall's need descriptions) is named
    by its type and ``repr``. Hashed, never decoded."""
    return json.dumps(_enc(value, 0, key=True), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _dtype(name: Any) -> Any:
    if type(name) is not str:
        raise Refused("dtype")
    return pd.api.types.pandas_dtype(name)


def _dec_index(obj: Any, depth: int) -> pd.Index:
    if type(obj) is not dict:
        raise Refused("index")
    name = _dec(obj.get("name"), depth + 1)
    if obj.get("$") == "range":
        start, stop, step = (int(x) for x in obj["v"])
        return pd.RangeIndex(start, stop, step, name=name)
    if obj.get("$") == "index":
        return pd.Index(_dec(obj["v"], depth + 1), dtype=_dtype(obj["dtype"]), name=name)
    raise Refused("index")


def _dec_frame(obj: dict, depth: int) -> pd.DataFrame:
    columns = _dec(obj["columns"], depth + 1)
    dtypes, data = obj["dtypes"], obj["data"]
    if not (type(columns) is list and type(dtypes) is list and type(data) is list
            and len(columns) == len(dtypes) == len(data)):
        raise Refused("frame")
    index = _dec_index(obj["index"], depth)
    frame = pd.DataFrame(
        {c: pd.Series(_dec(v, depth + 1), dtype=_dtype(d), index=index) for c, d, v in zip(columns, dtypes, data)},
        index=index, columns=pd.Index(columns) if columns else None)
    attrs = _dec(obj.get("attrs", {}), depth + 1)
    if type(attrs) is not dict:
        raise Refused("frame attrs")
    frame.attrs.update(attrs)
    return frame


def _dec(obj: Any, depth: int) -> Any:  # noqa: C901 - one branch per tag, kept together
    if depth > MAX_DEPTH + 2:
        raise Refused("nested too deeply")
    t = type(obj)
    if obj is None or t in (str, bool, int, float):
        return obj
    if t is list:
        return [_dec(v, depth + 1) for v in obj]
    if t is not dict:
        raise Refused(f"unexpected {t.__name__}")
    tag = obj.get("$")
    if tag is None:
        return {k: _dec(v, depth + 1) for k, v in obj.items()}
    v = obj.get("v")
    if tag == "float":
        if v not in ("nan", "inf", "-inf"):
            raise Refused("float")
        return float(v)
    if tag == "dict":
        return {_dec(k, depth + 1): _dec(x, depth + 1) for k, x in v}
    if tag == "tuple":
        return tuple(_dec(x, depth + 1) for x in v)
    if tag == "set":
        return {_dec(x, depth + 1) for x in v}
    if tag == "frozenset":
        return frozenset(_dec(x, depth + 1) for x in v)
    if tag == "nat":
        return pd.NaT
    if tag == "na":
        return pd.NA
    if tag == "ts":
        return pd.Timestamp(str(v)).as_unit(str(obj.get("unit", "ns")))
    if tag == "datetime":
        return datetime.fromisoformat(str(v))
    if tag == "date":
        return date.fromisoformat(str(v))
    if tag == "time":
        return time.fromisoformat(str(v))
    if tag == "timedelta":
        days, seconds, micros = (int(x) for x in v)
        return timedelta(days=days, seconds=seconds, microseconds=micros)
    if tag == "decimal":
        return Decimal(str(v))
    if tag == "bytes":
        return base64.b64decode(str(v), validate=True)
    if tag == "ndarray":
        dtype = np.dtype(object) if obj["dtype"] == "O" else np.dtype(str(obj["dtype"]))
        if dtype.kind not in "biufUO":
            raise Refused("ndarray dtype")
        return np.array(_dec(v, depth + 1), dtype=dtype).reshape([int(n) for n in obj["shape"]])
    if tag == "frame":
        return _dec_frame(obj, depth)
    if tag == "dc":
        cls = _STORED.get(str(obj.get("type")))
        if cls is None or type(v) is not dict:
            raise Refused("not a stored class")
        return cls(**{str(k): _dec(x, depth + 1) for k, x in v.items()})
    if tag == "series":
        return pd.Series(_dec(v, depth + 1), dtype=_dtype(obj["dtype"]), index=_dec_index(obj["index"], depth),
                         name=_dec(obj.get("name"), depth + 1))
    raise Refused(f"unknown tag {str(tag)[:20]!r}")


def decode(blob: bytes) -> Any:
    """The value ``encode`` wrote; ``Refused`` for anything else (never runs code from the bytes)."""
    if not isinstance(blob, (bytes, bytearray)) or not blob.startswith(MAGIC):
        raise Refused("not a value this cache wrote")
    try:
        return _dec(json.loads(bytes(blob[len(MAGIC):]).decode("utf-8")), 0)
    except Refused:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError) as err:
        raise Refused(f"{type(err).__name__}: {str(err)[:200]}") from err
