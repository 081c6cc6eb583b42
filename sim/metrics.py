"""Outcome measures: blocs, polarity, burden sharing. Functions of a graph and arrays."""

from __future__ import annotations

import gc
import random
from collections import defaultdict

import networkx as nx
import numpy as np

BLOC_RESOLUTION = 0.5


def bloc_labels(
    graph: nx.Graph,
    order: list[str],
    capability: np.ndarray,
    seed: int | None = 0,
    resolution: float = BLOC_RESOLUTION,
) -> np.ndarray:
    """Label each nation with its bloc: a community of two or more allies.

    Blocs are the Louvain communities of the alliance graph, weighted by commitment (Blondel et
    al. 2008, "Fast unfolding of communities in large networks", *J. Stat. Mech.* P10008), so a
    single tie between two dense camps does not merge them as connected components would.
    ``resolution`` is gamma in the modularity ``sum_c L_c/m - gamma (d_c/2m)^2`` (Reichardt &
    Bornholdt 2006, "Statistical mechanics of community detection", *Phys. Rev. E* 74, 016110):
    below 1 it favours larger communities. Blocs are camps, not sub-alliances, so the default
    is 0.5: at 1, modularity splits the US and its Pacific allies from European NATO, and from
    year to year a few changed ties can flip the split.
    They are numbered 0, 1, ... by total capability, largest first; a nation with no ally gets
    -1. ``order`` gives the ISO3 code of each row of ``capability``; ``seed`` seeds the Louvain
    node order (:func:`louvain_communities`, the same communities as networkx's for that seed).
    ``bloc_labels(...) == rank_blocs(bloc_members(graph, order, seed), capability)``: a caller
    that knows the graph has not changed can keep the members and only rank them again.
    """
    return rank_blocs(bloc_members(graph, order, seed, resolution), capability)


def bloc_members(
    graph: nx.Graph, order: list[str], seed: int | None = 0, resolution: float = BLOC_RESOLUTION
) -> list[np.ndarray]:
    """The rows (positions in ``order``) of each Louvain community of two or more nations."""
    if graph.number_of_edges() == 0:
        return []
    index = {code: i for i, code in enumerate(order)}
    return [
        np.fromiter((index[c] for c in comp), dtype=np.int64)
        for comp in louvain_communities(graph, seed=seed, resolution=resolution)
        if len(comp) > 1
    ]


def rank_blocs(blocs: list[np.ndarray], capability: np.ndarray) -> np.ndarray:
    """Bloc label of each row: blocs numbered by total capability, largest first (-1: none).

    Equal capabilities are ordered by the bloc's smallest row.
    """
    labels = np.full(len(capability), -1, dtype=np.int64)
    weight = [(-capability[b].sum(), int(b.min())) for b in blocs]
    for rank, k in enumerate(sorted(range(len(blocs)), key=weight.__getitem__)):
        labels[blocs[k]] = rank
    return labels


def louvain_communities(
    graph: nx.Graph,
    weight: str = "weight",
    seed: int | None = 0,
    threshold: float = 1e-7,
    resolution: float = 1.0,
) -> list[set]:
    """Louvain communities of an undirected graph: ``networkx.community.louvain_communities``.

    The same algorithm, move order and random draws as networkx 3, so the same
    graph and seed give the same communities, but on plain lists and dicts: no graph copies,
    views or attribute dictionaries, several times faster on the alliance graph, where it runs
    every step. Each level moves every node (in an order shuffled with ``random.Random(seed)``)
    to the neighbouring community of largest modularity gain
    ``w_{u,C} m - (gamma/2) Sigma_C k_u`` while that is positive, then collapses communities into
    nodes; it stops when a level raises modularity by no more than ``threshold`` (Blondel et al.
    2008, "Fast unfolding of communities in large networks", *J. Stat. Mech.* P10008).
    ``tests/test_performance_invariants.py`` checks it against networkx.
    """
    nodes = list(graph)
    if graph.number_of_edges() == 0:
        return [{u} for u in nodes]
    # the algorithm makes thousands of small sets and dicts but no reference cycles: pausing the
    # cyclic garbage collector (which would otherwise walk the whole heap) halves its time
    paused = gc.isenabled()
    gc.disable()
    try:
        return _louvain(graph, nodes, weight, seed, threshold, resolution)
    finally:
        if paused:
            gc.enable()


