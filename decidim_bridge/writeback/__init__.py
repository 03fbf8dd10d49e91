"""Writing results back: effect planning, the outbox writer, approvals and reminders.

``ledger.record_writes`` is called inside the transaction that stores a plan version; it
records every write the version implies in the outbox (``store.outbox``). The ``Writer``
executes them exactly once in effect; ``reminders`` checks promised dates.
"""
