"""A setting given before the subcommand counts as one given after it, and the
history commands price with the monitor's own price file.

``agenttrace-tui --otlp-port 5555 env`` printed the default port (the
subcommand's defaults overwrote what the main parser had read), and
``agenttrace-tui --db FILE costs`` opened the default file. ``costs`` priced
every stored span again with the bundled prices, and the imports priced with
them, while the monitor used the user's price file: the same span showed two
figures.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from agenttrace_tui import cli
from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.protocol import decode
from agenttrace_tui.model import LlmInfo, Session, Span, SpanKind, TokenUsage
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Reader, Writer

S = 1_000_000_000
T0 = 1_750_000_000 * S
#: A model no bundled table knows, priced only by the user's file below (USD per million tokens).
MODEL, PROVIDER = "acme-reasoner-9", "acme"
RATES = {"input": 3.0, "output": 15.0}
USAGE = TokenUsage(input=12_000, output=3_400)


def expected_cost() -> float:
    return (USAGE.input * RATES["input"] + USAGE.output * RATES["output"]) / 1_000_000


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def price_file(tmp_path: Path) -> Path:
    path = tmp_path / "prices.toml"
    path.write_text(f'[{PROVIDER}."{MODEL}"]\ninput = {RATES["input"]}\noutput = {RATES["output"]}\n')
    return path


@pytest.fixture
def config_file(tmp_path: Path, price_file: Path) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(f'prices = "{price_file}"\n')
    return path


def spans() -> list:
    return [
        Session(id="s1", name="pricing"),
        Span(span_id="a", trace_id="t1", session_id="s1", name="chat", kind=SpanKind.LLM_CALL, start_ns=T0,
             end_ns=T0 + S, llm=LlmInfo(provider=PROVIDER, model=MODEL), usage=USAGE),
    ]


async def saved(path: Path, prices: str | None) -> Path:
    """The spans stored by the monitor's pipeline priced with ``prices``, saved to ``path``."""
    store = Store()
    Pipeline(store, enrichers=make_enrichers(prices, store, background_tokens=False)).apply(spans())
    writer = Writer(store, path)
    await writer.start()
    await writer.flush()
    await writer.close()
    return path


@pytest.mark.parametrize("command", [["demo"], ["run", "--", "true"], ["env"], ["serve"]])
def test_monitor_flags_before_the_subcommand_reach_it(command: list[str], tmp_path: Path) -> None:
    parser = cli.build_parser()
    flags = ["--db", str(tmp_path / "x.db"), "--otlp-port", "5555", "--no-persist", "--headless"]
    before = parser.parse_args([*flags, *command])
    after = parser.parse_args([command[0], *flags, *command[1:]])
    for name in ("db", "otlp_port", "persist", "headless"):
        assert getattr(before, name) == getattr(after, name)
    assert (before.db, before.otlp_port, before.persist, before.headless) == (str(tmp_path / "x.db"), "5555", False, True)
    # Given on both sides, the subcommand's own wins (it is read last).
    both = parser.parse_args(["--otlp-port", "5555", command[0], "--otlp-port", "6666", *command[1:]])
    assert both.otlp_port == "6666"


def test_env_prints_the_port_given_before_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, before, _ = run(capsys, "--otlp-port", "5555", "env", "otel")
    assert code == 0
    assert "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:5555" in before
    _, after, _ = run(capsys, "env", "--otlp-port", "5555", "otel")
    assert before == after


async def test_costs_reads_the_db_given_before_it(tmp_path: Path, price_file: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = await saved(tmp_path / "elsewhere.db", str(price_file))
    code, before, err = run(capsys, "--db", str(db), "costs", "--json", "--prices", str(price_file))
    assert code == 0, err
    _, after, _ = run(capsys, "costs", "--db", str(db), "--json", "--prices", str(price_file))
    assert json.loads(before) == json.loads(after)
    assert json.loads(before)["total"]["input_tokens"] == USAGE.input


def total_cost(capsys: pytest.CaptureFixture[str], *argv: str) -> float | None:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)["total"]["cost_usd"]


