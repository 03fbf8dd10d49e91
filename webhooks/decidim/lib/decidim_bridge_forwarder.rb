# frozen_string_literal: true

# decidim-bridge forwarder (Decidim 0.27 - 0.32).
#
# Sends Decidim's own proposal notifications to the bridge as Standard Webhooks
# (https://www.standardwebhooks.com). It is part of the decidim-bridge module (this gem), which
# also delivers the module's own events through it. For installs that only want forwarding it
# still works as a single file: copy it to `config/initializers/decidim_bridge_forwarder.rb` in
# the Decidim application (without the gem) and set:
#
#   DECIDIM_BRIDGE_FORWARDER_URL     https://bridge.gemeente.example/webhooks/decidim
#   DECIDIM_BRIDGE_FORWARDER_SECRET  whsec_...  (the same value as the bridge's
#                                     DECIDIM_BRIDGE_WEBHOOK_SECRETS)
#
# Optional: DECIDIM_BRIDGE_FORWARDER_TIMEOUT (seconds per attempt, default 10),
# DECIDIM_BRIDGE_FORWARDER_RETRY_SCHEDULE (seconds between attempts, comma separated),
# DECIDIM_BRIDGE_FORWARDER_QUEUE (ActiveJob queue name, default "default").
#
# Decidim's request is never slowed down or broken by this file: the subscriber only builds
# a small JSON document and enqueues it (an ActiveJob, or a background thread when ActiveJob
# is absent); every error is rescued and logged. Delivery happens in the background with
# retries and backoff; the `webhook-id` stays the same on every retry, so the bridge stores
# each event once.

require "base64"
require "digest"
require "json"
require "logger"
require "net/http"
require "openssl"
require "securerandom"
require "time"
require "uri"

