"""`make bench`: the register part of the benchmark of PRODUCT.md §4.

1. Builds the reference dataset (1,000 organisations x 100 tools x 5 versions) with `generate_scale_data`,
   in a SQLite file under var/bench/ that is reused while its parameters do not change, or in the
   PostgreSQL database named by BENCH_DATABASE_URL.
2. Serves the application as in production (gunicorn, 2 workers, REVOYURE_ENV=production, DEBUG off) and
   drives it with 4 concurrent clients: the register list with a filter and a search, a record page, an API
   page of 100, and the minimal view `/ping/` behind the same middleware; prints p50/p95 latency, throughput
   and each page's throughput as a share of the minimal view's, against the targets.
3. Times `import_register` on a CSV of 100,000 rows (rows/s and peak memory of that process).
4. Measures the qualification engine (bench/qualification.py): evaluations per second over the facts of
   2,000 tools of the dataset, and the time to re-evaluate an organisation of 100 tools.
5. Measures the trigger fan-out (bench/fanout.py): one vendor event concerning 10,000 organisations, on a
   fresh SQLite file and on a fresh PostgreSQL database, with the checks that a second run and two
   concurrent workers create no duplicate. `--only fanout` runs this part alone.

Figures also go to bench/results/latest.json. The exit status is non-zero only when something failed
(an HTTP error, a command that did not work), never because a target was missed.

Environment: BENCH_ORGS (1000), BENCH_TOOLS (100), BENCH_VERSIONS (5), BENCH_SEED (2026),
BENCH_REQUESTS per scenario (2000), BENCH_WARMUP (200), BENCH_CLIENTS (4), BENCH_WORKERS (2),
BENCH_IMPORT_ROWS (100000), BENCH_QUALIFICATION_TOOLS (2000), BENCH_DATABASE_URL (default: SQLite under
var/bench/), BENCH_FANOUT_ORGS (10000), BENCH_FANOUT_PG_URL (a PostgreSQL database the fan-out creates and
drops; default postgres://postgres@127.0.0.1:5432/revoyure_bench_fanout). Quick run: `BENCH_ORGS=20 BENCH_TOOLS=100 make bench`. One part only:
`python -m bench.run --only qualification` (figures to bench/results/latest-qualification.json).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import fanout, qualification
from bench.http_load import Measurement, Request, drive, get, log_in
from bench.import_file import write_register_csv

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_FILE = ROOT / "bench" / "results" / "latest.json"
PARTS = ("qualification", "fanout")
HOST = "127.0.0.1"
SEARCH_WORDS = ("données", "planification", "candidats", "assistant", "sécurité", "équipes")
SAMPLED_ORGANISATIONS = 100
TOOLS_PER_SAMPLED_ORGANISATION = 10
# PRODUCT.md §4
TARGET_P95_MS = 50.0
TARGET_RATIO = 0.40
TARGET_IMPORT_ROWS_PER_S = 2000.0
TARGET_IMPORT_PEAK_MB = 500.0


class BenchError(Exception):
    pass


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise BenchError(f"{name} must be a whole number, not {raw!r}") from exc


@dataclass(frozen=True)
class Config:
    organisations: int
    tools: int
    versions: int
    seed: int
    requests: int
    warmup: int
    clients: int
    workers: int
    import_rows: int
    qualification_tools: int
    database_url: str

    @classmethod
    def from_env(cls) -> Config:
        organisations = _env_int("BENCH_ORGS", 1000)
        tools = _env_int("BENCH_TOOLS", 100)
        versions = _env_int("BENCH_VERSIONS", 5)
        seed = _env_int("BENCH_SEED", 2026)
        url = os.environ.get("BENCH_DATABASE_URL", "").strip()
        if not url:
            url = f"sqlite:///{BENCH_DIR / f'register-{organisations}x{tools}x{versions}-s{seed}.sqlite3'}"
        return cls(
            organisations,
            tools,
            versions,
            seed,
            _env_int("BENCH_REQUESTS", 2000),
            _env_int("BENCH_WARMUP", 200),
            _env_int("BENCH_CLIENTS", 4),
            _env_int("BENCH_WORKERS", 2),
            _env_int("BENCH_IMPORT_ROWS", 100_000),
            _env_int("BENCH_QUALIFICATION_TOOLS", qualification.DEFAULT_TOOLS),
            url,
        )

    @property
    def sqlite_path(self) -> Path | None:
        return (
            Path(self.database_url.removeprefix("sqlite:///"))
            if self.database_url.startswith("sqlite")
            else None
        )


def say(message: str) -> None:
    print(message, flush=True)


def app_env(database_url: str, *, production: bool = False) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "BENCH_"))}
    env.update(
        DATABASE_URL=database_url,
        REVOYURE_VAR_DIR=str(BENCH_DIR),
        DEBUG="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        # Production keeps its cache (rate-limit counters) in the database; createcachetable must see it too.
        CACHE_IN_DATABASE="1",
    )
    if production:
        alphabet = string.ascii_letters + string.digits
        env.update(
            REVOYURE_ENV="production",
            SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
            ALLOWED_HOSTS=HOST,
        )
    else:
        env.pop("REVOYURE_ENV", None)
    return env


def _shown(path: Path) -> str:
    """A path as printed: relative to the project when inside it (BENCH_DATABASE_URL may name any file)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BenchError(
            f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )
    return result.stdout


