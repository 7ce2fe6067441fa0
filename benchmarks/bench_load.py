"""Load: many connections against pages and API calls, then the same with hostile requests.

Serves ``hsct serve --workers 2 --no-access-log`` on a free loopback port with a fresh
SQLite database in a temporary folder, waits for ``/readyz``, and then:

1. Mixed run: wrk, 200 connections for 60 s (``--seconds``), rotating over the pages and
   API calls below. Targets: zero errors, zero time-outs (``--timeout``, 10 s), memory
   flat (the server's RSS, parent and workers from /proc, sampled every second: at the
   end of the run within 10 % of the RSS a quarter into it, once every connection and
   worker thread is in use; the idle start, after every route was served, is shown too),
   and no worker replaced by uvicorn's 5 s health check. A prober measures
   ``GET /healthz`` (a new connection every 50 ms) during the run as the reference for 2.
   Then one short wrk run per route in sequence (``--route-seconds``), same connections,
   for each route's p50/p99.
2. Hostile run: the same mix with hostile requests in the rotation (three rounds of the
   normal requests, then a 5 MB JSON body, JSON nested 100,000 deep, a wizard form naming
   relapse row 100,000, journeys dated 0001-01-01 and 9999-12-31: 5 in 44), one more
   client sending each hostile request in turn and recording its answer, and the
   ``/healthz`` prober. Targets: ``/healthz`` p99 under 100 ms, no 5xx answers, and the
   server still ready afterwards with the same worker processes.

Every client has a time-out and every run a deadline: the benchmark reports a broken
server, it does not hang on one. Traffic goes to 127.0.0.1 only.

Run: .venv/bin/python benchmarks/bench_load.py [--seconds 60] [--route-seconds 10]
(needs wrk: `make bench` installs it)
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "tests" / "eligibility" / "profiles" / "alemtuzumab-two-months.json"
HOST = "127.0.0.1"
CONNECTIONS = 200
WORKERS = 2
TARGET_HEALTHZ_P99_MS = 100.0
TARGET_MEMORY_GROWTH = 1.10
READY_WITHIN_S = 120.0
PROBE_EVERY_S = 0.05
MAX_OUTSTANDING = 50
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Spec:
    """One request: a label for the report, and what to send."""

    label: str
    method: str
    path: str
    content_type: str | None = None
    body: bytes | None = None


def _json(label: str, path: str, value: object) -> Spec:
    return Spec(label, "POST", path, "application/json", json.dumps(value).encode())


def _form(label: str, path: str, fields: dict[str, str]) -> Spec:
    body = urllib.parse.urlencode(fields).encode()
    return Spec(label, "POST", path, "application/x-www-form-urlencoded", body)


def normal_specs() -> list[Spec]:
    """Pages and API calls a visitor makes (each answers 200 on a healthy server)."""
    profile = json.loads(PROFILE.read_text(encoding="utf-8"))["profile"]
    pages = [
        "/",
        "/facilities",
        "/facilities/moscow-pirogov",
        "/evidence",
        "/legitimacy",
        "/edss",
        "/candidate",
        "/journey",
    ]
    history = {
        "transplant_date": "2020-02-01",
        "visits": [
            {"date": "2020-01-10", "edss": 3.0},
            {"date": "2020-08-01", "edss": 4.0},
            {"date": "2021-02-01", "edss": 4.0},
            {"date": "2021-08-01", "edss": 4.0},
        ],
        "relapses": [{"date": "2019-06-01"}],
    }
    grades = {
        "visual": 2,
        "brainstem": 1,
        "pyramidal": 3,
        "cerebellar": 2,
        "sensory": 1,
        "bowel_bladder": 1,
        "cerebral": 0,
        "ambulation_score": 1,
    }
    return [
        *(Spec(f"GET {p}", "GET", p) for p in pages),
        _json("POST /api/v1/assessments", "/api/v1/assessments", profile),
        _json("POST /api/v1/edss", "/api/v1/edss", grades),
        _json("POST /api/v1/outcomes/progression", "/api/v1/outcomes/progression", history),
        _form(
            "POST /journey",
            "/journey",
            {"facility": "moscow-pirogov", "admission_date": "2027-03-01"},
        ),
    ]


def hostile_specs() -> list[Spec]:
    """Requests meant to hurt: too big, too deep, too many rows, dates at the edges."""
    profile = json.loads(PROFILE.read_text(encoding="utf-8"))["profile"]
    big = json.dumps({**profile, "padding": "x" * (5 * MB)}).encode()
    deep = b"[" * 100_000 + b"]" * 100_000
    return [
        Spec(
            "hostile: 5 MB JSON -> /api/v1/assessments",
            "POST",
            "/api/v1/assessments",
            "application/json",
            big,
        ),
        Spec(
            "hostile: JSON nested 100,000 deep -> /api/v1/assessments",
            "POST",
            "/api/v1/assessments",
            "application/json",
            deep,
        ),
        _form(
            "hostile: wizard relapse_date_100000 -> /candidate/wizard",
            "/candidate/wizard",
            {"step": "relapses", "relapse_date_100000": "2020-01-01", "go": "more"},
        ),
        _form(
            "hostile: journey 0001-01-01 / 9999-12-31 -> /journey",
            "/journey",
            {
                "facility": "moscow-pirogov",
                "admission_date": "0001-01-01",
                "transplant_date": "9999-12-31",
            },
        ),
        _json(
            "hostile: journey 0001-01-01 / 9999-12-31 -> /api/v1/journeys",
            "/api/v1/journeys",
            {
                "facility": "moscow-pirogov",
                "admission_date": "0001-01-01",
                "transplant_date": "9999-12-31",
            },
        ),
    ]


# ---------------------------------------------------------------- server and its memory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
    found, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time of ``pids`` so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def settle(root: int, limit_s: float = 60.0) -> float:
    """Wait until the server is idle (under 10 % of a CPU); returns the seconds waited.

    When wrk stops, the requests it leaves in flight are still being answered; the next
    run must not start behind them.
    """
    started = time.monotonic()
    used = cpu_seconds(process_tree(root))
    while time.monotonic() - started < limit_s:
        time.sleep(0.5)
        now = cpu_seconds(process_tree(root))
        if now - used < 0.05:  # 10 % of one CPU over half a second
            break
        used = now
    return time.monotonic() - started


def rss_bytes(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if found:
            total += int(found.group(1)) * 1024
    return total


@dataclass(slots=True)
class MemorySampler:
    """The server's total RSS once a second, each sample tagged with the current phase."""

    root: int
    phase: str = "start-up"
    samples: list[tuple[str, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rss", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def sample(self) -> int:
        value = rss_bytes(process_tree(self.root))
        self.samples.append((self.phase, value))
        return value

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()

    def of(self, phase: str) -> list[int]:
        return [value for name, value in self.samples if name == phase]


@contextmanager
def serve(folder: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``hsct serve`` on ``port`` with a fresh SQLite database; stopped on the way out."""
    hsct = str(Path(sys.executable).with_name("hsct"))
    env = {
        **os.environ,
        "HSCT_DATABASE_URL": f"sqlite:///{folder / 'hsct.sqlite3'}",
        "HSCT_HOST": HOST,
        "HSCT_PORT": str(port),
    }
    subprocess.run(  # noqa: S603 - our own command line
        [hsct, "db", "upgrade"], env=env, cwd=folder, check=True, capture_output=True, timeout=120
    )
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [hsct, "serve", "--port", str(port), "--workers", str(WORKERS), "--no-access-log"],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in reversed(process_tree(server.pid)):
                os.kill(pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def readyz(base: str, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=timeout) as reply:  # noqa: S310
            return int(reply.status), reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, type(exc).__name__


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> float:
    """Seconds until ``/readyz`` answers 200 (database reachable, outcomes kernel loaded)."""
    started = time.monotonic()
    status, body = 0, ""
    while time.monotonic() - started < READY_WITHIN_S:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode} during start-up")
        status, body = readyz(base)
        if status == 200:
            return time.monotonic() - started
        time.sleep(0.1)
    raise SystemExit(f"server not ready after {READY_WITHIN_S:.0f} s: {status} {body}")


# ---------------------------------------------------------------- one-request clients


@dataclass(frozen=True, slots=True)
class Outcome:
    label: str
    result: str  # the HTTP status as text, or the client-side error
    ms: float


def send(port: int, spec: Spec, timeout: float) -> Outcome:
    """One request on a new connection; errors are recorded, never raised."""
    headers = {"Content-Type": spec.content_type} if spec.content_type else {}
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        # Refused while still sending (a body over the limit): the answer may be waiting.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request(spec.method, spec.path, body=spec.body, headers=headers)
        reply = connection.getresponse()
        reply.read()
        result = str(reply.status)
    except TimeoutError:
        result = "timeout"
    except (OSError, http.client.HTTPException) as exc:
        result = type(exc).__name__
    finally:
        connection.close()
    return Outcome(spec.label, result, (time.perf_counter() - started) * 1000)


@dataclass(slots=True)
class Prober:
    """Sends ``specs`` in turn every ``every`` seconds until stopped.

    ``fixed_rate``: a new request every ``every`` seconds whatever the earlier ones are
    doing (at most ``MAX_OUTSTANDING`` at once), so a slow answer cannot hide the ones
    that would have followed it; otherwise one request at a time.
    """

    port: int
    specs: Sequence[Spec]
    every: float
    timeout: float
    fixed_rate: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _runner: threading.Thread | None = None
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Prober:
        self._runner = threading.Thread(target=self._run, name="prober", daemon=True)
        self._runner.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        deadline = time.monotonic() + self.timeout + 5
        for thread in [self._runner, *self._threads] if self._runner else []:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _start(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name="prober", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _one(self, spec: Spec) -> None:
        self.outcomes.append(send(self.port, spec, self.timeout))  # list.append is atomic

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            started = time.monotonic()
            spec = self.specs[i % len(self.specs)]
            i += 1
            if not self.fixed_rate:
                self._one(spec)
            elif sum(t.is_alive() for t in self._threads) >= MAX_OUTSTANDING:
                self.skipped += 1
            else:
                self._threads = [t for t in self._threads if t.is_alive()]
                self._start(functools.partial(self._one, spec))
            self._stop.wait(max(0.0, self.every - (time.monotonic() - started)))


# ---------------------------------------------------------------- wrk


LUA = """
local specs = %(specs)s
local requests = {}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7)
  table.insert(threads, thread)
end

function init(args)
  for n, s in ipairs(specs) do
    local headers, body = {}, nil
    if s[4] ~= "" then
      local f = assert(io.open(s[4], "rb"))
      body = f:read("*a")
      f:close()
      headers["Content-Type"] = s[3]
    end
    requests[n] = wrk.format(s[1], s[2], headers, body)
  end
  statuses = {}
  i = offset or 0
end

function request()
  i = i %% #requests + 1
  return requests[i]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("STATUS %%d %%d\\n", code, n)) end
  local e = summary.errors
  io.write(string.format("ERRORS %%d %%d %%d %%d\\n", e.connect, e.read, e.write, e.timeout))
  io.write(string.format("SUMMARY %%d %%d\\n", summary.requests, summary.duration))
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("LATENCY %%d %%d\\n", p, latency:percentile(p)))
  end
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    label: str
    requests: int
    seconds: float
    statuses: dict[int, int]
    errors: dict[str, int]  # connect, read, write, timeout
    p50_ms: float
    p90_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(n for code, n in self.statuses.items() if not 200 <= code < 300)

    @property
    def socket_errors(self) -> int:
        return self.errors["connect"] + self.errors["read"] + self.errors["write"]


