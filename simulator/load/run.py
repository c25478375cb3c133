"""A whole load run: the embedded host when no host URL is given, one process or several workers, the report."""

from __future__ import annotations

from pathlib import Path

from protocols.defaults import MERCHANT_ID, TEST_KEYS
from iso8583.channels import ServerLimits
from simulator.host.config import HostConfig, RefundPolicy, TerminalEntry
from simulator.host.server import HostServer
from simulator.load.plan import LoadPlan
from simulator.load.report import LoadReport
from simulator.load.runner import ProgressSink, Share, run_share
from simulator.load.terminal import terminal_config
from simulator.load.workers import run_workers

EMBEDDED_LISTEN = "tcp://127.0.0.1:0"


async def _start_embedded_host(plan: LoadPlan, data_dir: Path) -> HostServer:
    """The host emulator on 127.0.0.1 (any free port), knowing exactly the simulated terminals."""
    host_dir = data_dir / "host"
    host_dir.mkdir(parents=True, exist_ok=True)
    config = HostConfig(data_dir=host_dir, dialect=plan.dialect, listen=EMBEDDED_LISTEN,
                        terminals={tid: TerminalEntry(tid, MERCHANT_ID) for tid in plan.terminal_ids()},
                        refund_policy=LOAD_REFUND_POLICY, limits=load_limits(plan))
    server = HostServer(config, listen=EMBEDDED_LISTEN)
    await server.start()
    return server


async def run_load(plan: LoadPlan, *, host_url: str | None, data_dir: Path,
                   progress: ProgressSink | None = None) -> LoadReport:
    """Run ``plan`` against ``host_url`` (None: the embedded host on 127.0.0.1) and report.

    With ``plan.workers`` > 1 the terminals run in that many processes; the embedded host, if
    any, stays in this one. ``progress`` gets a snapshot of the run about twice a second.
    """
    if host_url is not None:
        terminal_config(plan.terminal_ids()[0], host_url=host_url)  # a malformed URL: ConfigError naming host_url
    server = await _start_embedded_host(plan, data_dir) if host_url is None else None
    try:
        url = server.url if server is not None else host_url
        assert url is not None
        if plan.workers > 1:
            tally = await run_workers(plan, url, data_dir, progress)
        else:
            tally = await run_share(Share(plan, url, data_dir, tuple(plan.terminal_ids())), progress=progress)
    finally:
        if server is not None:
            await server.stop()
    return LoadReport.build(plan, url, server is not None, tally)


LOAD_REFUND_POLICY = RefundPolicy(max_refunds_per_card_per_day=0, max_refunds_per_terminal_per_day=0)
"""Every load terminal refunds the same test card all day: the host's velocity checks would refuse it."""


def load_limits(plan: LoadPlan) -> ServerLimits:
    """The host's per-connection bounds for a load run: every load terminal has its own connection and
    sends back to back, which the abuse limits (docs/host-limits.md) would slow down."""
    return ServerLimits(max_connections=max(ServerLimits().max_connections, plan.terminals + 8),
                        max_frames_per_second=0, idle_timeout=0)


def host_config_text(plan: LoadPlan, merchant_id: str = MERCHANT_ID) -> str:
    """A whole ``host.toml`` for a new host data folder: the load terminals (test keys), refund velocity checks
    and the per-connection limits off. To add the terminals to an existing host.toml use
    :func:`host_terminals_text`: TOML cannot reopen a ``[refund_policy]`` or ``[limits]`` table it already has."""
    lines = [f"# possim load: a whole host.toml for {plan.terminals} load terminals with the test keys (a new file;",
             "# to add them to an existing host.toml: possim load --print-host-terminals >> host.toml)",
             "", "[refund_policy]  # every load terminal refunds the same test card: no velocity limits",
             *_POLICY, "", "[limits]  # every load terminal sends back to back on its own connection: no rate or cap",
             *_limit_lines(plan)]
    for terminal_id in plan.terminal_ids():
        lines += ["", "[[terminals]]", f'terminal_id = "{terminal_id}"', f'merchant_id = "{merchant_id}"']
    return "\n".join(lines) + "\n"


_POLICY = ("max_refunds_per_card_per_day = 0", "max_refunds_per_terminal_per_day = 0")


def _limit_lines(plan: LoadPlan) -> list[str]:
    return [f"max_connections = {load_limits(plan).max_connections}", "max_frames_per_second = 0", "idle_timeout = 0"]


def host_terminals_text(plan: LoadPlan, merchant_id: str = MERCHANT_ID) -> str:
    """``[[terminals]]`` tables to append to an existing ``host.toml`` (appending array-of-tables entries is
    always valid TOML). Each names the documented test keys, so it works in a file whose other terminals
    have private keys (a key left out is refused there); the policy and limits a load run wants are
    comments to merge by hand into the file's own tables."""
    lines = [f"# possim load: {plan.terminals} load terminals with the documented test keys, to append to host.toml.",
             "# Merge into its [refund_policy]: " + ", ".join(_POLICY),
             "# Merge into its [limits]: " + ", ".join(_limit_lines(plan))]
    for terminal_id in plan.terminal_ids():
        lines += ["", "[[terminals]]", f'terminal_id = "{terminal_id}"', f'merchant_id = "{merchant_id}"',
                  f'tmk = "{TEST_KEYS.terminal_master_key.hex().upper()}"',
                  f'tdes_bdk = "{TEST_KEYS.tdes_bdk.hex().upper()}"', f'aes_bdk = "{TEST_KEYS.aes_bdk.hex().upper()}"']
    return "\n".join(lines) + "\n"
