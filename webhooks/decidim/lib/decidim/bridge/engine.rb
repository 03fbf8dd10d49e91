# frozen_string_literal: true

require "rails"

module Decidim
  module Bridge
    # Wires the module into a Decidim application: schema extensions at boot, model callbacks
    # on every code reload, the forwarder once the application is loaded.
    class Engine < ::Rails::Engine
      engine_name "decidim_bridge"

      # decidim-comments extends the root types the same way
      # (decidim-comments/lib/decidim/comments/engine.rb, "decidim_comments.mutation_extensions").
      initializer "decidim_bridge.api_extensions" do
        if Decidim::Bridge.enabled?(:api)
          require "decidim/bridge/api"
          Decidim::Bridge::Api.extend_schema!
        end
      end

      config.to_prepare do
        Decidim::Bridge::Events.attach! if Decidim::Bridge.enabled?(:events)
      end

      config.after_initialize do
        DecidimBridgeForwarder.install!
      end
    end
  end
end
