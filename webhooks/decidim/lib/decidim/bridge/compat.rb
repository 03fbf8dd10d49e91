# frozen_string_literal: true

module Decidim
  module Bridge
    # What differs between Decidim 0.27 and 0.32, decided from what is loaded, never from a
    # version number:
    #
    # - Evaluators were called valuators: `Decidim::Proposals::ValuationAssignment` with
    #   `valuator_role`, the space role "valuator", `Admin::AssignProposalsToValuator` and
    #   `Admin::UnassignProposalsFromValuator` with `Admin::ValuationAssignmentForm` (one role
    #   per form, attribute `id`). The renamed side is `EvaluationAssignment` with
    #   `evaluator_role`, the role "evaluator", `...ToEvaluator` / `...FromEvaluator` with
    #   `Admin::EvaluationAssignmentForm` (`evaluator_role_ids`, several roles per form).
    #   Sources: decidim-proposals/app/{models,commands,forms}/decidim/proposals/... of both.
    # - Both assignment models answer `#valuator` with the user and `#proposal`.
    module Compat
      module_function

      def evaluator_naming?
        defined?(::Decidim::Proposals::Admin::AssignProposalsToEvaluator) ? true : false
      end

      def assignment_class
        evaluator_naming? ? ::Decidim::Proposals::EvaluationAssignment : ::Decidim::Proposals::ValuationAssignment
      end

      def assignment_class_names
        %w(Decidim::Proposals::EvaluationAssignment Decidim::Proposals::ValuationAssignment)
      end

      # The name of the role in the space's user roles table.
      def evaluator_role_name
        evaluator_naming? ? "evaluator" : "valuator"
      end

      # The role of an assignment (polymorphic: a process, assembly or conference user role).
      def role_of(assignment)
        assignment.respond_to?(:evaluator_role) ? assignment.evaluator_role : assignment.valuator_role
      end

      # The answer state as saved, published or not. Proposal#state hides an unpublished
      # answer; #internal_state (0.27+) does not. "not_answered" and blank mean no answer.
      def saved_state(proposal)
        value = proposal.respond_to?(:internal_state) ? proposal.internal_state : proposal.state
        value = value.to_s
        value.empty? || value == "not_answered" ? nil : value
      end

      # The state a guarded answer compares: "withdrawn" for a withdrawn proposal (0.27 keeps
      # it in `state`, 0.28+ in `withdrawn_at`), else the saved answer state.
      def current_state(proposal)
        return "withdrawn" if proposal.respond_to?(:withdrawn?) && proposal.withdrawn?

        saved_state(proposal)
      end

      # ProposalAnswerForm's state attribute: `internal_state` since custom proposal states
      # (0.28), `state` before.
      def answer_state_attribute
        form = ::Decidim::Proposals::Admin::ProposalAnswerForm
        form.method_defined?(:internal_state=) ? :internal_state : :state
      end

      # Decidim's admin permission for answers (proposal_answering_enabled in the component's
      # settings and in its current step's settings); a setting that does not exist allows.
      def answering_enabled?(component)
        [component.try(:settings), component.try(:current_settings)].compact.all? do |settings|
          !settings.respond_to?(:proposal_answering_enabled) || settings.proposal_answering_enabled
        end
      end

      def published_state?(proposal)
        proposal.respond_to?(:published_state?) ? proposal.published_state? ? true : false : !proposal.state.nil?
      end
    end
  end
end
