"""Event sources that are not a webhook endpoint: the poller, backfill, and sample replay.

The comparison of a swept proposal with its last seen copy and the synthesis of events are
pure (``sweep``); fetching pages and storing the result are thin edges around them.
"""

#: The inbox source of the poller's events (the webhooks' are ``intake.delivery.SOURCES``).
#: Here rather than in ``poller``: ``live_work``, which the poller imports, needs it too, and
#: the worker and the pipeline need only the name, not the poller's client and metrics.
POLLER_SOURCE = "poller"