def _louvain(
    graph: nx.Graph,
    nodes: list,
    weight: str,
    seed: int | None,
    threshold: float,
    resolution: float,
) -> list[set]:
    index = {u: k for k, u in enumerate(nodes)}
    adj = graph._adj
    # networkx first copies the graph edge by edge; its neighbour order is the copy's order
    nbrs: list[dict[int, float]] = [{} for _ in nodes]
    m2 = 0.0  # the original graph's weighted degree sum (2m), summed as networkx's size()
    seen: set = set()
    for u, around in adj.items():
        iu = index[u]
        weights = [d.get(weight, 1) for d in around.values()]
        m2 += sum(weights) + (around[u].get(weight, 1) if u in around else 0)
        for v, wt in zip(around, weights, strict=True):
            if v not in seen:
                iv = index[v]
                nbrs[iu][iv] = wt
                nbrs[iv][iu] = wt
        seen.add(u)
    m = m2 / 2
    rng = random.Random(seed) if not isinstance(seed, random.Random) else seed
    members: list[set[int]] = [{k} for k in range(len(nodes))]  # original nodes per node
    singletons = [{k} for k in range(len(nodes))]
    mod = _modularity(nbrs, singletons, _degrees(nbrs), resolution)
    partition, inner, _, degrees = _one_level(nbrs, members, singletons, m, rng, resolution)
    while True:
        result = [{nodes[k] for k in part} for part in partition]
        new_mod = _modularity(nbrs, inner, degrees, resolution)
        if new_mod - mod <= threshold:
            return result
        mod = new_mod
        nbrs, members = _aggregate(nbrs, inner, members)
        partition, inner, improvement, degrees = _one_level(
            nbrs, members, partition, m, rng, resolution
        )
        if not improvement:
            return result


def _degrees(nbrs: list[dict[int, float]]) -> list[float]:
    """Weighted degrees as networkx counts them (a self-loop twice)."""
    return [sum(around.values()) + around.get(u, 0) for u, around in enumerate(nbrs)]


def _one_level(
    nbrs: list[dict[int, float]],
    members: list[set[int]],
    partition: list[set[int]],
    m: float,
    rng: random.Random,
    resolution: float,
) -> tuple[list[set[int]], list[set[int]], bool, list[float]]:
    """One level of moves (networkx ``_one_level``, undirected).

    Returns the partition of the original nodes, that of this level's nodes, whether any node
    moved, and this level's weighted degrees.
    """
    n = len(nbrs)
    node2com = list(range(n))
    inner = [{u} for u in range(n)]
    degrees = _degrees(nbrs)
    stot = list(degrees)
    loopless = [[(v, w) for v, w in around.items() if v != u] for u, around in enumerate(nbrs)]
    order = list(range(n))
    rng.shuffle(order)  # all nodes, so the draws match networkx's ...
    order = [u for u in order if loopless[u]]  # ... but a node with no neighbour never moves
    gamma = resolution / 2  # networkx's gain scaled by m^2
    improvement = False
    moves = 1
    while moves > 0:
        moves = 0
        for u in order:
            u_com = node2com[u]
            by_com: defaultdict[int, float] = defaultdict(float)
            for v, wt in loopless[u]:
                by_com[node2com[v]] += wt
            degree = degrees[u]
            stot[u_com] -= degree
            best_gain = by_com.get(u_com, 0.0) * m - gamma * (stot[u_com] * degree)
            best_com = u_com
            for c, wt in by_com.items():
                gain = wt * m - gamma * (stot[c] * degree)
                if gain > best_gain:
                    best_gain = gain
                    best_com = c
            stot[best_com] += degree
            if best_com != u_com:
                partition[u_com].difference_update(members[u])
                partition[best_com].update(members[u])
                inner[u_com].remove(u)
                inner[best_com].add(u)
                improvement = True
                moves += 1
                node2com[u] = best_com
    return [p for p in partition if p], [p for p in inner if p], improvement, degrees


