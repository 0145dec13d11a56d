"""Helpers for recording agent CLIs shipped on npm (Claude Code, Codex, Gemini CLI, OpenCode).

Four things the Python-package recorders do not need:

* ``ensure_npm(name, ["pkg@1.2.3", ...])`` installs PINNED npm packages into
  a cached prefix (``VENV_ROOT/npm-<name>``) and returns the prefix; the
  install is skipped when a marker says the same list is already there.
  Both CLIs ship their native binary inside a registry package, so nothing
  is downloaded from elsewhere.
* ``isolate_network()`` re-runs the calling script inside a fresh network
  namespace whose only interface is loopback (``unshare --net``), so the
  fake LLM, the capture server and the CLI share 127.0.0.1 and any other
  address the CLI tries fails at once instead of leaving the machine.
  Call it after installing (the namespace has no route to the registry).
  Set ``AGENTTRACE_RECORD_NO_NETNS=1`` to skip it where ``unshare`` is not
  allowed; the recorders still point every endpoint at 127.0.0.1.
* ``npm_recorder_main(...)``: the command line every CLI recorder has
  (``--only VARIANT``, ``--install-only``): installs the pinned package, then
  records each variant in the isolated namespace;
* ``turns(rec, home_file, content, env, pinned)``: the ``ok`` and ``error``
  runs of a recording, each with its settings file written in the run's fresh
  HOME and, for a ``run`` variant, ``agenttrace-tui run``'s environment on top;
* ``telemetry_switches(prefix, url)``: the documented ``<PREFIX>_TELEMETRY_*``
  switches of Gemini CLI and its fork Qwen Code, every signal to ``url``;
* ``run_with_summary(rec, label, argv, env, ...)``: one recorded run of a CLI
  that prints a JSON summary on stdout (Claude Code's and Gemini CLI's
  ``--output-format json``), kept whole and parsed, under ``traced``;
* ``traced(argv, log)`` wraps a command in ``strace`` (when installed) so
  ``foreign_addresses(log)`` can list every non-loopback address the CLI
  tried to reach (connect/sendto), as ground truth for the manifest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from recording import VENV_ROOT, Recording, ensure_venv, recorder_main

_NETNS_MARK = "AGENTTRACE_RECORD_IN_NETNS"


def ensure_npm(name: str, packages: list[str]) -> Path:
    """An npm prefix under ``VENV_ROOT/npm-<name>`` holding exactly ``packages``."""
    prefix = VENV_ROOT / f"npm-{name}"
    marker = prefix / ".recording-packages.json"
    wanted = sorted(packages)
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return prefix
    if prefix.exists():
        shutil.rmtree(prefix)
    prefix.mkdir(parents=True)
    npm = shutil.which("npm")
    if not npm:
        raise SystemExit("npm is needed to install the CLI (apt-get install npm)")
    # --no-fund/--no-audit: no extra registry calls beyond the install itself.
    subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-fund", "--no-audit", "--loglevel=error", *packages],
        check=True,
    )
    marker.write_text(json.dumps(wanted))
    return prefix


def npm_version(prefix: Path, package: str) -> str | None:
    """The version of ``package`` installed under ``prefix`` (None when absent)."""
    pj = prefix / "node_modules" / package / "package.json"
    return json.loads(pj.read_text()).get("version") if pj.exists() else None


def isolate_network() -> bool:
    """Re-run this script in a loopback-only network namespace; True when inside one.

    Returns False (and the caller goes on in the current namespace) when the
    namespace cannot be made; never returns in the parent that re-ran itself.
    """
    if os.environ.get(_NETNS_MARK) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return True
    if os.environ.get("AGENTTRACE_RECORD_NO_NETNS") == "1":
        return False
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip:
        print("[netns] unshare or ip not found: recording without network isolation", file=sys.stderr)
        return False
    cmd = [unshare, "--net"] if os.geteuid() == 0 else [unshare, "--map-root-user", "--net"]
    probe = subprocess.run([*cmd, ip, "link", "set", "lo", "up"], capture_output=True)
    if probe.returncode != 0:
        print(f"[netns] {' '.join(cmd)} failed: recording without network isolation", file=sys.stderr)
        return False
    env = dict(os.environ, **{_NETNS_MARK: "1"})
    sys.stdout.flush()
    sys.exit(subprocess.run([*cmd, sys.executable, *sys.argv], env=env).returncode)


def isolated_recorder_main(name: str, packages: list[str], record: Callable[[Path, bool], None],
                           ensure: Callable[[str, list[str]], Path] | None = None) -> None:
    """``recorder_main`` of a recorder that runs its client in a loopback-only namespace
    (``isolate_network``: after installing, the namespace has no route to the registry):
    ``record(python, isolated)``."""
    recorder_main(name, packages, lambda python: record(python, isolate_network()), ensure=ensure)


def traced(argv: list[str], log: Path) -> list[str]:
    """``argv`` under strace logging network syscalls to ``log`` (unchanged without strace)."""
    strace = shutil.which("strace")
    if not strace:
        return argv
    return [strace, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(log), *argv]


def node_version() -> str:
    """``node --version`` of the Node.js the recorders run their clients' scripts with."""
    return subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()