def lua_script(folder: Path, name: str, specs: Sequence[Spec]) -> Path:
    """A wrk script rotating over ``specs``; bodies are read from files by each thread."""
    rows = []
    for n, spec in enumerate(specs):
        body_path = ""
        if spec.body is not None:
            path = folder / f"{name}-{n}.body"
            path.write_bytes(spec.body)
            body_path = str(path)
        fields = [spec.method, spec.path, spec.content_type or "", body_path]
        rows.append("{" + ", ".join(json.dumps(f) for f in fields) + "}")
    script = folder / f"{name}.lua"
    script.write_text(LUA % {"specs": "{\n  " + ",\n  ".join(rows) + "\n}"})
    return script


def wrk_command(port: int, script: Path, seconds: int, connections: int, timeout: int) -> list[str]:
    threads = min(WORKERS, connections)
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout}s",
        "-s",
        str(script),
        f"http://{HOST}:{port}",
    ]


def parse_wrk(label: str, output: str) -> WrkResult:
    statuses = {int(c): int(n) for c, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M)}
    found = re.search(r"^ERRORS (\d+) (\d+) (\d+) (\d+)$", output, re.M)
    summary = re.search(r"^SUMMARY (\d+) (\d+)$", output, re.M)
    latency = {
        int(p): int(us) / 1000 for p, us in re.findall(r"^LATENCY (\d+) (\d+)$", output, re.M)
    }
    if found is None or summary is None or len(latency) != 3:
        raise SystemExit(f"could not read wrk's output for {label}:\n{output}")
    errors = dict(
        zip(("connect", "read", "write", "timeout"), map(int, found.groups()), strict=True)
    )
    return WrkResult(
        label,
        int(summary.group(1)),
        int(summary.group(2)) / 1e6,
        statuses,
        errors,
        latency[50],
        latency[90],
        latency[99],
    )


