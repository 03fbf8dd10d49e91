# frozen_string_literal: true

module Decidim
  module Bridge
    # How events and the API describe people: never e-mail addresses or anything else personal
    # beyond what Decidim's admin shows next to a note or an assignment.
    module Actor
      SPACE_ROLE_ORDER = %w(admin collaborator moderator evaluator).freeze

      module_function

      # {"id", "nickname", "name"}: an evaluator, or a user in the API.
      def user(user)
        return nil unless user

        { "id" => user.id.to_s, "nickname" => blank_to_nil(user.nickname), "name" => user.name.to_s }
      end

      # An actor (`author`, `by`): the user plus whether it is an API user and what it may do
      # in the space.
      def describe(user, space)
        return nil unless user

        user(user).merge("api_user" => Access.api_user?(user), "roles" => roles(user, space))
      end

      # organization_admin (user.admin?), then the user's roles in the space as Decidim stores
      # them (ParticipatoryProcessUserRole, AssemblyUserRole, ...: `role`), valuator written
      # as evaluator. Roles inherited from a parent assembly are not the space's own.
      def roles(user, space)
        found = []
        found << "organization_admin" if user.respond_to?(:admin?) && user.admin?
        space_roles = space_roles(user, space)
        found + SPACE_ROLE_ORDER.select { |role| space_roles.include?(role) }
      end

      def space_roles(user, space)
        return [] unless space.respond_to?(:user_roles)

        space.user_roles.where(decidim_user_id: user.id).select { |role| own_space?(role, space) }.map do |role|
          role.role.to_s == "valuator" ? "evaluator" : role.role.to_s
        end
      rescue StandardError
        []
      end

      def own_space?(role, space)
        !role.respond_to?(:participatory_space) || role.participatory_space == space
      end

      def blank_to_nil(value)
        value.to_s.empty? ? nil : value.to_s
      end
    end
  end
end
