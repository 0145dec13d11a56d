"""The telemetry settings an agent needs to report to the monitor, in one place.

Used by ``agenttrace-tui run`` (set for the command it starts) and
``agenttrace-tui env`` (printed for a shell). The groups:

* ``otel``: any OpenTelemetry SDK: endpoint and protocol, the batch queues
  raised (the SDK's 2,048-span default drops spans silently in bursts), a
  prompt export, the service name, and ``session.id`` and the session pin
  (``agenttrace.session.id``) as resource attributes;
* ``claude``: Claude Code's switches (telemetry on, logs and metrics over
  OTLP, short intervals, prompt text; the traces beta behind a flag);
* ``gemini``: Gemini CLI's switches (``GEMINI_TELEMETRY_*``: telemetry on,
  to the local OTLP/HTTP receiver, its spans and the prompt text too); it reads
  the ``otel`` group's resource attributes (the run's session pin);
* ``qwen``: Qwen Code's switches (``QWEN_TELEMETRY_*``, as Gemini CLI's), and its sensitive span
  attributes (``QWEN_SENSITIVE``: a tool call's arguments and result on its span), the user's own
  value kept;
* ``opencode``: OpenCode exports its runtime's spans to the ``otel`` group's
  endpoint by itself, but a model call's tokens only with its AI SDK telemetry
  on (``experimental.openTelemetry``), which ``run`` adds to the inline
  configuration it reads last (``OPENCODE_CONFIG_CONTENT``, yours kept);
* ``copilot``: GitHub Copilot CLI turns its OpenTelemetry on when the ``otel``
  group's endpoint is set; this adds the prompt, answer and tool-argument text
  (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``, the user's own value kept);
* ``droid``: Factory's Droid sends its own OTLP export (``OTEL_TELEMETRY_ENDPOINT``, else the ``otel``
  group's endpoint) as ``droid.*`` metrics alone unless its format is ``genai`` (GenAI spans of its
  turns, model and tool calls); this sets the endpoint, that format and its message-content switch
  (``OTEL_LOG_MESSAGE_CONTENT``), the user's own format and switch kept;
* ``codex``: Codex reads only ``$CODEX_HOME/config.toml``, so ``run`` makes a
  temporary overlay of the user's Codex home (every entry linked, never
  modified) whose config.toml is the user's plus an ``[otel]`` section;
* ``sdk``: our own SDK's ``AGENTTRACE_ENDPOINT`` (the native UDP port, else
  TCP, else the Unix socket: ``native_endpoint``) and session id.

With the OTLP/HTTP receiver off, OpenTelemetry exporters are pointed at
OTLP/gRPC (``otlp_target``); with a receiver group all off, ``env`` says so in
a comment rather than print an endpoint nothing listens on.

With the monitor's shared token set, every group carries it: the OTLP
``Authorization: Bearer`` header (``OTEL_EXPORTER_OTLP_HEADERS``, Codex's
``headers``) and ``AGENTTRACE_TOKEN`` for the SDK's hello line.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..normalize.conventions import PINNED_SESSION_KEY

GROUPS = ("otel", "claude", "gemini", "qwen", "opencode", "copilot", "droid", "codex", "sdk")
#: Agent CLIs that name their own service: ``run`` leaves OTEL_SERVICE_NAME alone for them (and for
#: the commands their tools run). Kilo Code (``kilo``, ``kilocode``), OpenCode's fork, names its
#: service ``opencode``; the ``otel`` group's endpoint is all it reads (its ``experimental.openTelemetry``
#: is its product analytics' opt-out, not OpenCode's switch: ``run`` leaves its configuration alone).
#: The Continue CLI (``cn``) names its metrics' service ``continue-cli``; the Claude Code group's
#: ``OTEL_METRICS_EXPORTER=otlp`` is the switch it needs beside the endpoint. Factory's Droid names its
#: service ``cli`` whatever the environment says.
SELF_NAMED = frozenset({"claude", "codex", "gemini", "qwen", "opencode", "kilo", "kilocode", "copilot", "cn",
                        "droid"})


def otel_env(otlp_port: int, session_id: str | None = None, service: str | None = None,
             base: Mapping[str, str] | None = None, token: str | None = None,
             protocol: str = "http/protobuf") -> dict[str, str]:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{otlp_port}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
        "OTEL_BSP_MAX_QUEUE_SIZE": "65536",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2048",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_MAX_QUEUE_SIZE": "65536",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
    }
    if token:
        # OTEL_EXPORTER_OTLP_HEADERS is key=value pairs with percent-encoded values (the space too).
        prev = (base or {}).get("OTEL_EXPORTER_OTLP_HEADERS", "").strip().strip(",")
        prev = ",".join(p for p in prev.split(",") if p and p.split("=", 1)[0].strip().lower() != "authorization")
        own = f"Authorization=Bearer%20{_attr_value(token)}"
        env["OTEL_EXPORTER_OTLP_HEADERS"] = f"{prev},{own}" if prev else own
    if service:
        env["OTEL_SERVICE_NAME"] = service
    if session_id:
        # Kept beside the user's own resource attributes (theirs first: ours wins on a clash).
        # session.id for any backend; the pin files what the command sends under this
        # session even where its records name their own (Claude Code, Codex).
        prev = (base or {}).get("OTEL_RESOURCE_ATTRIBUTES", "").strip().strip(",")
        value = _attr_value(session_id)
        own = f"session.id={value},{PINNED_SESSION_KEY}={value}"
        env["OTEL_RESOURCE_ATTRIBUTES"] = f"{prev},{own}" if prev else own
    return env


def _attr_value(value: str) -> str:
    # OTEL_RESOURCE_ATTRIBUTES values are percent-encoded where they hold , = % or spaces.
    return re.sub(r"[,=%\s]", lambda m: f"%{ord(m.group()):02X}", value)


def claude_env(traces_beta: bool = False) -> dict[str, str]:
    env = {
        "CLAUDE_CODE_ENABLE_TELEMETRY": "1",
        "OTEL_LOGS_EXPORTER": "otlp",
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_LOGS_EXPORT_INTERVAL": "1000",
        "OTEL_METRIC_EXPORT_INTERVAL": "5000",
        "OTEL_LOG_USER_PROMPTS": "1",
        # An MCP tool's name (and its server's): without it every MCP tool is reported as "mcp_tool".
        "OTEL_LOG_TOOL_DETAILS": "1",
    }
    if traces_beta:
        env["CLAUDE_CODE_ENHANCED_TELEMETRY_BETA"] = "1"
        env["OTEL_TRACES_EXPORTER"] = "otlp"
        # A tool call's result (an MCP server's tool's, Bash's output): a ``tool.output`` event on its span.
        env["OTEL_LOG_TOOL_CONTENT"] = "1"
    return env


#: Qwen Code's switch for its sensitive span attributes: without it its ``qwen-code.tool`` span
#: carries no tool arguments or result (the arguments are on its ``tool_call`` event; the result
#: nowhere else).
QWEN_SENSITIVE = "QWEN_TELEMETRY_INCLUDE_SENSITIVE_SPAN_ATTRIBUTES"


def gemini_env(otlp_port: int, prefix: str = "GEMINI", base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Gemini CLI's telemetry switches: every signal to the OTLP/HTTP receiver (its ``http``
    exporters), its spans (the only report of its model calls' tool and prompt structure;
    its ``api_response`` events count their tokens) and the prompt and answer text.
    ``prefix="QWEN"``: Qwen Code's, the same switches under its name (it has no traces switch),
    and its sensitive span attributes (``QWEN_SENSITIVE``: a tool call's result), unless the
    user's environment (``base``) sets that switch itself."""
    env = {
        f"{prefix}_TELEMETRY_ENABLED": "true",
        f"{prefix}_TELEMETRY_TARGET": "local",
        f"{prefix}_TELEMETRY_OTLP_ENDPOINT": f"http://127.0.0.1:{otlp_port}",
        f"{prefix}_TELEMETRY_OTLP_PROTOCOL": "http",
        f"{prefix}_TELEMETRY_LOG_PROMPTS": "true",
    }
    if prefix == "GEMINI":
        env["GEMINI_TELEMETRY_TRACES_ENABLED"] = "true"
    elif prefix == "QWEN" and QWEN_SENSITIVE not in (base or {}):
        env[QWEN_SENSITIVE] = "true"
    return env


