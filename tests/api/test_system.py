"""Info, docs, status, risk, health, halt/resume and signal generation on a real server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tests.api.conftest import TOKEN, BacktestJournal, Server, free_port, serving
from transmission.api.main import create_app
from transmission.engine.feeds import from_simulator
from transmission.journal import Checkpoint, Journal
from transmission.settings import Settings, SettingsError


def wait_for(predicate, timeout: float = 60.0, every: float = 0.05):
    """Poll until `predicate()` is truthy (returns it), failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(every)


# -- info, docs, OpenAPI ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/api"])
def test_api_info_lists_routes_strategies_and_docs(server: Server, path: str):
    with server.client() as http:
        info = http.get(path).json()
    assert info["docs"] == "/docs" and info["feed"] == "replay"
    assert "POST /api/signals/generate" in info["routes"] and "WS /ws" in info["routes"]
    assert "vwap_pullback" in info["strategies"]


def test_docs_and_redoc_pages_are_served(server: Server):
    with server.client() as http:
        for path in ("/docs", "/redoc"):
            page = http.get(path)
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_openapi_documents_every_route_with_its_model_and_errors(server: Server):
    with server.client() as http:
        spec = http.get("/openapi.json").json()
    paths = spec["paths"]
    expected = {
        ("/api/trades", "get"): "TradeListResponse",
        ("/api/trades/{trade_id}", "get"): "TradeResponse",
        ("/api/trades/recent/{limit}", "get"): "TradeListResponse",
        ("/api/system/status", "get"): "SystemStatusResponse",
        ("/api/system/risk", "get"): "RiskStatusResponse",
        ("/api/system/health", "get"): "HealthResponse",
        ("/api/system/halt", "post"): "ControlResponse",
        ("/api/system/resume", "post"): "ControlResponse",
        ("/api/signals/generate", "post"): "SignalResponse",
        ("/", "get"): "ApiInfo",
    }
    for (path, method), model in expected.items():
        responses = paths[path][method]["responses"]
        assert model in json.dumps(responses["200"]), (path, model)
        for code in ("401", "500"):
            assert "ErrorResponse" in json.dumps(responses[code]), (path, code)
    assert "PerformanceMetricsResponse" in json.dumps(paths["/api/metrics"]["get"]["responses"])
    assert "GroupedMetricsResponse" in json.dumps(paths["/api/metrics"]["get"]["responses"])
    for path in ("/api/system/halt", "/api/signals/generate"):
        assert {"401", "422", "429"} <= set(paths[path]["post"]["responses"])
    schemas = spec["components"]["schemas"]
    assert {"SignalRequest", "HaltRequest", "ErrorResponse", "TripwireStatus"} <= set(schemas)
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


# -- status, risk, health ----------------------------------------------------------------------


def test_status_reads_the_running_engine_and_moves_with_it(server: Server):
    with server.client() as http:
        first = http.get("/api/system/status").json()
        later = wait_for(
            lambda: (
                (s := http.get("/api/system/status").json())["bars_processed"]
                > first["bars_processed"]
                and s
            )
        )
    assert first["source"] == "engine" and first["run_id"] == server.state.engine.run_id
    assert later["last_bar_time"] > first["last_bar_time"]
    for name in (
        "system_state", "current_regime", "active_strategy", "daily_pnl_r", "weekly_pnl_r",
        "current_r", "consecutive_red_days", "can_trade", "risk_reason",
    ):  # fmt: skip
        assert name in later


def test_risk_lists_every_tripwire_with_its_state(server: Server):
    with server.client() as http:
        risk = http.get("/api/system/risk").json()
    rules = {t["rule"] for t in risk["tripwires"]}
    assert {"manual_halt", "daily_loss", "weekly_loss", "drawdown"} <= rules
    assert isinstance(risk["can_trade"], bool) and risk["source"] == "engine"


def test_health_reports_database_engine_and_readiness(server: Server):
    with server.client() as http:
        health = http.get("/api/system/health").json()
    assert health["status"] == "ok" and health["ready"] and health["database"]
    assert health["engine_running"] and health["feed"] == "replay"
    assert health["run_id"] == server.state.engine.run_id


# -- halt and resume ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}]
)
def test_halt_without_the_right_token_is_401_and_changes_nothing(server: Server, headers):
    with server.client() as http:
        got = http.post("/api/system/halt", headers=headers)
        status = http.get("/api/system/status").json()
    assert got.status_code == 401 and got.json()["error"] == "unauthorized"
    assert got.headers["www-authenticate"] == "Bearer"
    assert status["system_state"] in {"ready", "paused"}


