# frozen_string_literal: true

# Loads the forwarder outside Rails (plain ActiveSupport) and publishes notifications the
# way Decidim::EventsManager does, with stand-ins for Decidim's models. Prints one JSON line
# per step on stdout; the forwarder logs on stderr.
#
#   ruby forwarder_driver.rb FORWARDER_FILE SCENARIO DRAIN_SECONDS

require "active_support"
require "active_support/notifications"
require "json"
require "time"

module Decidim
  Organization = Struct.new(:host)
  ParticipatoryProcess = Struct.new(:id, :slug, :organization)
  Component = Struct.new(:id, :manifest_name, :participatory_space)

  module Proposals
    Proposal = Struct.new(:id, :component, :updated_at, :state, :published) do
      def participatory_space
        component.participatory_space
      end

      def organization
        participatory_space.organization
      end

      def published?
        published
      end
    end
  end

  module Meetings
    Meeting = Struct.new(:id, :component)
  end

  # A resource whose methods fail, as a half-loaded record might.
  class Broken
    def id
      7
    end

    def component
      raise "database connection lost"
    end

    def class
      raise "no class today"
    end
  end
end

forwarder, scenario, drain_seconds = ARGV
$stdout.sync = true

def step(name, **data)
  puts JSON.generate({ step: name, **data })
end

def publish(event, **payload)
  ActiveSupport::Notifications.publish(event, payload)
  true
rescue Exception => e # rubocop:disable Lint/RescueException
  step("publish_raised", event: event, error: "#{e.class}: #{e.message}")
  false
end

if scenario == "activejob"
  # As in a Rails app: ActiveJob is loaded before the initializer. The test adapter keeps
  # enqueued jobs in a list, so that this script performs them one at a time.
  require "active_job"
  ActiveJob::Base.queue_adapter = :test
  ActiveJob::Base.logger = Logger.new(nil)
end

load forwarder
step("installed", queue: DecidimBridgeForwarder.queue.class.name)

organization = Decidim::Organization.new("localhost")
process = Decidim::ParticipatoryProcess.new(1, "wijkinitiatieven", organization)
component = Decidim::Component.new(11, "proposals", process)
proposal = Decidim::Proposals::Proposal.new(1042, component, Time.utc(2026, 11, 24, 9, 4, 52, 318_000), nil, true)
draft = Decidim::Proposals::Proposal.new(1050, component, Time.now.utc, nil, false)

case scenario
when "publish"
  ok = []
  # PublishProposal publishes the same event twice: for the authors' followers and for the
  # space's followers (extra participatory_space: true).
  ok << publish("decidim.events.proposals.proposal_published",
                resource: proposal, event_class: "Decidim::Proposals::PublishProposalEvent",
                affected_users: [], followers: [], extra: {}, force_send: false)
  ok << publish("decidim.events.proposals.proposal_published",
                resource: proposal, event_class: "Decidim::Proposals::PublishProposalEvent",
                affected_users: [], followers: [], extra: { participatory_space: true }, force_send: false)
  ok << publish("decidim.events.comments.comment_created",
                resource: proposal, event_class: "Decidim::Comments::CommentCreatedEvent",
                affected_users: [], followers: [], extra: { comment_id: 5531 }, force_send: false)
  # Not forwarded: a draft's edit, a comment on a meeting, a notification outside the list.
  ok << publish("decidim.proposals.update_proposal:after", resource: draft, extra: { locale: "nl" })
  ok << publish("decidim.events.comments.comment_created",
                resource: Decidim::Meetings::Meeting.new(9, component), extra: { comment_id: 1 })
  ok << publish("decidim.events.proposals.proposal_liked", resource: proposal, extra: {})
  # A resource that raises must not break the publisher.
  ok << publish("decidim.events.proposals.proposal_state_changed", resource: Decidim::Broken.new, extra: {})
  step("published", all_returned: ok.all?)
when "single"
  publish("decidim.events.proposals.proposal_state_changed",
          resource: Decidim::Proposals::Proposal.new(1043, component, Time.now.utc, "accepted", true),
          event_class: "Decidim::Proposals::ProposalStateChangedEvent",
          affected_users: [], followers: [], extra: {}, force_send: false)
  step("published", all_returned: true)
when "activejob"
  publish("decidim.events.proposals.proposal_state_changed",
          resource: Decidim::Proposals::Proposal.new(1044, component, Time.now.utc, "evaluating", true),
          event_class: "Decidim::Proposals::ProposalStateChangedEvent",
          affected_users: [], followers: [], extra: {}, force_send: false)
  jobs = ActiveJob::Base.queue_adapter.enqueued_jobs
  describe = ->(job) { { job: job[:job].name, queue: job[:queue], args: job[:args], at: job[:at] } }
  step("enqueued", jobs: jobs.map(&describe))
  ActiveJob::Base.execute(jobs.shift)
  step("first_attempt", jobs: jobs.map(&describe))
  $stdin.gets # the test starts the bridge, then says go
  performed = 1
  until jobs.empty?
    ActiveJob::Base.execute(jobs.shift)
    performed += 1
  end
  step("drained", drained: true, left: jobs.size, performed: performed)
  exit
else
  abort "unknown scenario #{scenario}"
end

drained = DecidimBridgeForwarder.queue.drain(Float(drain_seconds))
step("drained", drained: drained, left: DecidimBridgeForwarder.queue.size)
