# frozen_string_literal: true

module Decidim
  module Bridge
    # Who may use proposalAdmin: an API user or an organization admin, of the organization of
    # the request. API users are `Decidim::Api::ApiUser` (0.31+, decidim-api/app/models/decidim/
    # api/api_user.rb, created as admins by the system panel) or decidim-apiext's API user on
    # 0.27 - 0.29; both are matched by their class name so that neither has to be loaded.
    module Access
      module_function

      def allowed?(user, organization)
        return false if user.nil? || organization.nil?
        return false unless same_organization?(user, organization)
        return false if flag?(user, :deleted?) || flag?(user, :blocked?)

        api_user?(user) || flag?(user, :admin?)
      end

      def api_user?(user)
        user.class.ancestors.any? { |klass| klass.name.to_s.end_with?("::ApiUser") }
      end

      def same_organization?(user, organization)
        id = user.respond_to?(:decidim_organization_id) ? user.decidim_organization_id : user.organization&.id
        !id.nil? && id == organization.id
      end

      def flag?(user, method)
        user.respond_to?(method) && user.public_send(method) ? true : false
      end
    end
  end
end
