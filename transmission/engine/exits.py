"""The session exits: one pure rule for every position, real or shadow.

A position leaves at the flat time (`flatten_minutes_before_close` before the RTH close), at its
time stop (`max_hold`), or when the data end its session with no bar after the flat time. A
working order is cancelled at the flat time. The same rule applies to the real broker and to the
shadow broker (whose results feed the performance tripwires), so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from transmission.execution.port import Order, Position
from transmission.market.calendar import MINUTE_NS, Session

FLAT_CANCEL = "flat by the close"


@dataclass(frozen=True, slots=True)
class Exit:
    """Close the position at `ts_ns` and `price`, for `reason`."""

    ts_ns: int
    price: float
    reason: str


@dataclass(frozen=True, slots=True)
class SessionExits:
    """The rule, configured: `enabled` is the session rules switch (`[session] rules`)."""

    enabled: bool
    flatten_ns: int

    def flat_at(self, session: Session) -> int | None:
        """When positions must be flat in `session` (None: no rule, or no RTH that day)."""
        if not self.enabled or not session.has_rth:
            return None
        return session.rth_close_ns - self.flatten_ns

    def deadline(self, position: Position, session: Session) -> int | None:
        """The earliest bar end at which `on_bar` closes `position` (None: no deadline)."""
        times = [self.flat_at(session)]
        max_hold = position.order.max_hold_ns
        if max_hold is not None:
            times.append(position.entry_ns + max_hold)
        known = [t for t in times if t is not None]
        return min(known) if known else None

    def on_bar(
        self,
        position: Position | None,
        working: Order | None,
        session: Session,
        ts_ns: int,
        open_: float,
        close: float,
    ) -> tuple[Exit | None, str | None]:
        """After a 1-minute bar's fills: the exit to make, and the reason to cancel the working
        order (None each when nothing is due).

        At the flat time a position closes at the end of the bar that reaches it, at its close;
        when the flat time falls in a data gap (the bar opens after it), at that bar's open.
        """
        end = ts_ns + MINUTE_NS
        flat_at = self.flat_at(session)
        flat = flat_at is not None and end >= flat_at
        exit_: Exit | None = None
        if position is not None:
            max_hold = position.order.max_hold_ns
            if flat:
                assert flat_at is not None
                at_open = ts_ns >= flat_at
                exit_ = Exit(ts_ns if at_open else end, open_ if at_open else close, "eod_flat")
            elif max_hold is not None and end >= position.entry_ns + max_hold:
                exit_ = Exit(end, close, "time_stop")
        cancel = FLAT_CANCEL if flat and working is not None else None
        return exit_, cancel

    def at_session_end(self, last_bar_ns: int, last_close: float) -> Exit | None:
        """The data ended a session with no bar after the flat time: flat at the last close,
        stamped at that bar's end (as the flat by the close is: the bar's end with its close)."""
        end = last_bar_ns + MINUTE_NS
        return Exit(end, last_close, "session_end") if self.enabled else None
