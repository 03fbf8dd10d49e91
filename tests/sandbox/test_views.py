"""What the API shows: only published, visible records; pages of at most 50; Decidim's filters."""

from __future__ import annotations

from sandbox_support import document, gql

PAGE = document("proposals_page")
PROPOSAL = document("proposal")


def _ids(response) -> list[int]:
    proposals = response.json["data"]["component"]["proposals"]
    assert [e["node"]["id"] for e in proposals["edges"]] == [n["id"] for n in proposals["nodes"]]
    return [int(n["id"]) for n in proposals["nodes"]]


def test_only_published_not_hidden_proposals_are_listed(sbx):
    ids = _ids(gql(sbx, PAGE, {"component": "11"}))
    assert 114 not in ids  # a draft
    assert 115 not in ids  # hidden by moderation
    assert 113 in ids  # withdrawn proposals stay visible
    assert len(ids) >= 12
    assert ids == sorted(ids)


def test_a_draft_or_hidden_proposal_reads_as_null(sbx, state):
    for proposal_id in ("114", "115", "999"):
        response = gql(sbx, PROPOSAL, {"component": "11", "id": proposal_id})
        assert response.json == {"data": {"component": {"id": "11", "proposal": None}}}
    state.publish_proposal(114)
    response = gql(sbx, PROPOSAL, {"component": "11", "id": "114"})
    assert response.json["data"]["component"]["proposal"]["id"] == "114"


def test_a_proposal_of_another_component_is_not_found_through_this_one(sbx):
    response = gql(sbx, PROPOSAL, {"component": "21", "id": "101"})
    assert response.json["data"]["component"]["proposal"] is None


def test_proposal_fields_follow_the_seed(sbx):
    proposal = gql(sbx, PROPOSAL, {"component": "11", "id": "104"}).json["data"]["component"][
        "proposal"
    ]
    assert proposal["title"] == {"translation": "Speeltuin Merelplein opknappen"}
    assert {t["locale"] for t in proposal["body"]["translations"]} == {"nl", "en"}
    assert proposal["state"] is None
    assert proposal["answer"] is None and proposal["answeredAt"] is None
    assert proposal["publishedAt"] == "2026-10-26T20:30:00+01:00"
    assert proposal["address"] == "Merelplein 1, 7423 GD Lindeburg"
    assert proposal["coordinates"] == {"latitude": 52.2408, "longitude": 6.1702}
    assert [t["name"]["translation"] for t in proposal["taxonomies"]] == ["Zuid", "Spelen en sport"]
    assert proposal["taxonomies"][0]["parent"] == {"id": "1"}
    assert proposal["url"] == "http://localhost:3000/processes/wijkinitiatieven/f/11/proposals/104"
    assert proposal["reference"] == "LB-PROP-2026-10-104"
    assert proposal["totalCommentsCount"] == 1
    assert proposal["comments"][0]["author"]["nickname"] == "@annekedv"


def test_withdrawn_proposal_reports_its_state(sbx):
    proposal = gql(sbx, PROPOSAL, {"component": "11", "id": "113"}).json["data"]["component"][
        "proposal"
    ]
    assert proposal["state"] == "withdrawn"
    assert proposal["withdrawn"] is True


def test_unpublished_component_and_space_are_invisible(sbx, state):
    state.components[11].published_at = None
    assert gql(sbx, PAGE, {"component": "11"}).json == {"data": {"component": None}}
    state.components[11].published_at = 1.0
    state.spaces[1].published_at = None
    assert gql(sbx, PAGE, {"component": "11"}).json == {"data": {"component": None}}
    processes = gql(sbx, "{ participatoryProcesses { slug } }").json["data"]
    assert processes == {"participatoryProcesses": [{"slug": "begroting-2027"}]}


def _many_proposals(state, count: int) -> None:
    for index in range(count):
        state.create_proposal(
            component_id=21,
            title={"nl": f"Idee nummer {index} voor de begroting"},
            body={"nl": "Een idee voor de begroting van 2027, ruim vijftien tekens."},
        )


def test_first_above_50_is_lowered_to_50_without_error(sbx, state):
    _many_proposals(state, 60)
    response = gql(sbx, PAGE, {"component": "21", "first": 100})
    assert "errors" not in response.json
    assert len(_ids(response)) == 50
    assert response.json["data"]["component"]["proposals"]["pageInfo"]["hasNextPage"] is True
    default = gql(sbx, PAGE, {"component": "21"})
    assert len(_ids(default)) == 50


def test_negative_first_gives_an_empty_page_without_error(sbx):
    response = gql(sbx, PAGE, {"component": "11", "first": -3})
    assert "errors" not in response.json
    assert _ids(response) == []


def test_pages_follow_the_cursor(sbx, state):
    _many_proposals(state, 60)
    seen: list[int] = []
    after = None
    for _ in range(5):
        response = gql(sbx, PAGE, {"component": "21", "first": 25, "after": after})
        seen += _ids(response)
        info = response.json["data"]["component"]["proposals"]["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert len(seen) == 63 == len(set(seen))
    assert seen == sorted(seen)


def test_order_and_published_filters(sbx):
    descending = _ids(gql(sbx, PAGE, {"component": "11", "order": {"id": "DESC"}}))
    assert descending == sorted(descending, reverse=True)
    by_votes = _ids(gql(sbx, PAGE, {"component": "11", "order": {"voteCount": "desc"}}))
    assert by_votes[0] == 109  # 64 votes, the most in the seed
    since = _ids(gql(sbx, PAGE, {"component": "11", "filter": {"publishedSince": "2026-11-20"}}))
    assert since == [111, 112, 116]
    before = _ids(gql(sbx, PAGE, {"component": "11", "filter": {"publishedBefore": "2026-10-09"}}))
    assert before == [101, 113]


def test_spaces_components_and_taxonomies(sbx):
    query = """{
      participatoryProcess(slug: "wijkinitiatieven") {
        id type
        components(filter: {type: "Proposals"}) { id __typename participatorySpace { id type } }
      }
      assembly(id: "3") { slug title { translation(locale: "en") } }
      organization { taxonomies { name { translation(locale: "nl") } children { id } } }
    }"""
    data = gql(sbx, query).json["data"]
    assert data["participatoryProcess"] == {
        "id": "1",
        "type": "Decidim::ParticipatoryProcess",
        "components": [
            {
                "id": "11",
                "__typename": "Proposals",
                "participatorySpace": {"id": "1", "type": "Decidim::ParticipatoryProcess"},
            }
        ],
    }
    assert data["assembly"] == {
        "slug": "wijkraad-noord",
        "title": {"translation": "District council North"},
    }
    roots = data["organization"]["taxonomies"]
    assert [r["name"]["translation"] for r in roots] == ["Wijk", "Thema"]
    assert len(roots[0]["children"]) == 5 and len(roots[1]["children"]) == 6


def test_unknown_space_is_not_found_error(sbx):
    response = gql(sbx, '{ participatoryProcess(slug: "nope") { id } }').json
    assert response["data"] == {"participatoryProcess": None}
    assert response["errors"][0]["message"] == "ParticipatoryProcess not found"
    assert response["errors"][0]["extensions"] == {"code": "NOT_FOUND_ERROR"}
