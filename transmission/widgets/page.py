"""The live monitor as a page: the live notebook without its narrative, served by Voila.

`transmission monitor` writes the page notebook into a folder of its own (the code cells of
notebooks/03_live_monitor.ipynb, so the page and the notebook cannot drift apart), then runs
Voila on it with the command's options in TRANSMISSION_MONITOR.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

import transmission
from transmission.settings import is_loopback
from transmission.widgets.launch import ENV_VAR, MonitorOptions

LIVE_NOTEBOOK = (
    Path(transmission.__file__).resolve().parents[1] / "notebooks" / "03_live_monitor.ipynb"
)
PAGE_TITLE = "transmission · live monitor"


def page_notebook(source: Path, folder: Path) -> Path:
    """Write the code cells of `source` (with a one-line title) as `folder/monitor.ipynb`."""
    if not source.is_file():
        raise FileNotFoundError(
            f"the live monitor notebook is not at {source}: run from a source checkout, "
            "or pass --notebook"
        )
    try:
        notebook = nbformat.read(source, as_version=4)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{source} is not a readable notebook: {exc}") from None
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if not code:
        raise ValueError(f"{source} has no code cells to serve")
    for cell in code:
        cell.outputs, cell.execution_count = [], None
    notebook.cells = code
    notebook.metadata["title"] = PAGE_TITLE
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "monitor.ipynb"
    nbformat.write(notebook, page)
    return page


def check_port(host: str, port: int) -> None:
    """Fail early, and clearly, when the port is taken (Voila would pick another silently)."""
    if not 1 <= port <= 65535:
        raise ValueError(f"--port must be 1 to 65535, got {port}")
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ValueError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


# jupyter_server's defaults, plus the widget messages: a dashboard keeps redrawing for a page
# that is gone, and those redraws must not count as activity or its kernel is never idle.
UNTRACKED_MESSAGES = [
    "comm_info_request", "comm_info_reply", "kernel_info_request", "kernel_info_reply",
    "shutdown_request", "shutdown_reply", "interrupt_request", "interrupt_reply",
    "debug_request", "debug_reply", "stream", "display_data", "update_display_data",
    "execute_input", "execute_result", "error", "status", "clear_output", "debug_event",
    "input_request", "input_reply", "comm_msg", "comm_open", "comm_close",
]  # fmt: skip


def write_voila_config(folder: Path) -> Path:
    """`folder/voila.json`, which Voila run in `folder` reads: the kernel activity to track."""
    path = folder / "voila.json"
    config = {
        "MappingKernelManager": {"untracked_message_types": UNTRACKED_MESSAGES},
        # Voila's page asks for its kernel's shutdown on `beforeunload` without the _xsrf
        # argument, so the check refuses it (403) and every reload would leave a kernel until
        # culled. The page posts nothing else; the kill switch goes through the kernel.
        "Voila": {"tornado_settings": {"disable_check_xsrf": True}},
    }
    path.write_text(json.dumps(config, indent=1))
    return path


@dataclass(frozen=True)
class PageCommand:
    """The Voila process to run: its arguments, environment and the URL to open."""

    argv: list[str]
    env: dict[str, str]
    url: str


def voila_command(
    page: Path,
    options: MonitorOptions,
    *,
    host: str = "127.0.0.1",
    port: int = 8866,
    open_browser: bool = False,
    token: str | None = None,
    cull_after: int = 120,
) -> PageCommand:
    """Voila on `page` with `options` for the kernel; a token is required off loopback. The
    kernel of a page nobody has open any more is shut down after `cull_after` seconds."""
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(24)  # a page with a kill switch is never open to all
    argv = [
        sys.executable, "-m", "voila", str(page),
        f"--port={port}", f"--Voila.ip={host}", "--Voila.port_retries=0",
        "--show_tracebacks=True",
        # A closed tab's kernel goes (Voila asks on `beforeunload`; a crashed or killed browser
        # never does): a kernel with no page connected and no request for cull_after is culled.
        f"--MappingKernelManager.cull_idle_timeout={cull_after}",
        f"--MappingKernelManager.cull_interval={max(1, min(30, cull_after // 2))}",
        "--MappingKernelManager.cull_connected=False",
    ]  # fmt: skip
    write_voila_config(page.parent)
    if not open_browser:
        argv.append("--no-browser")
    if token:
        argv.append(f"--token={token}")
    env = {**os.environ, ENV_VAR: options.to_env(), "PYTHONUNBUFFERED": "1"}
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    return PageCommand(argv, env, url)
