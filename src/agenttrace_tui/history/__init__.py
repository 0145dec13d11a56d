"""Saved sessions: replay, export and import.

* ``replay``: plays a saved session back through the live pipeline at its pace.
* ``export``: JSON, CSV and OTLP JSON writers.
* ``claude_transcripts``: Claude Code's local transcripts as sessions.
"""
