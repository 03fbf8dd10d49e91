"""Event sources that are not a webhook endpoint: the poller, backfill, and sample replay.

The comparison of a swept proposal with its last seen copy and the synthesis of events are
pure (``sweep``); fetching pages and storing the result are thin edges around them.
"""
