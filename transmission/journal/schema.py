"""The journal's schema as numbered forward migrations.

A migration is applied once, in order, inside one transaction with the version bump, so a journal
is always at a known version. Never edit a released migration: add the next one.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema (DESIGN.md section 11).
    """
    CREATE TABLE bars (
        dataset VARCHAR NOT NULL,
        symbol VARCHAR NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        open DOUBLE NOT NULL,
        high DOUBLE NOT NULL,
        low DOUBLE NOT NULL,
        close DOUBLE NOT NULL,
        volume DOUBLE NOT NULL,
        PRIMARY KEY (dataset, symbol, ts)
    );
    CREATE TABLE quarantine (
        dataset VARCHAR NOT NULL,
        symbol VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        line BIGINT NOT NULL,
        ts TIMESTAMPTZ,
        raw VARCHAR,
        reason VARCHAR NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (dataset, symbol, source, line)
    );
    CREATE TABLE runs (
        run_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        symbol VARCHAR NOT NULL,
        dataset VARCHAR NOT NULL,
        params JSON NOT NULL,
        status VARCHAR NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        bars_processed BIGINT NOT NULL DEFAULT 0,
        bars_quarantined BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE signals (
        run_id VARCHAR NOT NULL,
        signal_id VARCHAR NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        symbol VARCHAR NOT NULL,
        strategy VARCHAR NOT NULL,
        regime VARCHAR NOT NULL,
        side VARCHAR NOT NULL,
        order_type VARCHAR NOT NULL,
        entry_price DOUBLE NOT NULL,
        stop_price DOUBLE NOT NULL,
        target_price DOUBLE NOT NULL,
        reason VARCHAR NOT NULL,
        decision VARCHAR NOT NULL,
        veto_reason VARCHAR,
        contracts INTEGER NOT NULL,
        PRIMARY KEY (run_id, signal_id)
    );
    CREATE TABLE trades (
        trade_id VARCHAR PRIMARY KEY,
        run_id VARCHAR NOT NULL,
        signal_id VARCHAR NOT NULL,
        symbol VARCHAR NOT NULL,
        trade_type VARCHAR NOT NULL,
        strategy_used VARCHAR NOT NULL,
        regime VARCHAR NOT NULL,
        trading_day DATE NOT NULL,
        timestamp_entry TIMESTAMPTZ NOT NULL,
        timestamp_exit TIMESTAMPTZ NOT NULL,
        entry_price DOUBLE NOT NULL,
        exit_price DOUBLE NOT NULL,
        stop_price DOUBLE NOT NULL,
        target_price DOUBLE NOT NULL,
        contracts INTEGER NOT NULL,
        risk_usd DOUBLE NOT NULL,
        commission_usd DOUBLE NOT NULL,
        pnl_usd DOUBLE NOT NULL,
        result_r DOUBLE NOT NULL,
        exit_reason VARCHAR NOT NULL
    );
    CREATE INDEX trades_run_exit ON trades (run_id, timestamp_exit);
    CREATE TABLE regime_changes (
        run_id VARCHAR NOT NULL,
        seq BIGINT NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        symbol VARCHAR NOT NULL,
        previous VARCHAR NOT NULL,
        regime VARCHAR NOT NULL,
        direction VARCHAR,
        reason VARCHAR NOT NULL,
        PRIMARY KEY (run_id, seq)
    );
    CREATE TABLE risk_events (
        run_id VARCHAR NOT NULL,
        seq BIGINT NOT NULL,
        ts TIMESTAMPTZ NOT NULL,
        rule VARCHAR NOT NULL,
        event VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        until VARCHAR,
        strategy VARCHAR,
        PRIMARY KEY (run_id, seq)
    );
    CREATE TABLE engine_state (
        run_id VARCHAR PRIMARY KEY,
        last_bar_ts TIMESTAMPTZ,
        bars_processed BIGINT NOT NULL,
        state JSON NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
    );
    """,
    # 2: sweeps and their points (tm.sweep, tm.walk_forward): a killed sweep resumes from here.
    """
    CREATE TABLE sweeps (
        sweep_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        dataset VARCHAR NOT NULL,
        strategy VARCHAR,
        spec JSON NOT NULL,
        points BIGINT NOT NULL,
        status VARCHAR NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ
    );
    CREATE TABLE sweep_results (
        sweep_id VARCHAR NOT NULL,
        point_id VARCHAR NOT NULL,
        seq BIGINT NOT NULL,
        params JSON NOT NULL,
        row JSON NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (sweep_id, point_id)
    );
    """,
    # 3: every run gets a number, unique in the journal and kept across restarts (a
    # resumed run keeps its row); a trade's public id is built from it (journal.queries).
    """
    CREATE SEQUENCE run_number_seq START WITH 0 MINVALUE 0;
    ALTER TABLE runs ADD COLUMN run_number BIGINT DEFAULT nextval('run_number_seq');
    CREATE UNIQUE INDEX runs_number ON runs (run_number);
    """,
    # 4: controls: every halt, resume, reset and flatten, journalled before it is acknowledged (a
    # restart applies those its checkpoint has not seen).
    """
    CREATE TABLE controls (
        run_id VARCHAR NOT NULL,
        seq BIGINT NOT NULL,
        requested_at TIMESTAMPTZ NOT NULL,
        action VARCHAR NOT NULL,
        rule VARCHAR,
        reason VARCHAR NOT NULL,
        PRIMARY KEY (run_id, seq)
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
