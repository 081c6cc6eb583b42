"""Reacton's widget update skipped where it changes nothing (sim.app.reconcile), and only there."""

from __future__ import annotations

import reacton
import reacton.ipywidgets as w

from sim.app import reconcile


def test_only_widgets_whose_arguments_changed_are_updated(monkeypatch):
    assert reconcile.install() and reconcile.install()  # once, and installed
    seen: list[tuple[str, bool]] = []
    unchanged = reconcile.unchanged

    def spy(element, widget, previous, kwargs):
        got = unchanged(element, widget, previous, kwargs)
        seen.append((type(widget).__name__, got))
        return got

    monkeypatch.setattr(reconcile, "unchanged", spy)
    setters = {}

    @reacton.component
    def View():
        n, set_n = reacton.use_state(0)
        setters["n"] = set_n
        with w.VBox() as box:
            w.IntSlider(value=5, description="fixed")  # the same every render
            w.Label(value=f"n={n}")  # changes with n
            w.Button(description="add", on_click=lambda: set_n(n + 1))  # a new listener each
        return box

    container, rc = reacton.render(View(), handle_error=False)
    slider, label, button = container.children[0].children
    seen.clear()
    setters["n"](1)
    assert label.value == "n=1"  # a changed argument is applied
    assert ("IntSlider", True) in seen and ("Label", False) in seen and ("Button", False) in seen
    button.click()  # the listener of the last render (n=1), not the first one's
    assert label.value == "n=2"
    slider.value = 9  # as the browser would set it
    setters["n"](3)
    assert slider.value == 5  # set back to the element's value, as reacton does
    assert label.value == "n=3"
    rc.close()


def test_equal_values_and_the_same_children_change_nothing():
    assert reconcile._same(1.0, 1)
    assert reconcile._same(("a", "b"), ["a", "b"])  # a container's children: a tuple held
    assert not reconcile._same(("a", "b"), ["b", "a"])
    assert not reconcile._same(reconcile._MISSING, None)
    assert not reconcile._same(0.5, "0.5")

    class Odd:
        def __eq__(self, other):
            raise ValueError("no one truth value")

    assert not reconcile._same(Odd(), Odd())
