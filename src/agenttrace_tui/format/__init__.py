"""How the monitor shows things to a user, and how it reads what a user types.

* ``numbers``: durations, tokens, money and times, for every surface (UI, CLI,
  exports), so one span shows the same figure everywhere.
* ``cost``: a span's or a total's cost with its provenance (reported,
  computed, estimated, unknown and why).
* ``sanitize``: untrusted text made safe for a terminal (no escape sequences,
  control characters made visible).
* ``timeparse``: the times and durations a user types on the command line.
"""
