# frozen_string_literal: true

# The valuator names (before the rename, 0.27), from decidim-proposals at commit 030b92c7 of
# decidim/decidim: one valuator role per form.
module Decidim
  module Proposals
    # decidim-proposals/app/models/decidim/proposals/valuation_assignment.rb
    class ValuationAssignment < Decidim::ApplicationRecord
      self.table_name = "decidim_proposals_valuation_assignments"
      include Decidim::Traceable
      include Decidim::Loggable
      belongs_to :proposal, foreign_key: "decidim_proposal_id", class_name: "Decidim::Proposals::Proposal",
                            counter_cache: true
      belongs_to :valuator_role, polymorphic: true

      def valuator
        valuator_role.user
      end
    end

    module Admin
      # decidim-proposals/app/forms/decidim/proposals/admin/valuation_assignment_form.rb
      class ValuationAssignmentForm < Decidim::Form
        mimic :valuator_role
        attribute :id, Integer
        attribute :proposal_ids, Array
        validates :valuator_role, :proposals, :current_component, presence: true
        validate :same_participatory_space

        def proposals
          @proposals ||= Proposal.where(component: current_component, id: proposal_ids).to_a.uniq
        end

        def valuator_role
          @valuator_role ||= current_component.participatory_space.user_roles(:valuator).find_by(id: id)
        end

        def same_participatory_space
          return if !valuator_role || !current_component

          errors.add(:id, :invalid) if current_component.participatory_space != valuator_role.participatory_space
        end
      end

      # decidim-proposals/app/commands/decidim/proposals/admin/assign_proposals_to_valuator.rb
      class AssignProposalsToValuator < Decidim::Command
        def initialize(form)
          @form = form
        end

        def call
          return broadcast(:invalid) unless @form.valid?

          transaction do
            @form.proposals.each do |proposal|
              ValuationAssignment.find_by(proposal: proposal, valuator_role: @form.valuator_role) ||
                Decidim.traceability.create!(ValuationAssignment, @form.current_user,
                                             proposal: proposal, valuator_role: @form.valuator_role)
            end
          end
          broadcast(:ok)
        end
      end

      # decidim-proposals/app/commands/decidim/proposals/admin/unassign_proposals_from_valuator.rb
      class UnassignProposalsFromValuator < Decidim::Command
        def initialize(form)
          @form = form
        end

        def call
          return broadcast(:invalid) unless @form.valid?

          transaction do
            @form.proposals.each do |proposal|
              assignment = ValuationAssignment.find_by(proposal: proposal, valuator_role: @form.valuator_role)
              next unless assignment

              Decidim.traceability.perform_action!(:delete, assignment, @form.current_user,
                                                   proposal_title: assignment.proposal.title) do
                assignment.destroy!
              end
            end
          end
          broadcast(:ok)
        end
      end
    end
  end
end
