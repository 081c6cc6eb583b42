"""Outcome measures: blocs, polarity, burden sharing. Functions of a graph and arrays."""

from __future__ import annotations

import networkx as nx
import numpy as np


def bloc_labels(
    graph: nx.Graph, order: list[str], capability: np.ndarray, seed: int | None = 0
) -> np.ndarray:
    """Label each nation with its bloc: a community of two or more allies.

    Blocs are the Louvain communities of the alliance graph, weighted by commitment (Blondel et
    al. 2008, "Fast unfolding of communities in large networks", *J. Stat. Mech.* P10008), so a
    single tie between two dense camps does not merge them as connected components would.
    They are numbered 0, 1, ... by total capability, largest first; a nation with no ally gets
    -1. ``order`` gives the ISO3 code of each row of ``capability``; ``seed`` is passed to
    networkx.
    """
    index = {code: i for i, code in enumerate(order)}
    labels = np.full(len(order), -1, dtype=np.int64)
    if graph.number_of_edges() == 0:
        return labels
    communities = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    blocs = [
        np.fromiter((index[c] for c in comp), dtype=np.int64)
        for comp in communities
        if len(comp) > 1
    ]
    weight = [(-capability[b].sum(), int(b.min())) for b in blocs]
    for rank, k in enumerate(sorted(range(len(blocs)), key=weight.__getitem__)):
        labels[blocs[k]] = rank
    return labels


def polarity(labels: np.ndarray, capability: np.ndarray) -> float:
    """Effective number of poles, ``1 / sum_u c_u^2`` over units u (blocs and unaligned nations).

    ``c_u`` is a unit's share of world capability (Laakso & Taagepera 1979, "Effective number
    of parties", *Comparative Political Studies* 12(1), applied to power shares).
    """
    total = capability.sum()
    if total <= 0:
        return float("nan")
    bloc_caps = np.bincount(labels[labels >= 0], weights=capability[labels >= 0])
    units = np.concatenate([bloc_caps[bloc_caps > 0], capability[labels < 0]]) / total
    return float(1.0 / np.sum(units**2))


def share_at_target(share: np.ndarray, target: np.ndarray) -> float:
    """Fraction of nations with an alliance guideline (target > 0) that meet it (NaN if none)."""
    has = target > 0
    if not has.any():
        return float("nan")
    return float(np.mean(share[has] >= target[has] - 1e-12))


def burden_correlation(gdp: np.ndarray, share: np.ndarray) -> float:
    """Spearman rank correlation between allies' GDP and defence share.

    Olson & Zeckhauser (1966) predict a positive value: large allies carry a disproportionate
    share of the common defence. Ties are ranked by their average rank.
    """
    if len(gdp) < 3:
        return float("nan")

    def rank(x: np.ndarray) -> np.ndarray:
        order = np.argsort(x, kind="stable")
        ranks = np.empty(len(x))
        ranks[order] = np.arange(len(x), dtype=float)
        for value in np.unique(x):
            tied = x == value
            ranks[tied] = ranks[tied].mean()
        return ranks

    return float(np.corrcoef(rank(gdp), rank(share))[0, 1])