def opencode_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """OpenCode's inline configuration (``OPENCODE_CONFIG_CONTENT``, the user's own if set) with
    its AI SDK telemetry on: the only report of its model calls' tokens. Inline JSON that does
    not parse is left as it is (OpenCode reports it; overwriting it would lose the user's)."""
    raw = (base or {}).get("OPENCODE_CONFIG_CONTENT")
    try:
        config = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(config, dict):
        return {}
    experimental = config.get("experimental")
    config["experimental"] = {**(experimental if isinstance(experimental, dict) else {}), "openTelemetry": True}
    return {"OPENCODE_CONFIG_CONTENT": json.dumps(config, separators=(",", ":"))}


#: The OpenTelemetry GenAI switch for message content, which GitHub Copilot CLI reads.
CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


def copilot_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """GitHub Copilot CLI's text switch: without it its spans carry no prompt, answer or tool
    arguments (its telemetry itself turns on with ``OTEL_EXPORTER_OTLP_ENDPOINT``). A value the
    user set is kept: the switch is the GenAI instrumentations' common one."""
    return {} if CAPTURE_CONTENT in (base or {}) else {CAPTURE_CONTENT: "true"}


def droid_env(otlp_port: int, base: Mapping[str, str] | None = None, token: str | None = None) -> dict[str, str]:
    """Factory's Droid's export: its own endpoint variable (read before ``OTEL_EXPORTER_OTLP_ENDPOINT``,
    so a collector the user set there would get the run instead), its ``genai`` format (without it:
    ``droid.*`` metrics alone) and its message-content switch (the prompt and answers on the spans).
    The user's own format and switch are kept (an organisation's managed format wins over both)."""
    env = {"OTEL_TELEMETRY_ENDPOINT": f"http://127.0.0.1:{otlp_port}"}
    if token:
        env["OTEL_TELEMETRY_HEADERS"] = f"Authorization=Bearer {token}"
    for key, value in (("OTEL_TELEMETRY_FORMAT", "genai"), ("OTEL_LOG_MESSAGE_CONTENT", "true")):
        if key not in (base or {}):
            env[key] = value
    return env


