# frozen_string_literal: true

module Decidim
  module Bridge
    module Api
      # `Query.proposalAdmin(id:)`: null for a proposal of another organization or none.
      module QueryExtensions
        def self.included(type)
          type.field :proposal_admin, ProposalAdminType, null: true,
                                                         description: "Admin-side facts of a proposal (API users and admins only)." do
            argument :id, ::GraphQL::Types::ID, required: true
          end
        end

        def proposal_admin(id:)
          user = context[:current_user]
          organization = context[:current_organization]
          return Errors.unauthorized_object unless Decidim::Bridge::Access.allowed?(user, organization)

          Decidim::Bridge::ProposalAdmin.find(id, user: user, organization: organization)
        end
      end
    end
  end
end
