# frozen_string_literal: true

require_relative "test_helper"

# proposalAdmin through graphql-ruby, as Decidim's API controller executes it (context with
# current_user and current_organization).
class ApiTest < Minitest::Test
  include DecidimWorld

  READ = <<~GRAPHQL
    query($id: ID!) { proposalAdmin(id: $id) { id evaluators { id nickname name } notes { id body createdAt author { id nickname name } } } }
  GRAPHQL
  ASSIGN = <<~GRAPHQL
    mutation($id: ID!, $nicknames: [String!], $userIds: [ID!]) {
      proposalAdmin(id: $id) { assignEvaluators(nicknames: $nicknames, userIds: $userIds) { id evaluators { id nickname name } } }
    }
  GRAPHQL
  UNASSIGN = <<~GRAPHQL
    mutation($id: ID!, $nicknames: [String!], $userIds: [ID!]) {
      proposalAdmin(id: $id) { unassignEvaluators(nicknames: $nicknames, userIds: $userIds) { evaluators { nickname } } }
    }
  GRAPHQL
  NOTE = <<~GRAPHQL
    mutation($id: ID!, $body: String!) {
      proposalAdmin(id: $id) { createNote(body: $body) { id body createdAt author { id nickname name } } }
    }
  GRAPHQL

  ANSWER = <<~GRAPHQL
    mutation($id: ID!, $state: String!, $answerContent: JSON, $unlessStates: [String!]) {
      proposalAdmin(id: $id) {
        answer(state: $state, answerContent: $answerContent, unlessStates: $unlessStates) { id written state published }
      }
    }
  GRAPHQL
  FINAL = %w(accepted rejected withdrawn).freeze

  # Records when the proposal row is locked, to check that the state check and the answer
  # happen under the lock.
  module LockSpy
    def lock!(*)
      LockSpy.calls << [:lock, id]
      super
    end

    def self.calls
      @calls ||= []
    end
  end
  Decidim::Proposals::Proposal.prepend(LockSpy)

  # Records when the module looks at the proposal's state, so the order against the lock
  # shows: a check before the lock would let a person's answer slip in between.
  module StateCheckSpy
    def current_state(proposal)
      LockSpy.calls << [:check, proposal.id]
      super
    end
  end
  Decidim::Bridge::Compat.singleton_class.prepend(StateCheckSpy)

  # The guarded answer's whole reply on the proposal: no errors, written or not, and the state
  # it left.
  def assert_answer_reply(result, written:, state:, published:)
    assert_nil result["errors"]
    assert_equal({ "id" => proposal.id.to_s, "written" => written, "state" => state, "published" => published },
                 result["data"]["proposalAdmin"]["answer"])
  end

  def test_a_guarded_answer_runs_decidims_command_under_a_lock_on_the_proposal
    LockSpy.calls.clear
    result = graphql(ANSWER, as: api_user, id: proposal.id.to_s, state: "evaluating",
                             answerContent: { "nl" => "We kijken ernaar" }, unlessStates: FINAL)
    assert_answer_reply result, written: true, state: "evaluating", published: true
    proposal.reload
    assert_equal ["evaluating", { "nl" => "We kijken ernaar" }], [proposal.internal_state, proposal.answer]
    assert_equal [[:lock, proposal.id], [:check, proposal.id]], LockSpy.calls.first(2)
    assert_equal 1, LockSpy.calls.count { |call| call.first == :lock }
    # Traced by Decidim's command as the API user; the module's answer event follows.
    assert_equal [["answer", api_user]], Decidim::ActionLog.all.map { |log| [log.action, log.user] }
    assert_equal ["decidim.bridge.proposal_answer_saved"], bridge_events.map { |d| d.json["type"] }
  end

  def test_a_guarded_answer_does_not_overwrite_a_final_state_published_or_not
    proposal.update!(state: "accepted", answer: { "nl" => "Akkoord" }, answered_at: Time.current)
    result = graphql(ANSWER, as: api_user, id: proposal.id.to_s, state: "evaluating",
                             answerContent: { "nl" => "We kijken ernaar" }, unlessStates: FINAL)
    assert_answer_reply result, written: false, state: "accepted", published: false
    assert_equal ["accepted", { "nl" => "Akkoord" }], [proposal.reload.internal_state, proposal.answer]
    assert_equal 0, Decidim::ActionLog.count
  end

  def test_a_guarded_answer_does_not_answer_a_withdrawn_proposal
    proposal.update!(withdrawn_at: Time.current)
    result = graphql(ANSWER, as: api_user, id: proposal.id.to_s, state: "evaluating", unlessStates: FINAL)
    assert_equal({ "written" => false, "state" => "withdrawn" },
                 result["data"]["proposalAdmin"]["answer"].slice("written", "state"))
    assert_nil proposal.reload.internal_state
  end

  def test_a_guarded_answer_without_answer_content_keeps_the_current_answer
    proposal.update!(state: "evaluating", answer: { "nl" => "We kijken ernaar", "en" => "We are looking into it" },
                     answered_at: Time.current, state_published_at: Time.current)
    omitted = graphql(ANSWER, as: api_user, id: proposal.id.to_s, state: "accepted", unlessStates: FINAL)
    assert_answer_reply omitted, written: true, state: "accepted", published: true
    assert_equal ["accepted", { "nl" => "We kijken ernaar", "en" => "We are looking into it" }],
                 [proposal.reload.internal_state, proposal.answer]
    # An explicit null is no content either.
    proposal.update!(state: "evaluating")
    null = graphql(ANSWER, as: api_user, id: proposal.id.to_s, state: "accepted", answerContent: nil, unlessStates: FINAL)
    assert_equal true, null["data"]["proposalAdmin"]["answer"]["written"]
    assert_equal({ "nl" => "We kijken ernaar", "en" => "We are looking into it" }, proposal.reload.answer)
    assert_equal [["answer", api_user]] * 2, Decidim::ActionLog.all.map { |log| [log.action, log.user] }
  end

  def test_a_guarded_answer_without_unless_states_is_written_whatever_the_state
    proposal.update!(state: "accepted", answer: { "nl" => "Akkoord" }, answered_at: Time.current,
                     state_published_at: Time.current)
    result = graphql(ANSWER, as: api_user, id: proposal.id.to_s, state: "evaluating",
                             answerContent: { "nl" => "We kijken er opnieuw naar" })
    assert_answer_reply result, written: true, state: "evaluating", published: true
    assert_equal ["evaluating", { "nl" => "We kijken er opnieuw naar" }], [proposal.reload.internal_state, proposal.answer]
    assert_equal [["answer", api_user]], Decidim::ActionLog.all.map { |log| [log.action, log.user] }
    assert_equal ["decidim.bridge.proposal_answer_saved"], bridge_events.map { |d| d.json["type"] }
  end

  def test_a_guarded_answer_does_not_overwrite_a_published_rejection
    proposal.update!(state: "rejected", answer: { "nl" => "Dit past niet in de regeling" }, answered_at: Time.current,
                     state_published_at: Time.current)
    result = graphql(ANSWER, as: api_user, id: proposal.id.to_s, state: "evaluating",
                             answerContent: { "nl" => "We kijken ernaar" }, unlessStates: FINAL)
    # Not written, and the state that kept it, as residents see it.
    assert_answer_reply result, written: false, state: "rejected", published: true
    assert_equal ["rejected", { "nl" => "Dit past niet in de regeling" }], [proposal.reload.internal_state, proposal.answer]
    assert_equal 0, Decidim::ActionLog.count
    assert_empty bridge_events
  end

  def test_a_guarded_answer_is_refused_like_the_other_writes
    [participant, evaluator, other_admin].each do |writer|
      result = graphql(ANSWER, as: writer, id: proposal.id.to_s, state: "evaluating", unlessStates: FINAL)
      assert_equal ["MUTATION_NOT_AUTHORIZED_ERROR"], error_codes(result), writer.name
      # Refused on the proposalAdmin field itself, before any write is looked at.
      assert_equal [["proposalAdmin"]], result["errors"].map { |error| error["path"] }, writer.name
      assert_nil result["data"]["proposalAdmin"]
    end
    component.update!(proposal_answering_enabled: false)
    closed = graphql(ANSWER, as: api_user, id: proposal.id.to_s, state: "evaluating", unlessStates: FINAL)
    assert_equal ["MUTATION_NOT_AUTHORIZED_ERROR"], error_codes(closed)
    component.update!(proposal_answering_enabled: true)
    invalid = graphql(ANSWER, as: api_user, id: proposal.id.to_s, state: "misschien", unlessStates: FINAL)
    assert_equal ["VALIDATION_ERROR"], error_codes(invalid)
    assert_nil proposal.reload.internal_state
    assert_equal 0, Decidim::ActionLog.count
  end

  def test_an_api_user_and_an_admin_may_read
    [api_user, admin].each do |reader|
      result = graphql(READ, as: reader, id: proposal.id.to_s)
      assert_nil result["errors"]
      assert_equal({ "id" => proposal.id.to_s, "evaluators" => [], "notes" => [] }, result["data"]["proposalAdmin"])
    end
  end

  def test_anyone_else_is_refused_with_the_contract_codes
    [participant, evaluator, other_admin, nil].each do |reader|
      read = graphql(READ, as: reader, id: proposal.id.to_s)
      assert_nil read["data"]["proposalAdmin"]
      assert_equal ["UNAUTHORIZED_OBJECT_ERROR"], error_codes(read), reader&.name
      write = graphql(ASSIGN, as: reader, id: proposal.id.to_s, nicknames: ["anouk_devries"])
      assert_nil write["data"]["proposalAdmin"]
      assert_equal ["MUTATION_NOT_AUTHORIZED_ERROR"], error_codes(write), reader&.name
    end
    assert_empty assigned_users
  end

  def test_an_api_user_of_another_organization_is_refused
    result = graphql(READ, as: api_user, organization: other_proposal.organization, id: other_proposal.id.to_s)
    assert_equal ["UNAUTHORIZED_OBJECT_ERROR"], error_codes(result)
  end

  def test_a_proposal_of_another_organization_is_null_to_read_and_not_found_to_write
    read = graphql(READ, as: api_user, id: other_proposal.id.to_s)
    assert_nil read["errors"]
    assert_nil read["data"]["proposalAdmin"]
    write = graphql(NOTE, as: api_user, id: other_proposal.id.to_s, body: "Hallo")
    assert_equal ["NOT_FOUND_ERROR"], error_codes(write)
    assert_equal 0, Decidim::Proposals::ProposalNote.count
  end

  def test_assign_by_nickname_and_by_id_returns_the_state_after_the_change
    result = graphql(ASSIGN, as: api_user, id: proposal.id.to_s, nicknames: ["@anouk_devries"], userIds: [second_evaluator.id.to_s])
    assert_nil result["errors"]
    assert_equal [{ "id" => evaluator.id.to_s, "nickname" => "anouk_devries", "name" => "Anouk de Vries" },
                  { "id" => second_evaluator.id.to_s, "nickname" => "daan_mulder", "name" => "Daan Mulder" }],
                 result["data"]["proposalAdmin"]["assignEvaluators"]["evaluators"]
    assert_equal [evaluator, second_evaluator], assigned_users
    # Traced by Decidim's command, as the requesting API user.
    logs = Decidim::ActionLog.where(resource_type: Decidim::Bridge::Compat.assignment_class.name)
    assert_equal [["create", api_user]], logs.map { |log| [log.action, log.user] }.uniq
    assert_equal 2, logs.count
  end

  def test_a_user_without_the_evaluator_role_is_refused_and_nothing_is_assigned
    result = graphql(ASSIGN, as: admin, id: proposal.id.to_s, nicknames: %w(anouk_devries pieter_jansen))
    assert_equal ["VALIDATION_ERROR"], error_codes(result)
    assert_equal "Pieter Jansen (@pieter_jansen) holds no evaluator role in this space", result["errors"][0]["message"]
    assert_empty assigned_users
    assert_equal 0, Decidim::ActionLog.count
  end

  def test_an_evaluator_role_in_another_space_does_not_count
    grant(participant, Decidim::Bridge::Compat.evaluator_role_name,
          Decidim::ParticipatoryProcess.create!(organization: organization, slug: "begroting"))
    result = graphql(ASSIGN, as: api_user, id: proposal.id.to_s, nicknames: ["pieter_jansen"])
    assert_equal ["VALIDATION_ERROR"], error_codes(result)
    assert_empty assigned_users
  end

  def test_unknown_users_are_not_found
    assert_equal ["NOT_FOUND_ERROR"], error_codes(graphql(ASSIGN, as: api_user, id: proposal.id.to_s, nicknames: ["niemand"]))
    assert_equal ["NOT_FOUND_ERROR"], error_codes(graphql(ASSIGN, as: api_user, id: proposal.id.to_s, userIds: [other_admin.id.to_s]))
    assert_equal ["VALIDATION_ERROR"], error_codes(graphql(ASSIGN, as: api_user, id: proposal.id.to_s))
    assert_empty assigned_users
  end

  def test_assigning_again_changes_nothing_and_succeeds
    graphql(ASSIGN, as: api_user, id: proposal.id.to_s, nicknames: ["anouk_devries"])
    logs = Decidim::ActionLog.count
    again = graphql(ASSIGN, as: api_user, id: proposal.id.to_s, nicknames: %w(anouk_devries anouk_devries))
    assert_nil again["errors"]
    assert_equal ["anouk_devries"], again["data"]["proposalAdmin"]["assignEvaluators"]["evaluators"].map { |e| e["nickname"] }
    assert_equal [evaluator], assigned_users
    assert_equal logs, Decidim::ActionLog.count
  end

  def test_unassign_removes_only_the_named_and_ignores_who_is_not_assigned
    graphql(ASSIGN, as: api_user, id: proposal.id.to_s, nicknames: %w(anouk_devries daan_mulder))
    result = graphql(UNASSIGN, as: api_user, id: proposal.id.to_s, nicknames: ["anouk_devries"])
    assert_nil result["errors"]
    assert_equal [{ "nickname" => "daan_mulder" }], result["data"]["proposalAdmin"]["unassignEvaluators"]["evaluators"]
    again = graphql(UNASSIGN, as: api_user, id: proposal.id.to_s, nicknames: %w(anouk_devries pieter_jansen))
    assert_nil again["errors"]
    assert_equal [second_evaluator], assigned_users
    assert_equal 1, Decidim::ActionLog.where(action: "delete").count
  end

  def test_create_note_is_authored_by_the_api_user_with_mentions_read_back
    result = graphql(NOTE, as: api_user, id: proposal.id.to_s, body: "Graag een kostenraming, @anouk_devries.\nZie #lindegracht")
    assert_nil result["errors"]
    note = Decidim::Proposals::ProposalNote.last
    assert_equal api_user, note.author
    # Decidim stores the mention as a global id; the API gives it back as written.
    assert_includes note.body, "gid://decidim-test/Decidim::User/#{evaluator.id}"
    assert_equal({ "id" => note.id.to_s, "body" => "Graag een kostenraming, @anouk_devries.\nZie #lindegracht",
                   "createdAt" => note.created_at.utc.iso8601,
                   "author" => { "id" => api_user.id.to_s, "nickname" => nil, "name" => "decidim-bridge" } },
                 result["data"]["proposalAdmin"]["createNote"])
    assert_equal [["create", api_user]], Decidim::ActionLog.where(resource_type: "Decidim::Proposals::ProposalNote")
                                                            .map { |log| [log.action, log.user] }
  end

  def test_an_empty_note_is_a_validation_error
    result = graphql(NOTE, as: admin, id: proposal.id.to_s, body: "  \n ")
    assert_equal ["VALIDATION_ERROR"], error_codes(result)
    assert_equal 0, Decidim::Proposals::ProposalNote.count
  end

  def test_reads_give_evaluators_and_notes_oldest_first
    graphql(ASSIGN, as: admin, id: proposal.id.to_s, nicknames: ["daan_mulder"])
    graphql(ASSIGN, as: admin, id: proposal.id.to_s, nicknames: ["anouk_devries"])
    late = Decidim::Proposals::ProposalNote.create!(proposal: proposal, author: admin, body: "Tweede",
                                                    created_at: Time.utc(2026, 11, 25, 10))
    early = Decidim::Proposals::ProposalNote.create!(proposal: proposal, author: evaluator, body: "Eerste",
                                                     created_at: Time.utc(2026, 11, 25, 9))
    result = graphql(READ, as: api_user, id: proposal.id.to_s)["data"]["proposalAdmin"]
    assert_equal %w(daan_mulder anouk_devries), result["evaluators"].map { |e| e["nickname"] }
    assert_equal [[early.id.to_s, "Eerste", "2026-11-25T09:00:00Z", "anouk_devries"],
                  [late.id.to_s, "Tweede", "2026-11-25T10:00:00Z", "sanne_bakker"]],
                 result["notes"].map { |n| [n["id"], n["body"], n["createdAt"], n["author"]["nickname"]] }
  end
end
