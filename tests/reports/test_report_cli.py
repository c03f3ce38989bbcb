"""`transmission report daily|weekly`: real kernels via papermill, HTML checked against metrics."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import duckdb
import nbformat
import psutil
import pytest
from bs4 import BeautifulSoup

from transmission.metrics import compute_metrics, metrics_frame

from .conftest import TRADED_DAY, WINDOW, invoke

# -- bad input stops before any kernel starts ---------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2023-11-31"], "--date expects a date as YYYY-MM-DD, got '2023-11-31'"),
        (["--date", "2024-02-01"], "no data for trading day 2024-02-01 in run backtest-"),
        (["--date", "2023-11-25"], "--date 2023-11-25 is a Saturday"),
        (["--run", "no-such-run"], "no run 'no-such-run' in"),
        (["--symbol", "ES"], "trades MNQ, not ES"),
        (["--kernel", "no-such-kernel"], "no Jupyter kernel named 'no-such-kernel'"),
        (["--window", "0"], "window must be a positive number of trades, got 0"),
        (["--template", "missing.ipynb"], "report notebook not found: missing.ipynb"),
    ],
)
def test_daily_report_with_bad_input_exits_2_before_any_kernel_starts(
    report_db: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    code, output = invoke("report", "daily", "--db", str(report_db), "--out", str(tmp_path), *args)
    assert code == 2, output
    assert message in output
    assert list(tmp_path.iterdir()) == []  # no notebook was even started


def test_daily_report_on_a_missing_journal_exits_2_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.duckdb"
    code, output = invoke("report", "daily", "--db", str(missing), "--out", str(tmp_path / "out"))
    assert code == 2
    assert f"no journal at {missing}" in output
    assert not (tmp_path / "out").exists()


def test_weekly_report_of_a_week_without_data_exits_2(report_db: Path, tmp_path: Path) -> None:
    code, output = invoke(
        "report", "weekly", "--week", "2023-12-13", "--db", str(report_db), "--out", str(tmp_path)
    )
    assert code == 2
    assert "no data for the week of 2023-12-11" in output


# -- reports that run ----------------------------------------------------------------------------


def kernels_left() -> list[str]:
    """Command lines of the kernels this test process started that still run."""
    left = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                left.append(" ".join(child.cmdline()))
        except psutil.Error:  # it ended while we looked
            continue
    return [command for command in left if "ipykernel" in command]


def _number(text: str) -> tuple[float, int]:
    """A displayed figure as (value, decimals shown); percentages as fractions."""
    cleaned = text.replace(",", "").replace("+", "")
    decimals = len(cleaned.split(".")[1].rstrip("%")) if "." in cleaned else 0
    if cleaned.endswith("%"):
        return float(cleaned[:-1]) / 100, decimals + 2
    return float(cleaned), decimals


def _results(db: Path, since: str | None, until: str) -> list[float]:
    sql = "SELECT result_r FROM trades WHERE trading_day <= ?"
    params: list[object] = [until]
    if since:
        sql += " AND trading_day >= ?"
        params.append(since)
    with duckdb.connect(str(db), read_only=True) as con:
        return [
            r[0] for r in con.execute(sql + " ORDER BY timestamp_exit, trade_id", params).fetchall()
        ]


@pytest.mark.slow
def test_daily_report_writes_notebook_and_html_named_by_day(
    daily_run: tuple[Path, int, str],
) -> None:
    out, code, output = daily_run
    assert code == 0, output
    assert sorted(p.name for p in (out / "daily").iterdir()) == [
        f"{TRADED_DAY}.html",
        f"{TRADED_DAY}.ipynb",
    ]
    assert f"daily {TRADED_DAY}: {out / 'daily' / TRADED_DAY}.html" in output


@pytest.mark.slow
def test_daily_report_that_ran_leaves_no_kernel_running(daily_run: tuple[Path, int, str]) -> None:
    assert daily_run[1] == 0, daily_run[2]
    assert kernels_left() == []


@pytest.mark.slow
def test_daily_report_notebook_ran_with_the_injected_parameters(
    daily_run: tuple[Path, int, str], report_db: Path
) -> None:
    out, _, _ = daily_run
    nb = nbformat.read(out / "daily" / f"{TRADED_DAY}.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f'date = "{TRADED_DAY}"' in injected.source
    assert f"window = {WINDOW}" in injected.source
    assert f'db = "{report_db.resolve()}"' in injected.source
    assert nb.metadata.kernelspec.name == "python3"
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert errors == []


@pytest.mark.slow
def test_daily_report_html_has_no_code_and_its_metrics_equal_transmission_metrics(
    daily_run: tuple[Path, int, str], report_db: Path
) -> None:
    out, _, _ = daily_run
    html = (out / "daily" / f"{TRADED_DAY}.html").read_text()
    assert (
        "load_daily(" not in html and "import" not in BeautifulSoup(html, "html.parser").get_text()
    )
    soup = BeautifulSoup(html, "html.parser")
    expected = [
        compute_metrics(_results(report_db, TRADED_DAY, TRADED_DAY), window=WINDOW).to_dict(),
        compute_metrics(_results(report_db, None, TRADED_DAY), window=WINDOW).to_dict(),
        compute_metrics(_results(report_db, None, TRADED_DAY), window=WINDOW).to_dict(),
    ]
    checked = 0
    for row in soup.select("table#metrics tbody tr"):
        for column, cell in enumerate(row.select("td")[1:]):
            key = cell.get("data-key")
            if key is None:
                continue  # a figure this column does not define
            value = expected[column][str(key)]
            if value is None:
                assert cell.get_text() == "—" and cell.get("data-value") is None
                continue
            assert float(str(cell["data-value"])) == pytest.approx(value, rel=1e-12, abs=1e-12)
            shown, decimals = _number(cell.get_text())
            assert abs(shown - value) <= 0.5 * 10**-decimals + 1e-12, (key, cell.get_text())
            checked += 1
    assert checked >= 25
    trades = soup.select("table#trades tbody tr")
    assert len(trades) == 3


@pytest.mark.slow
def test_weekly_report_html_figures_by_strategy_equal_transmission_metrics(
    weekly_run: tuple[Path, int, str], report_db: Path
) -> None:
    out, code, output = weekly_run
    assert code == 0, output
    assert sorted(p.name for p in (out / "weekly").iterdir()) == [
        "2023-11-27.html",
        "2023-11-27.ipynb",
    ]
    soup = BeautifulSoup((out / "weekly" / "2023-11-27.html").read_text(), "html.parser")
    with duckdb.connect(str(report_db), read_only=True) as con:
        trades = con.execute(
            "SELECT trade_id, timestamp_exit, strategy_used, regime, result_r FROM trades "
            "WHERE trading_day BETWEEN '2023-11-27' AND '2023-12-01'"
        ).df()
    frame = metrics_frame(trades, by="strategy")
    rows = {r["data-key"]: r for r in soup.select("table#by-strategy tbody tr")}
    assert set(rows) == {*frame.index, "All"}
    titles = [th.get_text() for th in soup.select("table#by-strategy thead th")]
    for name, figures in frame.iterrows():
        cells = dict(zip(titles, rows[name].select("td"), strict=True))
        assert int(cells["Trades"].get_text()) == figures["total_trades"]
        assert float(str(cells["Total R"]["data-value"])) == pytest.approx(figures["total_r"])
        assert float(str(cells["E[R]"]["data-value"])) == pytest.approx(figures["all_expected_r"])
    days = {r["data-key"]: r for r in soup.select("table#daily-pnl tbody tr")}
    assert list(days) == [f"2023-11-{d}" for d in (27, 28, 29, 30)] + ["2023-12-01"]
    # -5.37 since the expiry fix (issue 13) re-recorded the default golden replay.
    assert re.search(r"Week P&amp;L</div><div class=\"value tx-neg\">-5\.37 R", str(soup))


def daily_template_with(tmp_path: Path, source: str) -> Path:
    """A copy of the daily report notebook with one more cell right after the parameters."""
    template = nbformat.read(
        Path(__file__).resolve().parents[2] / "transmission/reports/notebooks/daily_report.ipynb", 4
    )
    template.cells.insert(1, nbformat.v4.new_code_cell(source))
    path = tmp_path / "daily_variant.ipynb"
    nbformat.write(template, path)
    return path


@pytest.mark.slow
def test_daily_report_with_a_failing_cell_exits_1_keeps_the_error_notebook_and_stops_the_kernel(
    report_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = daily_template_with(tmp_path, 'raise RuntimeError("boom in a report cell")')
    temporary = tmp_path / "tmp"  # where jupyter_client writes the kernel's connection file
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    code, output = invoke(
        "report", "daily", "--date", "2023-11-21", "--db", str(report_db),
        "--out", str(tmp_path / "out"), "--template", str(broken),
    )  # fmt: skip
    assert code == 1, output
    assert kernels_left() == []
    assert list(temporary.glob("*.json")) == []
    assert "RuntimeError: boom in a report cell" in output
    notebook = tmp_path / "out" / "daily" / "2023-11-21.ipynb"
    assert f"executed notebook kept at {notebook}" in output
    assert not notebook.with_suffix(".html").exists()
    executed = nbformat.read(notebook, as_version=4)
    assert any(
        "papermill-error-cell" in c.source for c in executed.cells if c.cell_type == "markdown"
    )
    assert executed.metadata.papermill.exception is True


@pytest.mark.slow
def test_daily_report_whose_kernel_dies_on_start_exits_75_without_a_notebook(
    report_db: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "jupyter" / "kernels" / "dead"
    spec.mkdir(parents=True)
    argv = '["/bin/false", "{connection_file}"]'
    (spec / "kernel.json").write_text(f'{{"argv": {argv}, "display_name": "dead"}}')
    code, output = invoke(
        "report", "daily", "--date", "2023-11-21", "--db", str(report_db),
        "--out", str(tmp_path / "out"), "--kernel", "dead", "--start-timeout", "30",
        env={"JUPYTER_PATH": str(tmp_path / "jupyter")},
    )  # fmt: skip
    assert code == 75, output
    assert "kernel 'dead' did not start" in output
    assert list((tmp_path / "out" / "daily").iterdir()) == []


@pytest.mark.slow
def test_daily_report_cell_over_its_time_limit_is_stopped_and_exits_1(
    report_db: Path, tmp_path: Path
) -> None:
    slow = daily_template_with(tmp_path, "import time\n\ntime.sleep(600)")
    code, output = invoke(
        "report", "daily", "--date", "2023-11-21", "--db", str(report_db),
        "--out", str(tmp_path / "out"), "--template", str(slow), "--cell-timeout", "2",
    )  # fmt: skip
    assert code == 1, output
    assert "was stopped at its time limit of 2 s" in output
    assert kernels_left() == []
    executed = nbformat.read(tmp_path / "out" / "daily" / "2023-11-21.ipynb", as_version=4)
    assert executed.metadata.papermill.exception is True
