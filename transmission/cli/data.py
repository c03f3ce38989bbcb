"""`transmission ingest`: load bar files into the journal's bar store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from transmission.cli.common import DbOption, friendly_errors, out, print_json


def register(app: typer.Typer) -> None:
    app.command(help="Load 1-minute bars (CSV or Parquet) into the journal's bar store.")(ingest)


@friendly_errors
def ingest(
    file: Annotated[Path, typer.Argument(help="Bar file: CSV (also .csv.gz) or Parquet.")],
    symbol: Annotated[str, typer.Option(help="Symbol the bars belong to.")] = "NQ",
    db: DbOption = ...,  # type: ignore[assignment]
    dataset: Annotated[
        str | None, typer.Option(help="Dataset name (default: the file name without suffix).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Validate every bar; bad ones are quarantined with their reason, exact repeats skipped."""
    from transmission.journal import Journal
    from transmission.market.ingest import ingest_file

    with Journal(db) as journal:
        report = ingest_file(journal, file, symbol=symbol.upper(), dataset=dataset)
    if as_json:
        print_json(report.to_dict())
        return
    table = Table(title=f"ingest {file} -> {db} (dataset {report.dataset})", show_header=False)
    table.add_row("rows read", f"{report.rows_read:,}")
    table.add_row("accepted (new)", f"{report.accepted:,}")
    table.add_row("already stored", f"{report.already_stored:,}")
    table.add_row("exact duplicates skipped", f"{report.duplicates_skipped:,}")
    table.add_row("quarantined", f"{report.quarantined:,}")
    out.print(table)
    if report.quarantine_reasons:
        reasons = Table("reason", "bars", title="quarantine")
        for reason, count in report.quarantine_reasons.items():
            reasons.add_row(reason, str(count))
        out.print(reasons)
