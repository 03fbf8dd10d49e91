# frozen_string_literal: true

require "base64"
require "json"
require "openssl"
require "webrick"

# A Standard Webhooks receiver on a loopback port: checks each delivery's signature with the
# shared secret, as the bridge does, and keeps what arrived.
class WebhookServer
  Delivery = Struct.new(:id, :timestamp, :signature_valid, :body, keyword_init: true) do
    def json
      JSON.parse(body)
    end
  end

  attr_reader :url

  def initialize(secret)
    @key = Base64.strict_decode64(secret.delete_prefix("whsec_"))
    @deliveries = []
    @lock = Mutex.new
    @server = WEBrick::HTTPServer.new(BindAddress: "127.0.0.1", Port: 0, Logger: WEBrick::Log.new(File::NULL),
                                      AccessLog: [])
    @server.mount_proc("/webhooks/decidim") { |request, response| receive(request, response) }
    @url = "http://127.0.0.1:#{@server.config[:Port]}/webhooks/decidim"
    @thread = Thread.new { @server.start }
  end

  def deliveries
    @lock.synchronize { @deliveries.dup }
  end

  def clear
    @lock.synchronize { @deliveries.clear }
  end

  def stop
    @server.shutdown
    @thread.join(5)
  end

  private

  def receive(request, response)
    id = request["webhook-id"].to_s
    timestamp = request["webhook-timestamp"].to_s
    body = request.body.to_s
    expected = "v1,#{Base64.strict_encode64(OpenSSL::HMAC.digest('SHA256', @key, "#{id}.#{timestamp}.#{body}"))}"
    valid = request["webhook-signature"].to_s.split(" ").include?(expected)
    @lock.synchronize do
      @deliveries << Delivery.new(id: id, timestamp: timestamp, signature_valid: valid, body: body)
    end
    response.status = valid ? 202 : 401
    response["Content-Type"] = "application/json"
    response.body = valid ? '{"status":"pending"}' : '{"code":"unauthorized"}'
  end
end
