"""The ``promodesk`` command (Typer + Rich)."""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading

import typer

from promodesk import clikit
from promodesk.accounts.cli import app as tiktok_app
from promodesk.audit.cli import app as audit_app
from promodesk.campaigns.cli import app as campaigns_cli
from promodesk.clikit import console, database, friendly, settings
from promodesk.ledger.cli import app as ledger_app
from promodesk.operations.cli import app as operations_app
from promodesk.promote.cli.app import promote_app
from promodesk.promotions.cli.app import app as promotions_app
from promodesk.rules.cli import app as rules_app
from promodesk.sandbox.cli import app as sandbox_app
from promodesk.settings import Settings
from promodesk.shop.cli.app import shop_app
from promodesk.shop_sandbox.cli import app as shop_sandbox_app
from promodesk.system.cli import backup_command, jobs, restore_command
from promodesk.tenancy.cli import keys, users, workspaces

app = typer.Typer(
    help="promodesk: start, watch and stop promotions safely.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(workspaces, name="workspaces")
app.add_typer(users, name="users")
app.add_typer(keys, name="keys")
app.add_typer(ledger_app, name="ledger")
app.add_typer(jobs, name="jobs")
app.add_typer(audit_app, name="audit")
app.add_typer(operations_app, name="operations")
app.add_typer(promote_app, name="promote")
app.add_typer(promotions_app, name="promotions")
app.add_typer(sandbox_app, name="sandbox")
# Campaign changes are commands of the ad accounts the campaigns belong to.
campaigns_cli.register(tiktok_app)
app.add_typer(tiktok_app, name="tiktok")
app.add_typer(shop_app, name="shop")
app.add_typer(rules_app, name="rules")
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.add_typer(shop_sandbox_app, name="shop-sandbox")


def _logging() -> None:
    logging.basicConfig(
        level=settings().log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # One line per outgoing HTTP call drowns the server's own messages; keep their warnings.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


@app.command()
@friendly
def migrate() -> None:
    """Bring the database schema up to date."""
    from promodesk.app import load_handlers
    from promodesk.kit.migrate import upgrade
    from promodesk.system.jobs import ensure_schedules

    upgrade(settings().database_url)
    load_handlers()
    with database().transaction() as uow:
        ensure_schedules(uow)
    console.print("database is up to date")


@app.command()
@friendly
def demo() -> None:
    """Seed the demo workspace (slug ``demo``) if it does not exist."""
    from promodesk.demo import seed

    with database().transaction() as uow:
        info = seed(uow)
    state = "created" if info.created else "already there"
    console.print(f"demo workspace {state}: log in as {info.email} / {info.password}")


@app.command()
def serve(
    host: str = typer.Option(None, help="bind address (PROMODESK_HOST)"),
    port: int = typer.Option(None, help="port (PROMODESK_PORT)"),
    no_worker: bool = typer.Option(False, "--no-worker", help="do not run the embedded worker"),
    banner: bool = typer.Option(False, help="print the URL and demo login when ready"),
) -> None:
    """Run the API, the console and (unless --no-worker) one embedded worker thread."""
    import uvicorn

    from promodesk.app import create_app
    from promodesk.kit.proxy import SERVER_OPTIONS

    _logging()
    s = serve_settings(host, port)
    host, port = s.host, s.port
    application = create_app(s, worker=not no_worker)
    _freeze_startup_objects()
    if banner:
        from promodesk.demo import DEMO_EMAIL, DEMO_PASSWORD

        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        console.rule("[bold green]promodesk is running")
        console.print(f"  console:  http://{shown}:{port}/")
        console.print(f"  API docs: http://{shown}:{port}/api/docs")
        console.print(f"  login:    {DEMO_EMAIL} / {DEMO_PASSWORD}")
        console.rule()
    # On SIGTERM uvicorn stops accepting, lets requests in flight finish for the grace period,
    # then cancels the rest (their transactions roll back) and runs the lifespan's shutdown.
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=s.shutdown_grace_seconds,
        **SERVER_OPTIONS,
    )


def _freeze_startup_objects() -> None:
    """Keep what start-up made (modules, the app, its routes and tables) out of the garbage
    collector's full passes: they live as long as the process, and walking them again on
    every pass was a fifth of a batch cancel's CPU (bench/README.md, shop_cancel.py)."""
    gc.collect()
    gc.freeze()


def serve_settings(host: str | None, port: int | None) -> Settings:
    """The settings ``serve`` runs with: ``--host``/``--port`` win over ``PROMODESK_HOST``/
    ``PROMODESK_PORT`` everywhere, including what derives from them (in demo mode the TikTok
    client calls the sandbox mounted on this very server, at this host and port)."""
    for name, value in (("PROMODESK_HOST", host), ("PROMODESK_PORT", port)):
        if value is not None:
            os.environ[name] = str(value)
    clikit.reset()
    return settings()


@app.command()
def worker(
    threads: int = typer.Option(1, min=1, max=32, help="worker threads in this process"),
) -> None:
    """Run standalone workers (several processes may share one PostgreSQL)."""
    from promodesk.app import build_state, load_handlers, make_worker

    _logging()
    load_handlers(settings().job_modules)
    st = build_state(settings(), database())
    workers = [make_worker(st) for _ in range(threads)]
    _freeze_startup_objects()
    stop = threading.Event()

    def _stop(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for w in workers:
        w.start()
    console.print(f"{threads} worker(s) running: {', '.join(w.worker_id for w in workers)}")
    stop.wait()
    for w in workers:
        w.stop()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
