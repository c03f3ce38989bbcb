"""Strategies written in a notebook cell; how `tm.backtest` turns `strategy=` into a gearbox.

`Strategy` is the friendly form of the strategy contract (`transmission.strategies.Strategy`,
still there for power users): parameters are class attributes that keyword arguments override,
`features` lists the user features it reads (each column then appears on `f` beside the built-in
ones), and `long`/`short` make signals. Defining a class again in the same kernel replaces the
first one: strategies are registered under their name when a backtest runs, not when defined.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import inspect
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np

from transmission.features.custom import Feature, ParityCheck, signal_frame, values_of
from transmission.lab.features import bar_views
from transmission.regime import REGIMES
from transmission.strategies import registry
from transmission.strategies.base import LONG, SHORT, BarView, Signal

TRADED_REGIMES = tuple(r for r in REGIMES if r != "NO_TRADE")
_RESERVED = frozenset({"name", "regimes", "features", "reads", "tick"})


class Strategy:
    """Subclass me in a cell: set parameters as class attributes, write `on_bar(bar, f)`.

    `bar` is the closed signal bar (`BarView`: open, high, low, close, volume, in_rth,
    end_minute_of_day, ts_ns, end_ns); `f` its features, built-in (`f.atr`, `f.vwap`, ...) and
    those of `features`. Return `self.long(...)`, `self.short(...)` or None. `regimes` are the
    regimes it drives in when backtested alone; `init()` runs after the parameters are set.
    """

    name: ClassVar[str] = ""
    regimes: ClassVar[tuple[str, ...]] = TRADED_REGIMES
    features: ClassVar[tuple[Feature, ...]] = ()
    reads: ClassVar[tuple[str, ...] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__qualname__

    def __init__(self, *, tick: float = 0.25, **params: Any) -> None:
        check_params(type(self), params)
        self.tick = tick
        for key, value in params.items():
            setattr(self, key, value)
        self.init()

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        """The parameters and their defaults: public class attributes that are plain values."""
        found: dict[str, Any] = {}
        for klass in reversed(cls.__mro__[:-1]):
            for key, value in vars(klass).items():
                if key.startswith("_") or key in _RESERVED or key in vars(Strategy):
                    continue
                if callable(value) or isinstance(value, (classmethod, staticmethod, property)):
                    continue
                found[key] = value
        return found

    def init(self) -> None:
        """Set up state after the parameters (override when needed)."""

    def on_bar(self, bar: BarView, f: Any) -> Signal | None:
        """A closed signal bar and its features in; maybe a signal out."""
        raise NotImplementedError(f"{type(self).__name__} must define on_bar(self, bar, f)")

    def long(
        self,
        entry: float,
        stop: float,
        target: float,
        reason: str = "",
        *,
        order_type: str = "stop",
        valid_bars: int = 1,
        max_hold_minutes: int | None = None,
    ) -> Signal:
        """A long entry (a buy stop at `entry` unless `order_type="market"`)."""
        return Signal(
            LONG, order_type, entry, stop, target, reason or self.name, valid_bars, max_hold_minutes
        )

    def short(
        self,
        entry: float,
        stop: float,
        target: float,
        reason: str = "",
        *,
        order_type: str = "stop",
        valid_bars: int = 1,
        max_hold_minutes: int | None = None,
    ) -> Signal:
        """A short entry (a sell stop at `entry` unless `order_type="market"`)."""
        return Signal(
            SHORT, order_type, entry, stop, target, reason or self.name, valid_bars,
            max_hold_minutes,
        )  # fmt: skip


def parameter_names(cls: type) -> dict[str, Any]:
    """A strategy class's parameters and defaults (a `Strategy`'s attributes, else `__init__`'s
    keyword arguments other than `tick`)."""
    if isinstance(cls, type) and issubclass(cls, Strategy):
        return cls.parameters()
    found = {}
    for p in inspect.signature(cls).parameters.values():
        if p.name != "tick" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
            found[p.name] = None if p.default is p.empty else p.default
    return found


def check_params(cls: type, params: Mapping[str, Any]) -> None:
    """Refuse a parameter the strategy does not have, naming those it has."""
    allowed = parameter_names(cls)
    for key in params:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            names = ", ".join(allowed) or "none"
            raise TypeError(
                f"{getattr(cls, '__name__', cls)} has no parameter {key!r}{hint}; "
                f"its parameters are: {names}"
            )


# -- the engine side: user strategies behind the registry's factory contract --------------------


def _mark(exc: BaseException, where: str) -> None:
    tb = exc.__traceback__
    # The first frame is ours (the call into user code); the user's frame is the next one.
    user_tb = tb.tb_next if tb is not None and tb.tb_next is not None else tb
    if getattr(exc, "_transmission_user_tb", None) is None:
        exc._transmission_user_tb = user_tb  # type: ignore[attr-defined]
        exc.add_note(where)


def user_traceback(exc: BaseException) -> Any:
    """The traceback from the user's frame on, when the error came from user code, else None."""
    return getattr(exc, "_transmission_user_tb", None)