def traced_turns(rec: Recording, argv: list[str], shown: list[str], env: dict[str, str]) -> dict[str, dict]:
    """The ``ok`` and ``error`` runs of ``argv`` (a Node.js client's script), each under strace
    (``traced``): their records name ``shown`` as the command and the addresses off loopback the
    client tried (``foreign_addresses``); returned by label, to add what a recorder notes."""
    runs = {}
    for label in ("ok", "error"):
        netlog = rec.tmp / f"strace-{label}.log"
        run = rec.run(label, traced(argv, netlog), env, mode=label)
        run["argv"] = shown
        run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        runs[label] = run
    return runs


_ADDR = re.compile(r'sin6?_port=htons\((\d+)\).*?inet(?:_pton\(AF_INET6, |_addr\()"([^"]+)"')
_DNS_NAME = re.compile(r'sendto\(\d+, "(?:\\\d+|[^"])*?\\\d+((?:[a-z0-9-]+\\\d+)+[a-z]+)\\0')


def foreign_addresses(log: Path) -> list[str]:
    """Sorted ``addr:port`` destinations other than loopback found in a strace log.

    DNS queries (to port 53) also get the queried name, decoded from the packet.
    """
    if not log.exists():
        return []
    found: set[str] = set()
    for line in log.read_text(errors="replace").splitlines():
        m = _ADDR.search(line)
        if not m:
            continue
        port, addr = m.group(1), m.group(2)
        if addr.startswith("127.") or addr in ("::1", "::ffff:127.0.0.1"):
            continue
        item = f"{addr}:{port}"
        if port == "53":
            name = _DNS_NAME.search(line)
            if name:
                item += " (DNS query " + re.sub(r"\\\d+", ".", name.group(1)) + ")"
        found.add(item)
    return sorted(found)


def npm_recorder_main(client: str, package: str, version: str, command: str, variants: Sequence[str],
                      record: Callable[[str, Path, str | None], object]) -> None:
    """Command line of an npm CLI recorder: install ``package@version`` (its ``command`` in the
    prefix's ``.bin``), then ``record(variant, command path, installed version)`` for each
    variant asked for (``--only``, all by default) inside the loopback-only namespace."""
    parser = argparse.ArgumentParser(description=f"Record {client} telemetry into fixtures/")
    parser.add_argument("--only", choices=list(variants), action="append", help="record only these variants")
    parser.add_argument("--install-only", action="store_true", help="only install the pinned CLI")
    args = parser.parse_args()
    prefix = ensure_npm(client, [f"{package}@{version}"])
    exe = prefix / "node_modules" / ".bin" / command
    installed = npm_version(prefix, package)
    if args.install_only:
        print(f"[{client}] installed {installed}: {exe}")
        return
    isolate_network()
    for name in args.only or list(variants):
        record(name, exe, installed)


#: The MCP server an agent CLI's recording starts over stdio (its venv's packages, its script):
#: ``get_weather`` on the MCP SDK's ``MCPServer``, no telemetry of its own (the MCP SDK sends none
#: without an instrumentation).
MCP_SERVER_PACKAGES = ["mcp==2.3.0"]
MCP_WEATHER_SERVER = '''
from mcp.server.mcpserver import MCPServer

mcp = MCPServer("weather")


@mcp.tool()
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


mcp.run(transport="stdio")
'''