def otlp_target(otlp_port: int | None, otlp_grpc_port: int | None) -> tuple[int, str] | None:
    """``(port, OTEL_EXPORTER_OTLP_PROTOCOL)`` of the OTLP receiver to point exporters at:
    OTLP/HTTP, else OTLP/gRPC (both take traces, logs and metrics); None when both are off."""
    if otlp_port is not None:
        return otlp_port, "http/protobuf"
    if otlp_grpc_port is not None:
        return otlp_grpc_port, "grpc"
    return None


def native_endpoint(udp_port: int | None, tcp_port: int | None, socket: str | None = None,
                    token: str | None = None) -> str | None:
    """Where a native sender (our SDK, ``send``) reaches the monitor: its UDP port, else
    its TCP port, else its Unix socket (``config.socket_path``); None when all are off.
    Not UDP with a token: a monitor that requires one takes no datagrams."""
    if udp_port is not None and not token:
        return f"udp://127.0.0.1:{udp_port}"
    if tcp_port is not None:
        return f"tcp://127.0.0.1:{tcp_port}"
    if socket:
        return f"unix://{socket}"
    return None


def sdk_env(udp_port: int | None, tcp_port: int | None, session_id: str | None = None,
            token: str | None = None, socket: str | None = None) -> dict[str, str]:
    env: dict[str, str] = {}
    if token:
        # The SDK opens every stream with a hello line carrying it (no UDP with a token).
        env["AGENTTRACE_TOKEN"] = token
    endpoint = native_endpoint(udp_port, tcp_port, socket, token)
    if endpoint is not None:
        env["AGENTTRACE_ENDPOINT"] = endpoint
    if session_id:
        env["AGENTTRACE_SESSION_ID"] = session_id
    return env


