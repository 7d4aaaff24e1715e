#include "rooms/presence_keeper.hpp"

#include "cafe/actor/message_types.hpp"
#include "cafe/log.hpp"
#include "rooms/directory.hpp"
#include "rooms/messages.hpp"
#include "rooms/names.hpp"
#include "rooms/sync_wire.hpp"

#include <caf/send.hpp>

namespace cafe::chat::rooms {

namespace {

using self_ptr = caf::stateful_actor<presence_keeper_state>*;

/// Debounces heartbeats after changes: many joins at once make one.
constexpr auto flush_delay = std::chrono::milliseconds{50};

void route(const context& ctx, const presence_diff& diff) {
  auto dir = ctx.rooms.lock();
  if (!dir)
    return;
  for (auto& [room, changes] : diff)
    if (valid_room_name(room) && !changes.empty())
      if (auto r = dir->open(room))
        caf::anon_send(r, presence_update{changes});
}

void count(self_ptr self, const context& ctx) {
  ctx.census->update(self->state.table.users_per_room());
}

void changed(self_ptr self, const context& ctx, const presence_diff& diff) {
  if (diff.empty())
    return;
  route(ctx, diff);
  count(self, ctx);
}

heartbeat my_heartbeat(self_ptr self, const context& ctx) {
  heartbeat hb;
  hb.node = ctx.node_name;
  if (auto dir = ctx.rooms.lock())
    hb.rooms = dir->names();
  hb.presences = self->state.table.local();
  return hb;
}

void merge_into(presence_diff& into, presence_diff more) {
  for (auto& [room, d] : more) {
    auto& slot = into[room];
    slot.joins.insert(slot.joins.end(), d.joins.begin(), d.joins.end());
    slot.leaves.insert(slot.leaves.end(), d.leaves.begin(), d.leaves.end());
  }
}

void schedule_flush(self_ptr self) {
  if (self->state.flush_pending)
    return;
  self->state.flush_pending = true;
  self->delayed_send(self, flush_delay, flush_atom::value);
}

void on_sync(self_ptr self, const context& ctx, const etf::term& msg) {
  auto decoded = decode_sync(msg, now_ms());
  if (!decoded) {
    logger().warn("chat sync: dropped an unknown message");
    return;
  }
  auto dir = ctx.rooms.lock();
  if (!dir)
    return;
  if (auto hb = std::get_if<heartbeat>(&*decoded)) {
    if (hb->node == ctx.node_name)
      return;
    bool first = !self->state.heard.contains(hb->node);
    self->state.heard[hb->node] = std::chrono::steady_clock::now();
    ctx.peers->chat_node_seen(hb->node);
    changed(self, ctx, self->state.table.replace(hb->node, hb->presences));
    for (auto& room : hb->rooms)
      if (valid_room_name(room))
        dir->open(room);
    // A peer that has just come tells its set at once; so do we, and every
    // room asks it for what it holds (rooms opened before it was known,
    // e.g. while this node was rejoining the cluster).
    if (first) {
      schedule_flush(self);
      for (auto& room : dir->names())
        if (auto r = dir->find(room))
          caf::anon_send(*r, sync_with_atom::value, hb->node);
    }
  } else if (auto req = std::get_if<history_request>(&*decoded)) {
    if (req->reply_to == ctx.node_name)
      return;
    if (auto r = dir->find(req->room))
      caf::anon_send(*r, *req);
    else
      ctx.peers->sync_direct(req->reply_to,
                             encode(history_answer{req->room, {}}));
  } else if (auto answer = std::get_if<history_answer>(&*decoded)) {
    if (!valid_room_name(answer->room))
      return;
    if (auto r = dir->open(answer->room))
      caf::anon_send(r, std::move(*answer));
  }
}

} // namespace

caf::behavior presence_keeper(self_ptr self, context_ptr ctx) {
  self->state.table = presence_table{ctx->node_name};
  auto me = caf::actor_cast<caf::actor>(self);
  ctx->bridge->bind(me, actor::delivery::raw);
  ctx->topics->subscribe(me, std::string{sync_topic});
  ctx->bridge->monitor_nodes(me);
  // Nodes connected before this actor subscribed (discovery starts first).
  ctx->peers->adopt_connected();
  self->send(self, tick_atom::value);
  return {
    [=](const track_request& req) {
      merge_into(self->state.local_changes, self->state.table.track(req.entry));
      schedule_flush(self);
    },
    [=](const untrack_request& req) {
      merge_into(self->state.local_changes,
                 self->state.table.untrack(req.phx_ref));
      schedule_flush(self);
    },
    [=](const presence_hello& hello) {
      if (auto dir = ctx->rooms.lock())
        if (auto r = dir->find(hello.room)) {
          room_diff diff;
          diff.joins = self->state.table.in_room(hello.room);
          caf::anon_send(*r, presence_update{std::move(diff)});
        }
    },
    [=](tick_atom) {
      auto now = std::chrono::steady_clock::now();
      auto limit = ctx->cfg.tick * ctx->cfg.silent_ticks;
      auto& heard = self->state.heard;
      for (auto i = heard.begin(); i != heard.end();) {
        if (now - i->second > limit) {
          logger().info("cafe-chat peer {} silent for {} ms: its users leave",
                        i->first, limit.count());
          changed(self, *ctx, self->state.table.drop(i->first));
          i = heard.erase(i);
        } else {
          ++i;
        }
      }
      ctx->peers->sync_broadcast(encode(my_heartbeat(self, *ctx)));
      count(self, *ctx);
      self->delayed_send(self, ctx->cfg.tick, tick_atom::value);
    },
    [=](flush_atom) {
      self->state.flush_pending = false;
      auto local = std::move(self->state.local_changes);
      self->state.local_changes.clear();
      changed(self, *ctx, local);
      ctx->peers->sync_broadcast(encode(my_heartbeat(self, *ctx)));
    },
    [=](actor::nodeup_atom, etf::atom node) {
      ctx->peers->node_up(std::string{node.text()});
      schedule_flush(self);
    },
    [=](actor::nodedown_atom, etf::atom node) {
      std::string name{node.text()};
      ctx->peers->node_down(name);
      self->state.heard.erase(name);
      changed(self, *ctx, self->state.table.drop(name));
    },
    [=](const etf::term& msg) { on_sync(self, *ctx, msg); },
  };
}

} // namespace cafe::chat::rooms
