"""The run's figures carry the keys a reader needs to decode them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sim.config import compose  # noqa: E402
from sim.plots import network_map_figure  # noqa: E402
from sim.runner import simulate  # noqa: E402


def test_alliance_map_has_a_key_for_dot_sizes():
    model = simulate(compose(["model.steps=1", "figures=false"]))
    nations = model.nations_table()
    final = nations[nations.step == nations.step.max()]
    fig = network_map_figure(model.graph, final)
    try:
        ax = fig.axes[0]
        legends = [a for a in ax.get_children() if isinstance(a, matplotlib.legend.Legend)]
        titles = [lg.get_title().get_text() for lg in legends]
        assert "capability (US$)" in titles, titles
        key = legends[titles.index("capability (US$)")]
        labels = [t.get_text() for t in key.get_texts()]
        assert labels == ["10 tn", "1 tn", "100 bn"], labels  # the US stock is ~10-20 tn
        # each key dot has the area a nation of that capability gets on the map (area is linear
        # in sqrt(capability), so interpolating between the nations' dots is exact)
        areas = ax.collections[-1].get_sizes()
        caps = final.set_index("iso3").loc[list(model.graph), "capability"].to_numpy()
        assert caps.min() < 1e11 and caps.max() > 1e13
        for handle, value in zip(key.legend_handles, (1e13, 1e12, 1e11), strict=True):
            expected = np.interp(np.sqrt(value), np.sqrt(np.sort(caps)), np.sort(areas))
            assert handle.get_markersize() ** 2 == pytest.approx(expected, rel=1e-6)
    finally:
        plt.close(fig)