def codex_otel_toml(otlp_port: int, token: str | None = None) -> str:
    """The ``[otel]`` section that sends Codex's logs, traces and metrics to the monitor."""
    base = f"http://127.0.0.1:{otlp_port}"
    lines = ["[otel]", 'environment = "agenttrace"', "log_user_prompt = true"]
    # A token is visible ASCII without quotes or backslashes (config.py), so it sits in a TOML string as is.
    headers = f', headers = {{ "authorization" = "Bearer {token}" }}' if token else ""
    for key, signal in (("exporter", "logs"), ("trace_exporter", "traces"), ("metrics_exporter", "metrics")):
        lines.append(f'{key} = {{ otlp-http = {{ endpoint = "{base}/v1/{signal}", protocol = "binary"{headers} }} }}')
    return "\n".join(lines) + "\n"


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def without_otel(toml_text: str) -> str:
    """The config text with its ``[otel]`` tables removed (ours replaces them)."""
    out: list[str] = []
    skipping = False
    for line in toml_text.splitlines():
        m = _HEADER.match(line)
        if m:
            name = m.group(1).strip().strip('"')
            skipping = name == "otel" or name.startswith("otel.")
        if not skipping:
            out.append(line)
    return "\n".join(out).rstrip() + "\n" if out else ""


def user_codex_home(env: Mapping[str, str]) -> Path:
    explicit = env.get("CODEX_HOME")
    return Path(explicit).expanduser() if explicit else Path(env.get("HOME", str(Path.home()))) / ".codex"


def make_codex_overlay(user_home: Path, otlp_port: int, parent: str | None = None, token: str | None = None) -> Path:
    """A temporary Codex home: links to every entry of the user's, config.toml rewritten with our [otel].

    The user's files are never written: config.toml is a copy (a link would
    let Codex write through it), the rest are symlinks so Codex's sessions,
    history and login keep living in the user's own home. Remove it with
    ``shutil.rmtree`` when the command has exited.
    """
    overlay = Path(tempfile.mkdtemp(prefix="agenttrace-codex-", dir=parent))
    os.chmod(overlay, 0o700)
    user_config = ""
    if user_home.is_dir():
        for entry in user_home.iterdir():
            if entry.name == "config.toml":
                try:
                    user_config = entry.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    user_config = ""
                continue
            (overlay / entry.name).symlink_to(entry)
    text = without_otel(user_config)
    (overlay / "config.toml").write_text((text + "\n" if text else "") + codex_otel_toml(otlp_port, token),
                                        encoding="utf-8")
    return overlay


def remove_overlay(overlay: Path) -> None:
    # Symlinks are unlinked, never followed: the user's files stay.
    shutil.rmtree(overlay, ignore_errors=True)


#: What ``env`` prints in place of settings that would point at a receiver that is off.
OTLP_OFF = "# The OTLP receivers are off (otlp_port, otlp_grpc_port): nothing listens for OpenTelemetry"
NATIVE_OFF = "# The native receivers are off (udp_port, tcp_port, socket): nothing listens for the SDK"


