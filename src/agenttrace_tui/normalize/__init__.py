"""Decoded input -> the span model.

* ``records``: the native protocol's typed records.
* ``native``: native records -> model updates.
* ``conventions``: the attribute tables (OTel GenAI, OpenInference,
  OpenLLMetry, ...) that decide kind, model, tokens, cost and previews.
"""