@lru_cache(maxsize=64)
def _row_type(fields: tuple[str, ...]) -> Any:
    factory: Any = namedtuple  # fields known only at run time
    return factory("Features", fields)


class DrivenStrategy:
    """A user strategy as the gearbox sees it: its user features computed in both engine paths.

    Live (`on_bar`): each user feature's incremental form, bar by bar. Replays (`signals_over`):
    their batch forms over every signal bar, checked against the incremental forms on the way
    (the first use in a run), and the strategy fed each bar in order as `on_bar` would be.
    Errors raised in user code keep the user's own frame (see `user_traceback`).
    """

    name: ClassVar[str]
    target: ClassVar[Any]  # the user's class, or an instance (each run copies it)
    bar_minutes: ClassVar[int]

    def __init__(self, *, tick: float, **params: Any) -> None:
        target = self.target
        if isinstance(target, type):
            inner = target(tick=tick, **params)
        else:
            inner = copy.deepcopy(target)  # each run starts from the instance as given
            inner.tick = tick
        self.inner = inner
        self.features: tuple[Feature, ...] = tuple(getattr(inner, "features", ()) or ())
        self._trackers: list[tuple[Feature, Any, tuple[str, ...]]] | None = None

    # -- live --------------------------------------------------------------------------------

    def on_bar(self, bar: BarView, f: Any) -> Signal | None:
        if self._trackers is None:
            self._trackers = [(feat, self._call(feat.start, feat), ()) for feat in self.features]
        extra: list[float] = []
        names: list[str] = []
        for i, (feat, tracker, columns) in enumerate(self._trackers):
            value = self._call(tracker.update, feat, bar)
            if not columns:  # first bar: the columns are the update's keys or the feature's name
                columns = _columns_from(feat, value)
                self._trackers[i] = (feat, tracker, columns)
            extra.extend(values_of(feat.name, value, columns))
            names.extend(columns)
        if names:
            f = _row_type((*f._fields, *names))(*f, *extra)
        return self._call(self.inner.on_bar, None, bar, f)

    # -- replays -----------------------------------------------------------------------------

    def signals_over(
        self, bars: Mapping[str, np.ndarray], features: Mapping[str, np.ndarray]
    ) -> dict[int, Signal]:
        columns = dict(features)
        views = bar_views(bars, self.bar_minutes)
        checks = []
        if self.features:
            frame = signal_frame(bars)
            for feat in self.features:
                batch = self._call(feat.compute, feat, frame)
                checks.append(ParityCheck(feat, batch))
                columns.update(batch)
        own = getattr(self.inner, "signals_over", None)
        if own is not None and not self.features:
            return dict(self._call(own, None, bars, columns))
        names = tuple(columns)
        make = _row_type(names)
        lists = [columns[n].tolist() for n in names]
        signals: dict[int, Signal] = {}
        on_bar = self.inner.on_bar
        for i, (view, row) in enumerate(zip(views, zip(*lists, strict=True), strict=True)):
            for check in checks:
                self._call(check.step, check.feature, i, view)
            signal = self._call(on_bar, None, view, make(*row))
            if signal is not None:
                signals[i] = signal
        return signals

    def _call(self, fn: Callable[..., Any], feat: Feature | None, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:
            if getattr(exc, "_transmission_user_tb", None) is None and not _is_parity(exc):
                what = f"feature {feat.name!r}" if feat is not None else f"strategy {self.name!r}"
                _mark(exc, f"raised in {what}")
            raise


def _register(cls: type[DrivenStrategy]) -> None:
    # The same module and qualified name again (a cell run again) replaces the first.
    registry.register_strategy(cls)


def _registered(name: str) -> Any:
    return registry._REGISTRY.get(name)  # the registry has no public lookup of a class


def _is_parity(exc: BaseException) -> bool:
    from transmission.features.custom import FeatureParityError

    return isinstance(exc, FeatureParityError)


def _columns_from(feat: Feature, value: Any) -> tuple[str, ...]:
    if isinstance(value, Mapping):
        return tuple(str(k) for k in value)
    if isinstance(value, (tuple, list)) and len(value) != 1:
        return tuple(f"{feat.name}_{i}" for i in range(len(value)))
    return (feat.name,)


# -- resolving `strategy=` ----------------------------------------------------------------------


@dataclass(frozen=True)
class StrategySpec:
    """A resolved `strategy=`: the gearbox (regime -> name), the user strategies behind names,
    and each strategy's parameters. Picklable with cloudpickle (a sweep's workers install the
    user strategies with `install`)."""

    gearbox: dict[str, str | None]
    user: dict[str, Any] = field(default_factory=dict)  # name -> class or instance
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def install(self, bar_minutes: int) -> None:
        """Register the user strategies under their names (a redefinition replaces the first)."""
        for name, target in self.user.items():
            _register(driven_class(target, name, bar_minutes))

    def parameters_of(self, name: str) -> dict[str, Any] | None:
        """The parameters (and defaults) of strategy `name`; None for a user strategy given as
        an instance (its parameters are set on it)."""
        target = self.user.get(name)
        if target is None:
            factory = _registered(name)
            return parameter_names(factory if isinstance(factory, type) else type(factory))
        return parameter_names(target) if isinstance(target, type) else None

    def code_identity(self) -> str:
        """A hash of the source of every user strategy and feature (part of a run's identity)."""
        digest = hashlib.sha256()
        for name in sorted(self.user):
            target = self.user[name]
            cls = target if isinstance(target, type) else type(target)
            digest.update(name.encode())
            digest.update(_source(cls).encode())
            if not isinstance(target, type):
                digest.update(repr(sorted(vars(target).items(), key=str)).encode())
            for feat in getattr(cls, "features", ()) or ():
                digest.update(_source(feat.batch).encode())
                digest.update(_source(feat.incremental).encode())
                digest.update(repr(sorted(feat.params.items())).encode())
        return digest.hexdigest()[:10]


def _source(obj: Any) -> str:
    """What identifies a class's or function's code: its source when Python can find it, and
    in any case its bytecode and constants (a class defined in a notebook cell has no source
    file) and a class's attribute values, over its own classes in the MRO."""
    parts = []
    try:
        parts.append(inspect.getsource(obj))
    except (OSError, TypeError):
        parts.append(getattr(obj, "__qualname__", repr(obj)))
    klasses = (
        [k for k in obj.__mro__ if k not in (Strategy, object)] if isinstance(obj, type) else []
    )
    for klass in klasses:
        for key, value in sorted(vars(klass).items()):
            if key.startswith("__") and key != "__init__":
                continue
            if key == "features":
                # Hashed by `code_identity` from their code; their repr holds memory addresses,
                # which would make the same cell run again (or in a new kernel) another run.
                continue
            parts.append(f"{key}={_code_text(value)}")
    if not isinstance(obj, type):
        parts.append(_code_text(obj))
    return "\n".join(parts)


def _code_text(value: Any) -> str:
    func = getattr(value, "__func__", value)  # classmethod, staticmethod
    code = getattr(func, "__code__", None)
    if code is None:
        return repr(value) if not callable(value) else getattr(value, "__qualname__", "")
    return _code_repr(code)


def _code_repr(code: Any) -> str:
    # Bytecode, names and constants (nested code too), not the file name or line numbers: the
    # same cell run again is the same code.
    consts = [_code_repr(c) if hasattr(c, "co_code") else repr(c) for c in code.co_consts]
    return f"{code.co_code.hex()}|{code.co_names}|{consts}"


def driven_class(target: Any, name: str, bar_minutes: int) -> type[DrivenStrategy]:
    """The registered form of a user strategy: a `DrivenStrategy` class named after the user's
    (module and qualified name), so that the class of a cell run again replaces the first."""
    cls = target if isinstance(target, type) else type(target)
    attrs: dict[str, Any] = {
        "name": name,
        "target": target,
        "bar_minutes": bar_minutes,
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
    }
    reads = getattr(cls, "reads", None)
    if reads is not None:  # only then does it name its columns (`reads` is an optional power)
        attrs["reads"] = tuple(reads)
    return type(cls.__name__, (DrivenStrategy,), attrs)


def strategy_name(target: Any) -> str:
    cls = target if isinstance(target, type) else type(target)
    name = getattr(cls, "name", "") or cls.__qualname__
    return str(name)


def resolve(
    strategy: Any, params: Mapping[str, Any], default_gearbox: Mapping[str, str | None]
) -> StrategySpec:
    """`strategy=` as a `StrategySpec`: None (the default gearbox), a registered name, a class,
    an instance, or a mapping of regime -> any of those (None stands aside).

    With one strategy, `params` are its parameters; with a gearbox, `{name: {param: value}}`.
    """
    if strategy is None or isinstance(strategy, Mapping):
        mapping = dict(default_gearbox if strategy is None else strategy)
        gearbox: dict[str, str | None] = {}
        user: dict[str, Any] = {}
        for regime, target in mapping.items():
            if regime not in REGIMES:
                raise ValueError(
                    f"gearbox regime {regime!r} is not one of {', '.join(TRADED_REGIMES)}"
                )
            gearbox[regime] = _one(target, user)
        names = {n for n in gearbox.values() if n}
        per: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            if key not in names or not isinstance(value, Mapping):
                raise TypeError(
                    f"with a gearbox, parameters go by strategy name as dicts, e.g. "
                    f"{{'{sorted(names)[0] if names else 'name'}': {{...}}}}; got {key!r}; "
                    f"the strategies are: {', '.join(sorted(names))}"
                )
            per[key] = dict(value)
        for name, values in per.items():
            _check(name, user.get(name), values)
        return StrategySpec(gearbox, user, per)
    user = {}
    one = _one(strategy, user)
    assert one is not None
    name = one
    target = user.get(name)
    _check(name, target, dict(params))
    regimes = getattr(target, "regimes", TRADED_REGIMES) if target is not None else TRADED_REGIMES
    for regime in regimes:
        if regime not in TRADED_REGIMES:
            raise ValueError(f"{name}.regimes: {regime!r} is not one of {TRADED_REGIMES}")
    gearbox = {regime: (name if regime in regimes else None) for regime in TRADED_REGIMES}
    return StrategySpec(gearbox, user, {name: dict(params)} if params else {})


def _one(target: Any, user: dict[str, Any]) -> str | None:
    if target is None:
        return None
    if isinstance(target, str):
        known = registry.available()
        if target not in known and target not in user:
            close = difflib.get_close_matches(target, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown strategy {target!r}{hint}; registered: {', '.join(known)}")
        return target
    cls = target if isinstance(target, type) else type(target)
    if not callable(getattr(cls, "on_bar", None)):
        raise TypeError(
            f"{cls.__qualname__} is not a strategy: it needs on_bar(self, bar, f) (subclass "
            "tm.Strategy)"
        )
    name = strategy_name(target)
    if target is _registered(name):
        return name  # a registered class given as itself: no wrapper needed
    user[name] = target
    return name


def _check(name: str, target: Any, params: Mapping[str, Any]) -> None:
    if not params:
        return
    if target is None:
        factory = _registered(name)
        check_params(factory if isinstance(factory, type) else type(factory), params)
    elif isinstance(target, type):
        check_params(target, params)
    else:
        raise TypeError(
            f"{name} was given as an instance: set its parameters on it, or pass the class"
        )
