"""How real exports get messy, in one place: encodings, title and totals rows, blank
trailing rows, date forms, full-width characters and stray spaces, a trickle of bad rows.

The sources decide *which* mess a month gets; this module knows how to make it, quickly
and over whole columns at once.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

EPOCH_1899 = np.datetime64("1899-12-30T00:00:00", "s")

# --- dates -------------------------------------------------------------------------------


def _parts(ts: np.ndarray):
    ts = ts.astype("datetime64[s]")
    day = ts.astype("datetime64[D]")
    month = ts.astype("datetime64[M]")
    secs = (ts - day).astype(np.int64)
    year = month.astype("datetime64[Y]").astype(np.int64) + 1970
    mon = month.astype(np.int64) % 12 + 1
    dom = (day - month.astype("datetime64[D]")).astype(np.int64) + 1
    return year, mon, dom, secs // 3600, secs % 3600 // 60, secs % 60


def _s(a: np.ndarray, width: int = 0) -> np.ndarray:
    out = a.astype(str)
    return np.strings.zfill(out, width) if width else out


def _join(*pieces) -> np.ndarray:
    out = pieces[0]
    for piece in pieces[1:]:
        out = np.strings.add(out, piece)
    return out


def format_datetimes(ts: np.ndarray, style: str) -> np.ndarray:
    """Text dates as the exporting system writes them; NaT becomes an empty string.

    styles: ``slash`` 2025/3/7 9:05, ``iso`` 2025-03-07 09:05:00, ``iso_t`` 2025-03-07T09:05:00,
    ``minute`` 2025-03-07 09:05, ``date`` 2025-03-07, ``date_slash`` 2025/3/7, ``zh`` 2025年3月7日
    """
    ts = np.asarray(ts, dtype="datetime64[s]")
    missing = np.isnat(ts)
    safe = np.where(missing, np.datetime64("2000-01-01T00:00:00", "s"), ts)
    y, mo, d, h, mi, s = _parts(safe)
    if style == "slash":
        out = _join(_s(y), "/", _s(mo), "/", _s(d), " ", _s(h), ":", _s(mi, 2))
    elif style == "iso":
        out = _join(_s(y), "-", _s(mo, 2), "-", _s(d, 2), " ", _s(h, 2), ":", _s(mi, 2), ":", _s(s, 2))
    elif style == "iso_t":
        out = _join(_s(y), "-", _s(mo, 2), "-", _s(d, 2), "T", _s(h, 2), ":", _s(mi, 2), ":", _s(s, 2))
    elif style == "minute":
        out = _join(_s(y), "-", _s(mo, 2), "-", _s(d, 2), " ", _s(h, 2), ":", _s(mi, 2))
    elif style == "date":
        out = _join(_s(y), "-", _s(mo, 2), "-", _s(d, 2))
    elif style == "date_slash":
        out = _join(_s(y), "/", _s(mo), "/", _s(d))
    elif style == "zh":
        out = _join(_s(y), "年", _s(mo), "月", _s(d), "日")
    else:
        raise ValueError(f"unknown date style {style!r}")
    out = out.astype(object)
    out[missing] = ""
    return out


def excel_serial(ts: np.ndarray) -> np.ndarray:
    """Excel's day numbers (1900 system) with the time as a fraction; NaT becomes NaN."""
    ts = np.asarray(ts, dtype="datetime64[s]")
    out = (ts - EPOCH_1899).astype(np.int64) / 86400.0
    out[np.isnat(ts)] = np.nan
    return np.round(out, 10)


# --- names ------------------------------------------------------------------------------

_FULLWIDTH = {i: i + 0xFEE0 for i in range(0x21, 0x7F)} | {0x20: 0x3000}


def fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


def _variants(name: str) -> list[str]:
    bare = name[:-2] if name.endswith("社区") else name
    return [
        bare,                                  # without the 社区 suffix
        f" {name}",                            # a leading space
        f"{name} ",                            # a trailing space
        f"{name}\u3000",                       # a full-width space
        f"{bare} 社区" if bare != name else f" {name} ",
        fullwidth(name) if any(ord(ch) < 128 for ch in name) else f"{name}  ",
    ]


def messy_names(rng: np.random.Generator, names: np.ndarray, rate: float) -> np.ndarray:
    """Copy of ``names`` where about ``rate`` of them are typed the way people type them."""
    out = np.asarray(names, dtype=object).copy()
    idx = np.flatnonzero(rng.random(len(out)) < rate)
    picks = rng.integers(0, 6, len(idx))
    cache: dict[str, list[str]] = {}
    for i, k in zip(idx.tolist(), picks.tolist()):
        name = out[i]
        if name:
            out[i] = cache.setdefault(name, _variants(name))[k]
    return out


# --- bad rows ---------------------------------------------------------------------------

BAD_RATE = 0.001
UNKNOWN_COMMUNITIES = ("幸福里社区", "测试社区", "新村社区（筹）")


def bad_rows(rng: np.random.Generator, n: int, rate: float = BAD_RATE) -> np.ndarray:
    """Indices of the rows a source spoils on purpose: about ``rate`` of them, on average."""
    count = int(np.floor(n * rate + rng.random()))
    count = min(count, n)
    return np.sort(rng.choice(n, size=count, replace=False)) if count else np.array([], int)


def split_bad(rng: np.random.Generator, idx: np.ndarray, kinds: int) -> list[np.ndarray]:
    """Deal the spoiled rows out over ``kinds`` kinds of damage."""
    which = rng.integers(0, kinds, len(idx))
    return [idx[which == k] for k in range(kinds)]


# --- CSV --------------------------------------------------------------------------------


def _texts(values) -> list[str]:
    """A column as CSV fields: numbers as Excel writes them, NaN/None empty, quoted if needed."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iub":
        out = arr.astype(str).tolist()
    elif arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr % 1 == 0)
        text = np.where(whole, np.nan_to_num(arr).astype(np.int64).astype(str), arr.astype(str))
        out = np.where(np.isnan(arr), "", text).tolist()
    else:
        out = ["" if v is None or v != v else str(v) for v in arr.tolist()]
    if any(ch in "".join(out) for ch in ',"\n\r'):
        out = ['"' + v.replace('"', '""') + '"' if any(ch in v for ch in ',"\n\r') else v
               for v in out]
    return out


def write_csv(path: Path, frame: pd.DataFrame, *, encoding: str, title: str | None = None,
              totals: dict[str, object] | None = None, blank_rows: int = 0) -> Path:
    """Write a CSV the way Excel saves one: CRLF, optional title row, totals and blank rows."""
    width = frame.shape[1]
    lines = []
    if title:
        lines.append(title + "," * (width - 1))
    lines.append(",".join(str(c) for c in frame.columns))
    columns = [_texts(frame[c].to_numpy()) for c in frame.columns]
    lines += [",".join(row) for row in zip(*columns)]
    if totals:
        lines.append(",".join(str(totals.get(c, "")) for c in frame.columns))
    lines += ["," * (width - 1)] * blank_rows
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path
