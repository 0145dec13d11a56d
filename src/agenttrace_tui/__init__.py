"""agenttrace-tui: a terminal live monitor for AI agents."""

__version__ = "0.1.0"
