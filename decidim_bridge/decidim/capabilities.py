"""Which write paths a Decidim instance offers, found by introspection.

Decidim's version (``decidim { version }``) is often undisclosed (null), and the answer
mutation changed shape: Decidim 0.32 takes ``answer(input: AnswerInput!)`` (a Relay input
with ``attributes``), decidim-apiext on 0.27-0.29 takes plain arguments
``answer(state: String!, answerContent: JSON, ...)``. So the bridge asks the schema itself.
Introspection is allowed for admins, and an API user is an admin; when it is refused anyway,
the conservative answer is "comments only": ``addComment`` exists in every Decidim release.

Evaluator assignments and private notes have no API in Decidim itself; the decidim-bridge
Decidim module (``webhooks/decidim/``) adds ``proposalAdmin`` to the query and mutation
roots. Both writes need the query side too, to read back after an ambiguous failure. A
module that also offers ``proposalAdmin { answer(...) }`` answers a proposal only when its
state allows it (``can_answer_guarded``): the writer needs no read before its answer, and the
answer can join the other writes of a plan version in one document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

AnswerForm = Literal["input", "arguments"]


@dataclass(frozen=True)
class Capabilities:
    """What the bridge may write to this Decidim."""

    version: str | None
    answer_form: AnswerForm | None  # None: proposals cannot be answered through the API
    can_comment: bool
    introspected: bool  # False: the conservative fallback was used
    #: The decidim-bridge module: evaluators can be assigned (and read back) through the API.
    can_assign_evaluators: bool = False
    #: The decidim-bridge module: private notes can be written (and read back).
    can_write_notes: bool = False
    #: The decidim-bridge module: an answer that is written only when the proposal's state
    #: allows it (checked and written under one lock), so no read is needed before it.
    can_answer_guarded: bool = False

    @property
    def can_answer(self) -> bool:
        return self.answer_form is not None or self.can_answer_guarded

    def missing_write_paths(self) -> list[tuple[str, str]]:
        """(write path, what the bridge does instead) for each path this Decidim lacks."""
        missing = []
        if not self.can_comment:
            missing.append(
                ("comments", "nothing is posted; the advisors' mail carries the whole plan")
            )
        if not self.can_answer:
            missing.append(("answers", "the expectation contract is in the comment only"))
        if not self.can_assign_evaluators:
            missing.append(
                ("evaluator assignments", "the lead advisor learns of the assignment by mail")
            )
        if not self.can_write_notes:
            missing.append(("private notes", "the internal plan goes to the advisors by mail only"))
        return missing


#: Used when introspection is refused: comments exist on every Decidim release.
def conservative(version: str | None) -> Capabilities:
    return Capabilities(version=version, answer_form=None, can_comment=True, introspected=False)


def _field_names(type_info: Any) -> set[str]:
    if not isinstance(type_info, dict):
        return set()
    return {f["name"] for f in type_info.get("fields") or () if isinstance(f, dict) and "name" in f}


def _field(type_info: Any, name: str) -> dict[str, Any] | None:
    if not isinstance(type_info, dict):
        return None
    for entry in type_info.get("fields") or ():
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry
    return None


def _named_type(type_ref: Any) -> str | None:
    """The named type under NON_NULL/LIST wrappers (as deep as the query asked)."""
    while isinstance(type_ref, dict):
        if type_ref.get("name"):
            return str(type_ref["name"])
        type_ref = type_ref.get("ofType")
    return None


def detect(version: str | None, data: dict[str, Any]) -> Capabilities:
    """Capabilities from the answer to ``documents/capabilities.graphql``."""
    found = data.get("__schema")
    schema: dict[str, Any] = found if isinstance(found, dict) else {}
    root = _field_names(schema.get("mutationType"))
    answer_form: AnswerForm | None = None
    answer = _field(data.get("proposalMutation"), "answer")
    if "component" in root and "proposal" in _field_names(data.get("proposalsMutation")) and answer:
        args = {a["name"]: a for a in answer.get("args") or () if isinstance(a, dict)}
        input_fields = {
            f.get("name") for f in (data.get("answerInput") or {}).get("inputFields") or ()
        }
        if "input" in args and _named_type(args["input"].get("type")) == "AnswerInput":
            if "attributes" in input_fields:
                answer_form = "input"
        elif "state" in args:
            answer_form = "arguments"
    can_comment = "commentable" in root and "addComment" in _field_names(
        data.get("commentableMutation")
    )
    module = _field_names(data.get("proposalAdminMutation"))
    readable = "proposalAdmin" in _field_names(schema.get("queryType"))
    module_ok = readable and "proposalAdmin" in root
    return Capabilities(
        version=version,
        answer_form=answer_form,
        can_comment=can_comment,
        introspected=True,
        can_assign_evaluators=module_ok and {"assignEvaluators", "unassignEvaluators"} <= module,
        can_write_notes=module_ok and "createNote" in module,
        can_answer_guarded=module_ok and "answer" in module,
    )
