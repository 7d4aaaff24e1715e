#include "app/metrics.hpp"

#include "cafe/node/node.hpp"

#include <sstream>

namespace cafe::chat::app {

namespace {

void metric(std::ostringstream& out, const char* name, const char* type,
            const char* help, uint64_t value) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type
      << '\n'
      << name << ' ' << value << '\n';
}

} // namespace

std::string metrics_text(const services& svc, const http::server_stats* s) {
  std::ostringstream out;
  auto& st = *svc.ctx->stats;
  if (s) {
    metric(out, "cafe_chat_connections_open", "gauge",
           "HTTP and WebSocket connections open on this node.",
           s->connections_open.load());
    metric(out, "cafe_chat_connections_total", "counter",
           "WebSocket connections accepted.", s->connections_total.load());
    metric(out, "cafe_chat_slow_clients_dropped_total", "counter",
           "Clients disconnected because they did not read fast enough.",
           s->slow_clients_dropped.load());
    metric(out, "cafe_chat_upgrades_refused_total", "counter",
           "WebSocket upgrades refused (origin, version, limits).",
           s->upgrades_refused.load());
    metric(out, "cafe_chat_frames_in_total", "counter",
           "WebSocket frames received.", s->frames_in.load());
    metric(out, "cafe_chat_frames_out_total", "counter",
           "WebSocket frames sent.", s->frames_out.load());
    metric(out, "cafe_chat_http_requests_total", "counter",
           "HTTP requests served.", s->http_requests.load());
  }
  metric(out, "cafe_chat_clients", "gauge",
         "Phoenix sockets (chat clients) connected to this node.",
         st.clients.load());
  metric(out, "cafe_chat_rooms", "gauge", "Rooms open on this node.",
         svc.rooms->size());
  metric(out, "cafe_chat_joins_total", "counter", "Room joins accepted.",
         st.joins.load());
  metric(out, "cafe_chat_messages_in_total", "counter",
         "Messages posted by this node's clients.", st.messages_in.load());
  metric(out, "cafe_chat_messages_rejected_total", "counter",
         "Messages refused (empty, too long, rate limited).",
         st.messages_rejected.load());
  metric(out, "cafe_chat_messages_out_total", "counter",
         "Room frames delivered to this node's clients.", st.deliveries.load());
  metric(out, "cafe_chat_pubsub_broadcasts_out_total", "counter",
         "Room broadcasts sent to other nodes (one per node).",
         st.pubsub_out.load());
  metric(out, "cafe_chat_pubsub_broadcasts_in_total", "counter",
         "Room broadcasts received from other nodes.", st.pubsub_in.load());
  size_t nodes = 0;
  if (auto nd = svc.node.lock())
    nodes = nd->nodes().size();
  metric(out, "cafe_chat_cluster_nodes", "gauge",
         "Visible nodes connected to this one.", nodes);
  metric(out, "cafe_chat_chat_peers", "gauge",
         "Other cafe-chat nodes heard from.",
         svc.ctx->peers->chat_nodes().size());
  return out.str();
}

} // namespace cafe::chat::app
