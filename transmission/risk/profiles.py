"""Risk profiles: which tripwires a run applies, and whether manual resets happen on a schedule.

- `live`: DESIGN.md section 7 as it is. A manual-reset tripwire (the drawdown, the red days)
  holds until a person resets it: in a replay nobody does, so it can hold to the end of the data.
- `research`: the same tripwires, but the drawdown (the one that lasts until a manual reset) is
  reset at the start of each trading week, as a person reviewing the week would; each reset is
  journalled as a `reset` risk event whose reason says so. Red days already reset with the week;
  the manual halt is never reset by a schedule.
- `off`: sizing only (risk per trade, max contracts); no tripwire.

docs/risk.md gives the default of each front end and the reason.
"""

from __future__ import annotations

PROFILES: dict[str, str] = {
    "live": "the rules of DESIGN.md section 7 as they are; manual resets only by a person",
    "research": "the live rules, with the drawdown and red-days tripwires reset each week",
    "off": "sizing only, no tripwire",
}
DEFAULT_PROFILE = "live"
SCHEDULED_RESETS = ("drawdown",)  # red days already reset with the week, in every profile
WEEKLY_RESET_REASON = "research profile: manual-reset tripwire reset at the start of the week"


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise ValueError(f"unknown risk profile {profile!r}: choose one of {', '.join(PROFILES)}")
    return profile


def rules_for(profile: str, rules: tuple[str, ...]) -> tuple[str, ...]:
    """The tripwires a profile applies (`off`: none)."""
    return () if check_profile(profile) == "off" else rules