def test_halt_stops_new_trades_with_its_reason_and_resume_lifts_it(server: Server):
    with server.client(headers=server.auth) as http:
        halted = http.post("/api/system/halt", json={"reason": "news at 10:00"})
        risk = http.get("/api/system/risk").json()
        resumed = http.post("/api/system/resume")
        after = http.get("/api/system/risk").json()
    assert halted.status_code == 200
    status = halted.json()["status"]
    assert status["system_state"] == "halted" and status["can_trade"] is False
    assert "news at 10:00" in status["risk_reason"]
    manual = next(t for t in risk["tripwires"] if t["rule"] == "manual_halt")
    assert manual["tripped"] and "news at 10:00" in manual["reason"]
    assert resumed.json()["status"]["system_state"] in {"ready", "paused"}
    assert not next(t for t in after["tripwires"] if t["rule"] == "manual_halt")["tripped"]


def test_halt_with_a_bad_body_is_422(server: Server):
    with server.client(headers=server.auth) as http:
        empty_reason = http.post("/api/system/halt", json={"reason": ""})
        extra = http.post("/api/system/halt", json={"reason": "x", "force": True})
    assert empty_reason.status_code == 422 and "body.reason" in empty_reason.json()["message"]
    assert extra.status_code == 422


# -- signals -----------------------------------------------------------------------------------


def test_signal_generation_evaluates_without_placing_an_order(server: Server):
    with server.client(headers=server.auth) as http:
        got = http.post("/api/signals/generate", json={"strategy": "vwap_pullback"})
        after = http.get("/api/system/status").json()
    assert got.status_code == 200
    body = got.json()
    assert body["strategy"] == "vwap_pullback" and body["source"] == "engine"
    assert body["order_placed"] is False
    assert body["decision"] in {"accepted", "vetoed", "shadow", "no_signal"}
    assert (body["signal"] is None) == (body["decision"] == "no_signal")
    # The bar evaluated is the last one the engine closed: it ends by the next 1-minute bar.
    last_bar = datetime.fromisoformat(after["last_bar_time"])
    assert datetime.fromisoformat(body["bar_time"]) <= last_bar + timedelta(minutes=1)


def test_signal_generation_on_a_journal_run_uses_its_checkpoint(
    server: Server, backtest_journal: BacktestJournal
):
    with server.client(headers=server.auth) as http:
        got = http.post("/api/signals/generate", json={"run_id": backtest_journal.run_id})
    body = got.json()
    assert got.status_code == 200 and body["source"] == "journal"
    assert body["run_id"] == backtest_journal.run_id


@pytest.mark.parametrize(
    "body,where",
    [({"strategy": "martingale"}, "body.strategy"), ({"strategy": 3}, "body.strategy"),
     ({"symbol": "ES"}, "body.symbol")],
)  # fmt: skip
def test_signal_generation_with_a_bad_request_is_422(server: Server, body, where):
    with server.client(headers=server.auth) as http:
        got = http.post("/api/signals/generate", json=body)
    assert got.status_code == 422 and where in got.json()["message"]


def test_signal_generation_needs_the_token(server: Server):
    with server.client() as http:
        assert http.post("/api/signals/generate", json={}).status_code == 401


# -- a journal-only server, the rate limit, CORS, the remote guard, clean 500s ----------------


@pytest.fixture(scope="module")
def journal_only(backtest_journal: BacktestJournal) -> Iterator[Server]:
    """`--feed none` on a copy of the backtest journal, 3 POSTs a minute, one CORS origin."""
    settings = Settings(
        db=backtest_journal.copy,
        feed="none",
        api_token=TOKEN,
        rate_limit_per_minute=3,
        cors_origins=["http://desk.example"],
    )
    with serving(create_app(settings), free_port()) as running:
        yield running


def test_journal_only_status_comes_from_the_runs_checkpoint(
    journal_only: Server, backtest_journal: BacktestJournal
):
    with journal_only.client() as http:
        status = http.get("/api/system/status").json()
        health = http.get("/api/system/health").json()
    assert status["source"] == "journal" and status["run_id"] == backtest_journal.run_id
    assert status["system_state"] == "completed" and status["bars_processed"] > 0
    assert health["ready"] and not health["engine_running"] and health["feed"] == "none"


def test_halt_without_an_engine_is_409(journal_only: Server):
    with journal_only.client(headers=journal_only.auth) as http:
        got = http.post("/api/system/resume")
    assert got.status_code == 409 and "no engine" in got.json()["message"]


