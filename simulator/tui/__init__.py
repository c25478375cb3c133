"""The device UI: a Textual app that renders :class:`pos_terminal.device.DeviceModel`.

The app only forwards key presses and card-reader actions to the model and renders
what the model outputs (display, printer, beeper, status) and what the terminal's
journal recorded (the message log). No transaction logic lives here.
"""

from __future__ import annotations

from simulator.tui.app import PossimApp

__all__ = ["PossimApp"]
