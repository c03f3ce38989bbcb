"""`transmission monitor`: the live dashboard served as a page (Voila), for people who do not
want a notebook."""

from __future__ import annotations

import os
import secrets
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from transmission.cli.children import Child, signals_ignored, stop_all, stop_signals_interrupt
from transmission.cli.common import DbOption, console, friendly_errors
from transmission.extras import require_extra

if TYPE_CHECKING:
    from transmission.widgets.launch import MonitorOptions
    from transmission.widgets.page import PageCommand


def register(app: typer.Typer) -> None:
    app.command(
        help="Serve the live monitor page: one engine (`transmission serve`) replaying bars (a "
        "file, the shared sample or the simulator) that every page attaches to, or the dashboard "
        "of a running `transmission serve`."
    )(monitor)


@friendly_errors
def monitor(
    db: DbOption = ...,  # type: ignore[assignment]
    data: Annotated[
        Path | None,
        typer.Option(
            help="Bar file to replay (default: the shared NQ sample, else the simulator)."
        ),
    ] = None,
    simulate: Annotated[
        int, typer.Option(help="Simulated trading days, when there is no bar file.")
    ] = 5,
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    symbol: Annotated[str, typer.Option(help="Contract traded (MNQ, NQ, MES, ES).")] = "MNQ",
    config: Annotated[Path | None, typer.Option(help="Engine config file (TOML).")] = None,
    speed: Annotated[
        float, typer.Option(help="Replay pace: 60 plays a market minute a second.")
    ] = 10_000.0,
    remote: Annotated[
        str | None,
        typer.Option(help="Watch a running `transmission serve` at this URL instead."),
    ] = None,
    api_token: Annotated[
        str | None,
        typer.Option(
            help="Token of that API (default TRANSMISSION_API_TOKEN).",
            envvar="TRANSMISSION_API_TOKEN",
        ),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address the page binds to; any other than loopback gets a token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the page.")] = 8866,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in a browser.")
    ] = False,
    notebook: Annotated[
        Path | None,
        typer.Option(help="The live notebook to serve (default notebooks/03_live_monitor.ipynb)."),
    ] = None,
    cull_after: Annotated[
        int,
        typer.Option(
            help="Seconds after which the kernel of a page nobody has open is shut down.",
            min=1,
        ),
    ] = 120,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check everything and print the command; serve nothing."),
    ] = False,
) -> None:
    """A local replay runs as one `transmission serve` on a free loopback port, writing to
    --db (a replay seen to its end plays again as a new run; an unfinished one resumes); every
    page, tab and reload attaches to that one engine. --remote only reads the API. Ctrl-C or
    SIGTERM stops the pages, their kernels and the engine."""
    require_extra("monitor", "transmission monitor")
    # Widgets, Voila and nbformat load only for this command.
    from transmission.widgets.launch import MonitorOptions
    from transmission.widgets.page import LIVE_NOTEBOOK, check_port, page_notebook, voila_command

    engine: EngineCommand | None = None
    if remote is not None:
        options = MonitorOptions.build(mode="remote", url=remote, token=api_token, run_seconds=0)
    else:
        require_extra("api", "transmission monitor")
        local = MonitorOptions.build(
            mode="local",
            data=data.resolve() if data else None,
            simulate_days=simulate,
            seed=seed,
            symbol=symbol,
            config=config.resolve() if config else None,
            speed=speed,
            db=db.resolve(),
            run_seconds=0,
        )
        _check_journal_free(db)
        engine = engine_command(local)
        options = MonitorOptions.build(
            mode="remote", url=engine.url, token=engine.token, run_seconds=0
        )
    check_port(host, port)
    with tempfile.TemporaryDirectory(prefix="transmission-monitor-") as folder:
        page = page_notebook(notebook or LIVE_NOTEBOOK, Path(folder))
        command = voila_command(
            page, options, host=host, port=port, open_browser=open_browser, cull_after=cull_after
        )
        watched = options.url if remote else f"an engine replaying into {db.resolve()}"
        console.print(
            f"live monitor of {watched} at {command.url} (Ctrl-C stops it)",
            soft_wrap=True,
        )
        if dry_run:
            if engine is not None:
                console.print(" ".join(engine.argv), soft_wrap=True, markup=False)
            console.print(" ".join(command.argv), soft_wrap=True, markup=False)
            return
        code = _serve(engine, command, folder)
    if code not in (0, -2, -15, 130):
        raise typer.Exit(code)


