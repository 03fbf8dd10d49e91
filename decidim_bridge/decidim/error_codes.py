"""The ``extensions.code`` values Decidim's API puts on its GraphQL errors.

One list for both sides of the wire: ``errors.GraphQLError`` takes whether an error is
permanent from them (the one retry meaning the worker and the writer share), and the sandbox
raises them, so the two cannot drift apart. The classes live in Decidim's
``decidim-api/lib/decidim/api/errors/``; the recursion analyzer's code has had two names in
Decidim's history, and both are known here.
"""

from __future__ import annotations

MUTATION_NOT_AUTHORIZED = "MUTATION_NOT_AUTHORIZED_ERROR"
ATTRIBUTE_VALIDATION = "ATTRIBUTE_VALIDATION_ERROR"
VALIDATION = "VALIDATION_ERROR"
NOT_FOUND = "NOT_FOUND_ERROR"
UNAUTHORIZED_OBJECT = "UNAUTHORIZED_OBJECT_ERROR"
UNAUTHORIZED_FIELD = "UNAUTHORIZED_FIELD_ERROR"
PERMISSION_NOT_SET = "PERMISSION_NOT_SET_ERROR"
INVALID_LOCALE = "INVALID_LOCALE_ERROR"
LOCALE = "LOCALE_ERROR"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES_ERROR"
RECURSION_LIMIT_EXCEEDED = "RECURSION_LIMIT_EXCEEDED_ERROR"
TOO_MANY_RECURSIONS = "TOO_MANY_RECURSIONS_ERROR"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED_ERROR"

#: Codes that say "you may not" rather than "this is wrong".
PERMISSION = frozenset(
    {
        MUTATION_NOT_AUTHORIZED,
        UNAUTHORIZED_OBJECT,
        UNAUTHORIZED_FIELD,
        PERMISSION_NOT_SET,
        INTROSPECTION_DISABLED,
    }
)
#: Codes that no retry will change: every code Decidim defines.
PERMANENT = PERMISSION | {
    ATTRIBUTE_VALIDATION,
    VALIDATION,
    NOT_FOUND,
    INVALID_LOCALE,
    LOCALE,
    TOO_MANY_ALIASES,
    RECURSION_LIMIT_EXCEEDED,
    TOO_MANY_RECURSIONS,
}
