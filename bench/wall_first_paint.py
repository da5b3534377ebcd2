"""How fast the wall draws its first screen, and whether its memory stays flat for weeks.

    .venv/bin/python bench/wall_first_paint.py [--database-url URL] [--repeat 3] [--rotations 2000] [--timeout S]
                                               [--change-every 2] [--no-snapshots] [--keep-snapshots DIR]

In headless Chromium against the real app (``python dashboard.py``) in a child process:

1. First screen, ``--repeat`` interleaved pairs. Each pair starts a new server process
   (it warms itself; the browser comes once its /healthz answers 200, as a deployed
   worker's first visitor does) and a browser with a fresh profile (nothing cached), and
   times, in the page with ``performance.now()`` from navigation: the panel on view with
   its charts drawn and the KPI strip's values arrived ("on view"), every panel carrying
   ``data-as-of`` and every chart on the page drawn ("all charts"; the charts of panels
   not due yet are put in later, as the rotation comes round: draw what is seen),
   then every KPI at its final value, its count-up finished ("final"). The pair's baseline
   is the same page opened again at once in the same browser on the same server (a
   returning screen: scripts cached, figures memoised). Printed: each run, the medians,
   fresh/baseline, and the first callback of each fresh process on its own (the request
   the page router makes, from the browser's resource timing) next to the same callback
   in the baseline. Aim (issue 17): final values within 1000 ms, fresh.
2. Heap: the wall with a playlist of 0.1 s panels and a 0.5 s refresh, while a thread
   changes a figure in the warehouse every 2 s (``--change-every``; so refreshes carry real
   patches and the changed charts are redrawn; 0: figures never change, which tells the
   rotation's and the empty refresh's share from the redraws'). The JS
   heap (CDP ``Runtime.getHeapUsage`` after ``HeapProfiler.collectGarbage``), DOM nodes
   and event listeners (``Memory.getDOMCounters``) are read after 100 rotations, half way
   and after N. Aim (issue 17): heap within +5%, nodes and listeners flat (within +2%).
   A heap snapshot after 100 and after N splits the heap by what holds it: the code V8
   compiles (bytecode, and the machine code it makes of functions once they run hot:
   it grows as the page warms up and is bounded by the page's scripts), the page's own
   objects (JS objects, arrays, strings, closures: where a leak would show) and detached
   DOM nodes; and the compiled code's growth by kind, by script and by function (the top
   growers with their line:column and the source there: ``code_owners``, ``code_growth``).
   ``--no-snapshots`` leaves this out; ``--keep-snapshots DIR`` keeps them for DevTools.

Every figure is printed with the machine's load average at the time (2 cores shared).
The warehouse is a private copy (SQLite) of ``--database-url`` / ``DATABASE_URL`` /
``var/warehouse.db``, or a freshly built small sample warehouse when none has figures.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402
import websocket  # noqa: E402  # websocket-client, Selenium's own dependency
from sqlalchemy import create_engine, func, insert, select, update  # noqa: E402

from data.schema import etl_run, fact  # noqa: E402
from support import AppServer, build_sample_warehouse, make_driver, quit_driver  # noqa: E402

FAST_PLAYLIST = """
refresh: 0.5
health_check: 1
panels:
""" + "".join(f"  - id: {p}\n    duration: 0.1\n" for p in
              ("party", "governance", "services", "participation", "cobuild", "map", "league", "guide", "activities"))

# Installed before any page script: notes when the first screen has its figures, and when
# every KPI has its final value too (its count-up finished).
FIRST_SCREEN_PROBE = """
(function () {
  function drawn() {
    var panels = document.querySelectorAll('.wall-panel');
    if (!panels.length) { return false; }
    for (var i = 0; i < panels.length; i++) { if (!panels[i].getAttribute('data-as-of')) { return false; } }
    var graphs = document.querySelectorAll('.wall-graph');
    for (var j = 0; j < graphs.length; j++) { if (!graphs[j].childElementCount) { return false; } }
    return true;
  }
  function seen() {  // what the screen shows first: the panel on view and the KPI strip, values arrived
    var shown = Array.from(document.querySelectorAll('.wall-panel')).filter(function (p) {
      return p.getClientRects().length && getComputedStyle(p).visibility !== 'hidden';
    });
    if (!shown.length) { return false; }
    for (var i = 0; i < shown.length; i++) {
      if (!shown[i].getAttribute('data-as-of')) { return false; }
      var graphs = shown[i].querySelectorAll('.wall-graph');
      for (var j = 0; j < graphs.length; j++) { if (!graphs[j].childElementCount) { return false; } }
    }
    var kpis = document.querySelectorAll('[data-kpi]');
    for (var k = 0; k < kpis.length; k++) { if (!kpis[k].hasAttribute('data-s')) { return false; } }
    return kpis.length > 0;
  }
  function final() {
    var kpis = document.querySelectorAll('[data-kpi]');
    if (!kpis.length) { return false; }
    for (var i = 0; i < kpis.length; i++) {
      if (!kpis[i].hasAttribute('data-s') || kpis[i].classList.contains('counting')) { return false; }
    }
    return true;
  }
  function after(name) {
    requestAnimationFrame(function () { requestAnimationFrame(function () { window[name] = performance.now(); }); });
  }
  var figures = false, onView = false;
  var observer = new MutationObserver(function () {
    if (!onView && seen()) { onView = true; after('__seenAt'); }
    if (!figures && drawn()) { figures = true; after('__figuresAt'); }
    if (figures && final()) { observer.disconnect(); after('__finalAt'); }
  });
  observer.observe(document, {subtree: true, childList: true, characterData: true, attributes: true,
                              attributeFilter: ['data-as-of', 'class', 'data-s']});
})();
"""

# The first Dash callback the page made (the page router's, which brings the wall), from the
# browser's resource timing: request sent to response ended, and what the page's scripts cost.
PAGE_FACTS = """
var all = performance.getEntriesByType('resource');
var call = all.filter(function (e) { return e.name.indexOf('_dash-update-component') >= 0; })[0];
var scripts = all.filter(function (e) { return e.initiatorType === 'script' || /[.]js([?]|$)/.test(e.name); });
return {
  callback: call ? call.responseEnd - call.requestStart : null,
  scripts: scripts.length,
  transferred: scripts.reduce(function (n, e) { return n + (e.transferSize || 0); }, 0),
  decoded: scripts.reduce(function (n, e) { return n + (e.decodedBodySize || 0); }, 0)
};
"""


def private_warehouse(url: str | None, folder: Path) -> str:
    """A SQLite copy the benchmark may change; a sample warehouse if there is nothing to copy."""
    candidates = [url, os.environ.get("DATABASE_URL"), f"sqlite:///{ROOT / 'var' / 'warehouse.db'}"]
    for candidate in candidates:
        if not candidate or not candidate.startswith("sqlite:///"):
            continue
        source = Path(candidate.split("///", 1)[1])
        if not source.exists():
            continue
        with sqlite3.connect(source) as conn:
            try:
                if conn.execute("SELECT count(*) FROM fact").fetchone()[0] == 0:
                    continue
            except sqlite3.DatabaseError:
                continue
            target = folder / "warehouse.db"
            with sqlite3.connect(target) as copy:
                conn.backup(copy)
        return f"sqlite:///{target}"
    print("no warehouse with figures found; building a small sample warehouse…", flush=True)
    return build_sample_warehouse(folder / "sample")


def first_screen(driver, url: str) -> dict:
    """Open ``url`` and wait for the final values: {"figures", "final", "callback", ...} in ms."""
    driver.get(url)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        got = driver.execute_script("return [window.__figuresAt || null, window.__finalAt || null, window.__seenAt || null]")
        if got[1]:
            return {"figures": got[0], "final": got[1], "seen": got[2], **driver.execute_script(PAGE_FACTS)}
        time.sleep(0.05)
    raise RuntimeError("the first screen never reached its final values")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} on {os.cpu_count()} cores"


def median(values: list[float]) -> float:
    return statistics.median(values)


def warmed(server, timeout: float = 120) -> None:
    """Wait for the server's /healthz to answer 200 (it answers 503 "warming" until then)."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests.get(server.url + "/healthz", timeout=10).status_code == 200:
            return
        time.sleep(0.1)
    raise RuntimeError("the server never said it was warm")


