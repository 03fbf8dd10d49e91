# frozen_string_literal: true

module Decidim
  module Bridge
    VERSION = "0.1.0"
  end
end
