"""allure's result objects as the plain dicts its file logger writes, without ``attrs.asdict``'s cost.

allure-commons' ``AllureFileLogger`` writes ``attrs.asdict(item, filter=…)`` with a filter that
drops empty fields but keeps ``False``. ``attrs.asdict`` looks up the class's fields and calls the
filter through keyword-heavy recursion for every attribute of every nested label, parameter and
step; measured inside a 2,000-check run, taking the results' dicts that way cost the checks' thread
0.10 s. ``as_dict`` builds the same dict (same keys, order and nesting, lists for tuples and sets,
tuples for collection keys) with one function per class, generated once from its fields: each
field read by name, a plain value kept as it is, only a nested one converted (a test result holds
some fifteen labels and parameters: the per-field loop and look-ups were most of the cost);
``tests/test_allure_writer.py`` compares it with ``attrs.asdict`` on every kind of object a run
reports.

``json_default`` is the same reading for orjson, which encodes the dicts, lists and plain values
itself and asks only for what it cannot: an attrs object becomes the dict of its kept fields, their
values left as they are (orjson asks again for a nested object), a set a list. Encoded that way, a
result is read once, straight into its JSON, without a converted copy of it in between.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_ATOMIC: frozenset[type] = frozenset({type(None), bool, int, float, str, bytes})
_CONVERTERS: dict[type, Callable[[Any], dict[str, Any]] | None] = {}
_SHALLOW: dict[type, Callable[[Any], dict[str, Any]] | None] = {}


def _converter(cls: type) -> Callable[[Any], dict[str, Any]] | None:
    """The dict maker of an attrs class (``None`` when it is not one), generated at first use."""
    try:
        return _CONVERTERS[cls]
    except KeyError:
        fields = getattr(cls, "__attrs_attrs__", None)
        converter = _generate(tuple(field.name for field in fields)) if fields is not None else None
        _CONVERTERS[cls] = converter
        return converter


def _shallow(cls: type) -> Callable[[Any], dict[str, Any]] | None:
    """The kept fields of an attrs class, their values as they are (``None`` when not attrs)."""
    try:
        return _SHALLOW[cls]
    except KeyError:
        fields = getattr(cls, "__attrs_attrs__", None)
        converter = _generate(tuple(field.name for field in fields), nested=False) if fields is not None else None
        _SHALLOW[cls] = converter
        return converter


def _generate(names: tuple[str, ...], nested: bool = True) -> Callable[[Any], dict[str, Any]]:
    """``def convert(item)`` reading each field of ``names`` in order, as ``attrs.asdict`` with
    allure's filter would: kept when truthy or ``False``; converted unless a plain value, when
    ``nested`` (else left to the encoder)."""
    lines = ["def convert(item):", "    out = {}"]
    for name in names:
        if not name.isidentifier():  # pragma: no cover - attrs field names are identifiers
            raise ValueError(f"not a field name: {name!r}")
        kept = "value if type(value) in ATOMIC else plain(value, False)" if nested else "value"
        lines += [f"    value = item.{name}",
                  "    if value or value is False:",
                  f"        out[{name!r}] = {kept}"]
    lines.append("    return out")
    namespace: dict[str, Any] = {"ATOMIC": _ATOMIC, "plain": _plain}
    exec(compile("\n".join(lines), "<golive.allure_dict>", "exec"), namespace)  # field names only: checked above
    return namespace["convert"]  # type: ignore[no-any-return]


def as_dict(item: Any) -> dict[str, Any]:
    """``attrs.asdict(item, filter=<allure's filter>)``: every non-empty field, and every ``False``."""
    converter = _converter(type(item))
    if converter is None:
        raise TypeError(f"{type(item).__name__} is not an attrs class")
    return converter(item)


def _plain(value: Any, is_key: bool) -> Any:
    value_type = type(value)
    if value_type in _ATOMIC:
        return value
    converter = _converter(value_type)
    if converter is not None:
        return converter(value)
    if issubclass(value_type, (tuple, list, set, frozenset)):
        items = [_plain(element, False) for element in value]
        return tuple(items) if is_key else items
    if issubclass(value_type, dict):
        return {_plain(key, True): _plain(element, False) for key, element in value.items()}
    return value


def json_default(value: Any) -> Any:
    """orjson's ``default``: what ``as_dict`` makes of a value orjson cannot encode by itself."""
    converter = _shallow(type(value))
    if converter is not None:
        return converter(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