def first_screens(url: str, repeat: int) -> tuple[list[dict], list[dict]]:
    """``repeat`` interleaved pairs: (fresh server and fresh browser, then the baseline)."""
    fresh, again = [], []
    for run in range(1, repeat + 1):
        server = AppServer(url).start()
        warmed(server)  # as a deployed worker: visitors come once /healthz says it is warm
        driver = make_driver(1920, 1080)  # a new profile: nothing cached
        try:
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_SCREEN_PROBE})
            fresh.append({**first_screen(driver, server.url + "/wall"), "load": load()})
            again.append({**first_screen(driver, server.url + "/wall"), "load": load()})
        finally:
            quit_driver(driver)
            server.stop()
        for label, got in (("fresh", fresh[-1]), ("again", again[-1])):
            print(f"  run {run} {label}: on view {got['seen'] or 0:6.0f} ms, all charts {got['figures']:6.0f} ms, "
                  f"final {got['final']:6.0f} ms, "
                  f"first callback {got['callback'] or 0:5.0f} ms, {got['scripts']} scripts "
                  f"{got['transferred'] / 1e6:.2f} MB over the wire ({got['decoded'] / 1e6:.2f} MB)  [{got['load']}]",
                  flush=True)
    return fresh, again


def heap(driver, readings: int = 5) -> int:
    """Live JS heap after a full GC; the least of a few readings, so a refresh that happens
    to be in flight (its response and patches not yet collectable) does not count."""
    driver.execute_cdp_cmd("HeapProfiler.enable", {})
    sizes = []
    for _ in range(readings):
        driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
        sizes.append(int(driver.execute_cdp_cmd("Runtime.getHeapUsage", {})["usedSize"]))
        time.sleep(0.3)
    return min(sizes)


