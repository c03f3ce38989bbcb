"""GET /api/trades, /api/trades/{trade_id}, /api/trades/recent/{limit} on a real server."""

from __future__ import annotations

import time
from datetime import date

import pytest

from tests.api.conftest import BacktestJournal, Server
from transmission.journal.queries import TradeFilter, count_trades


@pytest.fixture(scope="module")
def all_trades(server: Server, backtest_journal: BacktestJournal) -> list[dict]:
    with server.client() as http:
        body = http.get("/api/trades", params={"run_id": backtest_journal.run_id, "limit": 1000})
    assert body.status_code == 200
    trades = body.json()["trades"]
    assert len(trades) == backtest_journal.trades > 0
    return trades


def test_trades_of_a_run_come_newest_first_with_every_design_field(all_trades: list[dict]):
    exits = [t["timestamp_exit"] for t in all_trades]
    assert exits == sorted(exits, reverse=True)
    required = {
        "trade_id", "timestamp_entry", "timestamp_exit", "symbol", "trade_type", "strategy_used",
        "regime", "entry_price", "exit_price", "stop_price", "target_price", "contracts",
        "result_r", "pnl_usd", "exit_reason",
    }  # fmt: skip
    assert all(required <= set(t) for t in all_trades)
    assert {t["trade_type"] for t in all_trades} <= {"Long", "Short"}


def test_trades_pages_cover_every_trade_once_and_report_the_total(
    server: Server, backtest_journal: BacktestJournal, all_trades: list[dict]
):
    seen: list[str] = []
    with server.client() as http:
        for offset in range(0, len(all_trades), 2):
            params = {"run_id": backtest_journal.run_id, "limit": 2, "offset": offset}
            page = http.get("/api/trades", params=params).json()
            assert (page["total"], page["limit"], page["offset"]) == (len(all_trades), 2, offset)
            seen += [t["trade_id"] for t in page["trades"]]
        past_end = http.get(
            "/api/trades", params={"run_id": backtest_journal.run_id, "offset": 10_000}
        ).json()
    assert seen == [t["trade_id"] for t in all_trades]
    assert past_end["trades"] == [] and past_end["total"] == len(all_trades)


@pytest.mark.parametrize("field,param", [("strategy_used", "strategy"), ("regime", "regime")])
def test_trades_filter_returns_exactly_the_matching_trades(
    server: Server, backtest_journal: BacktestJournal, all_trades: list[dict], field, param
):
    with server.client() as http:
        for value in {t[field] for t in all_trades}:
            params = {"run_id": backtest_journal.run_id, param: value, "limit": 1000}
            page = http.get("/api/trades", params=params).json()
            expected = [t["trade_id"] for t in all_trades if t[field] == value]
            assert [t["trade_id"] for t in page["trades"]] == expected
            assert page["total"] == len(expected)