def _aggregate(
    nbrs: list[dict[int, float]], inner: list[set[int]], members: list[set[int]]
) -> tuple[list[dict[int, float]], list[set[int]]]:
    """Collapse each community into one node (networkx ``_aggregate_graph``)."""
    node2com = {}
    new_members = []
    for c, part in enumerate(inner):
        joined: set[int] = set()
        for u in part:
            node2com[u] = c
            joined.update(members[u])
        new_members.append(joined)
    out: list[dict[int, float]] = [{} for _ in inner]
    seen: set[int] = set()
    for u, around in enumerate(nbrs):
        for v, wt in around.items():
            if v in seen:
                continue
            a, b = node2com[u], node2com[v]
            if b in out[a]:
                total = wt + out[a][b]
                out[a][b] = total
                out[b][a] = total
            else:
                out[a][b] = wt
                out[b][a] = wt
        seen.add(u)
    return out, new_members


def _modularity(
    nbrs: list[dict[int, float]],
    communities: list[set[int]],
    degrees: list[float],
    resolution: float,
) -> float:
    """Newman's modularity ``sum_c L_c / m - gamma (d_c / 2m)^2`` (networkx ``modularity``)."""
    deg_sum = sum(degrees)
    m = deg_sum / 2
    if m == 0:
        return 0
    norm = 1 / deg_sum**2
    total = 0.0
    for comm in communities:
        inside = 0.0
        seen: set[int] = set()
        for u in comm:
            for v, wt in nbrs[u].items():
                if v in comm and v not in seen:
                    inside += wt
            seen.add(u)
        d = sum(degrees[u] for u in comm)
        total += inside / m - resolution * d * d * norm
    return total


def polarity(labels: np.ndarray, capability: np.ndarray) -> float:
    """Effective number of poles, ``1 / sum_u c_u^2`` over units u (blocs and unaligned nations).

    ``c_u`` is a unit's share of world capability (Laakso & Taagepera 1979, "Effective number
    of parties", *Comparative Political Studies* 12(1), applied to power shares). With no
    capability anywhere (every share zero) the units count equally: the number of units.
    """
    total = capability.sum()
    if not total > 0:
        n_blocs = len(np.unique(labels[labels >= 0]))
        return float(n_blocs + np.count_nonzero(labels < 0))
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
    r"""Spearman rank correlation between allies' GDP and defence share.

    Olson & Zeckhauser (1966) predict a positive value: large allies carry a disproportionate
    share of the common defence. Spearman's rho: the Pearson correlation of the ranks, ties
    taking their average rank (:func:`average_ranks`),

    .. math:: \rho = \operatorname{corr}(\operatorname{rank}(g), \operatorname{rank}(s)),

    computed as ``scipy.stats.spearmanr`` computes it (``np.corrcoef`` of the two rank columns,
    equal to its statistic bit for bit; scipy.stats itself is not imported: ~0.9 s of every
    command's start). NaN when there are fewer than three allies, either variable is constant
    (no ranking to correlate; scipy would warn) or holds a NaN (scipy's ``nan_policy``
    "propagate"). Spearman (1904), *Am. J. Psychol.* 15(1), 72-101.
    """
    if len(gdp) < 3 or np.ptp(gdp) == 0 or np.ptp(share) == 0:
        return float("nan")
    if np.isnan(gdp).any() or np.isnan(share).any():
        return float("nan")
    ranks = np.column_stack((average_ranks(gdp), average_ranks(share)))
    return float(np.corrcoef(ranks, rowvar=False)[1, 0])


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values``, tied values taking the mean of the ranks they span
    (``scipy.stats.rankdata(values, method="average")``): for a run of equal values at sorted
    positions :math:`i..j` (0-based), each gets :math:`(i + j)/2 + 1`."""
    values = np.asarray(values)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]]  # where a run of equal values starts
    dense = np.empty(len(values), dtype=np.intp)
    dense[order] = np.cumsum(new)  # 1-based run number of each value
    # run k (1-based) spans the sorted positions ends[k-1] .. ends[k] - 1
    ends = np.r_[np.flatnonzero(new), len(values)]
    return 0.5 * (ends[dense] + ends[dense - 1] + 1)