def shell_lines(groups: list[str], *, otlp_port: int | None, udp_port: int | None, tcp_port: int | None,
                traces_beta: bool = False, token: str | None = None, otlp_grpc_port: int | None = 4317,
                socket: str | None = None) -> str:
    """What ``agenttrace-tui env`` prints: export lines (and the Codex TOML as a comment block).
    A receiver that is off (None) is never printed as an endpoint."""
    out: list[str] = []
    otlp = otlp_target(otlp_port, otlp_grpc_port)
    grpc_note = (f"# The OTLP/HTTP receiver is off (otlp_port): these point at OTLP/gRPC on :{otlp_grpc_port}"
                 if otlp_port is None and otlp is not None else None)
    for group in groups:
        if group == "otel":
            default_grpc = otlp_port is not None and otlp_grpc_port == 4317
            out.append("# Any OpenTelemetry SDK"
                       + (" (exporters whose default is gRPC also reach :4317 with no setting)" if default_grpc else ""))
            if otlp is None:
                out.append(OTLP_OFF)
            else:
                out += [grpc_note] if grpc_note else []
                out += _exports(otel_env(otlp[0], token=token, protocol=otlp[1]))
        elif group == "claude":
            out.append("# Claude Code")
            if otlp is None:
                out.append(OTLP_OFF)
            else:
                out += [grpc_note] if grpc_note else []
                out += _exports({**claude_env(traces_beta), **_exporter_env(otlp, token)})
        elif group in ("gemini", "qwen"):
            client = "Gemini CLI" if group == "gemini" else "Qwen Code"
            if otlp_port is None:
                out.append(f"# {client}: the OTLP/HTTP receiver it sends to is off (otlp_port)")
            else:
                out.append(f"# {client}")
                out += _exports(gemini_env(otlp_port, group.upper(), os.environ))
        elif group == "opencode":
            out.append("# OpenCode (the OpenTelemetry endpoint above, and its AI SDK telemetry for the tokens)")
            if otlp is None:
                out.append(OTLP_OFF)
            else:
                out += [grpc_note] if grpc_note else []
                out += _exports({**_exporter_env(otlp, token), **opencode_env(os.environ)})
        elif group == "copilot":
            # Its exporter speaks OTLP/HTTP only (grpc falls back to http/json): no gRPC fallback here.
            if otlp_port is None:
                out.append("# GitHub Copilot CLI: the OTLP/HTTP receiver it sends to is off (otlp_port)")
            else:
                out.append("# GitHub Copilot CLI (the OpenTelemetry endpoint turns its telemetry on; the switch adds the text)")
                out += _exports({**_exporter_env((otlp_port, "http/protobuf"), token), **copilot_env(os.environ)})
        elif group == "droid":
            # Its exporter speaks OTLP/HTTP only: no gRPC fallback here.
            if otlp_port is None:
                out.append("# Factory's Droid: the OTLP/HTTP receiver it sends to is off (otlp_port)")
            else:
                out.append("# Factory's Droid (its own endpoint variable, and the GenAI format for spans of its calls)")
                out += _exports(droid_env(otlp_port, os.environ, token))
        elif group == "codex":
            if otlp_port is None:
                out.append("# Codex: the OTLP/HTTP receiver its [otel] section sends to is off (otlp_port)"
                           + (f"; Codex's otlp-grpc exporter can use http://127.0.0.1:{otlp_grpc_port}"
                              if otlp_grpc_port is not None else ""))
            else:
                out.append("# Codex: add to ~/.codex/config.toml (or run it as: agenttrace-tui run -- codex ...)")
                out += ["# " + line for line in codex_otel_toml(otlp_port, token).splitlines()]
        elif group == "sdk":
            out.append("# agenttrace_tui.sdk (Python)")
            env = sdk_env(udp_port, tcp_port, token=token, socket=socket)
            out += _exports(env) if "AGENTTRACE_ENDPOINT" in env else [NATIVE_OFF]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _exporter_env(otlp: tuple[int, str], token: str | None) -> dict[str, str]:
    """The ``otel`` group's exporter settings alone (endpoint, protocol, token header): for a
    client that names its own service and session."""
    return {k: v for k, v in otel_env(otlp[0], token=token, protocol=otlp[1]).items() if k.startswith("OTEL_EXPORTER_")}


def _exports(env: Mapping[str, str]) -> list[str]:
    return [f"export {k}={shlex.quote(v)}" for k, v in env.items()]