def run_wrk(label: str, command: list[str], seconds: int) -> WrkResult:
    output = subprocess.run(  # noqa: S603 - wrk with our own arguments
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    return parse_wrk(label, output)


# ---------------------------------------------------------------- report


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def probe_summary(outcomes: Sequence[Outcome]) -> tuple[float, float, Counter[str]]:
    """p50 and p99 milliseconds over every probe (failed ones count at their time-out)."""
    times = [o.ms for o in outcomes]
    return (
        statistics.median(times) if times else float("nan"),
        percentile(times, 0.99),
        Counter(o.result for o in outcomes),
    )


def mib(value: int) -> str:
    return f"{value / MB:.0f} MiB"


def print_table(results: Sequence[WrkResult]) -> None:
    print(
        f"{'route':<58} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'non-2xx':>7} {'sock err':>8} {'timeout':>7}"
    )
    for r in results:
        p50, p99 = (f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}") if r.requests else ("-", "-")
        print(
            f"{r.label:<58} {r.requests:>8} {r.rps:>7.0f} {p50:>8} {p99:>8} "
            f"{r.non_2xx:>7} {r.socket_errors:>8} {r.errors['timeout']:>7}"
        )


def memory_line(sampler: MemorySampler, phase: str) -> tuple[str, float]:
    """Start (idle, before the load), peak and end RSS; the growth is the end over the RSS a
    quarter into the run, once the connections and worker threads are all in use (a leak
    keeps growing after that; buffers for 200 connections do not)."""
    values = sampler.of(phase)
    if len(values) < 4:  # a quarter of the run needs a few samples
        return f"{phase}: too few samples ({len(values)})", float("nan")
    loaded = values[len(values) // 4]
    growth = values[-1] / loaded
    text = (
        f"{phase}: start {mib(values[0])}, a quarter in {mib(loaded)}, peak "
        f"{mib(max(values))}, end {mib(values[-1])} (end / quarter in {growth:.3f}, "
        f"end / start {values[-1] / values[0]:.3f}, {len(values)} samples)"
    )
    return text, growth


def server_errors(log: Path) -> tuple[list[str], list[str]]:
    """Error lines the server wrote, and uvicorn's notes of workers it replaced."""
    text = log.read_text(errors="replace") if log.exists() else ""
    lines = text.splitlines()
    errors = [line for line in lines if "ERROR" in line or "Traceback" in line]
    return errors, [line for line in lines if "died" in line]


# ---------------------------------------------------------------- main


def warm(port: int, specs: Sequence[Spec], timeout: float) -> list[Outcome]:
    """Every route a few times, so templates and caches are built before memory is taken."""
    return [send(port, spec, timeout) for _ in range(3) for spec in specs]


def main(argv: Sequence[str] | None = None) -> None:  # noqa: PLR0915 - a script
    parser = argparse.ArgumentParser(
        description="Load the web app on loopback; see the module text."
    )
    parser.add_argument("--seconds", type=int, default=60, help="each of the two runs")
    parser.add_argument("--route-seconds", type=int, default=10, help="each per-route run")
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--timeout", type=int, default=10, help="client time-out in seconds")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run `make bench` (it installs wrk with apt)")

    normal, hostile = normal_specs(), hostile_specs()
    healthz = [Spec("GET /healthz", "GET", "/healthz")]
    port = free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="hsct-load-") as name, serve(Path(name), port) as srv:
        folder = Path(name)
        sampler = MemorySampler(srv.pid)
        sampler.start()
        try:
            ready_s = wait_ready(base, srv)
            start_deaths = len(server_errors(folder / "server.log")[1])
            workers_before = sorted(process_tree(srv.pid))
            print(
                f"server: {WORKERS} workers, ready (database + outcomes kernel) "
                f"{ready_s:.1f} s after start; workers replaced during start-up: {start_deaths}"
            )
            bad = [o for o in warm(port, normal, args.timeout) if not o.result.startswith("2")]
            for o in bad:
                print(f"  warm-up: {o.label} answered {o.result}")
            settle(srv.pid)

            # 1. Mixed run, the /healthz reference probe alongside.
            mix = lua_script(folder, "mix", normal)
            sampler.phase = "mixed run"
            sampler.sample()
            command = wrk_command(port, mix, args.seconds, args.connections, args.timeout)
            with Prober(port, healthz, PROBE_EVERY_S, args.timeout, fixed_rate=True) as ref_probe:
                mixed = run_wrk("mixed (all routes above, rotating)", command, args.seconds)
            sampler.sample()
            settle(srv.pid)
            sampler.phase = "per-route runs"
            per_route = []
            for n, spec in enumerate([*healthz, *normal]):
                script = lua_script(folder, f"route-{n}", [spec])
                command = wrk_command(
                    port, script, args.route_seconds, args.connections, args.timeout
                )
                per_route.append(run_wrk(spec.label, command, args.route_seconds))
                settle(srv.pid)

            # 2. Hostile run: hostile requests in the rotation, a client sending each in
            # turn, and the /healthz probe.
            sampler.phase = "hostile run"
            sampler.sample()
            rotation = [*normal, *normal, *normal, *hostile]
            script = lua_script(folder, "hostile", rotation)
            command = wrk_command(port, script, args.seconds, args.connections, args.timeout)
            with (
                Prober(port, healthz, PROBE_EVERY_S, args.timeout, fixed_rate=True) as probe,
                Prober(port, hostile, 0.2, args.timeout) as attacker,
            ):
                rough = run_wrk("mixed + hostile (rotation)", command, args.seconds)
            sampler.sample()
            settle(srv.pid)
            sampler.phase = "after"
            after_status, after_body = readyz(base, timeout=args.timeout)
            workers_after = sorted(process_tree(srv.pid))
            alive = srv.poll() is None
        finally:
            sampler.stop()
        log_errors, deaths = server_errors(folder / "server.log")

    # ------------------------------------------------------------ report
    print(
        f"\nload: {args.connections} connections, {args.seconds} s per run, per-route runs "
        f"{args.route_seconds} s each, client time-out {args.timeout} s, 2 wrk threads, "
        f"{os.cpu_count()} CPUs shared by server and clients\n"
    )
    print("1. mixed run, then each route alone")
    print_table([mixed, *per_route])
    ref_p50, ref_p99, ref_results = probe_summary(ref_probe.outcomes)
    print(
        f"GET /healthz probe during the mixed run (new connection every "
        f"{PROBE_EVERY_S * 1000:.0f} ms): p50 {ref_p50:.1f} ms, p99 {ref_p99:.1f} ms, "
        f"{len(ref_probe.outcomes)} probes, results {dict(ref_results)}, "
        f"not sent ({MAX_OUTSTANDING} outstanding) {ref_probe.skipped}"
    )
    memory_text, growth = memory_line(sampler, "mixed run")
    print(f"memory (server parent + {WORKERS} workers, RSS): {memory_text}")

    print("\n2. mixed run with hostile requests")
    print_table([rough])
    print(f"  status codes in the rotation: {dict(sorted(rough.statuses.items()))}")
    per_kind: dict[str, Counter[str]] = {}
    kind_ms: dict[str, list[float]] = {}
    for o in attacker.outcomes:
        per_kind.setdefault(o.label, Counter())[o.result] += 1
        kind_ms.setdefault(o.label, []).append(o.ms)
    for label, results in per_kind.items():
        print(f"  {label}: {dict(results)}, median {statistics.median(kind_ms[label]):.0f} ms")
    p50, p99, results = probe_summary(probe.outcomes)
    print(
        f"GET /healthz probe during the hostile run: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"{len(probe.outcomes)} probes, results {dict(results)}, "
        f"not sent ({MAX_OUTSTANDING} outstanding) {probe.skipped}"
    )
    hostile_memory, _ = memory_line(sampler, "hostile run")
    print(f"memory: {hostile_memory}")
    print(f"after: /readyz {after_status} {after_body}")
    same_workers = workers_before == workers_after
    print(
        f"server processes before {workers_before}, after {workers_after}"
        + ("" if same_workers else " (a worker died and was replaced)")
    )
    load_deaths = len(deaths) - start_deaths
    print(f"workers replaced by uvicorn during the runs: {load_deaths}")
    for line in deaths[start_deaths:][:5]:
        print(f"  {line}")
    if log_errors:
        print(f"server log: {len(log_errors)} error lines, first ones:")
        for line in log_errors[:10]:
            print(f"  {line}")
    else:
        print("server log: no errors")

    # ------------------------------------------------------------ targets
    normal_runs = [mixed, *per_route]
    errors = sum(r.non_2xx + r.socket_errors for r in normal_runs)
    timeouts = sum(r.errors["timeout"] for r in normal_runs) + sum(
        1 for o in ref_probe.outcomes if o.result == "timeout"
    )
    probe_failed = sum(n for result, n in results.items() if result != "200")
    server_5xx = sum(n for code, n in rough.statuses.items() if code >= 500)
    checks = {
        "run 1: zero errors (non-2xx + socket errors)": (errors == 0, f"{errors}"),
        "run 1: zero time-outs": (timeouts == 0, f"{timeouts}"),
        f"run 1: memory flat (end / quarter in <= {TARGET_MEMORY_GROWTH})": (
            growth <= TARGET_MEMORY_GROWTH,
            f"{growth:.3f} (ratio {TARGET_MEMORY_GROWTH / growth:.2f}x)",
        ),
        f"run 2: /healthz p99 < {TARGET_HEALTHZ_P99_MS:.0f} ms": (
            p99 < TARGET_HEALTHZ_P99_MS and probe_failed == 0 and probe.skipped == 0,
            (
                f"{p99:.1f} ms (ratio {TARGET_HEALTHZ_P99_MS / p99:.2f}x; "
                f"{ref_p99:.1f} ms without hostile requests, {p99 / ref_p99:.2f}x that)"
            ),
        ),
        "run 2: no 5xx answers": (server_5xx == 0, f"{server_5xx}"),
        "runs 1-2: no worker replaced (uvicorn kills a worker silent for 5 s)": (
            load_deaths == 0,
            f"{load_deaths}",
        ),
        "run 2: still ready, same workers": (
            alive and after_status == 200 and same_workers,
            f"/readyz {after_status}, workers {'unchanged' if same_workers else 'replaced'}",
        ),
    }
    print("\ntargets")
    for name, (ok, value) in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {value}")
    passed = all(ok for ok, _ in checks.values())
    print("PASS" if passed else "FAIL")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