def mcp_recorder_main(name: str, client: str, package: str, version: str, command: str,
                      record: Callable[..., object], variants: Sequence[str] | None = None,
                      executable: str | None = None) -> None:
    """Command line of a recorder of an npm CLI calling the weather MCP server's tool: install
    ``package@version`` and the server's venv (named after the recorder), then ``record(the CLI,
    its installed version, the venv's python)`` inside the loopback-only namespace. A recorder of
    several recordings (``variants``) makes those ``--only`` names, all by default:
    ``record(the CLI, its version, the python, variant)`` for each. ``executable``: the CLI's path
    in the npm prefix when the package puts no ``command`` in ``node_modules/.bin`` (a platform
    package holding the executable itself)."""
    parser = argparse.ArgumentParser(description=f"Record {name} telemetry into fixtures/")
    if variants is not None:
        parser.add_argument("--only", choices=list(variants), action="append", help="record only these variants")
    parser.add_argument("--install-only", action="store_true", help="only install the pinned CLI and server venv")
    args = parser.parse_args()
    prefix = ensure_npm(client, [f"{package}@{version}"])
    python = ensure_venv(name.replace("-", "_"), MCP_SERVER_PACKAGES)
    exe = prefix / (executable or f"node_modules/.bin/{command}")
    if args.install_only:
        print(f"[{name}] installed {npm_version(prefix, package)}: {exe}; server venv {python}")
        return
    isolate_network()
    if variants is None:
        record(exe, npm_version(prefix, package), python)
        return
    for variant in args.only or list(variants):
        record(exe, npm_version(prefix, package), python, variant)


def run_with_summary(rec: Recording, label: str, argv: list[str], env: dict[str, str], *, mode: str, quiet: float,
                     timeout: float, refuse_system: str | None = None) -> tuple[dict, object]:
    """One recorded run of a CLI whose stdout is its JSON summary: (the run's record, the summary
    parsed, or None). The record keeps only a tail of stdout, so a shell keeps all of it; the
    CLI runs under ``traced`` and the record lists the addresses it tried off loopback.
    ``refuse_system``: as ``Recording.run``'s."""
    netlog = rec.tmp / f"strace-{label}.log"
    result = rec.tmp / f"result-{label}.json"
    keep_stdout = ["sh", "-c", 'exec "$@" > "$0"', str(result)]
    run = rec.run(label, traced([*keep_stdout, *argv], netlog), env, mode=mode, quiet=quiet, timeout=timeout,
                  refuse_system=refuse_system)
    run["argv"] = [Path(argv[0]).name, *argv[1:]]
    run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
    try:
        summary = json.loads(result.read_text())
    except (OSError, ValueError):
        return run, None
    run["stdout_tail"] = "(see cli_results)"
    return run, summary


def turns(rec: Recording, home_file: str, content: str, env: dict[str, str],
          pinned: Callable[[str], dict[str, str]] | None = None) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(label, mode, environment) of the two runs of every recording, ``ok`` then ``error``:
    ``content`` written to ``home_file`` (a path in the run's HOME, which ``Recording.run``
    makes fresh per run) first; ``pinned(label)``, the environment ``agenttrace-tui run`` gives
    the command in a run variant, on top of ``env``."""
    for label, mode in (("ok", "ok"), ("error", "error")):
        path = rec.tmp / f"home-{label}" / home_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        yield label, mode, env | (pinned(label) if pinned is not None else {})


def telemetry_switches(prefix: str, otlp_url: str, traces: bool = False) -> dict[str, str]:
    """Gemini CLI's documented telemetry switches (``GEMINI``), or Qwen Code's (``QWEN``: the same
    under its name), every signal pointed at ``otlp_url``; ``traces``: Gemini CLI's spans switch."""
    env = {
        f"{prefix}_TELEMETRY_ENABLED": "true",
        f"{prefix}_TELEMETRY_TARGET": "local",
        f"{prefix}_TELEMETRY_OTLP_ENDPOINT": otlp_url,
        f"{prefix}_TELEMETRY_OTLP_PROTOCOL": "http",
        f"{prefix}_TELEMETRY_LOG_PROMPTS": "true",
    }
    if traces:
        env[f"{prefix}_TELEMETRY_TRACES_ENABLED"] = "true"
    return env
