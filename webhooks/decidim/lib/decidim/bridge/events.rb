# frozen_string_literal: true

module Decidim
  module Bridge
    # The module's own events (webhooks/decidim/API.md, "Events"), from committed records
    # rather than notifications, so they do not depend on anybody's notification settings:
    #
    # - a Decidim::Proposals::ProposalNote was created: `proposal_note_created` (the note
    #   carries its author; webhook-id from the note id);
    # - a Decidim::ActionLog was created (decidim-core/app/models/decidim/action_log.rb; written
    #   by Decidim.traceability inside the command's transaction, with the acting user):
    #   - "create" on an EvaluationAssignment / ValuationAssignment (AssignProposalsTo...,
    #     through traceability.create!): `proposal_evaluators_assigned`;
    #   - "delete" on one (UnassignProposalsFrom..., traceability.perform_action!(:delete)):
    #     `proposal_evaluators_unassigned`. The assignment row is gone by then; the log still
    #     holds the destroyed record it was created with, which keeps its proposal and role;
    #   - "answer" (Admin::AnswerProposal) or "publish_answer" (Admin::PublishAnswers) on a
    #     Proposal: `proposal_answer_saved`.
    #
    # Decidim traces one log per assignment, so an assignment of three evaluators is three
    # events with one evaluator each. Callbacks run after the commit and only enqueue; every
    # error is logged, never raised into Decidim.
    module Events
      NOTE_CREATED = "decidim.bridge.proposal_note_created"
      ASSIGNED = "decidim.bridge.proposal_evaluators_assigned"
      UNASSIGNED = "decidim.bridge.proposal_evaluators_unassigned"
      ANSWER_SAVED = "decidim.bridge.proposal_answer_saved"
      PROPOSAL = "Decidim::Proposals::Proposal"
      ANSWER_ACTIONS = %w(answer publish_answer).freeze

      module_function

      # Add the after-commit callbacks once per (reloaded) class.
      def attach!
        attach(::Decidim::ActionLog) { |log| Decidim::Bridge::Events.action_logged(log) }
        attach(::Decidim::Proposals::ProposalNote) { |note| Decidim::Bridge::Events.note_created(note) }
      end

      def attach(klass, &handler)
        return if klass.instance_variable_get(:@decidim_bridge_attached)

        klass.after_create_commit { handler.call(self) }
        klass.instance_variable_set(:@decidim_bridge_attached, true)
      end

      def note_created(note)
        deliver(NOTE_CREATED, note.id) { note_envelope(note) }
      end

      def action_logged(log)
        type = type_for(log)
        deliver(type, log.id) { log_envelope(type, log) } if type
      end

      def type_for(log)
        action = log.action.to_s
        if Compat.assignment_class_names.include?(log.resource_type)
          { "create" => ASSIGNED, "delete" => UNASSIGNED }[action]
        elsif log.resource_type == PROPOSAL && ANSWER_ACTIONS.include?(action)
          ANSWER_SAVED
        end
      end

      # Stable ids: the same record always gives the same webhook-id. The type goes in
      # without its "decidim.bridge." prefix: the bridge accepts only letters, digits, "_"
      # and "-" in a webhook-id.
      def webhook_id(type, record_id)
        "decidim-bridge-#{type.delete_prefix('decidim.bridge.')}-#{record_id}"
      end

      def note_envelope(note)
        proposal = note.proposal
        space = proposal.participatory_space
        envelope(NOTE_CREATED, proposal, note.created_at,
                 "note_id" => note.id.to_s,
                 "body" => NoteText.render(note.body, proposal.organization),
                 "author" => Actor.describe(note.author, space))
      end

      def log_envelope(type, log)
        resource = log.resource
        by = log.user
        if type == ANSWER_SAVED
          proposal = resource
          extra = { "state" => Compat.saved_state(proposal), "published" => Compat.published_state?(proposal) }
        else
          return nil unless resource

          proposal = resource.proposal
          extra = { "evaluators" => [Actor.user(resource.valuator)] }
        end
        return nil unless proposal

        envelope(type, proposal, log.created_at, extra.merge("by" => Actor.describe(by, proposal.participatory_space)))
      end

      def envelope(type, proposal, occurred_at, extra)
        DecidimBridgeForwarder::Envelope.frame(type, proposal, occurred_at || Time.now).merge(extra: extra)
      end

      def deliver(type, record_id)
        return unless DecidimBridgeForwarder.installed?

        envelope = yield
        return unless envelope

        DecidimBridgeForwarder.enqueue(webhook_id(type, record_id), envelope)
      rescue StandardError, ScriptError => e
        DecidimBridgeForwarder.logger.error("[decidim-bridge] no #{type} event for #{record_id}: #{e.class}: #{e.message}")
        nil
      end
    end
  end
end
