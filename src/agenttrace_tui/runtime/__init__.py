"""The running monitor, wired together.

* ``monitor``: ``Monitor`` starts receivers, the writer and the forwarder
  around one store and pipeline, and stops them in order.
* ``forward``: passes everything received on to an upstream OTLP endpoint.
* ``gcpolicy``: keeps Python's garbage collector off the input path.
"""
