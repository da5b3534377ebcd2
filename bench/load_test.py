"""A bounded load test on loopback: wall screens and analysts against gunicorn and Redis.

    .venv/bin/python bench/load_test.py [--walls 300] [--analysts 50] [--seconds 150]
        [--database-url URL] [--workers 4]

Starts ``gunicorn dashboard:server`` (gunicorn.conf.py, 4 workers, ``CSB_CACHE=redis`` on
Redis database 14, flushed first) on a free loopback port against the city-scale
PostgreSQL warehouse (``csb_city``, see bench/wall_refresh.py) unless ``--database-url``
says otherwise. The requests are the real ones: headless Chromium opens the wall and a few
explorer views once, and the Dash callback POSTs to ``/_dash-update-component`` it sends
are recorded and replayed (the wall's refresh with each screen's own area).

- each of ``--walls`` screens (spread over streets and communities of three districts)
  sends the wall refresh every 30 s and ``/healthz`` every 10 s, as assets/wall.js does,
  starting at a random moment of the first 30 s;
- each of ``--analysts`` analysts, every 2 to 8 s, either replays an explorer view's
  callbacks or asks the JSON API for a value, series or breakdown of a random metric,
  area and period.

The client is aiohttp (asyncio) in this process. It stops by itself after ``--seconds``
and prints requests per second, p50/p95/p99 latency and errors, overall and per kind, and
the gunicorn workers' memory (RSS from /proc) at the start and the end. Aim: p95 <= 100 ms
and no errors. Note that client and server share this machine's cores: it also prints the
CPU the workers, PostgreSQL, Redis, the client and everything else on the machine used
during the run, and per kind the time each request spent inside gunicorn (its access log;
the client names the kind in an ``X-Load-Kind`` header) and the response size. A wall
screen sends back the wall-data of its last answer, as assets/wall.js does.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from support import free_port, make_driver, quit_driver  # noqa: E402

CITY_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/csb_city"
REDIS_URL = "redis://127.0.0.1:6379/14"
KIND_HEADER = "X-Load-Kind"  # which kind of request this is, for the server's access log only
ACCESS_FORMAT = "%({x-load-kind}i)s\t%(D)s\t%(B)s"
DISTRICTS = ("510104", "510107", "510116")
EXPLORE_VIEWS = [
    "/explore?metric=hotline_received&area=510104011000&period=last_12_months&grain=month",
    "/explore?metric=activity_participants&area=510104000000&period=this_year&grain=month&by=children",
    "/explore?metric=hotline_satisfaction_rate&area=510107000000&period=last_quarter&grain=week",
    "/explore?metric=service_transactions&area=510116000000&period=last_month&grain=day&by=channel",
]
API_METRICS = ["hotline_received", "hotline_on_time_rate", "service_transactions", "activity_participants",
               "party_members", "grid_events_reported", "volunteer_hours", "elderly_meals"]


# --- the server ---------------------------------------------------------------------------

class Server:
    def __init__(self, database_url: str, workers: int):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="csb-load-", suffix=".log", delete=False)  # noqa: SIM115 - the server's lifetime
        env = {**os.environ, "DATABASE_URL": database_url, "CSB_CACHE": "redis", "REDIS_URL": REDIS_URL,
               "CSB_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers), "CSB_BUILD_ID": "load-test"}
        # The access log gives each request's time inside gunicorn (%(D)s, from the worker
        # reading it to the response written) and its size, tagged with the client's kind.
        self.access = tempfile.NamedTemporaryFile(  # noqa: SIM115 - read after the server stops
            prefix="csb-access-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "dashboard:server",
                                      "-c", "gunicorn.conf.py", "--access-logfile", self.access.name,
                                      "--access-logformat", ACCESS_FORMAT], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.workers = workers
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(Path(self.log.name).read_text()[-3000:])
            try:
                if len(self.worker_pids()) == workers and requests.get(self.url + "/healthz", timeout=5).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not start: " + Path(self.log.name).read_text()[-3000:])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        try:
            return sorted(int(p) for p in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split())
        except OSError:
            return []

    def memory(self) -> dict[int, float]:
        """Resident memory of each worker, MiB, from /proc."""
        out = {}
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[pid] = int(line.split()[1]) / 1024
        return out

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- where the cores went -----------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def pids_named(*names: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith(names):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / TICKS, sum(fields) / TICKS


class CpuUse:
    """CPU seconds used during the run by the workers, PostgreSQL, Redis, this client and the rest."""

    def __init__(self, server: Server):
        self.server = server
        self.groups = {"gunicorn workers": server.worker_pids, "postgres": lambda: pids_named("postgres"),
                       "redis": lambda: pids_named("redis-server"), "load client": lambda: [os.getpid()]}
        self.before = self.sample()

    def sample(self) -> dict:
        out: dict[str, object] = {name: {pid: cpu_of(pid) for pid in pids()} for name, pids in self.groups.items()}
        out["machine"] = machine_busy()
        return out

    def report(self, elapsed: float) -> None:
        after = self.sample()
        print(f"\nCPU used during the load ({os.cpu_count()} cores, {elapsed:.0f} s; cores busy on average):")
        accounted = 0.0
        for name in self.groups:
            used = sum(after[name][pid] - self.before[name].get(pid, 0.0) for pid in after[name])
            accounted += used
            print(f"  {name:<18} {used:7.1f} s  {used / elapsed:5.2f} cores")
        busy = after["machine"][0] - self.before["machine"][0]
        print(f"  {'everything else':<18} {busy - accounted:7.1f} s  {(busy - accounted) / elapsed:5.2f} cores"
              "  (other jobs on this machine, exited connections)")
        print(f"  {'machine':<18} {busy:7.1f} s  {busy / elapsed:5.2f} cores of {os.cpu_count()}")


def server_times(path: str, since_bytes: int = 0) -> None:
    """Per kind: the time gunicorn spent on each request (its access log) and the response size."""
    times: dict[str, list[float]] = {}
    sizes: dict[str, list[int]] = {}
    with open(path, encoding="utf-8", errors="replace") as log:
        log.seek(since_bytes)
        for line in log:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0] == "-":
                continue
            kind = parts[0].replace("-", " ")
            times.setdefault(kind, []).append(int(parts[1]) / 1e6)
            sizes.setdefault(kind, []).append(int(parts[2]) if parts[2].isdigit() else 0)
    print(f"\n{'inside gunicorn':<20} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean KiB':>9}")
    for kind in sorted(times):
        print(f"{kind:<20} {len(times[kind]):>7} {percentile(times[kind], 50):>8.1f} {percentile(times[kind], 95):>8.1f}"
              f" {percentile(times[kind], 99):>8.1f} {sum(sizes[kind]) / len(sizes[kind]) / 1024:>9.1f}")


# --- the requests, captured from the real pages ------------------------------------------------

def warm_workers(url: str, requests_count: int = 80) -> None:
    """Give every worker its first request before a browser sends many at once.

    Dash sets a worker up on its first request; with threaded workers, requests that
    arrive while that runs find no registered component libraries and fail (500 on the
    page's JavaScript). Health checks do not mind, so they go first.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: requests.get(url + "/healthz", headers={"Connection": "close"}, timeout=30),
                      range(requests_count)))


