"""The live dashboard: the components, the halt and resume buttons, and the flush that feeds them.

Producers (the engine's thread, a socket's thread) only put messages in the `Inbox`. A pump
thread calls `flush()` every `interval` seconds: it drains the inbox, folds every message into
the `MonitorState`, and redraws only when the state moved, so however fast events come the
front end gets at most 1/interval updates a second, each leaf widget's changes in one message.
The kernel's own thread is never blocked: it only runs button clicks.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

import ipywidgets as widgets

from transmission.metrics import DEFAULT_WINDOW
from transmission.risk.config import RiskConfig
from transmission.widgets import render
from transmission.widgets.components import (
    EquityCurve,
    PositionPanel,
    PriceChart,
    RecentTradesTable,
    RegimeBadge,
    RiskPanel,
    RollingMetricsPanel,
    SignalsTable,
    assign,
)
from transmission.widgets.inbox import Inbox
from transmission.widgets.market import ApiMarket, Market
from transmission.widgets.state import MonitorState, message

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 0.25  # seconds between flushes: at most four redraws a second
MARKET_EVERY = 1.0  # seconds between reads of the candles and the position's mark


class Feed(Protocol):
    """Where a dashboard's messages come from and where its buttons go."""

    description: str

    def attach(self, inbox: Inbox) -> None: ...
    def poll(self) -> list[dict[str, Any]]: ...
    def halt(self, reason: str) -> None: ...
    def resume(self) -> None: ...
    def reset(self, rule: str, reason: str) -> None: ...
    def flatten(self, reason: str) -> None: ...
    def close(self) -> None: ...


@dataclass
class FlushStats:
    """What the flushes did: for the update rate the front end sees."""

    flushes: int = 0
    redraws: int = 0
    messages: int = 0
    widget_updates: int = 0
    started: float | None = None
    stopped: float | None = None

    def per_second(self, count: int) -> float:
        if self.started is None:
            return 0.0
        elapsed = (self.stopped or time.monotonic()) - self.started
        return count / elapsed if elapsed > 0 else 0.0

    @property
    def redraws_per_second(self) -> float:
        return self.per_second(self.redraws)

    @property
    def widget_updates_per_second(self) -> float:
        return self.per_second(self.widget_updates)

    @property
    def messages_per_second(self) -> float:
        return self.per_second(self.messages)


