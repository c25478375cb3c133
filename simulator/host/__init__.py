"""The acquirer host emulator: ``HostLogic`` (sans I/O), its journal and rules, and ``HostServer``."""

from simulator.host.config import CreditChannel, CreditModel, HostConfig, TerminalEntry, load_host_config
from simulator.host.decision import Delivery, HostDecision
from simulator.host.journal import Cause, Direction, HostJournal, Status
from simulator.host.logic import HostLogic
from simulator.host.records import HostTransaction
from simulator.host.rules import Rule, RuleAction, RuleSet, load_rules
from simulator.host.services import HostServices

__all__ = [
    "Cause", "CreditChannel", "CreditModel", "Delivery", "Direction", "HostConfig", "HostDecision", "HostJournal",
    "HostLogic", "HostServices", "HostTransaction", "Rule", "RuleAction", "RuleSet", "Status", "TerminalEntry",
    "load_host_config", "load_rules",
]
