"""Personal data the bridge keeps only as long as needed (``docs/privacy.md``).

``reduce`` (pure) strips a finished plan down to what the council digest counts;
``retention`` applies the configured retention periods (a scheduled job); ``subject``
answers a data subject's request: ``export`` what the bridge holds about one initiative,
``forget`` it.
"""
