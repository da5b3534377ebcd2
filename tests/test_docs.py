"""The README is held to the code, as Datasette holds its documentation to its own.

Every environment variable the application reads is in the README's configuration
tables (and every variable there is still read); every command the README and docs/
show exists with the subcommands and options they use; every source file they name is
there. Adding a setting without documenting it fails here, not in a user's hands.
"""
from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
from functools import cache

import pytest

from support import ROOT

README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
# What runs in production: the app, its packages, the ETL and the gunicorn settings. Tests and
# benchmarks read their own variables (CSB_TEST_PG_URL, CSB_CHROMIUM, …), which are not settings.
CODE = [ROOT / "dashboard.py", ROOT / "gunicorn.conf.py",
        *(path for package in ("data", "etl", "layouts", "callbacks", "api", "auth")
          for path in sorted((ROOT / package).rglob("*.py")))]


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` or a bare ``environ`` (``from os import environ``)."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def _reads(tree: ast.AST) -> list[tuple[int, str | None]]:
    """(line, name) of each read of one environment variable; name None when not a literal."""
    found: list[tuple[int, str | None]] = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr in ("get", "setdefault", "pop")
                    and _is_environ(func.value)) or (
                    isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                    isinstance(func, ast.Name) and func.id == "getenv"):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
        if key is not None:
            literal = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            found.append((node.lineno, literal))
    return found


@cache
def variables_read() -> dict[str, list[str]]:
    """Each variable the code reads -> where (``file:line``)."""
    where: dict[str, list[str]] = {}
    for path in CODE:
        for line, name in _reads(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            where.setdefault(str(name), []).append(f"{path.relative_to(ROOT)}:{line}")
    return where


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    following = text.find("\n## ", start + 1)
    return text[start:following if following > 0 else len(text)]


@cache
def variables_documented() -> set[str]:
    """The names in the first column of every table of the README's Configuration section."""
    names: set[str] = set()
    for line in _section(README.read_text(encoding="utf-8"), "Configuration").splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def test_every_variable_is_read_under_a_literal_name():
    """A name built at run time could not be checked against the README."""
    assert "None" not in variables_read(), variables_read().get("None")


def test_every_variable_the_code_reads_is_in_the_configuration_tables():
    missing = {name: where for name, where in variables_read().items() if name not in variables_documented()}
    assert missing == {}, f"read by the code but not in README.md's Configuration tables: {missing}"


def test_every_variable_in_the_configuration_tables_is_read_by_the_code():
    stale = variables_documented() - set(variables_read())
    assert stale == set(), f"in README.md's Configuration tables but read nowhere: {sorted(stale)}"


def test_the_scan_finds_what_the_code_reads():
    """The scanner itself: every way of reading a variable, and a name that is not a literal."""
    tree = ast.parse("import os\nfrom os import environ, getenv\n"
                     "os.environ.get('A', 'x')\nos.environ['B']\nos.getenv('C')\nenviron.get('D')\n"
                     "getenv('E')\nos.environ.setdefault('F', '1')\nos.environ.get(name)\n")
    assert sorted(n or "?" for _, n in _reads(tree)) == ["?", "A", "B", "C", "D", "E", "F"]


# --- commands ---------------------------------------------------------------------------

COMMAND = re.compile(r"(?:^|[`\s(])(?:\.venv/bin/)?python (-m [\w.]+|[\w/]+\.py)((?: +[^\s`#|)]+)*)", re.M)


@cache
def commands() -> dict[tuple[str, ...], set[str]]:
    """Each command the docs show -> the options given to it: ``("-m", "etl", "load")``,
    ``("bench/load_test.py",)``. A module's subcommand is its first word after the name."""
    found: dict[tuple[str, ...], set[str]] = {}
    for doc in DOCS:
        for target, rest in COMMAND.findall(doc.read_text(encoding="utf-8")):
            words = shlex.split(rest.replace("…", "x"), posix=True) if rest.strip() else []
            key = tuple(target.split())
            if key[0] == "-m" and words and not words[0].startswith("-"):
                key += (words[0],)
            found.setdefault(key, set()).update(w.split("=")[0] for w in words if w.startswith("--"))
    return found


def test_the_docs_show_the_commands_this_test_knows_of():
    """The pattern above still finds the README's commands (else every check below is empty)."""
    shown = set(commands())
    assert {("-m", "etl", "run"), ("-m", "etl", "load"), ("-m", "etl", "status"), ("-m", "etl", "samples"),
            ("-m", "auth", "add-user"), ("-m", "auth", "revoke-token"), ("-m", "etl.cityscale"),
            ("-m", "data.rollup"), ("bench/load_test.py",), ("dashboard.py",)} <= shown, shown


def _help(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(commands()), ids=" ".join)
def test_every_command_the_docs_show_exists_with_its_options(command):
    options = commands()[command]
    if command[0] != "-m":
        script = ROOT / command[0]
        assert script.is_file(), f"{command[0]} is shown in the docs but does not exist"
        if "argparse" not in script.read_text(encoding="utf-8"):
            assert not options, f"{command[0]} takes no options, the docs give it {options}"
            return  # no --help to ask: running it would start it
    done = _help(list(command))
    assert done.returncode == 0, f"python {' '.join(command)} --help failed: {done.stderr[-2000:]}"
    unknown = {option for option in options if option not in done.stdout}
    assert unknown == set(), f"python {' '.join(command)} has no {sorted(unknown)}"


def test_every_source_file_the_readme_names_exists():
    named = set(re.findall(r"`((?:[\w.-]+/)*[\w.-]+\.(?:py|yaml|csv|md|geojson))(?: [^`]*)?`",
                           README.read_text(encoding="utf-8")))
    missing = sorted(name for name in named if not (ROOT / name).exists() and "/" in name)
    assert missing == [], missing


def test_the_unusual_changes_method_is_documented_with_the_values_the_code_uses():
    from data import unusual

    text = README.read_text(encoding="utf-8")
    for name in ("YEARS", "TREND_MONTHS", "Z", "MIN_RESIDUALS", "MIN_EXPECTED", "RATE_MONTHS", "MIN_RATE_MONTHS",
                 "MIN_DENOMINATOR"):
        assert f"`{name} = {getattr(unusual, name):g}`" in text, f"README.md does not give {name} as the code has it"
