# frozen_string_literal: true

# decidim-bridge module for Decidim 0.27 - 0.32: the `proposalAdmin` GraphQL extensions and
# the events of webhooks/decidim/API.md, delivered with the forwarder's signed webhooks.
#
# In a Rails application the engine wires everything (see engine.rb). Outside Rails (the test
# suite), call the pieces directly: Decidim::Bridge::Api.extend_schema!, Events.attach!,
# DecidimBridgeForwarder.install!.

require "decidim/bridge/version"
require "decidim_bridge_forwarder"
require "decidim/bridge/compat"
require "decidim/bridge/access"
require "decidim/bridge/note_text"
require "decidim/bridge/actor"
require "decidim/bridge/events"
require "decidim/bridge/proposal_admin"

module Decidim
  module Bridge
    # Which parts run, from the environment (the forwarder reads its own variables).
    # DECIDIM_BRIDGE_MODULE_API=0 leaves the GraphQL schema alone; DECIDIM_BRIDGE_MODULE_EVENTS=0
    # sends only what the forwarder sends.
    def self.enabled?(part, env = ENV)
      env.fetch("DECIDIM_BRIDGE_MODULE_#{part.to_s.upcase}", "1").strip != "0"
    end
  end
end

# The GraphQL types need graphql-ruby (and Decidim's API when present); load them only then.
if defined?(::GraphQL::Schema::Object)
  require "decidim/bridge/api"
end

require "decidim/bridge/engine" if defined?(::Rails::Engine)
