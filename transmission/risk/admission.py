"""Entry admission: whether a strategy's signal becomes an order, and of what kind.

One pure function, used by the orchestrator for every signal and by the signal preview, so the
decision a client previews is the one the engine makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from transmission.risk.rules.base import Decision
from transmission.risk.sizing import Size

BUSY = "a position or order is already working"
Outcome = Literal["accepted", "vetoed", "shadow"]


@dataclass(frozen=True, slots=True)
class Admission:
    """`outcome`: accepted (a real order), shadow (a paper-only order) or vetoed.

    `veto_reason` says why it is not a real order (a shadow keeps the tripwire's reason);
    `contracts` is the real order's size, 0 unless accepted.
    """

    outcome: Outcome
    veto_reason: str | None
    contracts: int


def admit(
    decision: Decision,
    size: Size,
    *,
    busy: bool,
    shadow_allowed: bool,
    invalid: str | None = None,
) -> Admission:
    """Admit one entry signal.

    - `invalid`: why the signal is not a tradable bracket (`risk.signal_check`); vetoes first,
      before the broker and the tripwires are asked;
    - `decision`: the risk manager's `can_trade(now, strategy)` for the signal's strategy;
    - `size`: its sizing (`RiskManager.size`); zero contracts vetoes with `size.reason`;
    - `busy`: the real broker already holds a working order or a position (vetoes first);
    - `shadow_allowed`: when the signal is tripped, whether it may trade in shadow instead
      (shadow trades on, the shadow broker idle, only per-strategy performance rules hold).
    """
    if invalid:
        return Admission("vetoed", invalid, 0)
    if busy:
        return Admission("vetoed", BUSY, 0)
    if decision.tripped:
        return Admission("shadow" if shadow_allowed else "vetoed", decision.reason, 0)
    if size.contracts == 0:
        return Admission("vetoed", size.reason, 0)
    return Admission("accepted", None, size.contracts)
