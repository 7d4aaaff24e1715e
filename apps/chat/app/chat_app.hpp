#pragma once

#include "app/services.hpp"
#include "http/application.hpp"
#include "http/server.hpp"

#include <atomic>
#include <memory>

namespace cafe::chat::app {

/// cafe-chat as the HTTP server's application: Phoenix sockets on the
/// socket path (V2, and V1 for `vsn=1.0.0` or none, as Phoenix maps it),
/// and the routes `/api/rooms`, `/healthz`, `/readyz`, `/metrics`.
class chat_app final : public http::application {
public:
  explicit chat_app(services_ptr svc);

  /// For /metrics: the server's counters (set once it runs).
  void attach(std::weak_ptr<http::server> server);

  unsigned check_upgrade(const http::upgrade_request& req) override;

  std::shared_ptr<http::client_handler>
  connect(std::shared_ptr<http::client_link> link,
          const http::upgrade_request& req) override;

  std::optional<http::response> handle(const http::request& req) override;

private:
  http::response rooms_json() const;
  http::response ready() const;
  http::response metrics() const;

  services_ptr svc_;
  std::weak_ptr<http::server> server_;
  std::atomic<uint64_t> next_id_{0};
};

} // namespace cafe::chat::app
