# frozen_string_literal: true

# Stand-ins for the parts of Decidim the module uses, written for these tests. Names,
# associations, attributes and method signatures follow decidim/decidim's sources as cited
# per class; the bodies are small re-implementations of what those classes do, not copies.
# DECIDIM_NAMING=valuator loads the names before the evaluator rename (0.27), anything else
# the renamed ones.

require "active_support"
require "active_support/core_ext"
require "active_support/notifications"
require "active_model"
require "globalid"
require "json"
require_relative "schema"

GlobalID.app = "decidim-test"
NAMING = ENV.fetch("DECIDIM_NAMING", "evaluator")

module Decidim
  class ApplicationRecord < ActiveRecord::Base
    self.abstract_class = true
    include GlobalID::Identification
  end

  # decidim-core/lib/decidim/traceable.rb and loggable.rb: markers here (no PaperTrail).
  module Traceable; end
  module Loggable; end

  class Organization < ApplicationRecord
    self.table_name = "decidim_organizations"
  end

  # decidim-core/app/models/decidim/user_base_entity.rb
  class UserBaseEntity < ApplicationRecord
    self.table_name = "decidim_users"
    belongs_to :organization, foreign_key: "decidim_organization_id", class_name: "Decidim::Organization"

    def deleted?
      deleted_at.present?
    end
  end

  # decidim-core/app/models/decidim/user.rb
  class User < UserBaseEntity; end

  # decidim-core/app/models/decidim/user_group.rb
  class UserGroup < UserBaseEntity; end

  module Api
    # decidim-api/app/models/decidim/api/api_user.rb (0.31+): created as an admin.
    class ApiUser < UserBaseEntity; end
  end

  # decidim-core/app/models/decidim/hashtag.rb
  class Hashtag < ApplicationRecord
    self.table_name = "decidim_hashtags"
    belongs_to :organization, foreign_key: "decidim_organization_id", class_name: "Decidim::Organization"
  end

  # decidim-participatory_processes/app/models/decidim/participatory_process.rb (#user_roles)
  class ParticipatoryProcess < ApplicationRecord
    self.table_name = "decidim_participatory_processes"
    belongs_to :organization, foreign_key: "decidim_organization_id", class_name: "Decidim::Organization"

    def user_roles(role_name = nil)
      roles = ParticipatoryProcessUserRole.where(participatory_process: self)
      role_name.blank? ? roles : roles.where(role: role_name.to_s)
    end
  end

  # decidim-participatory_processes/app/models/decidim/participatory_process_user_role.rb
  class ParticipatoryProcessUserRole < ApplicationRecord
    self.table_name = "decidim_participatory_process_user_roles"
    belongs_to :user, foreign_key: "decidim_user_id", class_name: "Decidim::User"
    belongs_to :participatory_process, foreign_key: "decidim_participatory_process_id",
                                       class_name: "Decidim::ParticipatoryProcess"
    alias participatory_space participatory_process
  end

  # decidim-core/app/models/decidim/component.rb: `settings` (the component's) and
  # `current_settings` (its current step's), here both from two columns.
  class Component < ApplicationRecord
    self.table_name = "decidim_components"
    belongs_to :participatory_space, polymorphic: true
    delegate :organization, to: :participatory_space

    Settings = Struct.new(:proposal_answering_enabled, :publish_answers_immediately) do
      def publish_answers_immediately?
        publish_answers_immediately ? true : false
      end
    end

    def settings
      Settings.new(proposal_answering_enabled, publish_answers_immediately)
    end
    alias current_settings settings
  end

  # decidim-core/app/models/decidim/action_log.rb: user polymorphic, resource optional,
  # read-only once written.
  class ActionLog < ApplicationRecord
    self.table_name = "decidim_action_logs"
    serialize :extra, JSON
    belongs_to :organization, foreign_key: :decidim_organization_id, class_name: "Decidim::Organization"
    belongs_to :user, polymorphic: true, optional: true
    belongs_to :component, foreign_key: :decidim_component_id, optional: true, class_name: "Decidim::Component"
    belongs_to :resource, polymorphic: true, optional: true
    belongs_to :participatory_space, optional: true, polymorphic: true

    def readonly?
      !new_record?
    end
  end

  # decidim-core/app/services/decidim/action_logger.rb: one ActionLog per traced action.
  class ActionLogger
    def self.log(action, user, resource, version_id, resource_extra = {}, visibility = "admin-only")
      component = resource.try(:component)
      ActionLog.create!(
        user: user, organization: user.organization, action: action.to_s, resource: resource,
        participatory_space: component&.participatory_space || resource.try(:participatory_space),
        component: component, visibility: visibility,
        extra: { "resource" => { "title" => resource.try(:title) }, "version" => { "id" => version_id } }
          .merge(resource_extra.deep_stringify_keys)
      )
    end
  end

  # decidim-core/app/services/decidim/traceability.rb: create!/perform_action! run the
  # change and log it in one transaction; a user that is not a user entity is not logged.
  class Traceability
    def create!(klass, author, params, extra_log_info = {})
      perform_action!(:create, klass, author, extra_log_info) { klass.create!(params) }
    end

    def perform_action!(action, resource, user, extra_log_info = {})
      ActiveRecord::Base.transaction do
        result = block_given? ? yield : nil
        loggable = resource.is_a?(Class) ? result : resource
        ActionLogger.log(action, user, loggable, nil, extra_log_info) if user.is_a?(UserBaseEntity)
        result
      end
    end
  end

  def self.traceability
    @traceability ||= Traceability.new
  end

  # decidim-core/app/services/decidim/events_manager.rb: a notification is an
  # ActiveSupport::Notifications event with these keys.
  class EventsManager
    def self.publish(event:, resource:, event_class: nil, affected_users: [], followers: [], extra: {}, force_send: false)
      ActiveSupport::Notifications.publish(event, resource: resource, event_class: event_class.to_s,
                                                  affected_users: affected_users, followers: followers,
                                                  extra: extra, force_send: force_send)
    end
  end

  # decidim-core/lib/decidim/command.rb: `call` with a block whose `on(:ok)` / `on(:invalid)`
  # handlers receive what the command broadcasts.
  class Command
    def self.call(*args, &block)
      command = new(*args)
      command.evaluate(&block) if block
      command.call
    end

    def evaluate(&block)
      @caller = block.binding.receiver
      instance_eval(&block)
    end

    def on(event, &handler)
      (@handlers ||= Hash.new { |hash, key| hash[key] = [] })[event] << handler
    end

    def broadcast(event, *payload)
      @handlers&.fetch(event, [])&.each { |handler| handler.call(*payload) }
      event
    end

    def transaction(&block)
      ActiveRecord::Base.transaction(&block)
    end

    def method_missing(name, *args, &block)
      @caller.respond_to?(name, true) ? @caller.send(name, *args, &block) : super
    end

    def respond_to_missing?(name, include_private = false)
      @caller.respond_to?(name, include_private) || super
    end
  end

  # decidim-core/lib/decidim/form.rb: attributes from params, `with_context` for
  # current_user / current_organization / current_component, ActiveModel validations.
  class Form
    include ActiveModel::Validations

    def self.attribute(name, _type = nil)
      (@attribute_names ||= []) << name.to_s
      attr_accessor name
    end

    def self.attribute_names
      @attribute_names || []
    end

    def self.mimic(_name); end

    def self.from_params(params)
      given = params.to_h.stringify_keys
      new.tap do |form|
        attribute_names.each { |name| form.public_send("#{name}=", given[name]) if given.key?(name) }
      end
    end

    def with_context(context)
      @context = context
      self
    end

    def current_user
      @context[:current_user]
    end

    def current_organization
      @context[:current_organization]
    end

    def current_component
      @context[:current_component]
    end
  end

  # decidim-core/lib/decidim/content_processor.rb (parse_with_processor) and
  # content_parsers/user_parser.rb: "@nickname" of a user of the organization becomes the
  # user's global id.
  module ContentProcessor
    Parsed = Struct.new(:rewrite, :metadata)
    MENTION = /(^|\s)@([a-zA-Z0-9]\w*)/.freeze

    def self.parse_with_processor(_type, content, current_organization:)
      users = []
      rewritten = content.gsub(MENTION) do
        lead, nickname = Regexp.last_match(1), Regexp.last_match(2)
        user = Decidim::User.find_by(nickname: nickname, decidim_organization_id: current_organization.id)
        next "#{lead}@#{nickname}" unless user

        users << user
        "#{lead}#{user.to_global_id}"
      end
      Parsed.new(rewritten, { user: Struct.new(:users).new(users) })
    end
  end

  # decidim-core/app/presenters/decidim/resource_locator_presenter.rb: the public URL.
  class ResourceLocatorPresenter
    def initialize(resource)
      @resource = resource
    end

    def url
      component = @resource.component
      "https://participatie.lindeburg.example/processes/#{component.participatory_space.slug}" \
        "/f/#{component.id}/proposals/#{@resource.id}"
    end
  end

  module Proposals
    # decidim-proposals/app/models/decidim/proposals/proposal.rb (0.27 answer fields:
    # #state hides an unpublished answer, #internal_state does not).
    class Proposal < ApplicationRecord
      self.table_name = "decidim_proposals_proposals"
      serialize :answer, JSON
      belongs_to :component, foreign_key: "decidim_component_id", class_name: "Decidim::Component"
      delegate :participatory_space, :organization, to: :component

      def withdrawn?
        withdrawn_at.present?
      end

      def published?
        published_at.present?
      end

      def published_state?
        state_published_at.present?
      end

      def internal_state
        self[:state]
      end

      def state
        published_state? ? self[:state] : nil
      end
    end

    # decidim-proposals/app/models/decidim/proposals/proposal_note.rb. The author is a
    # Decidim::User there; UserBaseEntity here so that an API user can author one, as the
    # API's createNote needs on 0.31+.
    class ProposalNote < ApplicationRecord
      self.table_name = "decidim_proposals_proposal_notes"
      include Decidim::Traceable
      include Decidim::Loggable
      belongs_to :proposal, foreign_key: "decidim_proposal_id", class_name: "Decidim::Proposals::Proposal",
                            counter_cache: true
      belongs_to :author, foreign_key: "decidim_author_id", class_name: "Decidim::UserBaseEntity"
      default_scope { order(created_at: :asc) }
    end

    module Admin
      # decidim-proposals/app/forms/decidim/proposals/admin/proposal_note_form.rb
      class ProposalNoteForm < Decidim::Form
        mimic :proposal_note
        attribute :body, String
        validates :body, presence: true
      end

      # decidim-proposals/app/commands/decidim/proposals/admin/create_proposal_note.rb with
      # proposal_notes_methods.rb (0.28+): the body is stored with mentions as global ids,
      # through traceability.create!, then admins are notified.
      class CreateProposalNote < Decidim::Command
        def initialize(form, proposal)
          @form = form
          @proposal = proposal
        end

        def call
          return broadcast(:invalid) if @form.invalid?

          parsed = Decidim::ContentProcessor.parse_with_processor(:user, @form.body,
                                                                  current_organization: @form.current_organization)
          note = Decidim.traceability.create!(ProposalNote, @form.current_user,
                                              { body: parsed.rewrite, proposal: @proposal, author: @form.current_user },
                                              resource: { title: @proposal.title })
          Decidim::EventsManager.publish(event: "decidim.events.proposals.admin.proposal_note_created",
                                         event_class: "Decidim::Proposals::Admin::ProposalNoteCreatedEvent",
                                         resource: @proposal, affected_users: [])
          broadcast(:ok, note)
        end
      end

      # decidim-proposals/app/forms/decidim/proposals/admin/proposal_answer_form.rb: the state
      # is `internal_state` since custom proposal states (0.28, with the evaluator rename in
      # these stand-ins), `state` before; `answer` is translatable (a locale hash).
      class ProposalAnswerForm < Decidim::Form
        STATES = %w(not_answered evaluating accepted rejected).freeze
        mimic :proposal_answer
        attribute :answer, Hash
        if NAMING == "valuator"
          attribute :state, String
        else
          attribute :internal_state, String

          def state
            internal_state
          end
        end
        validate { errors.add(:state, :inclusion) unless STATES.include?(state.to_s) }

        def publish_answer?
          current_component.current_settings.publish_answers_immediately?
        end
      end

      # decidim-proposals/app/commands/decidim/proposals/admin/answer_proposal.rb: invalid
      # form refused; traced as "answer"; published now only when the component publishes
      # answers immediately and the state was not published before.
      class AnswerProposal < Decidim::Command
        def initialize(form, proposal)
          @form = form
          @proposal = proposal
        end

        def call
          return broadcast(:invalid) if @form.invalid?

          published_before = @proposal.published_state?
          transaction do
            Decidim.traceability.perform_action!("answer", @proposal, @form.current_user) do
              attributes = { state: @form.state, answer: @form.answer }
              if @form.state == "not_answered"
                attributes.merge!(answered_at: nil, state_published_at: nil)
              else
                attributes[:answered_at] = Time.current
                attributes[:state_published_at] = Time.current if !published_before && @form.publish_answer?
              end
              @proposal.update!(attributes)
            end
          end
          broadcast(:ok)
        end
      end

      # decidim-proposals/app/commands/decidim/proposals/admin/publish_answers.rb: traced as
      # "publish_answer" per proposal.
      class PublishAnswers < Decidim::Command
        def initialize(component, user, proposal_ids)
          @component = component
          @user = user
          @proposal_ids = proposal_ids
        end

        def call
          Proposal.where(component: @component, id: @proposal_ids, state_published_at: nil).each do |proposal|
            transaction do
              Decidim.traceability.perform_action!("publish_answer", proposal, @user) do
                proposal.update!(state_published_at: Time.current)
              end
            end
          end
          broadcast(:ok)
        end
      end
    end
  end
end

if NAMING == "valuator"
  require_relative "decidim_valuator"
else
  require_relative "decidim_evaluator"
end
