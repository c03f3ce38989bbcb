"""Entry admission: busy first, then tripwires (shadow when only performance holds), then size."""

from __future__ import annotations

from transmission.risk import Decision, Size, admit
from transmission.risk.admission import BUSY

OK, TRIPPED = Decision(False), Decision(True, "daily P&L -3.00R <= -3R", "next trading day")
THREE, NONE = Size(3, 150.0), Size(0, 0.0, "stop too far for the risk per trade")


def test_a_clear_signal_with_a_size_is_accepted_with_its_contracts() -> None:
    admission = admit(OK, THREE, busy=False, shadow_allowed=False)
    assert (admission.outcome, admission.veto_reason, admission.contracts) == ("accepted", None, 3)


def test_a_busy_broker_vetoes_before_any_tripwire() -> None:
    admission = admit(TRIPPED, THREE, busy=True, shadow_allowed=True)
    assert (admission.outcome, admission.veto_reason, admission.contracts) == ("vetoed", BUSY, 0)


def test_a_tripped_signal_trades_in_shadow_only_when_allowed_keeping_the_reason() -> None:
    shadow = admit(TRIPPED, THREE, busy=False, shadow_allowed=True)
    vetoed = admit(TRIPPED, THREE, busy=False, shadow_allowed=False)
    assert (shadow.outcome, shadow.veto_reason, shadow.contracts) == ("shadow", TRIPPED.reason, 0)
    assert (vetoed.outcome, vetoed.veto_reason) == ("vetoed", TRIPPED.reason)


def test_zero_contracts_vetoes_with_the_sizing_reason() -> None:
    admission = admit(OK, NONE, busy=False, shadow_allowed=False)
    assert (admission.outcome, admission.veto_reason) == ("vetoed", NONE.reason)
