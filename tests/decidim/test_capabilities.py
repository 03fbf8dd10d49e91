"""Capability detection: both answer forms, comments only, refused introspection, caching."""

from __future__ import annotations

from typing import Any

from decidim_bridge.decidim.capabilities import Capabilities, detect


def test_032_input_form(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "capabilities_input-200")

    found = make_client().capabilities()

    assert found == Capabilities(
        version="0.32.1", answer_form="input", can_comment=True, introspected=True
    )
    assert found.can_answer


def test_apiext_argument_form_with_hidden_version(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version_hidden-200")
    decidim.answer("Capabilities", "capabilities_arguments-200")

    found = make_client().capabilities()

    assert found == Capabilities(
        version=None, answer_form="arguments", can_comment=True, introspected=True
    )


def test_comments_only_instance(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "capabilities_comments_only-200")

    found = make_client().capabilities()

    assert found.answer_form is None
    assert found.can_comment
    assert found.introspected


def test_refused_introspection_falls_back_to_comments_only(
    decidim: Any, make_client: Any, caplog: Any
) -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "introspection_disabled-200")

    with caplog.at_level("WARNING", logger="decidim_bridge.decidim.client"):
        found = make_client().capabilities()

    assert found == Capabilities(
        version="0.32.1", answer_form=None, can_comment=True, introspected=False
    )
    assert "INTROSPECTION_DISABLED_ERROR" in caplog.text


def test_capabilities_are_cached_and_refreshable(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "capabilities_comments_only-200")
    client = make_client()

    assert client.capabilities().answer_form is None
    assert client.limited(share=0.5).capabilities().answer_form is None
    assert len(decidim.graphql_calls()) == 2

    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "capabilities_input-200")
    assert client.capabilities(refresh=True).answer_form == "input"
    assert client.capabilities().answer_form == "input"
    assert len(decidim.graphql_calls()) == 4


def test_an_answer_with_input_of_another_type_is_not_the_032_form() -> None:
    data: dict[str, Any] = {
        "__schema": {"mutationType": {"fields": [{"name": "component"}]}},
        "proposalsMutation": {"fields": [{"name": "proposal"}]},
        "proposalMutation": {
            "fields": [
                {
                    "name": "answer",
                    "args": [
                        {
                            "name": "input",
                            "type": {
                                "kind": "NON_NULL",
                                "name": None,
                                "ofType": {"kind": "INPUT_OBJECT", "name": "SomethingElse"},
                            },
                        }
                    ],
                }
            ]
        },
        "commentableMutation": None,
        "answerInput": None,
    }

    found = detect(None, data)

    assert found.answer_form is None
    assert not found.can_comment


def test_no_component_mutation_means_no_answers() -> None:
    data: dict[str, Any] = {
        "__schema": {"mutationType": {"fields": [{"name": "commentable"}]}},
        "proposalsMutation": {"fields": [{"name": "proposal"}]},
        "proposalMutation": {"fields": [{"name": "answer", "args": [{"name": "state"}]}]},
        "commentableMutation": {"fields": [{"name": "addComment"}]},
        "answerInput": None,
    }

    found = detect("0.29.2", data)

    assert found.answer_form is None
    assert found.can_comment


def test_the_decidim_bridge_module_is_detected(decidim: Any, make_client: Any) -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "capabilities_module-200")

    found = make_client().capabilities()

    assert found.can_assign_evaluators
    assert found.can_write_notes
    assert found.answer_form == "input"
    assert found.missing_write_paths() == []


def test_without_the_module_the_missing_paths_say_what_happens_instead(
    decidim: Any, make_client: Any
) -> None:
    decidim.sign_in()
    decidim.answer("DecidimVersion", "decidim_version-200")
    decidim.answer("Capabilities", "capabilities_input-200")

    found = make_client().capabilities()

    assert not found.can_assign_evaluators
    assert not found.can_write_notes
    missing = dict(found.missing_write_paths())
    assert set(missing) == {"evaluator assignments", "private notes"}
    assert "mail" in missing["evaluator assignments"]


def test_module_mutations_without_the_query_side_do_not_count() -> None:
    """Writing a note or an assignment needs the read-back too (after an ambiguous failure)."""
    data = {
        "__schema": {
            "queryType": {"fields": [{"name": "session"}]},
            "mutationType": {"fields": [{"name": "proposalAdmin"}]},
        },
        "proposalAdminMutation": {
            "fields": [
                {"name": "assignEvaluators"},
                {"name": "unassignEvaluators"},
                {"name": "createNote"},
            ]
        },
    }

    found = detect(None, data)

    assert not found.can_assign_evaluators
    assert not found.can_write_notes


def test_comments_only_lists_every_missing_path() -> None:
    found = Capabilities(version=None, answer_form=None, can_comment=False, introspected=False)

    assert [path for path, _ in found.missing_write_paths()] == [
        "comments",
        "answers",
        "evaluator assignments",
        "private notes",
    ]