def capture(url: str, path: str, wait_for: str | None, seconds: float = 25) -> list[tuple[str, dict]]:
    """(path and query, body) of the Dash callback POSTs Chromium sends while ``path`` loads."""
    driver = make_driver(1920, 1080, performance_log=True)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.get(url + path)
        bodies: list[tuple[str, dict]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for entry in driver.get_log("performance"):
                message = json.loads(entry["message"])["message"]
                if message.get("method") != "Network.requestWillBeSent":
                    continue
                request = message["params"]["request"]
                if "/_dash-update-component" not in request["url"] or request["method"] != "POST":
                    continue
                body = request.get("postData")
                if body is None:
                    body = driver.execute_cdp_cmd("Network.getRequestPostData",
                                                  {"requestId": message["params"]["requestId"]})["postData"]
                bodies.append((request["url"][len(url):], json.loads(body)))
            if wait_for and any(wait_for in b.get("output", "") for _, b in bodies):
                time.sleep(1)
                wait_for = None
                deadline = min(deadline, time.monotonic() + 2)
            time.sleep(0.5)
        return bodies
    finally:
        quit_driver(driver)


def with_area(request: tuple[str, dict], area: str) -> tuple[str, dict]:
    """The wall refresh as a screen configured for ``area`` sends it."""
    path, body = request
    out = copy.deepcopy(body)
    for state in out.get("state", []):
        if isinstance(state, dict) and state.get("id") == "wall-config" and isinstance(state.get("value"), dict):
            state["value"]["area"] = area
        if isinstance(state, dict) and state.get("id") == "wall-data" and isinstance(state.get("value"), dict):
            state["value"]["key"] = None  # a screen's first refresh: it has no figures of this area yet
    return path, out


# --- the load -----------------------------------------------------------------------------

class Results:
    def __init__(self):
        self.started = time.monotonic()
        self.samples: dict[str, list[tuple[float, float]]] = {}  # kind -> (seconds since start, latency)
        self.errors: dict[str, list[tuple[float, str]]] = {}

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        at = time.monotonic() - self.started
        self.samples.setdefault(kind, []).append((at, seconds))
        if error:
            self.errors.setdefault(kind, []).append((at, error))


async def timed(session, results: Results, kind: str, method: str, url: str, *, body: bytes | None = None,
                **kwargs) -> bytes | None:
    """Send one request, record its latency; the response body when it succeeded."""
    started = time.perf_counter()
    error = None
    content = None
    headers = {KIND_HEADER: kind.replace(" ", "-")}
    if body is not None:  # JSON encoded once by the caller, not on every send
        headers["Content-Type"] = "application/json"
    try:
        async with session.request(method, url, data=body, headers=headers, **kwargs) as response:
            content = await response.read()
            if response.status not in (200, 204):  # 204: a Dash callback that had nothing to update
                error = f"HTTP {response.status}"
    except Exception as err:  # noqa: BLE001 - every failure is counted, whatever it is
        error = type(err).__name__
    results.add(kind, time.perf_counter() - started, error)
    return None if error else content


def _shown(body: dict, answer: bytes | None) -> None:
    """What the screen keeps after an answer: its wall-data store, sent back with the next refresh.

    assets/wall.js sends the figures' key it last received, so the server patches only
    what changed since; a replay that always sent the capture's first state would not.
    """
    if not answer:
        return
    try:
        data = json.loads(answer)["response"]["wall-data"]["data"]
    except (ValueError, KeyError, TypeError):
        return
    for state in body.get("state", []):
        if isinstance(state, dict) and state.get("id") == "wall-data":
            state["value"] = data


async def wall_screen(session, base, refresh, results, stop_at, rng):
    path, body = refresh
    await asyncio.sleep(rng.uniform(0, 30))
    next_refresh = time.monotonic()
    while time.monotonic() < stop_at:
        if time.monotonic() >= next_refresh:
            answer = await timed(session, results, "wall refresh", "POST", base + path,
                                 body=json.dumps(body).encode())
            _shown(body, answer)
            next_refresh += 30
        await timed(session, results, "healthz", "GET", base + "/healthz")
        await asyncio.sleep(max(0.0, min(10, next_refresh - time.monotonic())))


async def analyst(session, base, explore_bodies, areas, results, stop_at, rng):
    await asyncio.sleep(rng.uniform(0, 8))
    while time.monotonic() < stop_at:
        if rng.random() < 0.4 and explore_bodies:
            for path, body in rng.choice(explore_bodies):
                await timed(session, results, "explorer callback", "POST", base + path, body=body)
        else:
            end = date.today() - timedelta(days=rng.randint(0, 400))
            start = end - timedelta(days=rng.choice([6, 29, 89, 364]))
            kind = rng.choice(["value", "series", "breakdown"])
            params = {"metric": rng.choice(API_METRICS), "area": rng.choice(areas),
                      "start": start.isoformat(), "end": end.isoformat()}
            if kind == "series":
                params["grain"] = rng.choice(["month", "week"])
            await timed(session, results, "api " + kind, "GET", f"{base}/api/v1/{kind}", params=params)
        await asyncio.sleep(rng.uniform(2, 8))


async def run_load(base, refresh, explore_bodies, wall_areas, analyst_areas, walls, analysts, seconds):
    import aiohttp  # the bench extra (pip install -e '.[bench]'): imported here so --help works without it

    results = Results()
    rng = random.Random(7)
    stop_at = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [wall_screen(session, base, with_area(refresh, wall_areas[i % len(wall_areas)]), results, stop_at,
                             random.Random(i)) for i in range(walls)]
        encoded = [[(path, json.dumps(body).encode()) for path, body in view] for view in explore_bodies]
        tasks += [analyst(session, base, encoded, analyst_areas, results, stop_at, random.Random(1000 + i))
                  for i in range(analysts)]
        started = time.monotonic()
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
    return results, elapsed, rng


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def report(results: Results, elapsed: float, since: float = 0.0) -> tuple[float, int]:
    """The table for requests sent ``since`` seconds into the run and later; (p95, errors)."""
    samples = {k: [v for at, v in vs if at >= since] for k, vs in results.samples.items()}
    errors = {k: [e for at, e in es if at >= since] for k, es in results.errors.items()}
    span = elapsed - since
    everything = [v for vs in samples.values() for v in vs]
    total_errors = sum(len(e) for e in errors.values())
    if not everything:
        print(" no requests")
        return 0.0, total_errors
    print(f"\n{'requests':<20} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind, values in sorted(samples.items()) + [("ALL", everything)]:
        if not values:
            continue
        errs = total_errors if kind == "ALL" else len(errors.get(kind, []))
        print(f"{kind:<20} {len(values):>7} {len(values) / span:>7.1f} {percentile(values, 50):>8.1f} "
              f"{percentile(values, 95):>8.1f} {percentile(values, 99):>8.1f} {errs:>7}")
    for kind, messages in errors.items():
        if messages:
            print(f"  errors in {kind}: {sorted(set(messages))[:5]}")
    return percentile(everything, 95), total_errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walls", type=int, default=300)
    parser.add_argument("--analysts", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", default=CITY_URL)
    parser.add_argument("--save-requests", metavar="FILE", help="write the captured requests to FILE (JSON)")
    args = parser.parse_args(argv)

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    engine = create_engine(args.database_url)
    with engine.connect() as conn:
        streets = [r[0] for r in conn.execute(text(
            "SELECT code FROM area WHERE level = 'street' AND substr(code, 1, 6) IN :d ORDER BY code")
            .bindparams(__import__("sqlalchemy").bindparam("d", expanding=True)), {"d": list(DISTRICTS)})]
        communities = [r[0] for r in conn.execute(text(
            "SELECT code FROM area WHERE level = 'community' AND substr(code, 1, 6) IN :d ORDER BY code")
            .bindparams(__import__("sqlalchemy").bindparam("d", expanding=True)), {"d": list(DISTRICTS)})]
    engine.dispose()
    rng = random.Random(3)
    wall_areas = streets + rng.sample(communities, min(len(communities), max(0, args.walls // 2 - len(streets))))
    analyst_areas = [d + "000000" for d in DISTRICTS] + streets + communities

    server = Server(args.database_url, args.workers)
    try:
        print(f"gunicorn: {args.workers} workers on {server.url}, Redis {REDIS_URL}, {args.database_url}")
        print("capturing the pages' Dash callbacks in Chromium ...", flush=True)
        warm_workers(server.url)
        wall_bodies = capture(server.url, f"/wall?area={wall_areas[0]}", wait_for="wall-data")
        refresh = next((p, b) for p, b in wall_bodies if "wall-data" in b.get("output", ""))
        explore_bodies = [capture(server.url, view, None, seconds=8) for view in EXPLORE_VIEWS]
        explore_bodies = [bodies for bodies in explore_bodies if bodies]
        if args.save_requests:
            Path(args.save_requests).write_text(json.dumps({"wall": refresh, "explore": explore_bodies}))
        print(f"  wall refresh: 1 POST ({len(json.dumps(refresh[1]))} bytes); explorer views: "
              f"{[len(b) for b in explore_bodies]} POSTs each", flush=True)
        redis.Redis.from_url(REDIS_URL).flushdb()  # the load starts with an empty cache
        before = server.memory()
        access_from = Path(server.access.name).stat().st_size
        cpu = CpuUse(server)
        print(f"load: {args.walls} wall screens over {len(wall_areas)} areas (refresh 30 s, health 10 s), "
              f"{args.analysts} analysts, {args.seconds:.0f} s", flush=True)
        results, elapsed, _ = asyncio.run(run_load(server.url, refresh, explore_bodies, wall_areas, analyst_areas,
                                                   args.walls, args.analysts, args.seconds))
        after = server.memory()
        cpu.report(elapsed)
        print(f"\nthe whole run ({elapsed:.0f} s, the caches empty at the start):", end="")
        p95, errors = report(results, elapsed)
        print(f"\naim p95 <= 100 ms and no errors: p95 {p95:.1f} ms, {errors} errors -> "
              f"{'met' if p95 <= 100 and not errors else 'MISSED'}")
        print("\nafter the first 35 s (every screen has refreshed once):", end="")
        report(results, elapsed, since=35)
        print("\nworker memory (RSS, MiB):  " + "  ".join(
            f"pid {pid}: {before.get(pid, float('nan')):.0f} -> {after.get(pid, float('nan')):.0f}"
            for pid in sorted(set(before) | set(after))))
        print(f"total: {sum(before.values()):.0f} MiB at the start, {sum(after.values()):.0f} MiB at the end")
        server_times(server.access.name, access_from)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
