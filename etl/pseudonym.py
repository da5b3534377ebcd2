"""Keyed pseudonyms for the ids that name people, made the moment a delivery is read.

The activity system's resident id, phone and id number and the volunteer platform's
志愿者编号 may be used to count distinct people, never kept (DOMAIN.md). Each is replaced,
as the rows leave the extract step, by HMAC-SHA256(key, namespace + ":" + id): the same
person gets the same pseudonym in every delivery, nobody without the key can go back from
it, and nobody without the key can test a guessed phone number against it (a plain hash of an
11-digit number is reversed by trying them all).

The key is a secret of the ETL host alone: ``CSB_PSEUDONYM_KEY`` (at least 32 characters).
Without it, for the bundled samples, ``make run`` and tests only, a random development key
is made on first use in ``var/pseudonym.key`` (mode 0600) and said in every run's notes:
a production ETL host sets ``CSB_PSEUDONYM_KEY`` and never uses that file. The key is never
written to the warehouse, to the reach store (``etl.reach`` keeps only a key id: the first
16 hex digits of HMAC(key, "csb-key-id")), or to a log.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from data import settings

ENV = "CSB_PSEUDONYM_KEY"
MIN_KEY_CHARS = 32
DEV_KEY_FILE = "pseudonym.key"
PSEUDONYM_HEX = 32


class BadKey(ValueError):
    """A key that is too short to be a secret."""


@dataclass(frozen=True)
class Key:
    secret: bytes
    development: bool  # True: the generated var/ key, fit for samples and tests only

    @property
    def key_id(self) -> str:
        """Names the key without revealing it: rows made under another key are found by it."""
        return hmac.new(self.secret, b"csb-key-id", hashlib.sha256).hexdigest()[:16]


def _check(text: str, where: str) -> bytes:
    text = text.strip()
    if len(text) < MIN_KEY_CHARS:
        raise BadKey(f"{where}: a pseudonym key needs at least {MIN_KEY_CHARS} characters "
                        f"(e.g. python -c 'import secrets; print(secrets.token_hex(32))')")
    return text.encode("utf-8")


def dev_key_path() -> Path:
    return settings.var_dir() / DEV_KEY_FILE


def current_key(value: str | None = None) -> Key:
    """``value``, else ``CSB_PSEUDONYM_KEY``, else the development key under var/ (made on first use, 0600)."""
    if value is not None:
        return Key(_check(value, "key"), development=False)
    env = os.environ.get("CSB_PSEUDONYM_KEY", "")
    if env.strip():
        return Key(_check(env, ENV), development=False)
    path = dev_key_path()
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32) + "\n")
    return Key(_check(path.read_text(encoding="utf-8"), str(path)), development=True)


def pseudonym(key: Key, namespace: str, value: str) -> str:
    """One id's pseudonym: the HMAC's first 128 bits as 32 hex digits (two of a city's 20 million
    residents share one with a chance below 1e-24; half the store's size of the whole digest).
    The namespace keeps a phone and a resident id apart."""
    return hmac.new(key.secret, f"{namespace}:{value}".encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def pseudonymise(values: pd.Series, namespace: str, key: Key) -> pd.Series:
    """Every cell replaced by its pseudonym, an empty cell left empty; one HMAC per distinct id."""
    if not len(values):
        return values.astype(object)
    codes, uniques = pd.factorize(values.astype(str))
    made = np.array([pseudonym(key, namespace, v) if v.strip() else "" for v in uniques] + [""], dtype=object)
    return pd.Series(made[codes], index=values.index, dtype=object)  # code -1 (missing): the last, ""