async def test_costs_shows_the_cost_the_monitor_stored(tmp_path: Path, price_file: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = await saved(tmp_path / "m.db", str(price_file))
    with Reader(db) as reader:
        (stored,) = [s for s in reader.iter_spans("s1") if s.span_id == "a"]
    assert stored.cost is not None and stored.cost.total == pytest.approx(expected_cost())
    _, listed, _ = run(capsys, "sessions", "list", "--db", str(db), "--json")
    (session,) = json.loads(listed)
    # Read back without the price file (since moved, or prices changed): the figure the monitor
    # showed and every other command shows, not a new price.
    assert total_cost(capsys, "costs", "--db", str(db)) == pytest.approx(stored.cost.total) == pytest.approx(session["cost"])


async def test_costs_prices_what_was_saved_unpriced_with_the_monitors_price_file(
        tmp_path: Path, price_file: Path, config_file: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = await saved(tmp_path / "m.db", None)  # saved before the price file existed: unknown
    with Reader(db) as reader:
        (stored,) = [s for s in reader.iter_spans("s1") if s.span_id == "a"]
    assert stored.cost is not None and stored.cost.total is None
    # With no price file it stays unknown: never a silent $0.
    assert total_cost(capsys, "costs", "--db", str(db)) is None
    # The monitor's file, however it is given, prices it now.
    assert total_cost(capsys, "--config", str(config_file), "costs", "--db", str(db)) == pytest.approx(expected_cost())
    # After the subcommand too, as --db is taken there (it was refused: unrecognized arguments).
    assert total_cost(capsys, "costs", "--config", str(config_file), "--db", str(db)) == pytest.approx(expected_cost())
    assert total_cost(capsys, "--prices", str(price_file), "costs", "--db", str(db)) == pytest.approx(expected_cost())
    monkeypatch.setenv("AGENTTRACE_PRICES", str(price_file))
    assert total_cost(capsys, "costs", "--db", str(db)) == pytest.approx(expected_cost())


def test_import_prices_with_the_monitors_price_file(tmp_path: Path, price_file: Path, config_file: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    record = {"v": 1, "type": "span", "trace_id": "t1", "span_id": "a", "session_id": "s1", "name": "chat",
              "kind": "llm_call", "start_ns": T0, "end_ns": T0 + S, "llm": {"provider": PROVIDER, "model": MODEL},
              "usage": {"input": USAGE.input, "output": USAGE.output}}
    source = tmp_path / "spans.jsonl"
    source.write_text(json.dumps(record) + "\n")
    plain, priced = tmp_path / "plain.db", tmp_path / "priced.db"
    assert run(capsys, "import", str(source), "--db", str(plain))[0] == 0
    assert run(capsys, "--config", str(config_file), "import", str(source), "--db", str(priced))[0] == 0
    with Reader(plain) as reader:
        (unpriced,) = list(reader.iter_spans("s1"))
    with Reader(priced) as reader:
        (span,) = list(reader.iter_spans("s1"))
    assert unpriced.cost is not None and unpriced.cost.total is None  # unknown to the bundled prices
    assert span.cost is not None and span.cost.total == pytest.approx(expected_cost())


def test_a_bad_price_file_is_one_clear_error_and_writes_nothing(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[acme]\nmodel = 3\n")
    source = tmp_path / "spans.jsonl"
    source.write_text("")
    db = tmp_path / "never.db"
    code, _, err = run(capsys, "--prices", str(bad), "import", str(source), "--db", str(db))
    assert code == 1
    assert "price file" in err and str(bad) in err and "Traceback" not in err
    assert not db.exists()


@pytest.mark.parametrize("how", ["flag before", "environment"])
def test_demo_send_only_sends_to_the_monitors_udp_port(how: str, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        port = str(sock.getsockname()[1])
        demo = ["demo", "--send-only", "--duration", "0.3", "--seed", "3", "--sessions", "1"]
        if how == "environment":
            monkeypatch.setenv("AGENTTRACE_UDP_PORT", port)
            code = cli.main(demo)
        else:
            code = cli.main(["--udp-port", port, *demo])
        assert code == 0
        first = sock.recv(65536)
    records = decode(first)[0]
    assert records and all(r.v == 1 for r in records)
