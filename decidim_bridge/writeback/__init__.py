"""Writing results back: effect planning, the outbox writer, approvals and reminders.

Messages are rendered from the plan itself (``plan.model.Plan``) and the rules, plus the
small ``subject.Subject`` (tenant, version, the proposal as Decidim shows it, space,
publication mode); ``derived`` and the template filters look up what the plan refers to.
``ledger.record_writes`` is called inside the transaction that stores a plan version; it
records every write the version implies in the outbox (``store.outbox``). The ``Writer``
executes them exactly once in effect; ``reminders`` checks promised dates.
"""
