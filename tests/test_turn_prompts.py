"""A turn's prompt logged apart from its trace (Qwen Code's) joins its root by the prompt's id, in either
order, once; what waits for the other side is bounded. (The recordings replayed into the monitor:
tests/clients/test_qwen_turn_names.py.)"""

from __future__ import annotations

from agenttrace_tui.ingest.turn_prompts import MAX_WAITING, TurnPrompts
from agenttrace_tui.model import Span
from agenttrace_tui.normalize import conventions as cv

ROOT = cv.PROMPT_ID_ROOTS["qwen-code"]
RECORD = "qwen-code.user_prompt"


def _root(n: int, name: str = ROOT[0]) -> Span:
    return Span(span_id=f"{n:016x}", trace_id=f"{n:032x}", session_id="s", name=name, start_ns=1,
                attributes={ROOT[1]: f"s########{n}"})


def test_the_prompt_joins_its_root_whichever_comes_first_and_once() -> None:
    first_prompt = TurnPrompts()
    assert first_prompt.prompt(RECORD, "s########1", "Fix the build\nthen run the tests", 5) == []
    joined = first_prompt.root(_root(1), ROOT)
    assert joined is not None and (joined.trace_id, joined.span_id) == (f"{1:032x}", f"{1:016x}")
    assert joined.event.attributes[cv.TURN_PROMPT_KEY] == "Fix the build"
    assert first_prompt.root(_root(1), ROOT) is None  # joined once: the same root again waits for a prompt
    first_root = TurnPrompts()
    assert first_root.root(_root(2), ROOT) is None
    (event,) = first_root.prompt(RECORD, "s########2", "Fix the build", 5)
    assert (event.trace_id, event.event.attributes[cv.TURN_PROMPT_KEY]) == (f"{2:032x}", "Fix the build")


def test_other_spans_and_prompts_with_no_text_join_nothing() -> None:
    joins = TurnPrompts()
    assert joins.root(_root(1, "qwen-code.llm_request"), ROOT) is None  # a child carrying the id too
    assert joins.prompt(RECORD, "s########1", None, 5) == []  # its text not logged
    assert joins.root(_root(1), ROOT) is None


def test_what_waits_for_the_other_side_is_bounded() -> None:
    joins = TurnPrompts()
    for n in range(MAX_WAITING + 1):
        joins.prompt(RECORD, f"s########{n}", f"prompt {n}", n)
        joins.root(_root(10 * MAX_WAITING + n), ROOT)
    assert joins.root(_root(0), ROOT) is None  # the oldest prompt forgotten
    assert joins.root(_root(MAX_WAITING), ROOT) is not None  # the newest kept
    assert joins.prompt(RECORD, f"s########{10 * MAX_WAITING}", "late", 0) == []  # the oldest root forgotten
