# frozen_string_literal: true

module Decidim
  module Bridge
    # The admin-side facts and writes behind `proposalAdmin`, for one proposal and one
    # requesting user. Writes go through Decidim's own forms and commands, so the admin log,
    # notifications and validations are Decidim's; this class only finds the users and roles
    # and turns refusals into Problems the API reports.
    class ProposalAdmin
      # A refusal with the API's error code (NOT_FOUND_ERROR, VALIDATION_ERROR).
      class Problem < StandardError
        attr_reader :code

        def initialize(code, message)
          @code = code
          super(message)
        end
      end

      Note = Struct.new(:id, :body, :created_at, :author, keyword_init: true)
      Answered = Struct.new(:id, :written, :state, :published, keyword_init: true)

      attr_reader :proposal, :user, :organization

      # The proposal with this id in the organization, or nil.
      def self.find(id, user:, organization:)
        return nil unless id.to_s.match?(/\A\d+\z/)

        proposal = ::Decidim::Proposals::Proposal.find_by(id: id.to_i)
        return nil unless proposal && proposal.organization&.id == organization.id

        new(proposal, user: user, organization: organization)
      end

      def initialize(proposal, user:, organization:)
        @proposal = proposal
        @user = user
        @organization = organization
      end

      def id
        proposal.id.to_s
      end

      def space
        proposal.participatory_space
      end

      # Assigned evaluators, in the order they were assigned.
      def evaluators
        assignments.map { |assignment| Actor.user(assignment.valuator) }.compact
      end

      # Private notes, oldest first (replies included, as the admin shows them).
      def notes
        ::Decidim::Proposals::ProposalNote.where(decidim_proposal_id: proposal.id)
                                          .reorder(created_at: :asc, id: :asc)
                                          .map { |note| note_view(note) }
      end

      # Runs AssignProposalsToEvaluator (AssignProposalsToValuator) for the users not assigned
      # yet; all or nothing.
      def assign_evaluators(nicknames: nil, user_ids: nil)
        users = find_users(nicknames, user_ids)
        roles = users.map { |found| [found, evaluator_role(found)] }
        refused = roles.select { |_, role| role.nil? }.map(&:first)
        unless refused.empty?
          raise Problem.new("VALIDATION_ERROR",
                            "#{refused.map { |found| label(found) }.join(', ')} " \
                            "#{refused.size == 1 ? 'holds' : 'hold'} no evaluator role in this space")
        end

        assigned = assignments.map { |assignment| Compat.role_of(assignment) }
        run_assignment(roles.map(&:last).reject { |role| assigned.include?(role) }, :assign)
        self
      end

      # Runs UnassignProposalsFromEvaluator (...FromValuator) for the users that are assigned.
      def unassign_evaluators(nicknames: nil, user_ids: nil)
        users = find_users(nicknames, user_ids)
        ids = users.map(&:id)
        roles = assignments.map { |assignment| Compat.role_of(assignment) }.select { |role| ids.include?(role.decidim_user_id) }
        run_assignment(roles, :unassign)
        self
      end

      # Runs CreateProposalNote with the requesting user as author.
      def create_note(body)
        raise Problem.new("VALIDATION_ERROR", "The note is empty") if body.to_s.strip.empty?

        form = form_class("ProposalNoteForm").from_params(body: body).with_context(context)
        note = nil
        errors = nil
        ::Decidim::Proposals::Admin::CreateProposalNote.call(form, proposal) do
          on(:ok) { |created| note = created }
          on(:invalid) { errors = form.errors.full_messages }
        end
        raise Problem.new("VALIDATION_ERROR", "The note was refused: #{Array(errors).join(', ')}") unless note

        note_view(note)
      rescue ::ActiveRecord::AssociationTypeMismatch
        # Where ProposalNote#author is a Decidim::User only, an API user cannot author a note.
        raise Problem.new("VALIDATION_ERROR", "This Decidim version records notes by participant accounts only; " \
                                              "use an organization admin's account")
      end

      # Runs AnswerProposal with a ProposalAnswerForm unless the proposal's state (as saved,
      # published or not; "withdrawn" for a withdrawn proposal) is one of unless_states. The
      # row stays locked from the check to the end of the answer, so a person's answer saved
      # meanwhile is either seen by the check or waits for this one to finish.
      def answer(state:, answer_content: nil, unless_states: [])
        raise Problem.new("VALIDATION_ERROR", "The answer needs a state") if state.to_s.strip.empty?
        raise Problem.new("MUTATION_NOT_AUTHORIZED_ERROR", "Answers are not enabled in this component") unless Compat.answering_enabled?(proposal.component)

        ::ActiveRecord::Base.transaction do
          proposal.lock!
          current = Compat.current_state(proposal)
          next answered(false, current) if Array(unless_states).map(&:to_s).include?(current.to_s) && !current.nil?

          run_answer(state.to_s, answer_content)
          answered(true, Compat.current_state(proposal))
        end
      end

      private

      def answered(written, state)
        Answered.new(id: id, written: written, state: state, published: Compat.published_state?(proposal))
      end

      def run_answer(state, answer_content)
        params = { Compat.answer_state_attribute => state, answer: answer_content || proposal.answer }
        form = form_class("ProposalAnswerForm").from_params(params).with_context(context)
        refused = nil
        ::Decidim::Proposals::Admin::AnswerProposal.call(form, proposal) do
          on(:invalid) { refused = form.errors.full_messages }
        end
        raise Problem.new("VALIDATION_ERROR", "Decidim refused the answer: #{refused.join(', ')}") if refused
      end

      def assignments
        Compat.assignment_class.where(decidim_proposal_id: proposal.id).order(:id).to_a
      end

      def note_view(note)
        Note.new(id: note.id.to_s, body: NoteText.render(note.body, organization),
                 created_at: note.created_at.utc.iso8601, author: Actor.user(note.author))
      end

      def find_users(nicknames, user_ids)
        nicknames = Array(nicknames).map { |nickname| nickname.to_s.strip.delete_prefix("@") }
        user_ids = Array(user_ids).map(&:to_s)
        raise Problem.new("VALIDATION_ERROR", "Give nicknames or userIds") if nicknames.empty? && user_ids.empty?

        found = nicknames.map { |nickname| find_user(nickname: nickname) || not_found("nickname @#{nickname}") }
        found += user_ids.map { |id| (id.match?(/\A\d+\z/) && find_user(id: id.to_i)) || not_found("id #{id}") }
        found.uniq(&:id)
      end

      # Participants of the organization only (not API users, not deleted accounts).
      def find_user(**condition)
        ::Decidim::User.where(decidim_organization_id: organization.id, deleted_at: nil).find_by(**condition)
      end

      def not_found(what)
        raise Problem.new("NOT_FOUND_ERROR", "No user with #{what} in this organization")
      end

      def label(found)
        found.nickname.to_s.empty? ? found.name.to_s : "#{found.name} (@#{found.nickname})"
      end

      # The user's evaluator role in this very space (an assembly's roles include its parents').
      def evaluator_role(found)
        space.user_roles(Compat.evaluator_role_name).where(decidim_user_id: found.id).find do |role|
          !role.respond_to?(:participatory_space) || role.participatory_space == space
        end
      end

      def run_assignment(roles, direction)
        return if roles.empty?

        if Compat.evaluator_naming?
          command = direction == :assign ? "AssignProposalsToEvaluator" : "UnassignProposalsFromEvaluator"
          run(command, form_class("EvaluationAssignmentForm")
                         .from_params(proposal_ids: [proposal.id], evaluator_role_ids: roles.map(&:id)))
        else
          # One role per form before the rename (ValuationAssignmentForm#valuator_role is `id`).
          command = direction == :assign ? "AssignProposalsToValuator" : "UnassignProposalsFromValuator"
          ::ActiveRecord::Base.transaction do
            roles.each do |role|
              run(command, form_class("ValuationAssignmentForm").from_params(id: role.id, proposal_ids: [proposal.id]))
            end
          end
        end
      end

      def run(command_name, form)
        form = form.with_context(context)
        refused = nil
        ::Decidim::Proposals::Admin.const_get(command_name).call(form) do
          on(:invalid) { refused = form.errors.full_messages }
        end
        return unless refused

        raise Problem.new("VALIDATION_ERROR", "Decidim refused the change: #{refused.join(', ')}")
      end

      def form_class(name)
        ::Decidim::Proposals::Admin.const_get(name)
      end

      def context
        { current_user: user, current_organization: organization, current_component: proposal.component,
          current_participatory_space: space }
      end
    end
  end
end
