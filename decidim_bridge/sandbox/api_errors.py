"""The errors Decidim's API reports, as the sandbox raises them.

Each carries the ``extensions.code`` Decidim 0.32 puts on the GraphQL error (the codes are
shared with the client in ``decidim_bridge/decidim/error_codes.py``); the schema layer turns
them into GraphQL errors.
``InternalServerError`` stands for an unhandled Ruby exception: Decidim's queries controller
answers it with HTTP 500 and ``{"errors": [{"message": "Internal Server error"}], "data": {}}``.
"""

from __future__ import annotations

from typing import Any

from decidim_bridge.decidim import error_codes

MUTATION_NOT_AUTHORIZED_MESSAGE = "You do not have permission to perform this mutation"


class ApiError(Exception):
    """A refusal Decidim reports inside a 200 response, with its ``extensions.code``.

    ``messages`` is set for ``ATTRIBUTE_VALIDATION_ERROR``: Decidim then sends the error's
    ``message`` as a list of ``{"path": [...], "message": ...}`` entries instead of a string.
    """

    def __init__(self, code: str, message: str, *, messages: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.messages = messages


class InternalServerError(Exception):
    """A failure Decidim does not handle: the whole request answers HTTP 500."""


def not_authorized() -> ApiError:
    return ApiError(error_codes.MUTATION_NOT_AUTHORIZED, MUTATION_NOT_AUTHORIZED_MESSAGE)


def not_found(type_name: str) -> ApiError:
    return ApiError(error_codes.NOT_FOUND, f"{type_name} not found")


def unauthorized_object(type_name: str) -> ApiError:
    return ApiError(
        error_codes.UNAUTHORIZED_OBJECT,
        f"You cannot view or edit this {type_name} because you do not have permissions",
    )


def attribute_errors(entries: list[tuple[str, str]]) -> ApiError:
    """``entries`` are ``(attribute, message)`` pairs, as an ActiveModel form reports them."""
    messages = [{"path": ["attributes", attr], "message": msg} for attr, msg in entries]
    text = ", ".join(f"{attr.capitalize()} {msg}" for attr, msg in entries)
    return ApiError(error_codes.ATTRIBUTE_VALIDATION, text, messages=messages)
