"""JUnit XML of scenario runs, for CI systems: one ``<testsuite>`` per scenario file, one ``<testcase>`` per step.

The document follows the JUnit schema that CI systems read (Jenkins xUnit plugin's
``junit-10.xsd``, also used by pytest's own tests): ``testsuites`` > ``testsuite`` (name, tests,
failures, errors, skipped, time, timestamp, hostname, file) > ``properties`` and ``testcase``
(name, classname, time) with a ``failure`` (an expectation did not hold), an ``error`` (the step
could not run) or ``skipped``, and the step's messages in ``system-out``. Nothing in it shows
cardholder data in clear: results carry masked PANs only and checks mask sensitive fields.
"""

from __future__ import annotations

import socket
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from simulator.scenario.runner import ScenarioReport, StepReport, StepStatus

SUITES_NAME = "possim scenario"


def junit_tree(reports: Sequence[ScenarioReport]) -> ET.ElementTree:
    """The JUnit document of ``reports``."""
    root = ET.Element("testsuites", {
        "name": SUITES_NAME,
        "tests": str(sum(len(report.steps) for report in reports)),
        "failures": str(sum(report.count(StepStatus.FAILED) for report in reports)),
        "errors": str(sum(report.count(StepStatus.ERROR) for report in reports)),
        "time": _seconds(sum(report.seconds for report in reports)),
    })
    hostname = socket.gethostname()
    for report in reports:
        root.append(_suite(report, hostname))
    ET.indent(root)
    return ET.ElementTree(_sanitised(root))


def write_junit(reports: Sequence[ScenarioReport], path: Path) -> None:
    """Write the JUnit document of ``reports`` to ``path`` (UTF-8, with an XML declaration)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_tree(reports).write(path, encoding="utf-8", xml_declaration=True)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry, not even escaped (section 2.2): a name or message holding one would make
the report not well-formed, so each is written as ``\\xNN`` (``\\uNNNN``) instead."""


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids written out as an escape a person can read."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m[0]):02X}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04X}", text)


def _sanitised(element: ET.Element) -> ET.Element:
    """``element`` and its descendants with :func:`xml_safe` text, tails and attribute values."""
    for node in element.iter():
        node.attrib = {key: xml_safe(value) for key, value in node.attrib.items()}
        if node.text:
            node.text = xml_safe(node.text)
        if node.tail:
            node.tail = xml_safe(node.tail)
    return element


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _suite(report: ScenarioReport, hostname: str) -> ET.Element:
    scenario = report.scenario
    attributes = {
        "name": scenario.name,
        "tests": str(len(report.steps)),
        "failures": str(report.count(StepStatus.FAILED)),
        "errors": str(report.count(StepStatus.ERROR)),
        "skipped": str(report.count(StepStatus.SKIPPED)),
        "time": _seconds(report.seconds),
        "timestamp": report.started.replace(microsecond=0, tzinfo=None).isoformat(),
        "hostname": hostname,
    }
    if scenario.path is not None:
        attributes["file"] = str(scenario.path)
    suite = ET.Element("testsuite", attributes)
    properties = ET.SubElement(suite, "properties")
    for name, value in (("description", scenario.description), ("host", report.host or "")):
        if value:
            ET.SubElement(properties, "property", {"name": name, "value": value})
    for step in report.steps:
        suite.append(_case(scenario.label, scenario.name, step))
    return suite


def _case(classname: str, scenario_name: str, step: StepReport) -> ET.Element:
    case = ET.Element("testcase", {"name": step.name, "classname": classname, "time": _seconds(step.seconds)})
    if step.status is StepStatus.FAILED:
        lines = [f"step {step.name!r} of {scenario_name!r}: {check.describe()}" for check in step.failures]
        failure = ET.SubElement(case, "failure", {"message": lines[0], "type": "ExpectationFailed"})
        failure.text = "\n".join(lines)
    elif step.status is StepStatus.ERROR:
        error = ET.SubElement(case, "error", {"message": f"step {step.name!r} of {scenario_name!r} could not run: "
                                                         f"{step.error}", "type": step.error_type or "Error"})
        error.text = step.error
    elif step.status is StepStatus.SKIPPED:
        ET.SubElement(case, "skipped", {"message": step.error or "skipped"})
    output = _system_out(step)
    if output:
        ET.SubElement(case, "system-out").text = output
    return case


def _system_out(step: StepReport) -> str:
    lines = []
    if step.messages:
        lines.append("messages: " + " ".join(
            f"{'>>' if message['direction'] == 'out' else '<<'}{message['mti']}"
            + (f"(mac {message['mac']})" if message["mac"] else "") for message in step.messages))
    if step.result is not None:
        result = step.result
        lines.append(f"result: {step.operation} -> "
                     + ("approved" if result.get("approved") else str(result.get("response_code") or result.get("error"))))
    return "\n".join(lines)
