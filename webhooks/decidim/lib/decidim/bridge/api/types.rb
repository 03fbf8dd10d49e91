# frozen_string_literal: true

module Decidim
  module Bridge
    module Api
      # Plain graphql-ruby objects over Decidim::Bridge::ProposalAdmin: their values are not
      # Decidim records, so Decidim's BaseObject permission chain (0.28+) has nothing to check;
      # access is decided once, on the root field.
      class UserType < ::GraphQL::Schema::Object
        graphql_name "ProposalAdminUser"
        description "A user as Decidim's admin shows them next to a note or an assignment."

        field :id, ::GraphQL::Types::ID, null: false
        field :nickname, ::GraphQL::Types::String, null: true
        field :name, ::GraphQL::Types::String, null: false

        def id
          object["id"]
        end

        def nickname
          object["nickname"]
        end

        def name
          object["name"]
        end
      end

      class NoteType < ::GraphQL::Schema::Object
        graphql_name "ProposalAdminNote"
        description "A private note; mentions and hashtags written back as @nickname and #name."

        field :id, ::GraphQL::Types::ID, null: false
        field :body, ::GraphQL::Types::String, null: false
        field :created_at, ::GraphQL::Types::String, "ISO 8601 with a time zone.", null: false
        field :author, UserType, null: true
      end

      class ProposalAdminType < ::GraphQL::Schema::Object
        graphql_name "ProposalAdmin"
        description "Admin-side facts of a proposal."

        field :id, ::GraphQL::Types::ID, null: false
        field :evaluators, [UserType], "Users assigned as evaluator (valuator before the rename).", null: false
        field :notes, [NoteType], "Private notes, oldest first.", null: false
      end

      class AnswerType < ::GraphQL::Schema::Object
        graphql_name "ProposalAdminAnswer"
        description "The outcome of a guarded answer."

        field :id, ::GraphQL::Types::ID, null: false
        field :written, ::GraphQL::Types::Boolean, "Whether this call saved the answer.", null: false
        field :state, ::GraphQL::Types::String, "The state after the call (saved, or withdrawn); when not written, the state that kept it.",
              null: true
        field :published, ::GraphQL::Types::Boolean, "Whether residents see the state.", null: false
      end

      class ProposalAdminMutationType < ::GraphQL::Schema::Object
        graphql_name "ProposalAdminMutation"
        description "Admin-side writes on a proposal, through Decidim's own commands."

        field :assign_evaluators, ProposalAdminType, null: false,
                                                     description: "Assign evaluators; each must hold the evaluator role in the space." do
          argument :nicknames, [::GraphQL::Types::String], required: false
          argument :user_ids, [::GraphQL::Types::ID], required: false
        end

        field :unassign_evaluators, ProposalAdminType, null: false, description: "Unassign evaluators." do
          argument :nicknames, [::GraphQL::Types::String], required: false
          argument :user_ids, [::GraphQL::Types::ID], required: false
        end

        field :create_note, NoteType, null: false, description: "Create a private note authored by the requesting user." do
          argument :body, ::GraphQL::Types::String, required: true
        end

        field :answer, AnswerType, null: false,
                                   description: "Answer the proposal (Admin::AnswerProposal) unless its state is one of unlessStates." do
          argument :state, ::GraphQL::Types::String, required: true
          argument :answer_content, ::GraphQL::Types::JSON, required: false
          argument :unless_states, [::GraphQL::Types::String], required: false
        end

        def assign_evaluators(nicknames: nil, user_ids: nil)
          guarded { object.assign_evaluators(nicknames: nicknames, user_ids: user_ids) }
        end

        def unassign_evaluators(nicknames: nil, user_ids: nil)
          guarded { object.unassign_evaluators(nicknames: nicknames, user_ids: user_ids) }
        end

        def create_note(body:)
          guarded { object.create_note(body) }
        end

        def answer(state:, answer_content: nil, unless_states: nil)
          guarded { object.answer(state: state, answer_content: answer_content, unless_states: Array(unless_states)) }
        end

        private

        def guarded
          yield
        rescue Decidim::Bridge::ProposalAdmin::Problem => e
          Errors.from(e)
        end
      end
    end
  end
end