# Dataset -------------------------------------------------------------------------------------------------


def prepare_dataset(config: Config) -> dict[str, Any]:
    env = app_env(config.database_url)
    marker = config.sqlite_path.with_suffix(".ready") if config.sqlite_path else None
    wanted = {
        "organisations": config.organisations,
        "tools": config.tools,
        "versions": config.versions,
        "seed": config.seed,
    }
    if marker and marker.exists() and json.loads(marker.read_text()) == wanted:
        say(f"dataset: reusing {_shown(config.sqlite_path)}")  # type: ignore[arg-type]
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createcachetable")
        return {"reused": True}
    if config.sqlite_path:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{config.sqlite_path}{suffix}").unlink(missing_ok=True)
        config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    else:
        _create_postgres_database(config.database_url)
    say("dataset: migrating")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    if not config.sqlite_path and _postgres_holds_dataset(env, config):
        say("dataset: reusing the one in BENCH_DATABASE_URL")
        return {"reused": True}
    say(
        f"dataset: generating {config.organisations} organisations x {config.tools} tools x "
        f"{config.versions} versions (a few minutes for the reference size)"
    )
    began = time.monotonic()
    output = manage(
        env,
        "generate_scale_data",
        f"--organisations={config.organisations}",
        f"--tools-per-organisation={config.tools}",
        f"--versions={config.versions}",
        f"--seed={config.seed}",
        "-v0",
    )
    seconds = time.monotonic() - began
    say("  " + output.strip().splitlines()[0] if output.strip() else "  done")
    if marker:
        marker.write_text(json.dumps(wanted))
    return {"reused": False, "generation_seconds": round(seconds, 1)}


def _admin_url(database_url: str) -> tuple[urllib.parse.SplitResult, str]:
    parts = urllib.parse.urlsplit(database_url)
    return parts, urllib.parse.urlunsplit(parts._replace(path="/postgres"))


