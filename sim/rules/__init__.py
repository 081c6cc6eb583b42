"""The model's rules, each a component with pure functions behind it, and their registries.

``BUDGET_RULES[name]`` and ``ALLIANCE_RULES[name]`` are the component classes a config group's
``name`` selects (:mod:`sim.rules.base` says what a rule answers). To add a rule: write its
module (config dataclass, component, pure functions), add ``configs/<group>/<name>.yaml`` and
one entry below (or call ``BUDGET_RULES.register(MyRule)`` from your own code). Importing this
package loads neither Mesa nor Hydra.
"""

from __future__ import annotations

from sim.rules.balance import Balance
from sim.rules.base import Registry
from sim.rules.fixed import FixedBudget
from sim.rules.landscape import Landscape
from sim.rules.none import NoAlliances
from sim.rules.richardson import Richardson
from sim.rules.threat_response import ThreatResponse
from sim.rules.utility import Utility

BUDGET_RULES = Registry("budget_rule", [ThreatResponse, Richardson, FixedBudget])
ALLIANCE_RULES = Registry("alliance_rule", [Utility, Landscape, Balance, NoAlliances])
