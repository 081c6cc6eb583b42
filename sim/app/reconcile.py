"""Reacton's widget update, skipped where it would change nothing.

Each render of a session's page reconciles its whole element tree (~140 elements) and reacton
sets every widget's arguments again (``Element._update_widget``: ~70 widgets, ~300 traits a
render), each through traitlets' validation and comparison, although a setting change alters
a handful of them (``experiments/app/README.md``). :func:`install` wraps that method: when
every argument of a widget equals what the widget already holds (its children the same
widgets, in order) and every event listener is the one already attached, the update is
skipped, since setting them again would validate each one, find it equal and notify nothing
(traitlets notifies only changed values; reacton swaps listeners only when they differ).
Otherwise the update runs as reacton wrote it, whole. A value the browser changed (a slider's
``v_model``) differs from the element's, so it is set back as before.

Installed for the reacton versions it was written against (:data:`TESTED`); with another, the
page runs on reacton's own update and the server logs why.
"""

from __future__ import annotations

import logging

import reacton
import reacton.core

_log = logging.getLogger(__name__)
#: reacton versions whose ``Element._update_widget`` this wraps (read before it was written)
TESTED = ("1.11.",)
_MISSING = object()
_names: dict[type, frozenset[str]] = {}


def _same(held: object, value: object) -> bool:
    """Whether setting ``value`` over ``held`` would change nothing: the same object, or equal
    as traitlets compares them before it notifies (a list and a tuple of the same items, in
    order, as a container's children are held as a tuple); a comparison that fails: not."""
    if held is value:
        return True
    if held is _MISSING:
        return False
    try:
        if isinstance(value, list | tuple) and isinstance(held, list | tuple):
            return len(held) == len(value) and all(
                a is b or bool(a == b) for a, b in zip(held, value, strict=True)
            )
        return bool(held == value)
    except Exception:  # e.g. arrays, whose == is not one truth value
        return False


def unchanged(element, widget, previous, kwargs: dict) -> bool:
    """Whether reacton's update of ``widget`` from ``previous`` to ``element`` (its arguments
    ``kwargs``, children already widgets) would set nothing new."""
    if previous.kwargs.keys() - element.kwargs.keys():  # a dropped argument: reset to default
        return False
    cls = type(widget)
    names = _names.get(cls)
    if names is None:
        names = _names[cls] = frozenset(cls.class_trait_names())
    held = widget._trait_values
    for name, value in kwargs.items():
        if name.startswith("on_") and name not in names:  # an event listener
            if value != previous.kwargs.get(name):
                return False
        elif not _same(held.get(name, _MISSING), value):
            return False
    return True


def install() -> bool:
    """Wrap reacton's ``Element._update_widget`` (once); whether it is wrapped."""
    update = reacton.core.Element._update_widget
    if getattr(update, "_sim_skips_unchanged", False):
        return True
    version = getattr(reacton, "__version__", "?")
    if not version.startswith(TESTED):
        _log.warning("reacton %s is not %s: every widget is updated each render", version, TESTED)
        return False

    def _update_widget(self, widget, el_prev, kwargs):
        if unchanged(self, widget, el_prev, kwargs):
            return
        update(self, widget, el_prev, kwargs)

    _update_widget._sim_skips_unchanged = True
    reacton.core.Element._update_widget = _update_widget
    return True
