"""Pure trace analysis behind the span tree and the CLI: no textual, no rich.

* ``tree``: ``TraceTree`` / ``TreeBuilder``, one trace's structure.
* ``rows``: ``flatten``, the visible rows for collapsed nodes and a filter.
* ``critical_path``: ``analyze``, the critical path and HOTSPOT marks.
* ``filter``: ``parse_filter``, the ``/`` query language.
* ``summary``: ``span_summary``, key attributes shown inline per span kind.
* ``compare``: two runs of an agent side by side.
"""
