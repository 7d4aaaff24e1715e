#include "rooms/presence_keeper.hpp"

#include "cafe/actor/message_types.hpp"
#include "cafe/log.hpp"
#include "rooms/directory.hpp"
#include "rooms/messages.hpp"
#include "rooms/names.hpp"
#include "rooms/sync_wire.hpp"

#include <caf/send.hpp>
#include <utility>

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

void merge_into(presence_diff& into, presence_diff more) {
  for (auto& [room, d] : more) {
    auto& slot = into[room];
    slot.joins.insert(slot.joins.end(),
                      std::make_move_iterator(d.joins.begin()),
                      std::make_move_iterator(d.joins.end()));
    slot.leaves.insert(slot.leaves.end(),
                       std::make_move_iterator(d.leaves.begin()),
                       std::make_move_iterator(d.leaves.end()));
  }
}

void schedule_flush(self_ptr self) {
  if (self->state.flush_pending)
    return;
  self->state.flush_pending = true;
  self->delayed_send(self, flush_delay, flush_atom::value);
}

/// The rooms hear of `diff` with the next flush.
void changed(self_ptr self, presence_diff diff) {
  if (diff.empty())
    return;
  merge_into(self->state.room_changes, std::move(diff));
  schedule_flush(self);
}

heartbeat my_heartbeat(self_ptr self, const context& ctx) {
  heartbeat hb;
  hb.node = ctx.node_name;
  if (auto dir = ctx.rooms.lock())
    hb.rooms = dir->names();
  hb.presences = self->state.table.local();
  return hb;
}

/// The local changes for the peers: joins, then the refs that left.
presence_delta delta_of(const context& ctx, const presence_diff& changes) {
  presence_delta delta;
  delta.node = ctx.node_name;
  for (auto& [room, d] : changes) {
    delta.joins.insert(delta.joins.end(), d.joins.begin(), d.joins.end());
    for (auto& e : d.leaves)
      delta.leaves.push_back(e.phx_ref);
  }
  return delta;
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
    changed(self, self->state.table.replace(hb->node, hb->presences));
    for (auto& room : hb->rooms)
      if (valid_room_name(room))
        dir->open(room);
    // A peer that has just come tells its set at once; so do we, and every
    // room asks it for what it holds (rooms opened before it was known,
    // e.g. while this node was rejoining the cluster).
    if (first) {
      self->state.full_set_due = true;
      schedule_flush(self);
      for (auto& room : dir->names())
        if (auto r = dir->find(room))
          caf::anon_send(*r, sync_with_atom::value, hb->node);
    }
  } else if (auto delta = std::get_if<presence_delta>(&*decoded)) {
    // Before a peer's first heartbeat its deltas mean nothing: the
    // heartbeat brings the whole set.
    auto i = self->state.heard.find(delta->node);
    if (delta->node == ctx.node_name || i == self->state.heard.end())
      return;
    i->second = std::chrono::steady_clock::now();
    changed(self, self->state.table.apply(delta->node, std::move(delta->joins),
                                          delta->leaves));
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
      auto diff = self->state.table.track(req.entry);
      merge_into(self->state.local_changes, diff);
      changed(self, std::move(diff));
    },
    [=](const untrack_request& req) {
      auto diff = self->state.table.untrack(req.phx_ref);
      merge_into(self->state.local_changes, diff);
      changed(self, std::move(diff));
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
          changed(self, self->state.table.drop(i->first));
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
      auto local = std::exchange(self->state.local_changes, {});
      auto all = std::exchange(self->state.room_changes, {});
      if (!all.empty()) {
        route(*ctx, all);
        count(self, *ctx);
      }
      // Changes go out as a delta: a heartbeat carries every local entry,
      // and one per flush made a join storm cost every peer O(N) per join.
      if (std::exchange(self->state.full_set_due, false))
        ctx->peers->sync_broadcast(encode(my_heartbeat(self, *ctx)));
      else if (!local.empty())
        ctx->peers->sync_chat_nodes(encode(delta_of(*ctx, local)));
    },
    [=](actor::nodeup_atom, etf::atom node) {
      ctx->peers->node_up(std::string{node.text()});
      self->state.full_set_due = true;
      schedule_flush(self);
    },
    [=](actor::nodedown_atom, etf::atom node) {
      std::string name{node.text()};
      ctx->peers->node_down(name);
      self->state.heard.erase(name);
      changed(self, self->state.table.drop(name));
    },
    [=](const etf::term& msg) { on_sync(self, *ctx, msg); },
  };
}

} // namespace cafe::chat::rooms
