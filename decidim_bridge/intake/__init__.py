"""Sans-I/O intake: verify a delivery's signature on the raw bytes, then parse it.

Nothing here touches Flask, SQL or the network: functions take bytes, headers and the
current time and return values or raise ``WebhookError`` subclasses.
"""

from decidim_bridge.intake.delivery import SOURCES, Delivery, accept_delivery

__all__ = ["SOURCES", "Delivery", "accept_delivery"]
