"""Settings precedence and errors: defaults < file < env < flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agenttrace_tui.config import ConfigError, load_config


def test_precedence_file_env_flag(tmp_path: Path) -> None:
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text('udp_port = 5001\ntcp_port = 5002\nmax_spans = 10\nsocket = "off"\n')
    env = {"AGENTTRACE_TCP_PORT": "6002", "AGENTTRACE_MAX_SPANS": "20"}
    cfg = load_config({"max_spans": "30"}, config_path=cfg_file, env=env)
    assert (cfg.udp_port, cfg.tcp_port, cfg.max_spans, cfg.socket) == (5001, 6002, 30, "")


def test_defaults_without_file(tmp_path: Path) -> None:
    cfg = load_config({}, env={})
    assert cfg.udp_port == 4319 and cfg.otlp_port == 4318 and cfg.persist is True


@pytest.mark.parametrize(
    ("flags", "env", "needle"),
    [
        ({"udp_port": "abc"}, {}, "invalid udp_port (--udp-port): expected a port number"),
        ({}, {"AGENTTRACE_TCP_PORT": "70000"}, "invalid tcp_port (AGENTTRACE_TCP_PORT): a port must be"),
        ({"budget": "-1"}, {}, "invalid budget (--budget): must be positive"),
        ({"bind": "localhost:80"}, {}, "invalid bind (--bind): expected an IP address"),
        ({}, {"AGENTTRACE_PERSIST": "maybe"}, "invalid persist (AGENTTRACE_PERSIST): expected true or false"),
    ],
)
def test_bad_values_name_the_setting_and_source(flags: dict, env: dict, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(flags, env=env)
    assert needle in str(info.value)


def test_ports_can_be_switched_off() -> None:
    cfg = load_config({"udp_port": "off", "otlp_port": "OFF"}, env={})
    assert cfg.udp_port is None and cfg.otlp_port is None


def test_bad_config_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("udp_prot = 1\n")
    with pytest.raises(ConfigError, match="unknown setting 'udp_prot'"):
        load_config({}, config_path=bad, env={})
    bad.write_text("udp_port = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config({}, config_path=bad, env={})


def test_cli_bad_value_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agenttrace_tui", "--headless", "--no-persist", "--max-spans", "many"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "agenttrace-tui: invalid max_spans (--max-spans): expected a whole number, got 'many'"


def test_cli_non_loopback_needs_explicit_bind() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agenttrace_tui", "--headless", "--no-persist"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "AGENTTRACE_BIND": "0.0.0.0"},
    )
    assert proc.returncode == 2 and "needs an explicit --bind" in proc.stderr


def test_session_idle_is_a_setting_like_every_other(tmp_path) -> None:
    from agenttrace_tui.config import ConfigError, load_config
    from agenttrace_tui.model import Session, Span
    from agenttrace_tui.runtime.monitor import Monitor

    path = tmp_path / "c.toml"
    path.write_text("session_idle = 12\n")
    assert load_config(config_path=path, env={}).session_idle == 12
    assert load_config(config_path=path, env={"AGENTTRACE_SESSION_IDLE": "7"}).session_idle == 7
    assert load_config({"session_idle": "3"}, config_path=path, env={"AGENTTRACE_SESSION_IDLE": "7"}).session_idle == 3
    with pytest.raises(ConfigError, match="session_idle"):
        load_config({"session_idle": "0"}, config_path=path, env={})
    cfg = load_config({"session_idle": "5", "persist": "false"}, config_path=path, env={})
    store = Monitor(cfg).store
    store.apply([Session(id="s"), Span(span_id="a", trace_id="t", session_id="s", name="x", start_ns=10**9,
                                       end_ns=2 * 10**9)])
    assert store.session("s").status(now_ns=6 * 10**9) == "running"  # quiet 4 s < 5 s
    assert store.session("s").status(now_ns=8 * 10**9) == "done"  # quiet 6 s
