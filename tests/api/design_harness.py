"""Run one of the design's clients against `transmission serve` on localhost:8000, as written.

`python -m tests.api.design_harness python|node|browser OUT` runs, inside a network namespace
of its own (`unshare -n`, so port 8000 is free whatever else runs on this machine): the server
(replay feed, no token configured), then the client for a while, a manual halt and resume in
between (risk updates), and writes the client's output lines to OUT.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.api.design_examples import JAVASCRIPT_EXAMPLE, PYTHON_EXAMPLE

BIN = Path(sys.executable).parent
BASE = "http://localhost:8000"
BROWSER_WANTED = ("Regime changed to: ", "Signal generated: ", "Risk update: ")


def serve(workdir: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSMISSION_")}
    command = [str(BIN / "transmission"), "serve", "--db", str(workdir / "j.duckdb")]
    command += ["--port", "8000", "--speed", "3000"]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    token = ""
    deadline = time.monotonic() + 90
    while not token:
        line = server.stderr.readline()
        assert line or server.poll() is None, "the server exited"
        assert time.monotonic() < deadline, "the server did not start"
        if line.strip().startswith("token:"):
            token = line.split()[1]
    while True:
        try:
            httpx.get(f"{BASE}/api/system/health", timeout=2)
            return server, token
        except httpx.TransportError:
            time.sleep(0.2)


def client(kind: str, workdir: Path) -> subprocess.Popen[str]:
    if kind == "python":
        script = workdir / "listen.py"
        script.write_text(PYTHON_EXAMPLE)
        return subprocess.Popen(
            [sys.executable, "-u", str(script)], stdout=subprocess.PIPE, text=True
        )
    script = workdir / "client.js"
    script.write_text(JAVASCRIPT_EXAMPLE)
    return subprocess.Popen(
        ["node", "--experimental-websocket", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def browser_lines(token: str, seconds: float) -> list[str]:
    from playwright.sync_api import sync_playwright

    from tests.api.test_docs_offline import CHROMIUM, CHROMIUM_ARGS

    lines: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = chromium.new_page()
        page.on("console", lambda message: lines.append(message.text))
        page.goto(f"{BASE}/api")  # a page of the server's own origin, as a dashboard would be
        page.add_script_tag(content=JAVASCRIPT_EXAMPLE)
        drive(token, 0.0)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not all(
            any(line.startswith(start) for line in lines) for start in BROWSER_WANTED
        ):
            page.wait_for_timeout(200)
        chromium.close()
    return lines


def drive(token: str, seconds: float) -> None:
    """Halt and resume after a second (two risk updates), then wait up to `seconds`."""
    time.sleep(1.0)
    auth = {"Authorization": f"Bearer {token}"}
    for action in ("halt", "resume"):
        httpx.post(f"{BASE}/api/system/{action}", headers=auth, timeout=10).raise_for_status()
    time.sleep(seconds)


def main(kind: str, out: Path) -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        server, token = serve(Path(tmp))
        try:
            if kind == "browser":
                lines = browser_lines(token, 90.0)
            else:
                running = client(kind, Path(tmp))
                drive(token, 30.0)
                running.send_signal(signal.SIGTERM)
                stdout, _ = running.communicate(timeout=30)
                lines = stdout.splitlines()
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)
    out.write_text("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