def test_post_routes_beyond_the_rate_limit_are_429_with_retry_after(journal_only: Server):
    with journal_only.client(headers=journal_only.auth) as http:
        codes = [http.post("/api/signals/generate", json={}).status_code for _ in range(5)]
        limited = http.post("/api/signals/generate", json={})
    assert codes[:2] == [200, 200] and codes[-1] == 429  # the earlier 409 test spent one
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert "at most 3 POST requests a minute" in limited.json()["message"]


def test_cors_allows_only_the_configured_origins(journal_only: Server, server: Server):
    preflight = {"Access-Control-Request-Method": "GET"}
    with journal_only.client() as http:
        allowed = http.options(
            "/api/trades", headers={"Origin": "http://desk.example", **preflight}
        )
        other = http.options("/api/trades", headers={"Origin": "http://evil.example", **preflight})
    with server.client() as http:
        default = http.get("/api/trades", headers={"Origin": "http://desk.example"})
    assert allowed.headers["access-control-allow-origin"] == "http://desk.example"
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in default.headers  # default: no origins


def test_a_server_bound_beyond_loopback_needs_the_token_everywhere_but_the_docs(
    backtest_journal: BacktestJournal,
):
    settings = Settings(db=backtest_journal.copy, feed="none", host="0.0.0.0", api_token=TOKEN)
    # Served on 127.0.0.1 all the same: the test sends no traffic off this machine.
    with serving(create_app(settings), free_port()) as running, running.client() as http:
        bare = [http.get(p).status_code for p in ("/api/trades", "/api/metrics", "/api")]
        docs = [http.get(p).status_code for p in ("/docs", "/redoc", "/openapi.json")]
        with_header = http.get("/api/trades", headers=running.auth)
        # The query parameter works wherever the header does (it was 422 on these two).
        with_query = [
            http.get(p, params={"token": TOKEN}).status_code
            for p in ("/api/trades", "/api/metrics", "/api/system/status", "/api")
        ]
        wrong = http.get("/api/trades", params={"token": "nope"})
    assert bare == [401, 401, 401] and wrong.status_code == 401
    assert docs == [200, 200, 200]
    assert with_header.status_code == 200 and with_query == [200, 200, 200, 200]


def test_the_server_refuses_a_public_address_without_a_token(tmp_path):
    with pytest.raises(SettingsError, match=r"refusing to serve on 0\.0\.0\.0"):
        create_app(Settings(db=tmp_path / "x.duckdb", feed="none", host="0.0.0.0"))


def test_an_internal_error_answers_500_json_without_a_traceback(tmp_path):
    # A journal whose run holds a config this version cannot read (e.g. written by another).
    path = tmp_path / "odd.duckdb"
    with Journal(path) as journal:
        journal.start_run("odd-run", "backtest", "MNQ", "sim", {"config": {"symbol": "XYZ"}})
        with journal.transaction() as tx:
            journal._save_checkpoint(tx, Checkpoint("odd-run", 0, 1, {"orchestrator": {}}))
    settings = Settings(db=path, feed="none", api_token=TOKEN)
    with serving(create_app(settings), free_port()) as running, running.client() as http:
        got = http.get("/api/system/status")
    assert got.status_code == 500
    assert got.json() == {
        "error": "internal_error",
        "message": "internal error: the server log has the details",
        "details": None,
    }
    assert "Traceback" not in got.text and "File " not in got.text


def test_a_followed_file_feeds_the_served_engine_as_lines_arrive(tmp_path):
    bars = from_simulator(1, "MNQ", seed=3).bars.head(60)
    lines = [
        f"{ts.tz_localize(None)},{o},{h},{lo},{c},{v}"
        for ts, o, h, lo, c, v in bars.itertuples(index=False)
    ]
    feed = tmp_path / "live.csv"
    feed.write_text("timestamp,open,high,low,close,volume\n" + "\n".join(lines[:30]) + "\n")
    settings = Settings(db=tmp_path / "follow.duckdb", feed="follow", data=feed, api_token=TOKEN)
    with serving(create_app(settings), free_port()) as running, running.client() as http:
        wait_for(lambda: http.get("/api/system/status").json()["bars_processed"] == 30)
        with feed.open("a") as handle:
            handle.write("\n".join([*lines[30:], "not,a,bar"]) + "\n")
        status = wait_for(
            lambda: (s := http.get("/api/system/status").json())["bars_processed"] == 60 and s
        )
        health = http.get("/api/system/health").json()
    assert status["last_bar_time"].startswith(str(bars["ts"].iloc[-1].date()))
    assert health["ready"] and health["feed"] == "follow" and health["engine_running"]
