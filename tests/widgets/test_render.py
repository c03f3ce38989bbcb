"""The dashboard's HTML and SVG: gauges, colours, escaping, and the equity line."""

from __future__ import annotations

import re

import pytest

from transmission.palette import REGIME_COLOURS
from transmission.widgets import render
from transmission.widgets.state import Tripwire


@pytest.mark.parametrize(
    ("pnl", "used", "style"),
    [(1.0, 0.0, "success"), (-0.5, 0.5 / 3, "success"), (-1.0, 1 / 3, "warning"),
     (-1.5, 0.5, "warning"), (-2.0, 2 / 3, "danger"), (-2.5, 2.5 / 3, "danger"),
     (-9.0, 1.0, "danger")],
)  # fmt: skip
def test_loss_gauge_fills_with_the_share_of_the_limit_used(
    pnl: float, used: float, style: str
) -> None:
    assert render.loss_gauge(pnl, 3.0) == (pytest.approx(used), style)


def test_loss_gauge_refuses_a_limit_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="loss limit must be positive"):
        render.loss_gauge(-1.0, 0.0)


@pytest.mark.parametrize(
    ("regime", "direction", "label"),
    [("TREND", "up", "TREND_UP"), ("TREND", "down", "TREND_DOWN"), ("RANGE", None, "RANGE"),
     ("VOLATILE", None, "VOLATILE"), ("NO_TRADE", None, "NO_TRADE"), ("??", None, "NO_TRADE")],
)  # fmt: skip
def test_each_regime_has_its_colour(regime: str, direction: str | None, label: str) -> None:
    assert render.regime_colour(regime, direction) == REGIME_COLOURS[label]


def test_badge_shows_regime_arrow_since_and_gear() -> None:
    since = "2024-01-03T10:35:00-05:00"
    html = render.regime_badge_html("TREND", "down", since, "vwap_pullback", "")
    assert 'data-regime="TREND"' in html and "TREND ▼" in html
    assert "Wed 01-03 10:35" in html and "vwap_pullback" in html
    assert REGIME_COLOURS["TREND_DOWN"] in html


def test_engine_strings_are_escaped_before_they_reach_html() -> None:
    evil = "<script>alert(1)</script>"
    trade = {"trade_id": evil, "strategy_used": evil, "result_r": 1.0, "timestamp_exit": None}
    wires = [Tripwire(evil, None, True, evil, evil)]
    for html in (
        render.trades_html([trade], None),
        render.tripwires_html(wires),
        render.regime_badge_html(evil, None, None, evil, evil),
        render.can_trade_html(False, evil, "running"),
    ):
        assert "<script>" not in html and "&lt;script&gt;" in html


def test_equity_svg_draws_one_point_per_trade_plus_the_origin() -> None:
    svg = render.equity_svg([1.0, 0.0, 2.5])
    points = re.search(r'points="([^"]+)"', svg)
    assert points is not None and len(points.group(1).split()) == 4


def test_equity_svg_thins_long_curves_and_draws_empty_ones() -> None:
    long = render.equity_svg([float(i) for i in range(5000)])
    points = re.search(r'points="([^"]+)"', long)
    assert points is not None and len(points.group(1).split()) == 600
    assert "<polyline" in render.equity_svg([])


def test_metrics_html_shows_an_infinite_profit_factor_as_infinity() -> None:
    html = render.metrics_html({"profit_factor": None, "profit_factor_infinite": True}, 20)
    assert "∞" in html


def test_tripwires_list_the_tripped_ones_first() -> None:
    wires = [Tripwire("a_ok", None, False, "", None), Tripwire("z_tripped", None, True, "x", None)]
    html = render.tripwires_html(wires)
    assert html.index("z_tripped") < html.index("a_ok")


def test_times_read_in_exchange_time_and_bad_ones_pass_through_escaped() -> None:
    assert render.fmt_time("2024-01-03T15:59:00-05:00", with_date=False) == "15:59"
    assert render.fmt_time(None) == "-"
    assert render.fmt_time("<bad>") == "&lt;bad&gt;"


def test_the_open_position_row_keeps_stop_and_target_out_of_the_exit_and_r_columns() -> None:
    import re

    from transmission.widgets.render import TRADE_COLUMNS, trades_html

    position = {
        "timestamp_entry": "2023-11-20T10:05:00-05:00", "trade_type": "Long",
        "strategy_used": "VWAP Pullback", "regime": "TREND", "entry_price": 16000.0,
        "stop_price": 15990.0, "target_price": 16020.0, "contracts": 2,
    }  # fmt: skip
    html = trades_html([], position)
    row = html.split('class="tm-open-position"')[1].split("</tr>")[0]
    cells = dict(
        zip([name for name, _ in TRADE_COLUMNS], re.findall(r"<td>(.*?)</td>", row), strict=True)
    )
    assert "15,990" not in cells["exit px"] and "16,020" not in cells["R"]
    assert "stop 15,990.00" in cells["why"] and "target 16,020.00" in cells["why"]


def test_tripwire_chips_read_as_words_not_code_names() -> None:
    from transmission.risk import RuleStatus

    wires = [
        RuleStatus(rule="daily_loss", strategy=None, tripped=True, reason="-3R", until="tomorrow"),
        RuleStatus(rule="wilson_win_rate", strategy="vwap_pullback", tripped=False, reason="",
                   until=None),
        RuleStatus(rule="profit_factor", strategy="EMA Cross", tripped=True, reason="PF 0.8",
                   until=None),
    ]  # fmt: skip
    html = render.tripwires_html(wires)
    assert ">daily loss<" in html and ">win rate (Wilson) · VWAP Pullback<" in html
    assert ">profit factor · EMA Cross<" in html and "<b>profit factor</b> · EMA Cross" in html
    assert 'data-rule="daily_loss"' in html, "the code name stays as the chip's key"
