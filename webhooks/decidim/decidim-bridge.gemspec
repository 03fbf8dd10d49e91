# frozen_string_literal: true

require_relative "lib/decidim/bridge/version"

Gem::Specification.new do |spec|
  spec.name = "decidim-bridge"
  spec.version = Decidim::Bridge::VERSION
  spec.summary = "Admin API extensions and signed webhooks for the decidim-bridge sidecar"
  spec.description = <<~TEXT
    Adds proposalAdmin to Decidim's GraphQL API (evaluators and private notes, through
    Decidim's own commands) and sends Decidim's proposal notifications plus note, evaluator
    and answer events to decidim-bridge as Standard Webhooks. Decidim 0.27 - 0.32.
  TEXT
  spec.license = "AGPL-3.0-or-later"
  spec.authors = ["decidim-bridge"]
  spec.required_ruby_version = ">= 2.7"

  spec.files = Dir["lib/**/*.rb", "README.md", "API.md"]
  spec.require_paths = ["lib"]

  spec.add_dependency "decidim-api", ">= 0.27", "< 0.33"
  spec.add_dependency "decidim-core", ">= 0.27", "< 0.33"
  spec.add_dependency "decidim-proposals", ">= 0.27", "< 0.33"
  spec.metadata["rubygems_mfa_required"] = "true"
end
