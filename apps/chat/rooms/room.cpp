#include "rooms/room.hpp"

#include "cafe/actor/message_types.hpp"
#include "cafe/log.hpp"
#include "rooms/names.hpp"
#include "rooms/term_json.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <functional>

namespace cafe::chat::rooms {

namespace {

using self_ptr = caf::stateful_actor<room_state>*;

void fan_out(self_ptr self, const context& ctx, broadcast_frames& frames) {
  for (auto& [id, s] : self->state.members)
    s.who->deliver(frames);
  ctx.stats->deliveries += self->state.members.size();
}

boost::json::array history_json(const history& h) {
  boost::json::array result;
  for (auto& m : h.messages())
    result.push_back(to_json(m));
  return result;
}

void accept_join(self_ptr self, const context& ctx, join_request req) {
  auto& st = self->state;
  // A client has one channel per topic: a new join replaces its old one.
  if (auto i = st.members.find(req.who->id()); i != st.members.end()) {
    caf::anon_send(ctx.keeper, untrack_request{i->second.phx_ref});
    st.members.erase(i);
  }
  auto phx_ref = make_phx_ref(ctx.node_name);
  req.who->join_reply(st.topic, req.join_ref, true,
                      {{"history", history_json(st.history)},
                       {"node", ctx.node_name}});
  // A room of N members answers each join with N entries: built in one
  // growing block (mapped once large) instead of N small allocations
  // between the long-lived ones, which left the heap full of holes.
  auto sp
    = boost::json::make_shared_resource<boost::json::monotonic_resource>();
  req.who->push(st.topic, "presence_state",
                presence_table::state_json(st.presences, sp));
  presence_entry entry{st.name, req.user, phx_ref, ctx.node_name,
                       now_ms() / 1000};
  st.members.emplace(req.who->id(), room_state::slot{req.who, req.join_ref,
                                                     req.user, phx_ref});
  caf::anon_send(ctx.keeper, track_request{std::move(entry)});
  ++ctx.stats->joins;
}

void end_sync(self_ptr self, const context& ctx) {
  auto& st = self->state;
  if (!st.syncing)
    return;
  st.syncing = false;
  auto pending = std::move(st.pending);
  for (auto& req : pending)
    accept_join(self, ctx, std::move(req));
}

void post(self_ptr self, const context& ctx, const post_request& req) {
  auto& st = self->state;
  auto i = st.members.find(req.who->id());
  if (i == st.members.end() || i->second.join_ref != req.join_ref)
    return;
  chat_message msg;
  msg.id = ctx.node_name + "/" + std::to_string(++st.next_seq) + "/"
           + i->second.phx_ref;
  msg.user = i->second.user;
  msg.body = req.body;
  msg.at_ms = now_ms();
  msg.node = ctx.node_name;
  st.history.add(msg);
  broadcast_frames frames{st.topic, "new_msg", to_json(msg)};
  fan_out(self, ctx, frames);
  ctx.stats->pubsub_out += ctx.peers->broadcast(st.topic, "new_msg",
                                                to_term(msg));
  req.who->reply(st.topic, req.join_ref, req.ref, "ok", {{"id", msg.id}});
}

/// A broadcast from another node on this room's topic.
void remote_broadcast(self_ptr self, const context& ctx, const etf::term& msg) {
  auto& st = self->state;
  auto m = msg.get_if<etf::map>();
  auto event = m ? m->find(etf::atom{"event"}) : nullptr;
  auto payload = m ? m->find(etf::atom{"payload"}) : nullptr;
  auto event_bin = event ? event->get_if<etf::binary>() : nullptr;
  if (!event_bin || !payload) {
    logger().warn("room {}: dropped a broadcast that is no "
                  "%Phoenix.Socket.Broadcast{{}}",
                  st.name);
    return;
  }
  ++ctx.stats->pubsub_in;
  boost::json::value json;
  if (event_bin->view() == "new_msg") {
    auto cm = from_term(*payload, now_ms());
    if (!cm) {
      logger().warn("room {}: dropped a new_msg without a text body", st.name);
      return;
    }
    // Already here through another node's history.
    if (!st.history.add(*cm) && st.history.contains(cm->id))
      return;
    json = to_json(*cm);
  } else if (auto j = json_of(*payload); j && j->is_object()) {
    json = std::move(*j);
  } else {
    logger().warn("room {}: dropped a {} broadcast whose payload is no JSON "
                  "object",
                  st.name, event_bin->view());
    return;
  }
  broadcast_frames frames{st.topic, std::string{event_bin->view()},
                          std::move(json)};
  fan_out(self, ctx, frames);
}

} // namespace

std::string make_phx_ref(const std::string& node) {
  static std::atomic<uint16_t> counter{0};
  using namespace std::chrono;
  uint64_t ns
    = duration_cast<nanoseconds>(system_clock::now().time_since_epoch())
        .count();
  uint16_t h = static_cast<uint16_t>(std::hash<std::string>{}(node));
  uint16_t c = counter.fetch_add(1);
  uint8_t bytes[12];
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<uint8_t>(ns >> (56 - 8 * i));
  bytes[8] = h >> 8;
  bytes[9] = h & 0xFF;
  bytes[10] = c >> 8;
  bytes[11] = c & 0xFF;
  static constexpr char alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string result;
  for (int i = 0; i < 12; i += 3) {
    uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int k = 3; k >= 0; --k)
      result.push_back(alphabet[(v >> (6 * k)) & 0x3F]);
  }
  return result;
}

