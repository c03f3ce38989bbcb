"""`transmission control`: halt, resume, reset a manual-reset tripwire, flatten at market.

Sent to a running engine through its API (`--url`, with the API token), or journalled for the
journal's latest live run (`--db`, when no engine holds it): that run applies it when it starts
again. Either way the control is journalled with its reason before the command says it is done.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from transmission.cli.common import console, friendly_errors

RESETTABLE = ("red_days", "drawdown", "manual_halt")  # the rules with `ManualReset`


class Action(StrEnum):
    halt = "halt"
    resume = "resume"
    reset = "reset"
    flatten = "flatten"


def register(app: typer.Typer) -> None:
    app.command(
        help="Halt, resume, reset a tripwire (red_days, drawdown, manual_halt) or flatten: "
        "through a running engine's API (--url) or its journal (--db)."
    )(control)


@friendly_errors
def control(
    action: Annotated[Action, typer.Argument(help="halt, resume, reset or flatten.")],
    rule: Annotated[str | None, typer.Argument(help="The tripwire to reset (reset only).")] = None,
    reason: Annotated[str, typer.Option(help="Why (journalled with the control).")] = "via the CLI",
    url: Annotated[
        str | None, typer.Option(help="A running `transmission serve`, e.g. http://127.0.0.1:8000.")
    ] = None,
    db: Annotated[
        Path | None, typer.Option(help="A journal no engine holds: its latest live run.")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="The API token (default TRANSMISSION_API_TOKEN).", envvar="TRANSMISSION_API_TOKEN"
        ),
    ] = None,
) -> None:
    """Exit 2 with a one-line error when the control cannot be applied."""
    if (url is None) == (db is None):
        raise ValueError("give exactly one of --url (a running engine) or --db (its journal)")
    if action is Action.reset and rule not in RESETTABLE:
        raise ValueError(f"reset needs a rule, one of {', '.join(RESETTABLE)} (got {rule!r})")
    if action is not Action.reset and rule is not None:
        raise ValueError(f"{action.value} takes no rule (got {rule!r})")
    if url is not None:
        said = _through_api(url.rstrip("/"), token, action.value, rule, reason)
    else:
        assert db is not None
        said = _through_journal(db, action.value, rule, reason)
    console.print(said, soft_wrap=True, markup=False, highlight=False)


def _through_api(url: str, token: str | None, action: str, rule: str | None, reason: str) -> str:
    import httpx

    if not url.startswith(("http://", "https://")):
        raise ValueError(f"--url must look like http://host:port, got {url!r}")
    body: dict[str, str] = {"reason": reason}
    if rule is not None:
        body["rule"] = rule
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.post(f"{url}/api/system/{action}", json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        raise RuntimeError(f"no answer from {url}: {exc}") from None
    if response.status_code != 200:
        try:
            answer = response.json()
            detail = answer.get("message") or answer.get("detail") or answer
        except ValueError:
            detail = response.text
        raise RuntimeError(f"{action} refused by {url} ({response.status_code}): {detail}")
    status = response.json()["status"]
    return (
        f"{action} journalled (control {response.json().get('control_seq')}): run "
        f"{status.get('run_id')} is {status['system_state']}, can_trade={status['can_trade']}"
    )


def _through_journal(db: Path, action: str, rule: str | None, reason: str) -> str:
    from transmission.journal import Journal, JournalBusyError
    from transmission.journal.queries import latest_run_id

    if not db.is_file():
        raise ValueError(f"no journal at {db}")
    try:
        journal = Journal(db)
    except JournalBusyError:
        raise RuntimeError(
            f"journal {db} is held by a running engine: send the control to its API with --url"
        ) from None
    with journal:
        run_id = latest_run_id(journal, kind="live")
        if run_id is None:
            raise ValueError(f"journal {db} has no live run to control")
        seq = journal.record_control(run_id, action, rule, reason)
    return f"{action} journalled for run {run_id} (control {seq}): applied when it starts again"
