"""The device's parts, one widget per module."""

from __future__ import annotations

from simulator.tui.widgets.card_reader import CardReader
from simulator.tui.widgets.key_hint import KeyHint
from simulator.tui.widgets.keypad import Keypad
from simulator.tui.widgets.lcd import Lcd
from simulator.tui.widgets.message_log import MessageLog
from simulator.tui.widgets.printer import Printer
from simulator.tui.widgets.status_bar import StatusBar

__all__ = ["CardReader", "KeyHint", "Keypad", "Lcd", "MessageLog", "Printer", "StatusBar"]
