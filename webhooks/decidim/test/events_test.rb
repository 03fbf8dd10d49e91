# frozen_string_literal: true

require_relative "test_helper"

# The module's four events, delivered signed to a local receiver, with exact payloads.
class EventsTest < Minitest::Test
  include DecidimWorld

  FRAME = {
    "organization" => { "host" => "localhost" },
    "component" => { "id" => nil, "manifest" => "proposals" },
    "participatory_space" => { "type" => "Decidim::ParticipatoryProcess", "id" => nil, "slug" => "wijkinitiatieven" }
  }.freeze

  def frame(type, occurred_at)
    FRAME.merge(
      "type" => type, "occurred_at" => occurred_at.utc.iso8601(3),
      "resource" => { "type" => "Decidim::Proposals::Proposal", "id" => proposal.id.to_s,
                      "url" => "https://participatie.lindeburg.example/processes/wijkinitiatieven/f/#{component.id}/proposals/#{proposal.id}" },
      "component" => { "id" => component.id.to_s, "manifest" => "proposals" },
      "participatory_space" => FRAME["participatory_space"].merge("id" => process.id.to_s)
    )
  end

  def api_actor
    { "id" => api_user.id.to_s, "nickname" => nil, "name" => "decidim-bridge", "api_user" => true,
      "roles" => ["organization_admin"] }
  end

  def person(user)
    { "id" => user.id.to_s, "nickname" => user.nickname, "name" => user.name }
  end

  def admin_form(form_class, **attributes)
    form_class.from_params(attributes).with_context(current_user: admin, current_organization: organization,
                                                    current_component: component)
  end

  def test_a_note_created_through_the_api
    graphql(<<~GRAPHQL, as: api_user, id: proposal.id.to_s, body: "Kan @anouk_devries dit oppakken?\nGroet")
      mutation($id: ID!, $body: String!) { proposalAdmin(id: $id) { createNote(body: $body) { id } } }
    GRAPHQL
    note = Decidim::Proposals::ProposalNote.last
    (delivery,) = bridge_events
    assert delivery.signature_valid
    assert_equal "decidim-bridge-proposal_note_created-#{note.id}", delivery.id
    expected = frame("decidim.bridge.proposal_note_created", note.created_at).merge(
      "extra" => { "note_id" => note.id.to_s, "body" => "Kan @anouk_devries dit oppakken?\nGroet", "author" => api_actor }
    )
    assert_equal expected, delivery.json
  end

  def test_a_note_written_by_an_evaluator_in_decidims_admin
    grant(evaluator, "collaborator")
    hashtag = Decidim::Hashtag.create!(organization: organization, name: "lindegracht")
    form = Decidim::Proposals::Admin::ProposalNoteForm.from_params(body: "Gezien, @daan_mulder.")
                                                       .with_context(current_user: evaluator, current_organization: organization)
    Decidim::Proposals::Admin::CreateProposalNote.call(form, proposal)
    # A hashtag stored as Decidim's hashtag parser writes it, with its name appended.
    Decidim::Proposals::ProposalNote.create!(proposal: proposal, author: admin,
                                             body: "Zie gid://decidim-test/Decidim::Hashtag/#{hashtag.id}/_lindegracht en " \
                                                   "gid://decidim-test/Decidim::User/999999.")
    first, second = bridge_events
    assert_equal "Gezien, @daan_mulder.", first.json["extra"]["body"]
    assert_equal person(evaluator).merge("api_user" => false, "roles" => %w(collaborator evaluator)),
                 first.json["extra"]["author"]
    assert_equal "Zie #lindegracht en .", second.json["extra"]["body"]
    assert_equal %w(organization_admin), second.json["extra"]["author"]["roles"]
  end

  def test_evaluators_assigned_and_unassigned
    graphql(<<~GRAPHQL, as: api_user, id: proposal.id.to_s, nicknames: %w(anouk_devries))
      mutation($id: ID!, $nicknames: [String!]) { proposalAdmin(id: $id) { assignEvaluators(nicknames: $nicknames) { id } } }
    GRAPHQL
    graphql(<<~GRAPHQL, as: api_user, id: proposal.id.to_s, nicknames: %w(anouk_devries))
      mutation($id: ID!, $nicknames: [String!]) { proposalAdmin(id: $id) { unassignEvaluators(nicknames: $nicknames) { id } } }
    GRAPHQL
    created, deleted = Decidim::ActionLog.order(:id).to_a
    assigned, unassigned = bridge_events
    assert assigned.signature_valid && unassigned.signature_valid
    assert_equal "decidim-bridge-proposal_evaluators_assigned-#{created.id}", assigned.id
    assert_equal "decidim-bridge-proposal_evaluators_unassigned-#{deleted.id}", unassigned.id
    assert_equal frame("decidim.bridge.proposal_evaluators_assigned", created.created_at)
      .merge("extra" => { "evaluators" => [person(evaluator)], "by" => api_actor }), assigned.json
    assert_equal frame("decidim.bridge.proposal_evaluators_unassigned", deleted.created_at)
      .merge("extra" => { "evaluators" => [person(evaluator)], "by" => api_actor }), unassigned.json
  end

  def test_answers_saved_internally_then_published
    component.update!(publish_answers_immediately: false)
    state = Decidim::Bridge::Compat.answer_state_attribute
    form = Decidim::Proposals::Admin::ProposalAnswerForm.from_params(state => "evaluating", answer: { "nl" => "We kijken ernaar" })
    Decidim::Proposals::Admin::AnswerProposal.call(form.with_context(current_user: admin, current_component: component), proposal)
    Decidim::Proposals::Admin::PublishAnswers.call(component, admin, [proposal.id])
    internal, published = bridge_events
    logs = Decidim::ActionLog.order(:id).to_a
    assert_equal %w(answer publish_answer), logs.map(&:action)
    admin_actor = person(admin).merge("api_user" => false, "roles" => ["organization_admin"])
    assert_equal frame("decidim.bridge.proposal_answer_saved", logs[0].created_at)
      .merge("extra" => { "state" => "evaluating", "published" => false, "by" => admin_actor }), internal.json
    assert_equal({ "state" => "evaluating", "published" => true, "by" => admin_actor }, published.json["extra"])
    assert_equal "decidim-bridge-proposal_answer_saved-#{logs[1].id}", published.id
  end

  def test_events_do_not_depend_on_notifications_and_keep_their_id
    # Assigned in Decidim's admin, with nobody subscribed to Decidim's notifications.
    DecidimBridgeForwarder.instance_variable_get(:@subscriber).then { |s| ActiveSupport::Notifications.unsubscribe(s) }
    DecidimBridgeForwarder.instance_variable_set(:@subscriber, nil)
    role = process.user_roles(Decidim::Bridge::Compat.evaluator_role_name).find_by(decidim_user_id: second_evaluator.id)
    if Decidim::Bridge::Compat.evaluator_naming?
      form = admin_form(Decidim::Proposals::Admin::EvaluationAssignmentForm, proposal_ids: [proposal.id], evaluator_role_ids: [role.id])
      Decidim::Proposals::Admin::AssignProposalsToEvaluator.call(form)
    else
      form = admin_form(Decidim::Proposals::Admin::ValuationAssignmentForm, id: role.id, proposal_ids: [proposal.id])
      Decidim::Proposals::Admin::AssignProposalsToValuator.call(form)
    end
    (delivery,) = bridge_events
    assert_equal 1, RECEIVER.deliveries.size # nothing came from a notification
    assert_equal "decidim.bridge.proposal_evaluators_assigned", delivery.json["type"]
    assert_equal [person(second_evaluator)], delivery.json["extra"]["evaluators"]
    assert_equal person(admin).merge("api_user" => false, "roles" => ["organization_admin"]), delivery.json["extra"]["by"]
    # The same log gives the same webhook-id; a second enqueue of it is dropped.
    log = Decidim::ActionLog.last
    assert_equal delivery.id, Decidim::Bridge::Events.webhook_id("decidim.bridge.proposal_evaluators_assigned", log.id)
    assert_equal false, Decidim::Bridge::Events.action_logged(log)
  ensure
    DecidimBridgeForwarder.install!(FORWARDER_ENV)
  end

  def test_actions_that_are_not_events_send_nothing
    Decidim.traceability.perform_action!("update", proposal, admin) { proposal.update!(title: "Nieuwe titel") }
    assert_empty bridge_events
  end
end