caf::behavior room(self_ptr self, context_ptr ctx, std::string name) {
  auto& st = self->state;
  st.name = name;
  st.topic = topic_of_room(name);
  st.history = history{ctx->cfg.history};
  ctx->bridge->bind(caf::actor_cast<caf::actor>(self), actor::delivery::raw);
  ctx->topics->subscribe(caf::actor_cast<caf::actor>(self), st.topic);
  caf::anon_send(ctx->keeper, presence_hello{name});
  // Another node may have this room's history already: ask before the
  // first join is answered. A node that has just started with discovery
  // also waits for peers it does not know yet (their first heartbeat makes
  // the keeper send `sync_with`).
  st.answers_awaited = ctx->peers->chat_nodes().size();
  auto wait = ctx->cfg.history_wait;
  if (ctx->expect_peers) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      ctx->started + ctx->cfg.startup_wait - std::chrono::steady_clock::now());
    if (left.count() > 0 && st.answers_awaited == 0) {
      st.syncing = true;
      wait = left + ctx->cfg.history_wait;
    }
  }
  if (st.answers_awaited > 0) {
    st.syncing = true;
    ctx->peers->sync_broadcast(encode(history_request{name, ctx->node_name}));
  }
  if (st.syncing)
    self->delayed_send(self, wait, sync_timeout_atom::value);
  return {
    [=](join_request& req) {
      if (self->state.syncing)
        self->state.pending.push_back(std::move(req));
      else
        accept_join(self, *ctx, std::move(req));
    },
    [=](const leave_request& req) {
      auto& members = self->state.members;
      auto i = members.find(req.member_id);
      if (i != members.end() && i->second.join_ref == req.join_ref) {
        caf::anon_send(ctx->keeper, untrack_request{i->second.phx_ref});
        members.erase(i);
      }
      auto& pending = self->state.pending;
      std::erase_if(pending, [&](const join_request& p) {
        return p.who->id() == req.member_id && p.join_ref == req.join_ref;
      });
    },
    [=](const post_request& req) { post(self, *ctx, req); },
    [=](const presence_update& up) {
      auto& st = self->state;
      for (auto& e : up.diff.joins)
        st.presences[e.phx_ref] = e;
      for (auto& e : up.diff.leaves)
        st.presences.erase(e.phx_ref);
      if (up.diff.empty())
        return;
      broadcast_frames frames{st.topic, "presence_diff",
                              presence_table::diff_json(up.diff)};
      fan_out(self, *ctx, frames);
    },
    [=](const history_request& req) {
      std::vector<chat_message> msgs{self->state.history.messages().begin(),
                                     self->state.history.messages().end()};
      ctx->peers->sync_direct(req.reply_to,
                              encode(history_answer{self->state.name, msgs}));
    },
    [=](const history_answer& answer) {
      auto& st = self->state;
      st.history.merge(answer.messages);
      if (st.syncing && st.answers_awaited > 0 && --st.answers_awaited == 0)
        end_sync(self, *ctx);
    },
    [=](sync_timeout_atom) { end_sync(self, *ctx); },
    [=](sync_with_atom, const std::string& node) {
      if (self->state.syncing)
        ++self->state.answers_awaited;
      ctx->peers->sync_direct(
        node, encode(history_request{self->state.name, ctx->node_name}));
    },
    // With raw delivery a broadcast made with a dispatcher arrives as
    // `{dispatch, Dispatcher, Topic, Message}` (pubsub::dispatched); plain
    // Phoenix.PubSub broadcasts on the topic are not for clients.
    [=](const etf::term& msg) {
      auto t = msg.get_if<etf::tuple>();
      if (t && t->size() == 4 && (*t)[0] == etf::term{etf::atom{"dispatch"}}
          && (*t)[1] == etf::term{channel_server_dispatcher()})
        remote_broadcast(self, *ctx, (*t)[3]);
    },
  };
}

} // namespace cafe::chat::rooms
