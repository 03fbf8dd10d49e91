# frozen_string_literal: true

# An in-memory SQLite database with the Decidim tables the module touches. Table and column
# names follow Decidim's migrations and models (decidim-core/db/migrate, decidim-proposals/
# db/migrate; the models cited in decidim.rb); only the columns the module or the stand-in
# commands use are here.

require "active_record"
require "sqlite3"

ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: ":memory:")
ActiveRecord::Migration.verbose = false

ActiveRecord::Schema.define do
  create_table :decidim_organizations do |t|
    t.string :host, null: false
    t.string :name
  end

  # decidim-core/app/models/decidim/user_base_entity.rb: one STI table for Decidim::User,
  # Decidim::UserGroup and (0.31+) Decidim::Api::ApiUser.
  create_table :decidim_users do |t|
    t.string :type, null: false
    t.references :decidim_organization, index: false
    t.string :name, null: false
    t.string :nickname
    t.string :email
    t.boolean :admin, default: false, null: false
    t.boolean :blocked, default: false, null: false
    t.datetime :deleted_at
  end

  create_table :decidim_participatory_processes do |t|
    t.references :decidim_organization, index: false
    t.string :slug
  end

  # decidim-participatory_processes/app/models/decidim/participatory_process_user_role.rb
  create_table :decidim_participatory_process_user_roles do |t|
    t.references :decidim_participatory_process, index: false
    t.references :decidim_user, index: false
    t.string :role
  end

  create_table :decidim_components do |t|
    t.string :manifest_name
    t.boolean :proposal_answering_enabled, default: true
    t.boolean :publish_answers_immediately, default: true
    t.string :participatory_space_type
    t.integer :participatory_space_id
  end

  # decidim-proposals/app/models/decidim/proposals/proposal.rb (0.27: `state` column plus
  # state_published_at; counter caches of the assignment and note models).
  create_table :decidim_proposals_proposals do |t|
    t.references :decidim_component, index: false
    t.string :title
    t.string :state
    t.text :answer
    t.datetime :answered_at
    t.datetime :state_published_at
    t.datetime :published_at
    t.datetime :withdrawn_at
    t.integer :evaluation_assignments_count, default: 0
    t.integer :valuation_assignments_count, default: 0
    t.integer :proposal_notes_count, default: 0
    t.timestamps
  end

  create_table :decidim_proposals_evaluation_assignments do |t|
    t.references :decidim_proposal, index: false
    t.string :evaluator_role_type
    t.integer :evaluator_role_id
    t.timestamps
  end

  create_table :decidim_proposals_valuation_assignments do |t|
    t.references :decidim_proposal, index: false
    t.string :valuator_role_type
    t.integer :valuator_role_id
    t.timestamps
  end

  create_table :decidim_proposals_proposal_notes do |t|
    t.references :decidim_proposal, index: false
    t.references :decidim_author, index: false
    t.text :body, null: false
    t.integer :parent_id
    t.timestamps
  end

  create_table :decidim_hashtags do |t|
    t.references :decidim_organization, index: false
    t.string :name
  end

  # decidim-core/app/models/decidim/action_log.rb (user polymorphic, as since API users).
  create_table :decidim_action_logs do |t|
    t.references :decidim_organization, index: false
    t.string :user_type
    t.integer :user_id
    t.string :action, null: false
    t.string :resource_type
    t.integer :resource_id
    t.string :participatory_space_type
    t.integer :participatory_space_id
    t.references :decidim_component, index: false
    t.text :extra
    t.string :visibility, default: "admin-only"
    t.datetime :created_at
  end
end
