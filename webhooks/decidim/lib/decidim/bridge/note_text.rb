# frozen_string_literal: true

require "cgi"

module Decidim
  module Bridge
    # A private note's body as a person reads it in Decidim's admin.
    #
    # Decidim::ContentProcessor stores mentions and hashtags as global ids: the user parser
    # (decidim-core/lib/decidim/content_parsers/user_parser.rb) rewrites "@nickname" to
    # "gid://<app>/Decidim::User/<id>", the hashtag parser "#name" to
    # "gid://<app>/Decidim::Hashtag/<id>" (newer versions append "/name" or "/_name").
    # CreateProposalNote stores the body rewritten by the user parser from 0.28 on
    # (decidim-proposals/app/commands/decidim/proposals/admin/proposal_notes_methods.rb); 0.27
    # stores it as typed. Decidim's renderers produce HTML links; this writes the plain
    # "@nickname" / "#name" back instead. An id that no longer exists renders as nothing, as
    # Decidim's own renderers do.
    module NoteText
      USER_GID = %r{gid://[\w-]+/(Decidim::(?:User|UserGroup|UserBaseEntity))/(\d+)}.freeze
      HASHTAG_GID = %r{gid://[\w-]+/Decidim::Hashtag/(\d+)(?:/_?([[:alnum:]][[:alnum:]_]*))?}.freeze
      BREAKS = %r{<br\s*/?>|</p>\s*}i.freeze

      module_function

      def render(body, organization = nil)
        text = plain(pick(body))
        text = text.gsub(USER_GID) { mention(Regexp.last_match(1), Regexp.last_match(2), organization) }
        text.gsub(HASHTAG_GID) { hashtag(Regexp.last_match(1), Regexp.last_match(2), organization) }
      end

      # Some versions declare the body translatable: take the original, not a machine
      # translation.
      def pick(body)
        return body.to_s unless body.is_a?(Hash)

        original = body.reject { |key, _| key.to_s == "machine_translations" }
        original.values.find { |value| value.is_a?(String) && !value.empty? }.to_s
      end

      # Notes are plain text; strip markup should a rich text editor have produced some.
      def plain(text)
        return text unless text.match?(/<[a-z!\/]/i)

        stripped = text.gsub(BREAKS, "\n").gsub(/<[^>]*>/, "")
        CGI.unescapeHTML(stripped).sub(/\n+\z/, "")
      end

      def mention(class_name, id, organization)
        klass = Object.const_get(class_name) if Object.const_defined?(class_name)
        user = klass&.find_by(id: id.to_i)
        return "" unless user && in_organization?(user, organization) && user.nickname.to_s != ""

        "@#{user.nickname}"
      end

      def hashtag(id, written, organization)
        record = ::Decidim::Hashtag.find_by(id: id.to_i) if defined?(::Decidim::Hashtag)
        name = record && in_organization?(record, organization) ? record.name : written
        name.to_s.empty? ? "" : "##{name}"
      end

      def in_organization?(record, organization)
        return true if organization.nil? || !record.respond_to?(:decidim_organization_id)

        record.decidim_organization_id == organization.id
      end
    end
  end
end