def dom_counters(driver) -> tuple[int, int]:
    """(DOM nodes, JS event listeners) after a full GC."""
    driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    got = driver.execute_cdp_cmd("Memory.getDOMCounters", {})
    return int(got["nodes"]), int(got["jsEventListeners"])


class DevTools:
    """A socket of its own to the page's DevTools (Selenium's ``execute_cdp_cmd`` gets no
    events, and a heap snapshot comes as events). Kept open for a whole run: the heap object
    ids of two snapshots taken through one socket name the same objects (a socket closed
    ends its heap profiler, and the ids start again)."""

    def __init__(self, driver):
        address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        page = next(t for t in requests.get(f"http://{address}/json", timeout=10).json() if t["type"] == "page")
        self.sock = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True, timeout=600)
        self.last = 0
        self.call("HeapProfiler.enable")

    def call(self, method: str, params: dict | None = None, chunks: list[str] | None = None) -> dict:
        """Send one command and wait for its answer; snapshot chunks on the way go to ``chunks``."""
        self.last += 1
        self.sock.send(json.dumps({"id": self.last, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.sock.recv())
            if message.get("method") == "HeapProfiler.addHeapSnapshotChunk" and chunks is not None:
                chunks.append(message["params"]["chunk"])
            elif message.get("id") == self.last:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def close(self) -> None:
        self.sock.close()


def heap_snapshot(driver, tools: DevTools | None = None) -> dict:
    """A heap snapshot of the page (after a full GC), through ``tools`` (a socket of its own
    for this one snapshot if none is given)."""
    own = tools is None
    tools = tools or DevTools(driver)
    chunks: list[str] = []
    try:
        tools.call("HeapProfiler.collectGarbage")
        tools.call("HeapProfiler.takeHeapSnapshot", chunks=chunks)
    finally:
        if own:
            tools.close()
    return json.loads("".join(chunks))


def detached_holders(snapshot: dict) -> collections.Counter:
    """What keeps each detached DOM node alive: on its shortest path from the heap's root,
    the nearest node still in the document (``<div class="wall-graph wall-chart ..." ...``: a chart on
    the page), or "script" when only JS objects hold it (a closure, a cache, a list)."""
    meta = snapshot["snapshot"]["meta"]
    fields, kinds = meta["node_fields"], meta["node_types"][0]
    edge_fields, edge_kinds = meta["edge_fields"], meta["edge_types"][0]
    width, edge_width = len(fields), len(edge_fields)
    kind, name, count, detachedness = (fields.index(f) for f in ("type", "name", "edge_count", "detachedness"))
    edge_kind, target = edge_fields.index("type"), edge_fields.index("to_node")
    nodes, edges, strings = snapshot["nodes"], snapshot["edges"], snapshot["strings"]
    total = len(nodes) // width
    first = [0] * (total + 1)
    for n in range(total):
        first[n + 1] = first[n] + nodes[n * width + count] * edge_width
    parent = [-1] * total
    seen = bytearray(total)
    seen[0] = 1
    queue = collections.deque([0])
    while queue:  # breadth first from the root over strong edges: each node's shortest retaining path
        n = queue.popleft()
        for e in range(first[n], first[n + 1], edge_width):
            if edge_kinds[edges[e + edge_kind]] in ("weak", "shortcut"):
                continue
            to = edges[e + target] // width
            if not seen[to]:
                seen[to], parent[to] = 1, n
                queue.append(to)
    holders: collections.Counter = collections.Counter()
    for n in range(total):
        if nodes[n * width + detachedness] != 2 or kinds[nodes[n * width + kind]] != "native":
            continue
        up, holder = parent[n], "script"
        while up > 0:
            if nodes[up * width + detachedness] == 1:
                holder = strings[nodes[up * width + name]][:60]
                break
            up = parent[up]
        holders[holder] += 1
    return holders


def code_owners(snapshot: dict) -> tuple[collections.Counter, collections.Counter, dict[str, int]]:
    """V8's compiled code (the snapshot's "code" nodes) by the function it belongs to, in
    bytes: ``{"assets/wall.js zoned#1234": n, ...}`` (script path, function name, the heap
    object id of its SharedFunctionInfo: the same function in both snapshots of a page, where a
    minified bundle has hundreds of ``t`` and anonymous ones), by what it is
    (``{"InstructionStream": n, "BytecodeArray": n, ...}``: machine code, bytecode, feedback),
    and for each function one of its closures' heap object ids (``function_location`` asks
    the page where that function is in its script).

    A function's code hangs off its SharedFunctionInfo (bytecode, scope info, feedback
    metadata), its closures (``code``: baseline or optimised machine code) and its feedback
    vectors (which point back at it); everything reachable from those, code-typed and not yet
    claimed, is counted to that function (breadth first from all of them at once). What no
    function claims is counted under its own kind ("(unclaimed) AllocationSite")."""
    meta = snapshot["snapshot"]["meta"]
    fields, kinds = meta["node_fields"], meta["node_types"][0]
    edge_fields, edge_kinds = meta["edge_fields"], meta["edge_types"][0]
    width, edge_width = len(fields), len(edge_fields)
    kind, name, size, count, ident = (fields.index(f) for f in ("type", "name", "self_size", "edge_count", "id"))
    edge_kind, edge_name, target = (edge_fields.index(f) for f in ("type", "name_or_index", "to_node"))
    nodes, edges, strings = snapshot["nodes"], snapshot["edges"], snapshot["strings"]
    total = len(nodes) // width
    closure_of: dict[int, int] = {}  # a function's SharedFunctionInfo -> one of its closures
    code_kind = kinds.index("code")
    closure_kind = kinds.index("closure")
    first = [0] * (total + 1)
    for n in range(total):
        first[n + 1] = first[n] + nodes[n * width + count] * edge_width

    def label(n: int) -> str:
        return strings[nodes[n * width + name]]

    def out(n: int):
        for e in range(first[n], first[n + 1], edge_width):
            named = edge_kinds[edges[e + edge_kind]] not in ("element", "hidden")
            yield (edge_kinds[edges[e + edge_kind]], strings[edges[e + edge_name]] if named else "",
                   edges[e + target] // width)

    sfi = "system / SharedFunctionInfo"
    owner = [-1] * total
    queue: collections.deque = collections.deque()
    for n in range(total):
        what = nodes[n * width + kind]
        if what == code_kind and label(n).startswith(sfi):
            owner[n] = n
            queue.append(n)
    for n in range(total):
        what = nodes[n * width + kind]
        if what == code_kind and label(n) == "system / FeedbackVector":
            holder = next((to for _k, _e, to in out(n) if label(to).startswith(sfi)), -1)
        elif what == closure_kind:  # its machine code belongs to its function
            edges_of = list(out(n))
            holder = next((to for _k, e, to in edges_of if e == "shared"), -1)
            if holder >= 0:
                closure_of.setdefault(holder, nodes[n * width + ident])
            n = next((to for _k, e, to in edges_of if e == "code" and owner[to] < 0), -1)
        else:
            continue
        if n >= 0 and holder >= 0 and owner[n] < 0:
            owner[n] = holder
            queue.append(n)
    while queue:
        n = queue.popleft()
        for edge, _e, to in out(n):
            if (edge != "weak" and owner[to] < 0 and nodes[to * width + kind] == code_kind
                    and not label(to).startswith(("system / Script", sfi))):
                owner[to] = owner[n]
                queue.append(to)

    def script_of(n: int) -> str:
        for _k, e, to in out(n):
            if e == "script":
                url = label(to).removeprefix("system / Script").removeprefix(" / ")
                path = url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
                path = path.split("?", 1)[0]
                return path or "(inline)"
        return "(V8)"

    keys: dict[int, str] = {}
    closures: dict[str, int] = {}
    by_function: collections.Counter = collections.Counter()
    by_kind: collections.Counter = collections.Counter()
    for n in range(total):
        if nodes[n * width + kind] != code_kind:
            continue
        bytes_ = nodes[n * width + size]
        what = label(n).removeprefix("system / ")
        by_kind[what.split(" / ", 1)[0] if not what.startswith("(") else what] += bytes_
        o = owner[n]
        if o < 0:
            key = "(unclaimed) " + what.split(" / ", 1)[0]
        else:
            if o not in keys:
                fn = label(o).removeprefix(sfi).removeprefix(" / ") or "(anonymous)"
                keys[o] = f"{script_of(o)} {fn}#{nodes[o * width + ident]}"
                if o in closure_of:
                    closures[keys[o]] = closure_of[o]
            key = keys[o]
        by_function[key] += bytes_
    return by_function, by_kind, closures


def function_location(tools: DevTools, closure: int) -> tuple[int, int] | None:
    """(line, column), from 0, of the function whose closure has heap object id ``closure``
    (in a snapshot taken through ``tools``), asked of the page: the closure's
    [[FunctionLocation]]; None if it is gone."""
    try:
        found = tools.call("HeapProfiler.getObjectByHeapObjectId", {"objectId": str(closure)})
        got = tools.call("Runtime.getProperties", {"objectId": found["result"]["objectId"], "ownProperties": True})
    except (RuntimeError, KeyError):  # collected since the snapshot, or not a function: no location
        return None
    for prop in got.get("internalProperties", []):
        if prop.get("name") == "[[FunctionLocation]]":
            where = prop["value"]["value"]
            return int(where["lineNumber"]), int(where["columnNumber"])
    return None


def heap_parts(driver, keep: Path | None = None, tools: DevTools | None = None) -> dict:
    """The heap by what holds it, in bytes: V8's compiled ``code``, the page's ``objects``
    (everything else V8 holds), Blink's ``native`` objects; ``detached`` DOM nodes, and what
    holds them (``holders``, see detached_holders)."""
    snapshot = heap_snapshot(driver, tools)
    if keep is not None:
        keep.write_text(json.dumps(snapshot), encoding="utf-8")
    meta = snapshot["snapshot"]["meta"]
    fields, kinds = meta["node_fields"], meta["node_types"][0]
    width, kind, size = len(fields), fields.index("type"), fields.index("self_size")
    # Blink marks each DOM node of the snapshot attached (1) or detached (2) from a document.
    detachedness = fields.index("detachedness")
    nodes = snapshot["nodes"]
    parts: dict = {"code": 0, "objects": 0, "native": 0, "detached": 0}
    for i in range(0, len(nodes), width):
        what = kinds[nodes[i + kind]]
        parts["code" if what == "code" else "native" if what == "native" else "objects"] += nodes[i + size]
        if nodes[i + detachedness] == 2 and what == "native":
            parts["detached"] += 1
    parts["holders"] = detached_holders(snapshot)
    parts["functions"], parts["code_kinds"], parts["closures"] = code_owners(snapshot)
    return parts


def code_growth(before: dict, after: dict, base_url: str, tools: DevTools | None = None, top: int = 20) -> None:
    """Where the compiled code grew between two heap_parts: by kind (machine code, bytecode,
    feedback), by script, and the ``top`` functions that grew most, each with where it is in
    its script and the source there (asked of the page through ``tools``, the script fetched
    from the server: a minified bundle's names say little)."""
    def grown(a: collections.Counter, b: collections.Counter) -> list[tuple[str, int]]:
        return sorted(((k, b.get(k, 0) - a.get(k, 0)) for k in set(a) | set(b)), key=lambda kv: -kv[1])

    def script(key: str) -> str:
        return key.split(" ", 1)[0]

    def short(path: str) -> str:
        return path.removeprefix("_dash-component-suites/")

    kinds = grown(before["code_kinds"], after["code_kinds"])
    print("  compiled code by kind (growth): " + ", ".join(f"{k} {d / 1e3:+.0f} kB" for k, d in kinds[:6]))
    scripts_a: collections.Counter = collections.Counter()
    scripts_b: collections.Counter = collections.Counter()
    for counter, into in ((before["functions"], scripts_a), (after["functions"], scripts_b)):
        for key, n in counter.items():
            into[script(key)] += n
    print("  compiled code by script (after 100 -> after N, growth):")
    for path, d in grown(scripts_a, scripts_b)[:8]:
        print(f"    {d / 1e3:+8.1f} kB  {scripts_a.get(path, 0) / 1e3:7.1f} -> {scripts_b.get(path, 0) / 1e3:7.1f} kB"
              f"  {short(path)}")
    sources: dict[str, list[str]] = {}

    def around(key: str) -> str:
        path = script(key)
        closure = after.get("closures", {}).get(key)
        where = function_location(tools, closure) if tools is not None and closure is not None else None
        if where is None or path.startswith("("):
            return ""
        if path not in sources:
            try:
                sources[path] = requests.get(f"{base_url}/{path}", timeout=10).text.split("\n")
            except requests.RequestException:
                sources[path] = []
        line, column = where
        text = sources[path][line] if line < len(sources[path]) else ""
        snippet = " ".join(text[max(0, column - 30):column + 50].split())
        return f"  {line + 1}:{column + 1} «{snippet}»" if snippet else f"  {line + 1}:{column + 1}"

    print(f"  the {top} functions whose code grew most (after 100 -> after N; script function#heap id, line:column):")
    for key, d in grown(before["functions"], after["functions"])[:top]:
        print(f"    {d / 1e3:+7.1f} kB  {before['functions'].get(key, 0) / 1e3:6.1f} -> "
              f"{after['functions'].get(key, 0) / 1e3:6.1f} kB  {short(key)}{around(key)}")


def counters(driver) -> tuple[int, int]:
    got = driver.execute_script(
        "var r = document.getElementById('wall-root');"
        "return r ? [r.getAttribute('data-rotations'), r.getAttribute('data-refreshes')] : [0, 0];"
    )
    return int(got[0] or 0), int(got[1] or 0)


def wait_rotations(driver, target: int, timeout: float) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rotations, refreshes = counters(driver)
        if rotations >= target:
            return rotations, refreshes
        time.sleep(0.2)
    raise RuntimeError(f"only {counters(driver)[0]} rotations after {timeout:.0f} s")


def keep_changing(url: str, stop: threading.Event, every: float = 2.0) -> None:
    """Bump one of this month's figures and record a load, so refreshes bring new patches."""
    engine = create_engine(url)
    with engine.connect() as conn:
        target = conn.execute(
            select(fact.c.period, fact.c.area_code, fact.c.metric_code)
            .where(fact.c.dimension == "", fact.c.metric_code == "hotline_received")
            .order_by(fact.c.period.desc()).limit(1)
        ).first()
    if target is None:
        return
    step = 1
    while not stop.wait(every):
        with engine.begin() as conn:
            conn.execute(update(fact).where(fact.c.period == target.period, fact.c.area_code == target.area_code,
                                            fact.c.metric_code == target.metric_code, fact.c.dimension == "")
                         .values(value=fact.c.value + step))
            now = datetime.now()
            conn.execute(insert(etl_run).values(source="bench", location="wall benchmark", started_at=now,
                                                finished_at=now, status="success"))
        step = -step
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a SQLite warehouse to copy (default: DATABASE_URL, var/warehouse.db)")
    parser.add_argument("--rotations", type=int, default=2000, help="0: the first screen only")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved pairs of first screens (0: none)")
    parser.add_argument("--change-every", type=float, default=2.0, metavar="S",
                        help="seconds between figure changes during the heap run (0: none; default 2)")
    parser.add_argument("--no-snapshots", action="store_true",
                        help="leave out the heap snapshots (the heap split by what holds it)")
    parser.add_argument("--keep-snapshots", metavar="DIR",
                        help="also write the heap snapshots to DIR (open them in DevTools' Memory tab)")
    parser.add_argument("--timeout", type=float, default=0,
                        help="seconds to wait for the rotations (default: half a second each, plus 120)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="csb-wall-bench-"))
    url = private_warehouse(args.database_url, folder)
    engine = create_engine(url)
    with engine.connect() as conn:
        facts = conn.execute(select(func.count()).select_from(fact)).scalar()
    engine.dispose()
    print(f"warehouse: {url} ({facts:,} facts)")

    # 1. first screen, default playlist: fresh server and browser, interleaved with the baseline
    if args.repeat > 0:
        first_screen_figures(url, args.repeat)
    if args.rotations <= 0:
        return 0
    keep = Path(args.keep_snapshots) if args.keep_snapshots else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    heap_figures(url, folder, args.rotations, args.timeout, snapshots=not args.no_snapshots, keep=keep,
                 change_every=args.change_every)
    return 0


def first_screen_figures(url: str, repeat: int) -> None:
    """Part 1: the first screen, ``repeat`` interleaved pairs (see the module's docstring)."""
    print(f"first screen at 1920x1080, {repeat} interleaved pairs  [{load()}]", flush=True)
    fresh, again = first_screens(url, repeat)
    final, base = median([r["final"] for r in fresh]), median([r["final"] for r in again])
    for label, runs, last in (("fresh server and browser", fresh, final), ("baseline (same page again)", again, base)):
        print(f"median, {label}: on view {median([r['seen'] or 0 for r in runs]):6.0f} ms, "
              f"all charts {median([r['figures'] for r in runs]):6.0f} ms, final values {last:6.0f} ms")
    print(f"  ratio fresh/baseline: {final / base:.2f}x   aim: final values within 1000 ms fresh -> "
          f"{'met' if final <= 1000 else 'NOT met'}  [{load()}]")
    calls = [r["callback"] for r in fresh if r["callback"] is not None]
    later = [r["callback"] for r in again if r["callback"] is not None]
    if calls and later:
        print(f"first callback of a fresh process: median {median(calls):.0f} ms (runs: "
              f"{', '.join(f'{c:.0f}' for c in calls)}); the same callback later: median {median(later):.0f} ms; "
              f"ratio {median(calls) / median(later):.2f}x")
    print("  (a tile's first figure is written at once; the count-up runs only when a figure changes. The playlist"
          " in force at the hour of the run is what is drawn: at night, fewer panels)")


def heap_figures(url: str, folder: Path, rotations: int, timeout: float, snapshots: bool = True,
                 keep: Path | None = None, change_every: float = 2.0) -> None:
    """Part 2: heap, DOM nodes and listeners after 100 rotations, half way and after ``rotations``."""
    playlist = folder / "fast.yaml"
    playlist.write_text(FAST_PLAYLIST, encoding="utf-8")
    server = AppServer(url, env={"CSB_PLAYLIST": str(playlist)}).start()
    driver = make_driver(1920, 1080)
    stop = threading.Event()
    changer = threading.Thread(target=keep_changing, args=(url, stop, change_every), daemon=True)
    started = time.monotonic()
    tools: DevTools | None = None

    def reading(target: int, wait: float) -> tuple[int, int, int]:
        got, made = wait_rotations(driver, target, timeout=wait)
        size, (nodes, listeners) = heap(driver), dom_counters(driver)
        print(f"after {got:5d} rotations and {made:5d} refreshes: JS heap {size / 1e6:7.2f} MB, "
              f"{nodes} DOM nodes, {listeners} listeners ({time.monotonic() - started:.0f} s)  [{load()}]", flush=True)
        return size, nodes, listeners

    try:
        driver.get(server.url + "/wall")
        if change_every > 0:
            changer.start()
            print(f"a figure changes every {change_every:g} s (its charts redrawn)", flush=True)
        else:
            print("figures never change (rotations and empty refreshes only)", flush=True)
        h1, n1, l1 = reading(100, max(120.0, timeout / 10))
        if snapshots:
            tools = DevTools(driver)  # one socket for both snapshots: the same ids in both
        parts1 = heap_parts(driver, keep and keep / "after-100.heapsnapshot", tools) if snapshots else None
        if rotations >= 400:
            reading(rotations // 2, timeout or rotations * 0.25 + 120)
        h2, n2, l2 = reading(rotations, timeout or rotations * 0.5 + 120)
        parts2 = heap_parts(driver, keep and keep / f"after-{rotations}.heapsnapshot", tools) if snapshots else None
        ratio = h2 / h1
        flat = n2 <= n1 * 1.02 and l2 <= l1 * 1.02
        print(f"heap ratio against the baseline after 100: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%), "
              f"nodes {n2 / n1:.3f}, listeners {l2 / max(l1, 1):.3f}   aim: heap within +5%, nodes and "
              f"listeners within +2% -> {'met' if ratio <= 1.05 and flat else 'NOT met'}")
        if parts1 and parts2:
            def change(key: str) -> str:
                return (f"{parts1[key] / 1e6:.2f} -> {parts2[key] / 1e6:.2f} MB "
                        f"({(parts2[key] / max(parts1[key], 1) - 1) * 100:+.1f}%)")
            print(f"heap snapshots, after 100 -> after {rotations}: compiled code {change('code')}; the page's "
                  f"objects {change('objects')}; Blink's own {change('native')}; detached DOM nodes "
                  f"{parts1['detached']} -> {parts2['detached']} (held by: {dict(parts2['holders'])})")
            code_growth(parts1, parts2, server.url, tools)
        state = driver.execute_script("return document.getElementById('wall-root').getAttribute('data-state')")
        print(f"wall state at the end: {state}")
    finally:
        stop.set()
        if tools is not None:
            tools.close()
        quit_driver(driver)
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
