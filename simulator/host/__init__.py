"""The acquirer host emulator: ``HostLogic`` (sans I/O), its journal and rules, and ``HostServer``."""

from simulator.host.config import CreditChannel, CreditModel, HostConfig, TerminalProfile, load_host_config
from simulator.host.decision import HostDecision, Outcome
from simulator.host.journal import Cause, Direction, HostJournal, Status
from simulator.host.logic import HostLogic
from simulator.host.rules import Rule, RuleAction, RuleSet, load_rules

__all__ = [
    "Cause", "CreditChannel", "CreditModel", "Direction", "HostConfig", "HostDecision", "HostJournal", "HostLogic",
    "Outcome", "Rule", "RuleAction", "RuleSet", "Status", "TerminalProfile", "load_host_config", "load_rules",
]