def test_trades_filter_by_symbol_and_trading_day_range(
    server: Server, backtest_journal: BacktestJournal, all_trades: list[dict]
):
    days = sorted({t["trading_day"] for t in all_trades})
    since, until = days[0], days[len(days) // 2]
    params = {"run_id": backtest_journal.run_id, "since": since, "until": until, "limit": 1000}
    with server.client() as http:
        ranged = http.get("/api/trades", params=params).json()
        other = http.get("/api/trades", params={"run_id": backtest_journal.run_id, "symbol": "ES"})
    expected = [t["trade_id"] for t in all_trades if since <= t["trading_day"] <= until]
    assert [t["trade_id"] for t in ranged["trades"]] == expected and expected
    assert other.json()["total"] == 0


def test_trade_by_id_returns_that_trade(server: Server, all_trades: list[dict]):
    wanted = all_trades[-1]
    with server.client() as http:
        got = http.get(f"/api/trades/{wanted['trade_id']}")
    assert got.status_code == 200 and got.json() == wanted


def test_trade_by_unknown_id_is_404_with_a_clear_body(server: Server):
    with server.client() as http:
        got = http.get("/api/trades/999999999999")
        word = http.get("/api/trades/no-such-trade")
    assert got.status_code == 404
    assert got.json() == {
        "error": "not_found",
        "message": "no trade with id 999999999999",
        "details": None,
    }
    assert word.status_code == 422 and "path.trade_id" in word.json()["message"]


def test_trade_ids_are_integers_unique_in_the_journal_with_display_names(
    server: Server, all_trades: list[dict]
):
    ids = [t["trade_id"] for t in all_trades]
    assert all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    with server.client() as http:
        live = http.get("/api/trades", params={"limit": 1000}).json()["trades"]
    assert len(set(ids) | {t["trade_id"] for t in live}) == len(ids) + len(live)
    assert {t["strategy_used"] for t in all_trades} <= {
        "VWAP Pullback", "VWAP Band Reversion", "Opening Range Breakout", "EMA Cross",
    }  # fmt: skip
    assert all(t["strategy_id"].islower() for t in all_trades)


def test_cursor_pages_cover_every_trade_once_in_order(
    server: Server, backtest_journal: BacktestJournal, all_trades: list[dict]
):
    seen: list[int] = []
    params: dict = {"run_id": backtest_journal.run_id, "limit": 3}
    with server.client() as http:
        while True:
            page = http.get("/api/trades", params=params).json()
            assert page["total"] == len(all_trades)
            seen += [t["trade_id"] for t in page["trades"]]
            if page["next_before_id"] is None:
                break
            params["before_id"] = page["next_before_id"]
        unknown = http.get("/api/trades", params={"before_id": 999999999999})
    assert seen == [t["trade_id"] for t in all_trades]
    assert unknown.status_code == 404 and "before_id" in unknown.json()["message"]


def test_a_strategy_filter_takes_the_display_name_or_the_id(
    server: Server, backtest_journal: BacktestJournal, all_trades: list[dict]
):
    trade = all_trades[0]
    with server.client() as http:
        totals = {
            http.get(
                "/api/trades", params={"run": backtest_journal.run_id, "strategy": name}
            ).json()["total"]
            for name in (trade["strategy_used"], trade["strategy_id"])
        }
    assert totals == {sum(t["strategy_id"] == trade["strategy_id"] for t in all_trades)}


def test_recent_trades_are_the_first_page_of_the_engines_run(server: Server):
    with server.client() as http:
        for _ in range(50):  # the engine may close a trade between the two reads: read again
            recent = http.get("/api/trades/recent/3").json()
            page = http.get("/api/trades", params={"limit": 3}).json()
            if recent["total"] == page["total"]:
                break
    assert recent == page and recent["limit"] == 3
    assert all(t["run_id"] == server.state.engine.run_id for t in recent["trades"])


@pytest.mark.parametrize(
    "params,where",
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 1001}, "query.limit"),
        ({"offset": -1}, "query.offset"),
        ({"since": "yesterday"}, "query.since"),
        ({"until": "0.0"}, "query.until"),
        ({"since": "2023-12-01", "until": "2023-11-01"}, "query"),
        ({"regim": "TREND"}, "query.regim"),
    ],
)
def test_trades_with_a_bad_parameter_are_422_naming_it(server: Server, params, where):
    with server.client() as http:
        got = http.get("/api/trades", params=params)
    assert got.status_code == 422
    body = got.json()
    assert body["error"] == "invalid_request" and where in body["message"]
    assert [d["where"] for d in body["details"]] == [where]


def test_recent_trades_beyond_the_hard_maximum_are_422(server: Server):
    with server.client() as http:
        assert http.get("/api/trades/recent/1001").status_code == 422
        assert http.get("/api/trades/recent/0").status_code == 422


def test_trade_dates_are_exchange_time(all_trades: list[dict]):
    entry = all_trades[0]["timestamp_entry"]
    assert entry.endswith(("-05:00", "-04:00"))
    assert date.fromisoformat(all_trades[0]["trading_day"])


@pytest.mark.slow
def test_a_repeated_trade_page_follows_the_engine_as_it_trades(server: Server):
    # The same URL is answered from memory between journal changes; a new trade must show.
    with server.client() as http:
        first = http.get("/api/trades", params={"limit": 1}).json()
        deadline = time.monotonic() + 120
        while (page := http.get("/api/trades", params={"limit": 1}).json())["total"] == first[
            "total"
        ]:
            assert time.monotonic() < deadline, "no new trade showed within 120 s"
            time.sleep(0.05)
    engine_total = count_trades(
        server.state.journal, TradeFilter(run_id=server.state.engine.run_id)
    )
    assert first["total"] < page["total"] <= engine_total
    assert page["trades"][0]["run_id"] == server.state.engine.run_id


def test_an_invalid_request_is_never_served_from_memory(server: Server):
    with server.client() as http:
        codes = [http.get("/api/trades", params={"limit": 0}).status_code for _ in range(3)]
    assert codes == [422, 422, 422]
