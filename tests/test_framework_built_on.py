"""A session's framework stays the one its agent is written in while the framework below it reports
too: OpenLIT names ``langchain`` on a LangGraph run's LangChain spans and log records, ``langgraph``
on its LangGraph spans, and the reports of one turn arrive in any order."""

from __future__ import annotations

import pytest

from agenttrace_tui.model import Session
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.merge import merge_session


@pytest.mark.parametrize("order", [("langgraph", "langchain"), ("langchain", "langgraph")])
def test_the_framework_below_never_replaces_the_one_built_on_it(order: tuple[str, str]) -> None:
    first, second = (Session(id="s", framework=f) for f in order)
    assert merge_session(first, second).framework == "langgraph"
    # And reports flipping back and forth through a turn keep it.
    merged = first
    for f in (*order, *order, "langchain"):
        merged = merge_session(merged, Session(id="s", framework=f))
        if "langgraph" in (merged.framework, f):
            assert merged.framework == "langgraph"


def test_the_store_keeps_the_framework_built_on_the_other() -> None:
    st = Store()
    st.apply([Session(id="s", framework="langgraph")])
    st.apply([Session(id="s", framework="langchain")])
    assert st.sessions["s"].session.framework == "langgraph"


def test_frameworks_not_built_on_each_other_still_follow_the_newest_report() -> None:
    assert merge_session(Session(id="s", framework="langchain"), Session(id="s", framework="crewai")).framework == "crewai"
    assert merge_session(Session(id="s", framework="langchain"), Session(id="s")).framework == "langchain"
    assert not cv.built_on("langchain", "langgraph")
    assert cv.built_on("langgraph", "langchain")


def test_every_framework_built_on_another_is_one_a_hint_names() -> None:
    """The table speaks of the names the hints give (a misspelt one would never match)."""
    named = {f for _fragment, f in cv.FRAMEWORK_HINTS}
    assert set(cv.FRAMEWORK_BUILT_ON) | set(cv.FRAMEWORK_BUILT_ON.values()) <= named
