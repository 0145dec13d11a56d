"""Stores: the bounded in-memory index (memory) and SQLite persistence (sqlite)."""
