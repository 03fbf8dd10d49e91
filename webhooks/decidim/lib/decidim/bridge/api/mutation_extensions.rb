# frozen_string_literal: true

module Decidim
  module Bridge
    module Api
      # `Mutation.proposalAdmin(id:)`: NOT_FOUND_ERROR for a proposal of another organization
      # or none.
      module MutationExtensions
        def self.included(type)
          type.field :proposal_admin, ProposalAdminMutationType, null: true,
                                                                 description: "Admin-side writes on a proposal (API users and admins only)." do
            argument :id, ::GraphQL::Types::ID, required: true
          end
        end

        def proposal_admin(id:)
          user = context[:current_user]
          organization = context[:current_organization]
          return Errors.unauthorized_mutation unless Decidim::Bridge::Access.allowed?(user, organization)

          Decidim::Bridge::ProposalAdmin.find(id, user: user, organization: organization) || Errors.not_found(id)
        end
      end
    end
  end
end
