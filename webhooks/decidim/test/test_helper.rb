# frozen_string_literal: true

# Loads the module the way a Decidim application does, against the Decidim stand-ins of
# support/, with real ActiveRecord (SQLite), graphql-ruby and ActiveSupport, and delivers its
# webhooks to a local receiver.
#
#   ruby -Itest -Ilib -e 'Dir["test/*_test.rb"].each { |f| require_relative f }'

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))

require "minitest/autorun"
require "logger"
require "graphql"
require_relative "support/decidim"
require_relative "support/webhook_server"

module Decidim
  module Api
    # decidim-api/lib/decidim/api/query_type.rb and mutation_type.rb: the root types other
    # modules extend. Decidim's own fields are left out.
    class QueryType < ::GraphQL::Schema::Object
      graphql_name "Query"
      description "The root query of this schema"
    end

    class MutationType < ::GraphQL::Schema::Object
      graphql_name "Mutation"
      description "The root mutation of this schema"
    end
  end
end

require "decidim/bridge"

Decidim::Bridge::Api.extend_schema!

module Decidim
  module Api
    # decidim-api/lib/decidim/api/schema.rb: built from the (extended) root types.
    class Schema < ::GraphQL::Schema
      query QueryType
      mutation MutationType
    end
  end
end

Decidim::Bridge::Events.attach!

SECRET = "whsec_#{Base64.strict_encode64('decidim-bridge-test-secret-32byte')}".freeze
RECEIVER = WebhookServer.new(SECRET)
Minitest.after_run { RECEIVER.stop }
DecidimBridgeForwarder.logger = Logger.new(ENV["VERBOSE"] ? $stderr : File::NULL)
FORWARDER_ENV = { "DECIDIM_BRIDGE_FORWARDER_URL" => RECEIVER.url, "DECIDIM_BRIDGE_FORWARDER_SECRET" => SECRET,
                  "DECIDIM_BRIDGE_FORWARDER_TIMEOUT" => "5", "DECIDIM_BRIDGE_FORWARDER_RETRY_SCHEDULE" => "0.2,0.2" }.freeze
DecidimBridgeForwarder.install!(FORWARDER_ENV)

# A Decidim organization with one process, one proposals component and the people of the
# example municipality; every test starts from it.
module DecidimWorld
  TABLES = %w(decidim_action_logs decidim_proposals_proposal_notes decidim_proposals_evaluation_assignments
              decidim_proposals_valuation_assignments decidim_proposals_proposals decidim_components
              decidim_participatory_process_user_roles decidim_participatory_processes decidim_hashtags
              decidim_users decidim_organizations).freeze

  attr_reader :organization, :process, :component, :proposal, :api_user, :admin, :evaluator, :second_evaluator,
              :participant, :other_admin, :other_proposal

  def setup
    super
    TABLES.each { |table| ActiveRecord::Base.connection.execute("DELETE FROM #{table}") }
    @organization = Decidim::Organization.create!(host: "localhost", name: "Gemeente Lindeburg")
    @process = Decidim::ParticipatoryProcess.create!(organization: organization, slug: "wijkinitiatieven")
    @component = Decidim::Component.create!(manifest_name: "proposals", participatory_space: process)
    @proposal = create_proposal(component, "Bankjes langs de Lindegracht")
    @api_user = Decidim::Api::ApiUser.create!(organization: organization, name: "decidim-bridge", admin: true)
    @admin = user("Sanne Bakker", "sanne_bakker", admin: true)
    @evaluator = user("Anouk de Vries", "anouk_devries")
    @second_evaluator = user("Daan Mulder", "daan_mulder")
    @participant = user("Pieter Jansen", "pieter_jansen")
    [evaluator, second_evaluator].each { |person| grant(person, Decidim::Bridge::Compat.evaluator_role_name) }
    other = Decidim::Organization.create!(host: "other.example")
    other_space = Decidim::ParticipatoryProcess.create!(organization: other, slug: "elders")
    @other_admin = Decidim::User.create!(organization: other, name: "Elders Admin", nickname: "elders_admin", admin: true)
    @other_proposal = create_proposal(Decidim::Component.create!(manifest_name: "proposals", participatory_space: other_space),
                                      "Elders voorstel")
    drain
    RECEIVER.clear
  end

  def user(name, nickname, **attributes)
    Decidim::User.create!(organization: organization, name: name, nickname: nickname, **attributes)
  end

  def grant(person, role, space = process)
    Decidim::ParticipatoryProcessUserRole.create!(user: person, participatory_process: space, role: role)
  end

  def create_proposal(in_component, title)
    Decidim::Proposals::Proposal.create!(component: in_component, title: title, published_at: Time.current)
  end

  def graphql(query, as:, organization: self.organization, **variables)
    Decidim::Api::Schema.execute(query, variables: variables.transform_keys(&:to_s),
                                        context: { current_user: as, current_organization: organization }).to_h
  end

  def assigned_users
    Decidim::Bridge::Compat.assignment_class.where(decidim_proposal_id: proposal.id).map(&:valuator)
  end

  def drain
    assert DecidimBridgeForwarder.queue.drain(15), "deliveries still pending"
  end

  # The module's own events that arrived, in order.
  def bridge_events
    drain
    RECEIVER.deliveries.select { |delivery| delivery.json["type"].start_with?("decidim.bridge.") }
  end

  def error_codes(result)
    Array(result["errors"]).map { |error| error.dig("extensions", "code") }
  end
end
