"""Auto-instrumentation of LLM client SDKs (imported only when asked for)."""
