"""CLI tables fitted to the terminal: numbers and ids are never cut, names
shrink, a column that does not fit is dropped whole and named, ``--wide``
shows all, and piped output is the whole table whatever the width.

The real CLI runs as a subprocess on a real SQLite file written through the
real store and writer. "A terminal" is a real pseudo-terminal (``pty``) as
stdout, so the program sees what it sees in a user's terminal; the width is
given by ``COLUMNS`` (and, once, only by the pty's window size)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from agenttrace_tui.commands.table import Column, fit
from agenttrace_tui.format.numbers import column_digits, fmt_cost, fmt_count, fmt_duration, fmt_tokens
from agenttrace_tui.model import Cost, LlmInfo, Session, Span, SpanKind, Status, TokenUsage
from fixtures import write_db

S = 1_000_000_000
T0 = 1_760_000_000 * S
# Real-world shapes: UUID session ids (Claude Code), 32-hex trace ids, 16-hex span ids.
SESSIONS = (
    ("5f0c6a9e-2b1d-4c3e-9a7f-0123456789ab", "nightly refactor agent for the billing service monorepo", "langgraph"),
    ("0b7e2c44-91aa-4f0e-b3c2-fedcba987654", "triage", "openai-agents"),
    ("c3d2e1f0-aaaa-4bbb-8ccc-111122223333", "\x1b[2J[bold]evil\x07 name", None),
)
MODELS = ("claude-sonnet-4-5-20250929", "gpt-4o-mini-2024-07-18", "gpt-4o")
# One column holds $0.01, $0.009 and $0.0100-ish amounts: the decimals are settled per column.
COSTS = (0.01, 0.009, 0.0100001, 0.25, 1.5, 0.0)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def _updates() -> list:
    out: list = []
    n = 0
    for si, (sid, name, fw) in enumerate(SESSIONS):
        out.append(Session(id=sid, name=name, framework=fw, started_ns=T0 + si * 100 * S))
        for ti in range(2):
            tid = f"{si:02x}{ti:02x}" + "9a67d4dae2fa86334c0ffee0123456"[: 32 - 4]
            t = T0 + si * 100 * S + ti * 30 * S
            root = f"{n:016x}"
            out.append(Span(span_id=root, trace_id=tid, session_id=sid, name=f"{name} / step {ti}", start_ns=t,
                            end_ns=t + (7 + si * 61) * S, kind=SpanKind.AGENT))
            for li in range(2):
                n += 1
                cost = COSTS[(si * 2 + ti + li) % len(COSTS)]
                out.append(Span(
                    span_id=f"{n:016x}", trace_id=tid, session_id=sid, name=f"chat {MODELS[(ti + li) % 3]}",
                    start_ns=t + S, end_ns=t + (2 + li) * S, parent_span_id=root, kind=SpanKind.LLM_CALL,
                    status=Status.ERROR if (si, ti, li) == (1, 1, 1) else Status.OK,
                    llm=LlmInfo(model=MODELS[(ti + li) % 3], provider="anthropic"),
                    usage=TokenUsage(input=1_000_000 + n, output=138_125, total=1_138_125 + n),
                    cost=Cost(total=cost, source="reported"),
                ))
            n += 1
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("tables") / "t.db"
    return write_db(path, _updates())


def _env(columns: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR")}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return env


def in_terminal(db, *args: str, columns: int | None, winsize: int = 200) -> str:
    """The CLI's stdout on a pseudo-terminal of ``winsize`` columns, colours stripped."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, winsize, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "agenttrace_tui", *args, "--db", str(db)], stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=subprocess.PIPE, env=_env(columns))
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    assert proc.wait(timeout=60) == 0, proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    return ANSI.sub("", b"".join(chunks).decode()).replace("\r\n", "\n")


