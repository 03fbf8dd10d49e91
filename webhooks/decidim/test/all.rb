# frozen_string_literal: true

# Runs every test of the module in one process: ruby -Itest test/all.rb
Dir[File.join(__dir__, "*_test.rb")].sort.each { |file| require file }
