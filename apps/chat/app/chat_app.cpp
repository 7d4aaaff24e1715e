#include "app/chat_app.hpp"

#include "app/client.hpp"
#include "app/metrics.hpp"
#include "cafe/node/node.hpp"

#include <boost/json.hpp>

namespace cafe::chat::app {

chat_app::chat_app(services_ptr svc) : svc_(std::move(svc)) {
  // nop
}

void chat_app::attach(std::weak_ptr<http::server> server) {
  server_ = std::move(server);
}

unsigned chat_app::check_upgrade(const http::upgrade_request& req) {
  // Phoenix refuses a vsn it has no serializer for with 403, before the
  // upgrade.
  return channels::parse_version(req.param("vsn")) ? 0 : 403;
}

std::shared_ptr<http::client_handler>
chat_app::connect(std::shared_ptr<http::client_link> link,
                  const http::upgrade_request& req) {
  auto v = channels::parse_version(req.param("vsn"));
  ++svc_->ctx->stats->clients;
  return std::make_shared<client>(
    std::move(link), v.value_or(channels::version::v2), svc_, ++next_id_);
}

std::optional<http::response> chat_app::handle(const http::request& req) {
  if (req.path == "/healthz")
    return http::response{200, "text/plain; charset=utf-8", "ok\n"};
  if (req.path == "/readyz")
    return ready();
  if (req.path == "/metrics")
    return metrics();
  if (req.path == "/api/rooms")
    return rooms_json();
  return std::nullopt;
}

http::response chat_app::rooms_json() const {
  auto counts = svc_->ctx->census->snapshot();
  for (auto& name : svc_->rooms->names())
    counts.try_emplace(name, 0);
  boost::json::array rooms;
  for (auto& [name, members] : counts)
    rooms.push_back(boost::json::object{{"name", name}, {"members", members}});
  boost::json::object body{{"rooms", std::move(rooms)},
                           {"node", svc_->ctx->node_name}};
  return {200, "application/json", boost::json::serialize(body)};
}

http::response chat_app::ready() const {
  if (!svc_->discovery_configured)
    return {200, "text/plain; charset=utf-8", "ready\n"};
  auto nd = svc_->node.lock();
  if (nd && !nd->nodes().empty())
    return {200, "text/plain; charset=utf-8", "ready\n"};
  return {503, "text/plain; charset=utf-8", "waiting for the cluster\n"};
}

http::response chat_app::metrics() const {
  auto server = server_.lock();
  return {200, "text/plain; version=0.0.4; charset=utf-8",
          metrics_text(*svc_, server ? &server->stats() : nullptr)};
}

} // namespace cafe::chat::app
