# frozen_string_literal: true

require "graphql"
require "decidim/bridge/api/errors"
require "decidim/bridge/api/types"
require "decidim/bridge/api/query_extensions"
require "decidim/bridge/api/mutation_extensions"

module Decidim
  module Bridge
    # The GraphQL side of the contract (decidim_bridge/decidim/schema/decidim-bridge-module.graphql).
    module Api
      # Adds `proposalAdmin` to Decidim's root types. Decidim::Api::QueryType and MutationType
      # are graphql-ruby class-based objects in every supported version
      # (decidim-api/lib/decidim/api/query_type.rb, mutation_type.rb); modules add root fields
      # by including a module whose `included` hook declares them, as decidim-comments does.
      def self.extend_schema!(query_type = ::Decidim::Api::QueryType, mutation_type = ::Decidim::Api::MutationType)
        query_type.include(QueryExtensions) unless query_type.include?(QueryExtensions)
        mutation_type.include(MutationExtensions) unless mutation_type.include?(MutationExtensions)
      end
    end
  end
end
