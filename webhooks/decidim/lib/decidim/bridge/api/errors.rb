# frozen_string_literal: true

module Decidim
  module Bridge
    module Api
      # A GraphQL error whose `extensions.code` is the contract's, whatever codes the installed
      # Decidim uses for its own errors (they changed between versions, e.g. NOT_FOUND and
      # NOT_FOUND_ERROR in decidim-api/lib/decidim/api/errors/).
      class Error < ::GraphQL::ExecutionError
        def initialize(code, message)
          super(message, extensions: { "code" => code })
        end
      end

      module Errors
        module_function

        def unauthorized_object
          Error.new("UNAUTHORIZED_OBJECT_ERROR", "Only API users and admins of this organization may read this")
        end

        def unauthorized_mutation
          Error.new("MUTATION_NOT_AUTHORIZED_ERROR", "Only API users and admins of this organization may do this")
        end

        def not_found(id)
          Error.new("NOT_FOUND_ERROR", "No proposal with id #{id} in this organization")
        end

        def from(problem)
          Error.new(problem.code, problem.message)
        end
      end
    end
  end
end
