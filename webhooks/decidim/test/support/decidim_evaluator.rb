# frozen_string_literal: true

# The evaluator names (after the rename), from decidim-proposals at commits 3ab3f42d and
# b179d2f4 of decidim/decidim.
module Decidim
  module Proposals
    # decidim-proposals/app/models/decidim/proposals/evaluation_assignment.rb
    class EvaluationAssignment < Decidim::ApplicationRecord
      self.table_name = "decidim_proposals_evaluation_assignments"
      include Decidim::Traceable
      include Decidim::Loggable
      belongs_to :proposal, foreign_key: "decidim_proposal_id", class_name: "Decidim::Proposals::Proposal",
                            counter_cache: true
      belongs_to :evaluator_role, polymorphic: true

      def valuator
        evaluator_role.user
      end
    end

    module Admin
      # decidim-proposals/app/forms/decidim/proposals/admin/evaluation_assignment_form.rb
      class EvaluationAssignmentForm < Decidim::Form
        attribute :id, Integer
        attribute :proposal_ids, Array
        attribute :evaluator_role_ids, Array
        validates :evaluator_roles, :proposals, :current_component, presence: true
        validate :same_participatory_space

        def proposals
          @proposals ||= Proposal.where(component: current_component, id: proposal_ids).to_a.uniq
        end

        def evaluator_roles
          @evaluator_roles ||= current_component.participatory_space.user_roles(:evaluator).where(id: evaluator_role_ids).to_a
        end

        def same_participatory_space
          return if evaluator_roles.empty? || !current_component

          wrong = evaluator_roles.any? { |role| role.participatory_space != current_component.participatory_space }
          errors.add(:id, :invalid) if wrong
        end
      end

      # decidim-proposals/app/commands/decidim/proposals/admin/assign_proposals_to_evaluator.rb
      class AssignProposalsToEvaluator < Decidim::Command
        def initialize(form)
          @form = form
        end

        def call
          return broadcast(:invalid) unless @form.valid?

          transaction do
            @form.proposals.each do |proposal|
              @form.evaluator_roles.each do |role|
                EvaluationAssignment.find_by(proposal: proposal, evaluator_role: role) ||
                  Decidim.traceability.create!(EvaluationAssignment, @form.current_user,
                                               proposal: proposal, evaluator_role: role)
                Decidim::EventsManager.publish(event: "decidim.events.proposals.admin.proposal_assigned_to_evaluator",
                                               event_class: "Decidim::Proposals::Admin::ProposalAssignedToEvaluatorEvent",
                                               resource: proposal, affected_users: [role.user])
              end
            end
          end
          broadcast(:ok)
        end
      end

      # decidim-proposals/app/commands/decidim/proposals/admin/unassign_proposals_from_evaluator.rb
      class UnassignProposalsFromEvaluator < Decidim::Command
        def initialize(form)
          @form = form
        end

        def call
          return broadcast(:invalid) unless @form.valid?

          transaction do
            @form.proposals.each do |proposal|
              @form.evaluator_roles.each do |role|
                assignment = EvaluationAssignment.find_by(proposal: proposal, evaluator_role: role)
                next unless assignment

                Decidim.traceability.perform_action!(:delete, assignment, @form.current_user,
                                                     proposal_title: assignment.proposal.title) do
                  assignment.destroy!
                end
              end
            end
          end
          broadcast(:ok)
        end
      end
    end
  end
end
