"""Subcommands: each module exposes register(subparsers) and a run(args) it sets as func."""