class Dashboard(widgets.VBox):
    """Price chart, regime badge, risk panel, open position, signals and vetoes, equity curve,
    rolling metrics and recent trades of one engine.

    `feed` is an `EngineFeed` (an engine in this kernel) or a `RemoteFeed` (a `transmission
    serve`); with no feed, put messages in `inbox` yourself and call `flush()` (the tests do).
    `market` reads the chart's candles and the position's mark (default: the feed's, or the
    API of a remote feed's url); it is read at most every `market_every` seconds.
    """

    def __init__(
        self,
        feed: Feed | None = None,
        *,
        limits: RiskConfig | None = None,
        window: int = DEFAULT_WINDOW,
        rows: int = 10,
        title: str = "transmission · live monitor",
        market: Market | None = None,
        market_every: float = MARKET_EVERY,
    ) -> None:
        # Set first: ipywidgets calls close() from __del__ even when __init__ failed.
        self._closed = False
        self.market: Market | None = None
        self._pump: threading.Thread | None = None
        self._stop = threading.Event()
        self.feed = feed
        self.state = MonitorState()
        self.inbox = Inbox()
        self.stats = FlushStats()
        self.badge = RegimeBadge()
        self.risk = RiskPanel(limits)
        self.equity = EquityCurve()
        self.metrics = RollingMetricsPanel(window)
        self.trades = RecentTradesTable(rows)
        self.chart = PriceChart()
        self.position = PositionPanel()
        self.signals = SignalsTable()
        self.market = market if market is not None else _market_of(feed)
        self.market_every = market_every
        self._market_read: float | None = None
        self._market_bar: str | None = None
        if self.market is not None:
            self.chart.minutes.value = self.market.span.minutes
        self.chart.minutes.observe(lambda change: self.candle_minutes(change["new"]), "value")
        self.status_line = widgets.HTML(self._status_html())
        self.notice = widgets.HTML("")
        self.notice.add_class("tm-notice")
        self.halt_reason = widgets.Text(
            placeholder="reason for the halt", layout=widgets.Layout(width="220px")
        )
        self.halt_button = widgets.Button(description="Halt", button_style="danger", icon="stop")
        self.resume_button = widgets.Button(
            description="Resume", button_style="success", icon="play"
        )
        self.flatten_button = widgets.Button(
            description="Flatten", button_style="warning", icon="times",
            tooltip="close the open position at market",
        )  # fmt: skip
        self.reset_rule = widgets.Dropdown(
            options=[("red days", "red_days"), ("drawdown", "drawdown")],
            layout=widgets.Layout(width="110px"),
        )
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.halt_button.on_click(lambda _: self.halt(self.halt_reason.value))
        self.resume_button.on_click(lambda _: self.resume())
        self.flatten_button.on_click(lambda _: self.flatten(self.halt_reason.value))
        self.reset_button.on_click(
            lambda _: self.reset(str(self.reset_rule.value), self.halt_reason.value)
        )
        controls = widgets.HBox(
            [
                self.halt_reason, self.halt_button, self.resume_button, self.flatten_button,
                self.reset_rule, self.reset_button,
            ]
        )  # fmt: skip
        header = widgets.HBox(
            [self.badge, controls],
            layout=widgets.Layout(justify_content="space-between", align_items="center"),
        )
        columns = widgets.HBox(
            [
                widgets.VBox(
                    [self.risk, self.position, self.signals], layout=widgets.Layout(width="50%")
                ),
                widgets.VBox([self.metrics, self.equity], layout=widgets.Layout(width="50%")),
            ]
        )
        heading = widgets.HTML(f'<h3 style="margin:4px 0">{title}</h3>')
        super().__init__(
            [heading, header, self.status_line, self.chart, columns, self.trades, self.notice]
        )
        self.add_class("tm-dashboard")
        self._components = (
            self.badge, self.risk, self.equity, self.metrics, self.trades, self.chart,
            self.position, self.signals,
        )  # fmt: skip
        self._drawn_version = -1
        self._lock = threading.Lock()
        if feed is not None:
            feed.attach(self.inbox)

    # -- the flush ------------------------------------------------------------------------------

    def flush(self) -> bool:
        """Apply everything queued and redraw what changed; True when something was redrawn."""
        market = self._read_market()  # outside the lock: a button's flush need not wait on it
        with self._lock:
            messages = self.inbox.drain()
            if self.feed is not None:
                messages += self.feed.poll()
            messages += market
            for item in messages:
                self.state.apply(item)
            self.stats.flushes += 1
            self.stats.messages += len(messages)
            if self.state.version == self._drawn_version:
                return False
            self._drawn_version = self.state.version
            self.stats.redraws += 1
            self.stats.widget_updates += self._redraw()
            return True

    def candle_minutes(self, minutes: int) -> None:
        """Draw 1- or 5-minute candles (the chart's toggle); read at the next flush."""
        if self.market is not None and self.market.span.minutes != minutes:
            self.market.span.switch(minutes)
            self._market_read = None

    def _read_market(self) -> list[dict[str, Any]]:
        """The candles and the position's mark, read again only when a new bar was processed
        (a read costs a few tenths of a second) and at most every `market_every` seconds."""
        now, bar = time.monotonic(), self.state.last_bar_time
        if self.market is None or (
            self._market_read is not None
            and (now - self._market_read < self.market_every or bar == self._market_bar)
        ):
            return []
        self._market_read, self._market_bar = now, bar
        try:
            return self.market.read()
        except Exception as exc:  # the chart may lag; the rest of the screen must not stop
            log.warning("market read failed: %s", exc)
            return []

    def _redraw(self) -> int:
        sent = sum(component.update(self.state) for component in self._components)
        sent += int(assign(self.status_line, value=self._status_html()) > 0)
        notice = self.state.notice or ""
        html = f'<div style="color:#b3261e">{escape(notice)}</div>' if notice else ""
        return sent + int(assign(self.notice, value=html) > 0)

    def _status_html(self) -> str:
        s = self.state
        source = self.feed.description if self.feed is not None else "no feed"
        return render.status_line_html(
            s.symbol, s.run_id, s.last_bar_time, s.bars_processed, s.connection, source
        )

    # -- the pump -------------------------------------------------------------------------------

    def start(self, interval: float = DEFAULT_INTERVAL) -> Dashboard:
        """Flush every `interval` seconds on a background thread until `stop()`."""
        if interval <= 0:
            raise ValueError(f"interval must be positive seconds, got {interval}")
        if self._pump is not None and self._pump.is_alive():
            return self
        self._stop.clear()
        self.stats.started, self.stats.stopped = time.monotonic(), None
        self._pump = threading.Thread(
            target=self._run, args=(interval,), name="transmission-dashboard", daemon=True
        )
        self._pump.start()
        return self

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.flush()
            except Exception as exc:
                # Keep the screen alive: say what broke and go on flushing.
                log.exception("dashboard flush failed")
                self.inbox.put(message("notice", {"message": f"display error: {exc}"}))

    def stop(self) -> None:
        """Stop the pump (after one last flush); the feed stays attached."""
        self._stop.set()
        if self._pump is not None:
            self._pump.join(5.0)
            self._pump = None
        self.stats.stopped = time.monotonic()
        self.flush()

    @property
    def running(self) -> bool:
        return self._pump is not None and self._pump.is_alive()

    def close(self) -> None:
        """Stop the pump, detach the feed and close the widgets (idempotent)."""
        if self._closed:
            return
        self._closed = True
        # No last flush here: ipywidgets also calls close() from __del__, at interpreter exit.
        self._stop.set()
        if self._pump is not None:
            self._pump.join(5.0)
            self._pump = None
        if self.feed is not None:
            self.feed.close()
        closing = getattr(self.market, "close", None)
        if closing is not None:
            closing()
        super().close()

    # -- controls ---------------------------------------------------------------------------------

    def halt(self, reason: str = "") -> None:
        """Manual halt (the kill switch), as the API's POST /api/system/halt does."""
        self._control(lambda feed: feed.halt(reason.strip() or "manual halt from the dashboard"))

    def resume(self) -> None:
        self._control(lambda feed: feed.resume())

    def reset(self, rule: str, reason: str = "") -> None:
        """Reset a manual-reset tripwire (red_days, drawdown), journalled with the reason."""
        why = reason.strip() or "manual reset from the dashboard"
        self._control(lambda feed: feed.reset(rule, why))

    def flatten(self, reason: str = "") -> None:
        """Close the open position at market, journalled with the reason."""
        why = reason.strip() or "flatten from the dashboard"
        self._control(lambda feed: feed.flatten(why))

    def _control(self, action: Any) -> None:
        if self.feed is None:
            self.inbox.put(message("notice", {"message": "no engine attached: nothing to control"}))
        else:
            try:
                action(self.feed)
                self.inbox.put(message("notice", {"message": ""}))
            except Exception as exc:  # a control that fails must say so on screen
                self.inbox.put(message("notice", {"message": f"control failed: {exc}"}))
        self.flush()


def _market_of(feed: Feed | None) -> Market | None:
    """The feed's own market (an `EngineFeed`'s), else the API of a remote feed's url."""
    own = getattr(feed, "market", None)
    if own is not None:
        return own
    url = getattr(feed, "url", None)
    return ApiMarket(url, getattr(feed, "token", None)) if isinstance(url, str) else None