def piped(db, *args: str, columns: int | None = None) -> str:
    out = subprocess.run([sys.executable, "-m", "agenttrace_tui", *args, "--db", str(db)], capture_output=True,
                         text=True, env=_env(columns), timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def as_json(db, *args: str):
    return json.loads(piped(db, *args, "--json"))


def header_of(out: str, first: str) -> list[str]:
    line = next(ln for ln in out.splitlines() if ln.startswith(first + " "))
    return line.split()


def hidden_note(out: str) -> list[str]:
    notes = [ln for ln in out.splitlines() if "(--wide shows all)" in ln]
    if not notes:
        return []
    assert len(notes) == 1
    return notes[0].split(": ", 1)[1].removesuffix(" (--wide shows all)").split(", ")


def row_of(out: str, ident: str) -> str:
    rows = [ln for ln in out.splitlines() if ln.startswith(ident + " ")]
    assert len(rows) == 1, (ident, out)
    return rows[0]


def assert_fits(out: str, columns: int) -> None:
    for ln in out.splitlines():
        assert len(ln.rstrip()) <= columns, ln
        assert not re.search(r"[\d$%]…|…\d", ln), ln  # never a cut number


@pytest.mark.parametrize("columns", [80, 120])
def test_sessions_list_keeps_ids_and_numbers_whole(db, columns):
    rows = as_json(db, "sessions", "list")
    out = in_terminal(db, "sessions", "list", columns=columns)
    assert_fits(out, columns)
    header = header_of(out, "ID")
    for must in ("ID", "DURATION", "SPANS", "ERRORS", "TOKENS", "COST"):
        assert must in header, out
    all_headers = ["ID", "NAME", "FRAMEWORK", "STARTED", "DURATION", "TRACES", "SPANS", "ERRORS", "TOKENS", "COST",
                   "STATUS"]
    assert hidden_note(out) == [h for h in all_headers if h not in header]
    if columns == 80:
        assert "FRAMEWORK" in hidden_note(out)  # frameworks go first
    digits = column_digits(r["cost_priced"] for r in rows)
    for r in rows:
        line = row_of(out, r["id"])  # the full id, first on its row
        cells = line.split()
        assert fmt_duration(r["duration_ns"]) in cells and fmt_count(r["spans"]) in cells
        assert fmt_count(r["errors"]) in cells and fmt_tokens(r["tokens"]) in cells
        assert fmt_cost(r["cost_priced"], digits=digits) in cells
    assert "␛[2J[bold]evil␇" in out or "NAME" not in header  # shown literally, never markup
    assert "\x1b[2J" not in out


@pytest.mark.parametrize("columns", [80, 120])
def test_traces_list_and_spans_query_keep_ids_and_numbers_whole(db, columns):
    traces = as_json(db, "traces", "list")
    out = in_terminal(db, "traces", "list", columns=columns)
    assert_fits(out, columns)
    digits = column_digits(t["cost_priced"] for t in traces)
    for t in traces:
        cells = row_of(out, t["trace_id"]).split()
        for value in (fmt_duration(t["duration_ns"]), fmt_count(t["spans"]), fmt_tokens(t["tokens"]),
                      fmt_cost(t["cost_priced"], digits=digits)):
            assert value in cells, (value, cells)
    assert "MODELS" in hidden_note(out) or "MODELS" in header_of(out, "TRACE")

    spans = as_json(db, "spans", "query", "--kind", "llm")
    out = in_terminal(db, "spans", "query", "--kind", "llm", columns=columns)
    assert_fits(out, columns)
    header = header_of(out, "STARTED") if out.startswith("STARTED") else header_of(out, "TRACE")
    assert {"TRACE", "SPAN", "COST"} <= set(header), out
    assert set(hidden_note(out)) == {"STARTED", "TRACE", "SPAN", "NAME", "KIND", "STATUS", "DURATION", "MODEL/TOOL",
                                     "TOKENS", "COST"} - set(header)
    digits = column_digits(s["cost"]["total"] for s in spans)
    for s in spans:
        cells = next(ln for ln in out.splitlines() if s["span_id"] in ln.split()).split()
        assert s["trace_id"] in cells and fmt_cost(s["cost"]["total"], digits=digits) in cells
        if "TOKENS" in header:
            assert f"{fmt_count(s['usage']['input'])}/{fmt_count(s['usage']['output'])}" in cells
        if "DURATION" in header:
            assert fmt_duration(s["duration_ns"]) in cells


@pytest.mark.parametrize("columns", [80, 120])
def test_stats_costs_compare_and_show_fit(db, columns):
    out = in_terminal(db, "stats", columns=columns)
    assert_fits(out, columns)
    total = as_json(db, "stats")
    assert f"tokens {fmt_count(total['tokens'])}" in out  # digits grouped, as everywhere
    assert f"{total['sessions']} sessions" in out and "1 error " in out  # plural only when more than one
    for r in total["by_model"]:
        assert r["model"] in out  # the model is the row's key: never dropped, and short enough here
    for r in total["by_kind"]:
        # A kind that counted nothing (agents, tools) reads a dash in the cost column, never $0.
        cells = next(ln for ln in out.splitlines() if ln.startswith(r["kind"] + " ")).split()
        counted = r["cost_priced"] or r["unpriced"] or r["tokens"] or r["calls_running"]
        assert ("—" in cells) is (not counted) and "$0" not in cells
    assert any("—" in ln.split() for ln in out.splitlines())  # the fixture has such a kind

    out = in_terminal(db, "costs", columns=columns)
    assert_fits(out, columns)
    rep = as_json(db, "costs")
    costs = [r["cost_priced_usd"] for r in rep["rows"]] + [rep["total"]["cost_priced_usd"]]
    digits = column_digits(costs)
    for r in rep["rows"]:
        line = next(ln for ln in out.splitlines() if ln.startswith(r["model"] + " "))
        counted = r["cost_priced_usd"] or r["unpriced_calls"] or r["input_tokens"] or r["output_tokens"]
        # A row that counted nothing (the spans that name no model) reads a dash, never $0.
        assert (fmt_cost(r["cost_priced_usd"], digits=digits) if counted else "—") in line.split()
        assert fmt_count(r["input_tokens"]) in line.split()

    a, b = (s[0] for s in SESSIONS[:2])
    out = in_terminal(db, "compare", a[:8], b[:8], columns=columns)
    assert_fits(out, columns)
    assert f"A: session {a}" in out and f"B: session {b}" in out  # the full ids, whatever was typed
    assert "+$0" not in out.replace("+$0.", "")  # no "+$0" for a zero difference

    out = in_terminal(db, "sessions", "show", SESSIONS[0][0][:6], columns=columns)
    assert_fits(out, columns)
    for t in as_json(db, "sessions", "show", SESSIONS[0][0])["trace_list"]:
        assert t["trace_id"] in row_of(out, t["trace_id"]).split()


def test_wide_shows_every_column_and_piped_output_is_the_whole_table(db):
    narrow = in_terminal(db, "sessions", "list", columns=60)
    assert hidden_note(narrow)
    wide = in_terminal(db, "sessions", "list", "--wide", columns=60)
    assert not hidden_note(wide)
    assert header_of(wide, "ID") == ["ID", "NAME", "FRAMEWORK", "STARTED", "DURATION", "TRACES", "SPANS", "ERRORS",
                                     "TOKENS", "COST", "STATUS"]
    # Piped: the whole table, no colour, the same at any COLUMNS, and what --wide draws.
    p80, p120 = piped(db, "sessions", "list", columns=80), piped(db, "sessions", "list", columns=120)
    assert p80 == p120 and "\x1b" not in p80 and not hidden_note(p80)
    assert p80 == wide
    assert "nightly refactor agent for the billing service monorepo" in p80  # no name shrunk


def test_terminal_size_without_columns(db):
    out = in_terminal(db, "traces", "list", columns=None, winsize=90)
    assert_fits(out, 90)
    assert hidden_note(out)  # fitted to the pty's 90 columns


def test_fit_rule():
    cols = [Column("ID", "id", 0), Column("NAME", "name", 30), Column("N", "num", 10), Column("FW", "text", 90)]
    natural = [36, 40, 5, 12]
    whole = fit(cols, natural, None)
    assert whole.shown == [0, 1, 2, 3] and whole.widths == {0: 36, 1: 40, 2: 5, 3: 12}
    roomy = fit(cols, natural, 200)
    assert roomy.widths == whole.widths and not roomy.hidden
    # The extra (rank >= 80) goes before the name is cut; then the name shrinks
    # before anything else goes.
    no_extra = fit(cols, natural, 36 + 2 + 40 + 2 + 5 + 2 + 11)
    assert no_extra.hidden == ["FW"] and no_extra.widths[1] == 40
    tight = fit(cols, natural, 36 + 2 + 20 + 2 + 5)
    assert tight.shown == [0, 1, 2] and tight.widths == {0: 36, 1: 20, 2: 5}
    plain = [*cols[:3], Column("WHEN", "text", 50)]
    shrunk = fit(plain, natural, 36 + 2 + 20 + 2 + 5 + 2 + 12)
    assert not shrunk.hidden and shrunk.widths[1] == 20
    gone = fit(plain, natural, 36 + 2 + 12 + 2 + 5 + 2 + 11)
    assert gone.hidden == ["WHEN"] and gone.widths == {0: 36, 1: 12 + 2 + 11, 2: 5}
    # Even narrower than the id: the id is shown whole, never cut.
    tiny = fit(cols, natural, 20)
    assert tiny.shown == [0] and tiny.widths[0] == 36 and tiny.hidden == ["NAME", "N", "FW"]


def test_numbers_are_formatted_one_way():
    from agenttrace_tui.format.numbers import fmt_cost_delta, fmt_number, plural

    # One column, one number of decimals: never $0.01 over $0.0090 over $0.0100.
    amounts = [0.01, 0.009, 0.0100001]
    d = column_digits(amounts)
    assert [fmt_cost(a, digits=d) for a in amounts] == ["$0.0100", "$0.0090", "$0.0100"]
    assert fmt_cost(-1e-12) == "$0" and fmt_cost(-0.00001, digits=4) != "-$0.0000"  # float residue is no money
    # Two significant digits below a dollar: a $0.013 call is not shown as a $0.01 one, nor
    # $0.095 as $0.10; alone or in a column, the same figure (a column only pads it).
    assert [fmt_cost(a) for a in (0.013, 0.095, 0.01, 0.0042, 0.42, 1.5)] == [
        "$0.013", "$0.095", "$0.01", "$0.0042", "$0.42", "$1.50"]
    d = column_digits([0.013, 0.0042])
    assert [fmt_cost(a, digits=d) for a in (0.013, 0.0042)] == ["$0.0130", "$0.0042"]
    assert fmt_cost_delta(0.0) == "$0" and fmt_cost_delta(1e-12) == "$0" and fmt_cost_delta(0.01) == "+$0.01"
    assert fmt_count(1138125) == "1,138,125" and fmt_count(1138125, True) == "≈1,138,125"
    assert plural(1, "session") == "1 session" and plural(2, "error") == "2 errors" and plural(1204, "span") == "1,204 spans"
    assert [fmt_number(v) for v in (1234, 12345.6, 3.14159, 0.0123456)] == ["1,234", "12,346", "3.142", "0.01235"]
    assert fmt_number(12345.6, 3) == "12,346"  # a rate: never 1.23e+04


def test_a_long_session_name_is_whole_when_wide_or_piped(tmp_path):
    """Session names were cut at 60 characters even piped or with --wide ("every column at
    full width"); they keep the 200-character bound every name has."""
    name = "a nightly refactor agent for the billing service monorepo, run by the platform team"
    assert 60 < len(name) < 200
    now = time.time_ns()
    db = write_db(tmp_path / "long.db", [
        Session(id="s-long", name=name, started_ns=now - 10**9),
        Span(span_id="a", trace_id="t", session_id="s-long", name="step", kind=SpanKind.TASK,
             start_ns=now - 10**9, end_ns=now),
    ])
    assert name in piped(db, "sessions", "list")
    assert name in in_terminal(db, "sessions", "list", "--wide", columns=100)
