"""A turn's prompt logged apart from its trace, joined to the turn by the prompt's id.

Qwen Code names the root span of every turn alike (``qwen-code.interaction``) and logs the user's prompt
in a record of its own (``qwen-code.user_prompt``) that names no trace, only the prompt's id
(``prompt_id``); the root carries the same id (``qwen-code.prompt_id``). The log records and the spans
come in requests of their own, in either order: the log mapper hands each such prompt here, the span
conversion each such root (``cv.PROMPT_ID_ROOTS``: only the spans of that client's scopes are looked at),
and whichever comes second makes the prompt an event of the root (``TURN_PROMPT_KEY`` in it: the store
names the turn's trace by it, as it does Codex's prompt logged in its turn). One table per receiver,
shared by its logs and its spans; each side keeps the last ``MAX_WAITING`` that wait for the other.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from ..model import AttachedEvent, Span, SpanEvent
from ..normalize import conventions as cv

#: Prompts whose root has not come, and roots whose prompt has not (each; the oldest forgotten): a turn's
#: prompt waits for its root while the turn runs (its root is exported as it ends).
MAX_WAITING = 1024


def _keep(table: OrderedDict[str, Any], key: str, value: Any) -> None:
    table[key] = value
    table.move_to_end(key)
    if len(table) > MAX_WAITING:
        table.popitem(last=False)


class TurnPrompts:
    """Prompts waiting for their turn's root span and roots waiting for their prompt, by the prompt's id."""

    __slots__ = ("_prompts", "_roots")

    def __init__(self) -> None:
        #: The prompt's id -> its event, to attach to the root once it comes.
        self._prompts: OrderedDict[str, SpanEvent] = OrderedDict()
        #: The prompt's id -> the (trace id, span id) of the root that carries it.
        self._roots: OrderedDict[str, tuple[str, str]] = OrderedDict()

    def prompt(self, name: str, prompt_id: Any, text: Any, t: int) -> list[AttachedEvent]:
        """A log record ``name`` holding a turn's prompt (``cv.PROMPT_ID_RECORDS``) seen: its event on the
        turn's root when the root came first; else nothing yet (the root gets it as it comes)."""
        if prompt_id.__class__ is not str or not prompt_id or text.__class__ is not str or not text.strip():
            return []
        event = SpanEvent(name=name, time_ns=t, attributes={
            "prompt": cv.cut_tail(text), "prompt_id": prompt_id, cv.TURN_PROMPT_KEY: cv.prompt_name(text, first_line=True)})
        root = self._roots.pop(prompt_id, None)
        if root is not None:
            return [AttachedEvent(trace_id=root[0], span_id=root[1], event=event)]
        _keep(self._prompts, prompt_id, event)
        return []

    def root(self, span: Span, turn_root: tuple[str, str]) -> AttachedEvent | None:
        """A span of a client whose turns' prompts are logged apart (``turn_root``: its
        ``cv.PROMPT_ID_ROOTS`` entry) seen: when it is the turn's root and its prompt came first,
        the prompt's event on it; else None (the prompt goes to it as it comes)."""
        if span.name != turn_root[0]:
            return None
        prompt_id = span.attributes.get(turn_root[1])
        if prompt_id.__class__ is not str or not prompt_id:
            return None
        event = self._prompts.pop(prompt_id, None)
        if event is not None:
            return AttachedEvent(trace_id=span.trace_id, span_id=span.span_id, event=event)
        _keep(self._roots, prompt_id, (span.trace_id, span.span_id))
        return None