@dataclass(frozen=True)
class EngineCommand:
    """The `transmission serve` every page attaches to: its arguments, environment, address."""

    argv: list[str]
    env: dict[str, str]
    url: str
    token: str


def engine_command(options: MonitorOptions) -> EngineCommand:
    """`transmission serve` replaying what `options` name, on a free loopback port, with a
    token of its own (the pages' kernels get it; nothing else needs it)."""
    from transmission.research import find_sample

    port = _free_port()
    data = options.data or find_sample()
    argv = [
        sys.executable, "-c", "from transmission.cli import app; app()", "serve",
        "--db", str(options.db), "--host", LOOPBACK, "--port", str(port), "--feed", "replay",
        "--speed", repr(options.speed), "--symbol", options.symbol,
        "--simulate", str(options.simulate_days), "--seed", str(options.seed),
    ]  # fmt: skip
    if data is not None:
        argv += ["--data", str(data)]
    if options.config is not None:
        argv += ["--config", str(options.config)]
    token = secrets.token_urlsafe(24)
    # Settings the user's environment may hold for another server must not move this one.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSMISSION_")}
    env |= {k: v for k, v in os.environ.items() if k in KEPT_SETTINGS}
    env |= {"TRANSMISSION_API_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    return EngineCommand(argv, env, f"http://{LOOPBACK}:{port}", token)


LOOPBACK = "127.0.0.1"
# The environment that still reaches the engine (the others are given as options).
KEPT_SETTINGS = ("TRANSMISSION_REPORTS_DIR", "TRANSMISSION_RATE_LIMIT_PER_MINUTE")
ENGINE_START_SECONDS = 120.0


def _check_journal_free(db: Path) -> None:
    from transmission.journal import Journal, JournalBusyError

    try:
        Journal(db.resolve()).close()
    except JournalBusyError:
        raise RuntimeError(
            f"journal {db} is held by another process: if a `transmission serve` runs on "
            "it, watch that one with --remote http://127.0.0.1:8000"
        ) from None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _serve(engine: EngineCommand | None, page: PageCommand, folder: str) -> int:
    """Run the engine (when local) then Voila until either ends or a signal comes; then stop
    both, with every kernel. Returns the exit code to report."""
    children: list[Child] = []
    try:
        with stop_signals_interrupt():
            if engine is not None:
                children.append(Child.start("engine", engine.argv, env=engine.env))
                _wait_until_answering(children[0], engine.url)
            children.append(Child.start("page", page.argv, env=page.env, cwd=folder))
            while True:
                for child in children:
                    code = child.returncode
                    if code is not None:
                        if code not in (0, -2, -15):
                            console.print(f"the {child.name} stopped (exit {code})")
                        return code
                time.sleep(0.2)
    except KeyboardInterrupt:
        return 0
    finally:
        with signals_ignored():
            # The pages first: their kernels are the engine's clients.
            stop_all(children[::-1])


def _wait_until_answering(engine: Child, url: str) -> None:
    import httpx

    deadline = time.monotonic() + ENGINE_START_SECONDS
    while time.monotonic() < deadline:
        code = engine.returncode
        if code is not None:
            raise RuntimeError(f"the engine (`transmission serve`) stopped at start (exit {code})")
        try:
            if httpx.get(f"{url}/api/system/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the engine (`transmission serve`) did not answer at {url} in time")
