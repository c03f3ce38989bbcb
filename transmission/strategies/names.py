"""Strategy display names ("VWAP Pullback", as the design shows them) and their ids."""

from __future__ import annotations

from transmission.strategies.registry import available

# Words shown in capitals in a display name; every other word of an id is capitalised.
_ACRONYMS = frozenset({"adx", "atr", "ema", "orb", "rsi", "sma", "vwap"})


def display_name(strategy_id: str) -> str:
    """`vwap_pullback` -> `VWAP Pullback`; a plug-in strategy gets the same treatment, and a
    display name stays as it is."""
    if strategy_id != strategy_id.lower():
        return strategy_id
    words = strategy_id.split("_")
    return " ".join(w.upper() if w in _ACRONYMS else w.capitalize() for w in words)


def strategy_id(name: str) -> str:
    """The id of a strategy given by id or display name (any case); unknown names unchanged."""
    wanted = name.strip().casefold()
    for known in available():
        if wanted in (known.casefold(), display_name(known).casefold()):
            return known
    return name