module DecidimBridgeForwarder
  USER_AGENT = "decidim-bridge-forwarder/1"
  PROPOSAL_CLASS = "Decidim::Proposals::Proposal"

  # Decidim notifications (EventsManager.publish) that are forwarded under their own name.
  FORWARDED_EVENTS = %w(
    decidim.events.proposals.proposal_published
    decidim.events.proposals.proposal_state_changed
    decidim.events.proposals.proposal_accepted
    decidim.events.proposals.proposal_rejected
    decidim.events.proposals.proposal_evaluating
    decidim.events.proposals.proposal_update_taxonomies
    decidim.events.proposals.proposal_update_category
    decidim.events.proposals.proposal_update_scope
    decidim.events.proposals.admin.proposal_assigned_to_evaluator
    decidim.events.proposals.admin.proposal_assigned_to_valuator
    decidim.events.comments.comment_created
  ).freeze

  # Command hooks (Decidim::Command#with_events, 0.28+) that have no notification of their
  # own, and the event type they are forwarded as.
  COMMAND_HOOKS = {
    "decidim.proposals.update_proposal:after" => "decidim.events.proposals.proposal_updated"
  }.freeze

  SUBSCRIPTION = /\Adecidim\.(events\.(proposals|comments)\.|proposals\.update_proposal:after\z)/

  # Seconds to wait before attempt 2, 3, ...: the Standard Webhooks example schedule
  # (about 3 days in total).
  DEFAULT_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400].freeze

  # Answers that another attempt cannot fix; everything else (401 too: a secret or a clock
  # can be corrected) is retried.
  PERMANENT_STATUSES = [400, 404, 405, 413, 422].freeze

  # Extra keys that are safe to pass on (ids and tokens only, never users).
  EXTRA_KEYS = %w(comment_id state).freeze

  Settings = Struct.new(:url, :key, :timeout, :retry_schedule, :queue_name, keyword_init: true)

  class << self
    attr_reader :settings, :queue
    attr_writer :logger

    def logger
      @logger ||= if defined?(::Rails) && ::Rails.respond_to?(:logger) && ::Rails.logger
                    ::Rails.logger
                  else
                    Logger.new($stderr)
                  end
    end

    # Read the settings and subscribe. Returns false (and logs why) when not configured.
    def install!(env = ENV, queue: nil)
      @settings = settings_from(env)
      return false unless @settings

      @queue = queue || default_queue
      @recent = []
      @recent_lock = Mutex.new
      @subscriber ||= ActiveSupport::Notifications.subscribe(SUBSCRIPTION) do |name, payload|
        forward(name, payload)
      end
      true
    end

    # The subscriber: build the envelope and enqueue it. Never raises.
    def forward(name, payload)
      type = event_type_for(name)
      return unless type && payload.is_a?(Hash)

      envelope = Envelope.build(type, name, payload)
      return unless envelope

      enqueue(Envelope.message_id(envelope, payload[:resource]), envelope)
    rescue StandardError, ScriptError => e
      logger.error("[decidim-bridge] not forwarded #{name}: #{e.class}: #{e.message}")
      nil
    end

    # Queue one envelope for delivery under `id` (its webhook-id). Also used by the module's own
    # events. Returns false when the forwarder is not installed or the id was just queued:
    # Decidim publishes some events twice (for the authors' and for the space's followers).
    def enqueue(id, envelope)
      return false unless settings && queue
      return false if recently_enqueued?(id)

      queue.push(id, JSON.generate(envelope), 1)
      remember(id)
      true
    end

    def installed?
      !settings.nil?
    end

    # One delivery attempt; schedules the next one when it failed for a reason that may pass.
    def attempt(id, body, number)
      status, detail, retry_after = Sender.new(settings).deliver(id, body)
      if status == :delivered
        logger.info("[decidim-bridge] delivered #{id} (attempt #{number}, HTTP #{detail})")
      elsif status == :permanent
        logger.error("[decidim-bridge] refused #{id} (HTTP #{detail}); not retried. Body: #{body}")
      elsif (delay = delay_before(number + 1, retry_after))
        logger.warn("[decidim-bridge] attempt #{number} for #{id} failed (#{detail}); " \
                    "retry in #{delay.round(1)}s")
        queue.push(id, body, number + 1, delay)
      else
        logger.error("[decidim-bridge] gave up on #{id} after #{number} attempts (#{detail}). " \
                     "Body: #{body}")
      end
      status
    end

    private

    def event_type_for(name)
      return name if FORWARDED_EVENTS.include?(name)

      COMMAND_HOOKS[name]
    end

    def delay_before(number, retry_after)
      scheduled = settings.retry_schedule[number - 2]
      return nil unless scheduled

      jittered = scheduled * (0.9 + (0.2 * rand))
      [jittered, retry_after.to_f].max
    end

    def recently_enqueued?(id)
      @recent_lock.synchronize { @recent.include?(id) }
    end

    def remember(id)
      @recent_lock.synchronize do
        @recent.push(id)
        @recent.shift while @recent.size > 500
      end
    end

    def settings_from(env)
      url = env["DECIDIM_BRIDGE_FORWARDER_URL"].to_s.strip
      secret = env["DECIDIM_BRIDGE_FORWARDER_SECRET"].to_s.strip
      if url.empty? || secret.empty?
        logger.warn("[decidim-bridge] forwarder disabled: set DECIDIM_BRIDGE_FORWARDER_URL " \
                    "and DECIDIM_BRIDGE_FORWARDER_SECRET")
        return nil
      end
      Settings.new(
        url: URI(url),
        key: decode_secret(secret),
        timeout: Float(env.fetch("DECIDIM_BRIDGE_FORWARDER_TIMEOUT", "10")),
        retry_schedule: schedule_from(env["DECIDIM_BRIDGE_FORWARDER_RETRY_SCHEDULE"]),
        queue_name: env.fetch("DECIDIM_BRIDGE_FORWARDER_QUEUE", "default")
      )
    end

    def decode_secret(secret)
      raise ArgumentError, "DECIDIM_BRIDGE_FORWARDER_SECRET must start with whsec_" unless secret.start_with?("whsec_")

      key = Base64.strict_decode64(secret.delete_prefix("whsec_"))
      raise ArgumentError, "DECIDIM_BRIDGE_FORWARDER_SECRET is shorter than 24 bytes" if key.bytesize < 24

      key
    end

    def schedule_from(text)
      return DEFAULT_RETRY_SCHEDULE if text.to_s.strip.empty?

      text.split(",").map { |value| Float(value) }
    end

    def default_queue
      if defined?(::ActiveJob::Base)
        ActiveJobQueue.new(settings.queue_name)
      else
        ThreadQueue.new
      end
    end
  end

  # The JSON document the bridge expects (see webhooks/README.md), built from a notification.
  module Envelope
    module_function

    def build(type, name, payload)
      resource = payload[:resource]
      return nil unless resource.respond_to?(:id)
      return nil if COMMAND_HOOKS.key?(name) && !published?(resource)
      # Comments matter only on proposals (their resource is the commented proposal).
      return nil if name.start_with?("decidim.events.comments.") && resource.class.name != PROPOSAL_CLASS

      frame(type, resource, Time.now).merge(extra: extra_for(name, payload, resource))
    end

    # Everything but `extra`: where the resource lives, from the resource itself.
    def frame(type, resource, occurred_at)
      component = call(resource, :component)
      space = call(resource, :participatory_space) || call(component, :participatory_space)
      organization = call(resource, :organization) || call(space, :organization)
      {
        type: type,
        occurred_at: occurred_at.utc.iso8601(3),
        organization: { host: call(organization, :host).to_s },
        resource: { type: resource.class.name, id: resource.id.to_s, url: url_for(resource) },
        component: component && { id: component.id.to_s, manifest: call(component, :manifest_name)&.to_s },
        participatory_space: space && {
          type: space.class.name, id: space.id.to_s, slug: call(space, :slug)&.to_s
        }
      }
    end

    # Stable for one event, so that retries and a second publication of the same event (by
    # another process, say) carry the same id and the bridge stores it once.
    def message_id(envelope, resource)
      changed = call(resource, :updated_at)
      basis = [envelope[:organization][:host], envelope[:type], envelope[:resource][:type],
               envelope[:resource][:id], envelope[:extra]["comment_id"]]
      basis << (changed.respond_to?(:utc) ? changed.utc.iso8601(6) : SecureRandom.uuid)
      "fwd_#{Digest::SHA256.hexdigest(basis.join("|"))[0, 40]}"
    end

    def extra_for(name, payload, resource)
      extra = {}
      extra["event_class"] = payload[:event_class].to_s if payload[:event_class]
      extra["hook"] = name if COMMAND_HOOKS.key?(name)
      given = payload[:extra].is_a?(Hash) ? payload[:extra] : {}
      EXTRA_KEYS.each do |key|
        value = given[key.to_sym] || given[key]
        extra[key] = value.to_s if value.is_a?(String) || value.is_a?(Symbol) || value.is_a?(Integer)
      end
      state = call(resource, :state)
      extra["state"] ||= state.to_s if state.is_a?(String) || state.is_a?(Symbol)
      extra
    end

    def published?(resource)
      return true unless resource.respond_to?(:published?)

      resource.published?
    end

    def url_for(resource)
      return nil unless defined?(::Decidim::ResourceLocatorPresenter)

      ::Decidim::ResourceLocatorPresenter.new(resource).url
    rescue StandardError
      nil
    end

    def call(object, method)
      object.public_send(method) if object.respond_to?(method)
    rescue StandardError
      nil
    end
  end

  # Signs and posts one attempt. Returns [status, detail, retry_after_seconds].
  class Sender
    def initialize(settings)
      @settings = settings
    end

    def deliver(id, body)
      timestamp = Time.now.to_i
      response = post(id, timestamp, body)
      code = response.code.to_i
      return [:delivered, code, nil] if code.between?(200, 299)
      return [:permanent, code, nil] if PERMANENT_STATUSES.include?(code)

      [:retry, "HTTP #{code}", retry_after(response)]
    rescue StandardError => e
      [:retry, "#{e.class}: #{e.message}", nil]
    end

    def self.signature(id, timestamp, body, key)
      digest = OpenSSL::HMAC.digest("SHA256", key, "#{id}.#{timestamp}.#{body}")
      "v1,#{Base64.strict_encode64(digest)}"
    end

    private

    def post(id, timestamp, body)
      uri = @settings.url
      request = Net::HTTP::Post.new(uri)
      request["Content-Type"] = "application/json"
      request["User-Agent"] = USER_AGENT
      request["webhook-id"] = id
      request["webhook-timestamp"] = timestamp.to_s
      request["webhook-signature"] = self.class.signature(id, timestamp, body, @settings.key)
      request.body = body
      Net::HTTP.start(uri.host, uri.port, use_ssl: uri.scheme == "https",
                                          open_timeout: @settings.timeout,
                                          read_timeout: @settings.timeout) do |http|
        http.request(request)
      end
    end

    def retry_after(response)
      value = response["Retry-After"].to_s
      value.match?(/\A\d{1,6}\z/) ? value.to_i : nil
    end
  end

  # Background delivery through the application's ActiveJob backend (Sidekiq, ...).
  class ActiveJobQueue
    def initialize(queue_name)
      @queue_name = queue_name
    end

    def push(id, body, attempt, delay = 0)
      job = DeliveryJob.set(queue: @queue_name)
      job = DeliveryJob.set(queue: @queue_name, wait: delay) if delay.positive?
      job.perform_later(id, body, attempt)
    end
  end

  if defined?(::ActiveJob::Base)
    class DeliveryJob < ::ActiveJob::Base
      def perform(id, body, attempt)
        DecidimBridgeForwarder.attempt(id, body, attempt)
      end
    end
  end

  # In-process fallback when ActiveJob is absent: one thread works through the due items.
  # Pending items live in memory only, so they do not survive a restart of the process.
  class ThreadQueue
    def initialize
      @lock = Mutex.new
      @changed = ConditionVariable.new
      @items = []
      @busy = 0
      @thread = nil
    end

    def push(id, body, attempt, delay = 0)
      @lock.synchronize do
        @items << [monotonic + delay, id, body, attempt]
        @thread = Thread.new { work } unless @thread&.alive?
        @changed.broadcast
      end
    end

    # Wait until nothing is queued or in flight; returns false after `timeout` seconds.
    def drain(timeout)
      deadline = monotonic + timeout
      @lock.synchronize do
        until @items.empty? && @busy.zero?
          left = deadline - monotonic
          return false if left <= 0

          @changed.wait(@lock, left)
        end
      end
      true
    end

    def size
      @lock.synchronize { @items.size + @busy }
    end

    private

    def work
      loop do
        item = next_due
        begin
          DecidimBridgeForwarder.attempt(item[1], item[2], item[3])
        rescue StandardError => e
          DecidimBridgeForwarder.logger.error("[decidim-bridge] delivery crashed: #{e.class}: #{e.message}")
        ensure
          @lock.synchronize do
            @busy -= 1
            @changed.broadcast
          end
        end
      end
    end

    def next_due
      @lock.synchronize do
        loop do
          item = @items.min_by(&:first)
          if item && item.first <= monotonic
            @items.delete(item)
            @busy += 1
            return item
          end
          @changed.wait(@lock, item ? item.first - monotonic : nil)
        end
      end
    end

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end

# Copied as an initializer, the file installs itself. The gem (Decidim::Bridge) installs it from
# its engine instead, once the application is loaded.
unless defined?(Decidim::Bridge::VERSION) || ENV["DECIDIM_BRIDGE_FORWARDER_MANUAL_INSTALL"] == "1"
  DecidimBridgeForwarder.install!
end
