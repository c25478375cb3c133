"""The countertop device model: events in, display / printer / beeper / status out (no UI code).

Use :class:`DeviceModel` with :class:`KeyPress`, :class:`CardPresented` and
:class:`CardRemoved` events; a Textual app renders its outputs.
"""

from pos_terminal.device.events import CardPresented, CardRemoved, DeviceEvent, Key, KeyPress
from pos_terminal.device.model import DeviceModel, IdleStep
from pos_terminal.device.more import MoreStep
from pos_terminal.device.refund import RefundStep
from pos_terminal.device.sale import SaleStep
from pos_terminal.device.screen import LINES, WIDTH
from pos_terminal.device.status import Beep, ConnectionState, DeviceStatus
from pos_terminal.device.void import VoidStep

__all__ = [
    "LINES",
    "WIDTH",
    "Beep",
    "CardPresented",
    "CardRemoved",
    "ConnectionState",
    "DeviceEvent",
    "DeviceModel",
    "DeviceStatus",
    "IdleStep",
    "Key",
    "KeyPress",
    "MoreStep",
    "RefundStep",
    "SaleStep",
    "VoidStep",
]