def _create_postgres_database(database_url: str) -> None:
    """Create the BENCH_DATABASE_URL database when it does not exist yet."""
    import psycopg

    parts, admin = _admin_url(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            say(f"dataset: creating the PostgreSQL database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def _postgres_holds_dataset(env: dict[str, str], config: Config) -> bool:
    script = (
        "from revoyure.registry.scale import SLUG_PREFIX;"
        "from revoyure.organisations.models import Organisation;"
        "from revoyure.registry.models import Tool;"
        "print(Organisation.objects.filter(slug__startswith=SLUG_PREFIX).count(),"
        "Tool.objects.filter(organisation__slug__startswith=SLUG_PREFIX).count())"
    )
    organisations, tools = (int(x) for x in manage(env, "shell", "-v0", "-c", script).split())
    if organisations == 0:
        return False
    if (organisations, tools) == (config.organisations, config.organisations * config.tools):
        return True
    raise BenchError(
        f"BENCH_DATABASE_URL already holds other scale data ({organisations} organisations, "
        f"{tools} tools): use an empty database"
    )


# Server --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(config: Config, port: int) -> subprocess.Popen[bytes]:
    env = app_env(config.database_url, production=True)
    manage(env, "collectstatic", "--noinput", "-v0")
    log = (BENCH_DIR / "gunicorn.log").open("ab")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "revoyure.wsgi:application",
            "--workers",
            str(config.workers),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn stopped (exit {server.returncode}); see var/bench/gunicorn.log")
        try:
            if get(HOST, port, "/ping/").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError("gunicorn did not answer /ping/ within 60 s; see var/bench/gunicorn.log")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Scenarios -----------------------------------------------------------------------------------------------


def setup_django(config: Config) -> None:
    """Set Django up in this process on the bench database (it talks to it directly)."""
    os.environ.update(app_env(config.database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "revoyure.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sample_targets(config: Config) -> tuple[list[tuple[str, list[int]]], dict[str, str]]:
    """Organisations spread over the dataset, some of their tool ids, and an API token for each, made with
    the application's own service (this process talks to the bench database directly)."""
    setup_django(config)
    from django.contrib.auth import get_user_model

    from revoyure.core.permissions import Role
    from revoyure.organisations.models import Organisation
    from revoyure.organisations.tokens import create_token
    from revoyure.registry.models import Tool
    from revoyure.registry.scale import BENCH_EMAIL, SLUG_PREFIX

    rng = random.Random(config.seed)
    organisations = list(Organisation.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug"))
    step = max(1, len(organisations) // SAMPLED_ORGANISATIONS)
    sampled = organisations[::step][:SAMPLED_ORGANISATIONS]
    bench_user = get_user_model().objects.get(email=BENCH_EMAIL)
    targets, tokens = [], {}
    for organisation in sampled:
        ids = list(Tool.objects.filter(organisation=organisation).values_list("pk", flat=True))
        targets.append((organisation.slug, rng.sample(ids, min(len(ids), TOOLS_PER_SAMPLED_ORGANISATION))))
        _, raw = create_token(organisation, bench_user, name="bench", role=Role.DELEGATE)
        tokens[organisation.slug] = raw
    return targets, tokens


def scenarios(
    config: Config, targets: list[tuple[str, list[int]]], tokens: dict[str, str], session: str
) -> dict[str, list[Request]]:
    rng = random.Random(config.seed)
    cookie = {"Cookie": session}
    lists, records, api, ping = [], [], [], []
    for number in range(config.requests + config.warmup):
        slug, ids = targets[number % len(targets)]
        word = urllib.parse.quote(SEARCH_WORDS[number % len(SEARCH_WORDS)])
        lists.append((f"/o/{slug}/register/?status=in_service&q={word}", cookie))
        records.append((f"/o/{slug}/register/{rng.choice(ids)}/", cookie))
        api.append(
            (f"/api/v1/organisations/{slug}/tools?limit=100", {"Authorization": f"Bearer {tokens[slug]}"})
        )
        ping.append(("/ping/", cookie))
    return {
        "minimal view (/ping/)": ping,
        "register list, filter + search": lists,
        "record page": records,
        "API page of 100": api,
    }


def measure(config: Config, port: int, requests: list[Request]) -> Measurement:
    drive(HOST, port, requests[: config.warmup], config.clients)
    return drive(HOST, port, requests[config.warmup :], config.clients)


# Import --------------------------------------------------------------------------------------------------


def import_benchmark(config: Config) -> dict[str, Any]:
    """Import `BENCH_IMPORT_ROWS` rows into a fresh organisation of a fresh database."""
    csv_path = BENCH_DIR / f"import-{config.import_rows}-s{config.seed}.csv"
    if not csv_path.exists():
        say(f"import: writing {csv_path.relative_to(ROOT)}")
        write_register_csv(csv_path, config.import_rows, config.seed)
    database_url, drop = _fresh_import_database(config)
    try:
        env = app_env(database_url)
        available = subprocess.run(
            [sys.executable, "manage.py", "import_register", "--list-fields"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if available.returncode != 0:
            return {"available": False, "reason": (available.stderr or available.stdout).strip()[-300:]}
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "create_organisation", "bench-import", "--name", "Import de référence")
        say(f"import: {config.import_rows} rows")
        stdout_path, stderr_path = BENCH_DIR / "import.out", BENCH_DIR / "import.err"
        with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
            began = time.monotonic()
            process = subprocess.Popen(
                [sys.executable, "manage.py", "import_register", "bench-import", str(csv_path)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
            )
            # wait4 gives the resources of this very process; RUSAGE_CHILDREN would mix in earlier children.
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.monotonic() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        output = stdout_path.read_text(errors="replace")
        if process.returncode != 0 or f"imported {config.import_rows} records" not in output:
            raise BenchError(
                f"import_register failed (exit {process.returncode}):\n{output[-1000:]}"
                f"{stderr_path.read_text(errors='replace')[-3000:]}"
            )
        return {
            "available": True,
            "rows": config.import_rows,
            "seconds": round(seconds, 1),
            "rows_per_second": round(config.import_rows / seconds),
            "peak_memory_mb": round(usage.ru_maxrss / 1024),  # ru_maxrss is in KiB on Linux
        }
    finally:
        drop()


def _fresh_import_database(config: Config) -> tuple[str, Any]:
    if config.sqlite_path:
        path = BENCH_DIR / "import.sqlite3"

        def drop_file() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        drop_file()
        return f"sqlite:///{path}", drop_file
    import psycopg

    parts, admin = _admin_url(config.database_url)
    name = f"{parts.path.lstrip('/')}_import_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop_database() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), drop_database


# Report --------------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report_http(results: dict[str, Measurement]) -> dict[str, Any]:
    reference = results["minimal view (/ping/)"].throughput
    figures: dict[str, Any] = {}
    say("")
    say(f"{'scenario':34} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'ratio':>7}  targets")
    for name, measurement in results.items():
        p50, p95 = measurement.percentile_ms(0.50), measurement.percentile_ms(0.95)
        ratio = measurement.throughput / reference if reference else 0.0
        entry = {
            "requests": measurement.requests,
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "throughput_rps": round(measurement.throughput, 1),
            "errors": len(measurement.errors),
        }
        targets = ""
        if name != "minimal view (/ping/)":
            entry.update(
                ratio=round(ratio, 3),
                p95_target_met=p95 <= TARGET_P95_MS,
                ratio_target_met=ratio >= TARGET_RATIO,
            )
            targets = (
                f"p95 ≤ {TARGET_P95_MS:.0f} ms {verdict(p95 <= TARGET_P95_MS)}, "
                f"ratio ≥ {TARGET_RATIO:.0%} {verdict(ratio >= TARGET_RATIO)}"
            )
        say(
            f"{name:34} {measurement.requests:8d} {p50:8.1f} {p95:8.1f} {measurement.throughput:8.1f} "
            f"{ratio:7.1%}  {targets}"
        )
        figures[name] = entry
    return figures


def report_import(figures: dict[str, Any]) -> None:
    if not figures.get("available"):
        say(f"import: not available ({figures.get('reason', 'import_register is missing')})")
        return
    speed_ok = figures["rows_per_second"] >= TARGET_IMPORT_ROWS_PER_S
    memory_ok = figures["peak_memory_mb"] <= TARGET_IMPORT_PEAK_MB
    figures.update(rows_per_second_target_met=speed_ok, peak_memory_target_met=memory_ok)
    say(
        f"import of {figures['rows']} rows: {figures['seconds']} s, {figures['rows_per_second']} rows/s "
        f"(≥ {TARGET_IMPORT_ROWS_PER_S:.0f} {verdict(speed_ok)}), peak memory {figures['peak_memory_mb']} MB "
        f"(≤ {TARGET_IMPORT_PEAK_MB:.0f} {verdict(memory_ok)})"
    )


def commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


def _only(argv: Sequence[str]) -> str | None:
    if not argv:
        return None
    if len(argv) == 2 and argv[0] == "--only" and argv[1] in PARTS:
        return argv[1]
    raise BenchError(f"usage: python -m bench.run [--only {'|'.join(PARTS)}]")


def run_qualification(config: Config, results: dict[str, Any]) -> None:
    say("measuring: qualification engine")
    results["qualification"] = qualification.qualification_benchmark(config.qualification_tools)
    qualification.report(results["qualification"], say)


def _fanout_one(label: str, database_url: str, drop: Any) -> dict[str, Any]:
    env = app_env(database_url)
    if os.environ.get("BENCH_FANOUT_ORGS"):
        env["BENCH_FANOUT_ORGS"] = os.environ["BENCH_FANOUT_ORGS"]
    try:
        process = subprocess.run(
            [sys.executable, "-m", "bench.fanout", database_url],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
    finally:
        drop()
    lines = process.stdout.strip().splitlines()
    if process.returncode != 0 or not lines:
        raise BenchError(f"fan-out on {label} failed (exit {process.returncode}):\n{process.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


def run_fanout(config: Config, results: dict[str, Any]) -> None:
    """The trigger fan-out (bench/fanout.py) on a fresh SQLite file and on a fresh PostgreSQL database."""
    results["fanout"] = {}
    path = BENCH_DIR / "fanout.sqlite3"

    def drop_file() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    drop_file()
    say("measuring: trigger fan-out on SQLite")
    results["fanout"]["sqlite"] = _fanout_one("SQLite", f"sqlite:///{path}", drop_file)
    fanout.report(results["fanout"]["sqlite"], say)
    pg_url = os.environ.get("BENCH_FANOUT_PG_URL", "postgres://postgres@127.0.0.1:5432/revoyure_bench_fanout")
    try:
        import psycopg

        parts, admin = _admin_url(pg_url)
        name = parts.path.lstrip("/")
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # no PostgreSQL server here: say so, the SQLite figures stand
        results["fanout"]["postgresql"] = {"available": False, "label": "PostgreSQL", "reason": str(exc)}
        fanout.report(results["fanout"]["postgresql"], say)
        return

    def drop_database() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')

    say("measuring: trigger fan-out on PostgreSQL")
    results["fanout"]["postgresql"] = _fanout_one("PostgreSQL", pg_url, drop_database)
    fanout.report(results["fanout"]["postgresql"], say)
    for figures in results["fanout"].values():
        if figures.get("available", True) and not figures["no_duplicates"]:
            results["errors"].append(f"fan-out on {figures['database']}: duplicates or missing meetings")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        only = _only(sys.argv[1:] if argv is None else argv)
    except BenchError as exc:
        say(str(exc))
        return 2
    config = Config.from_env()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database = "SQLite" if config.sqlite_path else "PostgreSQL"
    say(
        f"Revoyure benchmark: {config.organisations} organisations x {config.tools} tools x "
        f"{config.versions} versions on {database}; {config.workers} gunicorn workers, "
        f"{config.clients} clients, {config.requests} requests per scenario; {os.cpu_count()} CPUs"
    )
    load = os.getloadavg()[0]
    if load > 0.5:
        # The targets are for a 2-core machine running only the benchmark; say when it is not alone.
        say(f"note: load average {load:.2f} before starting: other processes compete for the CPUs")
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": round(os.getloadavg()[0], 2),
        },
        "config": {k: v for k, v in config.__dict__.items() if k != "database_url"} | {"database": database},
        "errors": [],
    }
    server = None
    results_file = RESULTS_FILE if only is None else RESULTS_FILE.with_name(f"latest-{only}.json")
    try:
        if only == "fanout":
            run_fanout(config, results)
            return _finish(results, results_file)
        results["dataset"] = prepare_dataset(config)
        if only == "qualification":
            setup_django(config)
            run_qualification(config, results)
            return _finish(results, results_file)
        targets, tokens = sample_targets(config)
        port = free_port()
        server = start_server(config, port)
        from revoyure.registry.scale import BENCH_EMAIL, BENCH_PASSWORD

        session = log_in(HOST, port, BENCH_EMAIL, BENCH_PASSWORD)
        measurements = {}
        for name, requests in scenarios(config, targets, tokens, session).items():
            say(f"measuring: {name}")
            measurements[name] = measure(config, port, requests)
            for error in measurements[name].errors[:5]:
                say(f"  error: {error}")
            results["errors"].extend(f"{name}: {e}" for e in measurements[name].errors)
        stop(server)
        server = None
        results["http"] = report_http(measurements)
        say("")
        results["import"] = import_benchmark(config)
        report_import(results["import"])
        say("")
        run_qualification(config, results)
        say("")
        run_fanout(config, results)
    except (BenchError, RuntimeError, OSError) as exc:
        results["errors"].append(str(exc))
        say(f"error: {exc}")
    finally:
        if server is not None:
            stop(server)
    return _finish(results, results_file)


def _finish(results: dict[str, Any], results_file: Path) -> int:
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    say(f"\nfigures written to {results_file.relative_to(ROOT)}")
    if results["errors"]:
        say(f"the benchmark did not complete cleanly: {len(results['errors'])} error(s), see above")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
