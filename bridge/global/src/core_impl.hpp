#pragma once

// The state of server_core, shared by its three source files:
// server_core.cpp (the connect protocol between servers), locker.cpp (the
// locker and the lock multi_calls), names.cpp (names, locks, the API).

#include "cafe/global/server_core.hpp"

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>

namespace cafe::global {

using namespace etf::literals;

/// global.erl's ?GLOBAL_RID: the resource of global's own lock.
inline etf::atom global_rid() {
  return etf::atom{"global"};
}

/// The name every node's server is registered under.
inline etf::atom server_name() {
  return etf::atom{"global_name_server"};
}

/// Versions of the protocol where features appeared (global.erl).
inline constexpr int64_t pop_vsn = 7;
inline constexpr int64_t pgpv_vsn = 7;
inline constexpr int64_t verify_connect_vsn = 8;

/// `{'$gen_cast', Msg}`.
etf::term gen_cast(etf::term msg);

/// A proper list of atoms.
etf::term atom_list(const std::vector<etf::atom>& xs);

/// `x` if it is a proper list.
const etf::list* proper_list(const etf::term& x);

/// An entry of a known list: `N` or `{N, Vsn}`.
bool node_entry(const etf::term& x, etf::atom& node,
                std::optional<int64_t>& vsn);

/// The nodes of a known list (entries of other shapes left out).
std::vector<etf::atom> node_list(const etf::term& xs);

/// Whether `xs` is a proper list of known-list entries.
bool valid_node_list(const etf::term& xs);

/// The replies of one multi_call: node -> reply; nodes that did not answer
/// (down, no server) are missing, as in gen_server:multi_call's badnodes.
using replies = std::vector<std::pair<etf::atom, etf::term>>;

using replies_fn = std::function<void(const replies&, effects&)>;
using bool_fn = std::function<void(bool, effects&)>;
using step_fn = std::function<void(effects&)>;

/// A message to the locker (global.erl's the_locker_message/2).
struct him {
  etf::atom node;
  etf::pid locker;
  int64_t vsn = 0;
  int64_t my_tag = 0;
  etf::term his_tag;
};

/// `{new_nodes, ...}` to cast to the known nodes before the lock goes.
struct new_nodes_job {
  etf::term msg;
  etf::term old_msg;
  std::map<etf::atom, int64_t> targets;
};

struct lm_his_the_locker {
  him who;
};

struct lm_cancel {
  etf::atom node;
  std::optional<int64_t> tag;
  std::optional<new_nodes_job> job;
};

struct lm_lock_set {
  etf::pid from;
  bool set = false;
  etf::term his_known;
  std::optional<etf::term> tag;
};

struct lm_add_known {
  std::vector<etf::atom> nodes;
};

struct lm_remove_known {
  etf::atom node;
};

using locker_msg = std::variant<lm_his_the_locker, lm_cancel, lm_lock_set,
                                lm_add_known, lm_remove_known>;

struct server_core::impl {
  explicit impl(core_config& c);

  core_config& cfg;
  std::mt19937_64 rng;
  uint64_t next_id = 1;
  int64_t next_tag = 1;

  uint64_t fresh() {
    return next_id++;
  }

  // -- names and locks (names.cpp) --------------------------------------------

  struct name_entry {
    etf::pid pid;
    etf::term method;
    uint64_t mon = 0;
  };
  std::map<etf::term, name_entry, term_less> names;
  std::unordered_map<uint64_t, etf::term> name_mons;

  struct lock_entry {
    etf::term requester;
    std::vector<std::pair<etf::pid, uint64_t>> holders;
  };
  std::map<etf::term, lock_entry, term_less> locks;
  std::unordered_map<uint64_t, etf::term> lock_mons;
  bool global_lock_down = false;

  bool is_local(const etf::pid& x) const;
  std::optional<bool> can_set_lock(const etf::term& id) const;
  bool handle_set_lock(const etf::term& id, const etf::pid& pid, effects& out);
  void handle_del_lock(const etf::term& id, const etf::pid& pid, effects& out);
  void delete_lock_mon(uint64_t mon, effects& out);
  bool is_global_lock_set() const;
  void ins_name(const etf::term& name, const etf::pid& pid,
                const etf::term& method, const etf::term& from_pid_or_node,
                const etf::term& extra_info, effects& out);
  void delete_name(const etf::term& name, effects& out);
  bool lock_still_set(const etf::term& from, const etf::term& extra_info);
  etf::term names_list() const;
  bool do_ops(const etf::term& ops, etf::atom conn_node,
              const etf::term& extra_info, effects& out);
  etf::term run_method(const etf::term& method, const etf::term& name,
                       const etf::pid& pid1, const etf::pid& pid2,
                       effects& out);
  /// A `{'$gen_call', {From, Tag}, Req}` to the server; nullopt: refused.
  std::optional<etf::term> handle_call(const etf::pid& from,
                                       const etf::term& req, effects& out);

  // -- calls this node makes (locker.cpp) -------------------------------------

  struct leg {
    uint64_t batch = 0;
    etf::atom node;
    uint64_t mon = 0;
  };
  std::unordered_map<etf::reference, leg> legs;
  std::unordered_map<uint64_t, etf::reference> leg_mons;
  struct batch {
    size_t outstanding = 0;
    replies got;
    replies_fn done;
  };
  std::map<uint64_t, batch> batches;
  std::map<uint64_t, step_fn> timers;

  /// gen_server:multi_call(Nodes, Name, Req) from the local `from`; this
  /// node's own server answers at once.
  void multi_call(const etf::pid& from, etf::atom name,
                  const std::vector<etf::atom>& nodes, const etf::term& req,
                  replies_fn done, effects& out);
  void leg_done(const etf::reference& tag, std::optional<etf::term> value,
                effects& out);
  bool take_reply(const etf::term& msg, effects& out);
  void after(std::chrono::milliseconds t, step_fn fn, effects& out);
  void random_sleep(uint32_t times, step_fn fn, effects& out);

  void set_lock_on_nodes(const etf::term& id, const etf::pid& requester,
                         std::vector<etf::atom> nodes, bool_fn done,
                         effects& out);
  void del_lock(const etf::term& id, const etf::pid& requester,
                const std::vector<etf::atom>& nodes, effects& out);
  void delete_global_lock(const etf::term& id, const etf::pid& requester,
                          std::vector<etf::atom> nodes, effects& out);

  // -- the locker (locker.cpp) ------------------------------------------------

  enum class phase { idle, locking, wait_lock_set, wait_cancel };
  struct locker_state {
    std::vector<him> hims;
    std::vector<etf::atom> known;
    etf::atom boss;
    bool just_synced = false;
    phase ph = phase::idle;
    std::deque<locker_msg> deferred;
    std::optional<uint64_t> timer;
    him cur;
    etf::term lock_id;
    std::vector<etf::atom> held_on;
  } lk;

  void locker_post(locker_msg m, effects& out);
  void locker_handle_idle(locker_msg& m, effects& out);
  bool locker_matches(const locker_msg& m) const;
  void locker_consume(locker_msg m, effects& out);
  void locker_loop(effects& out);
  void locker_select(effects& out);
  void locker_update_known(const locker_msg& m);
  void locker_take_known_updates();
  void locker_spontaneous(const lm_lock_set& m, effects& out);
  void lock_nodes_safely(const etf::term& lock_id, std::vector<etf::atom> extra,
                         bool_fn done, effects& out);
  void send_lock_set(bool set, const etf::pid& his_locker, int64_t vsn,
                     const etf::term& his_tag, effects& out);
  void run_job(const std::optional<new_nodes_job>& job, effects& out);
  void locker_release(effects& out);
  etf::term locker_lock_id(const etf::pid& his_locker) const;

  // -- the registrar and the API (names.cpp) ----------------------------------

  std::deque<step_fn> registrar_queue;
  bool registrar_busy = false;
  void registrar_run(effects& out);
  void registrar_done(effects& out);
  using body_fn = std::function<void(const std::vector<etf::atom>&,
                                     step_fn finish, effects&)>;
  void trans_all_known(body_fn body, effects& out);
  void set_lock_known(const etf::term& id, uint32_t times,
                      std::function<void(std::vector<etf::atom>, effects&)> k,
                      effects& out);
  void api_set_lock(uint64_t call, const etf::term& id, const etf::pid& owner,
                    std::vector<etf::atom> nodes,
                    std::optional<uint32_t> retries, uint32_t times,
                    effects& out);

  // -- the server (server_core.cpp) -------------------------------------------

  std::map<etf::atom, int64_t> known;
  std::map<etf::atom, int64_t> pending;
  std::set<etf::atom> removing;
  std::vector<etf::atom> synced;
  std::set<etf::atom> up;

  struct node_state {
    std::optional<int64_t> my_tag;
    std::optional<etf::term> his_tag;
    std::optional<int64_t> prot_vsn;
    /// 0: nothing, 1: lock_is_set, 2: exchange arrived (`wait_names`).
    int wait_lock = 0;
    etf::term wait_names;
    /// 0: nothing, 1: resolved arrived first, 2: our ops are ready.
    int save = 0;
    etf::term his_known, names_ext, his_resolved;
    etf::list ops;
    struct pre {
      int64_t vsn = 0;
      etf::term init_msg;
      etf::term his_tag;
    };
    std::optional<pre> pre_connect;
    std::optional<etf::term> lock_id;
  };
  std::map<etf::atom, node_state> states;

  struct resolver {
    int64_t tag = 0;
    uint64_t generation = 0;
    bool running = false;
    etf::list ops, res;
    size_t outstanding = 0;
  };
  std::map<etf::atom, resolver> resolvers;
  uint64_t next_generation = 1;

  std::map<uint64_t, std::set<etf::atom>> syncers;

  std::map<std::pair<etf::atom, etf::atom>, std::pair<etf::term, int64_t>> lost;
  int64_t creation_extension = 0;
  int64_t next_op = 1;

  node_state& st(etf::atom node) {
    return states[node];
  }
  std::optional<int64_t> my_tag(etf::atom node) const;
  int64_t node_vsn(etf::atom node) const;
  bool potentially_known(etf::atom node) const;
  etf::term known_list(int64_t vsn) const;
  std::vector<etf::atom> known_nodes() const;
  std::vector<etf::atom> add_to_known(const etf::term& nodes);
  etf::term node_vsn_list(const etf::term& nodes) const;

  void handle_nodeup(etf::atom node, effects& out);
  void handle_nodedown(etf::atom node, int what, effects& out);
  void reset_node_state(etf::atom node);
  void cancel_locker(etf::atom node, std::optional<int64_t> tag,
                     std::optional<new_nodes_job> job, effects& out);
  void send_cancel_connect(etf::atom node, std::optional<int64_t> tag,
                           effects& out);
  void restart_connect(etf::atom node, std::optional<int64_t> tag,
                       effects& out);
  void init_connect(int64_t vsn, etf::atom node, const etf::term& init_msg,
                    const etf::term& his_tag, int64_t his_vsn, effects& out);
  void lock_is_set(etf::atom node, int64_t tag, const etf::term& lock_id,
                   effects& out);
  void exchange(etf::atom node, const etf::term& names, effects& out);
  void start_resolver(etf::atom node, const etf::term& names, effects& out);
  void resolver_step_done(etf::atom node, uint64_t generation, effects& out);
  void exchange_ops(etf::atom node, int64_t tag, etf::list ops, etf::list res,
                    effects& out);
  void resolved(etf::atom node, const etf::term& his_resolved,
                const etf::term& his_known, const etf::term& names_ext,
                effects& out);
  void new_nodes(const etf::term& ops, etf::atom conn_node,
                 const etf::term& nodes, const etf::term& extra_info,
                 effects& out);
  void in_sync(etf::atom node, effects& out);
  void sync_others(const std::vector<etf::atom>& nodes, effects& out);
  void mark_synced(etf::atom node, effects& out);
  void inform_connection_loss(etf::atom node, effects& out);
  void volatile_multicast(const etf::term& msg, etf::atom ignore, effects& out);
  void send_server(etf::atom node, etf::term msg, effects& out,
                   bool noconnect = false, bool cast = true);

  expected<void, std::string> on_cast(const etf::term& msg, effects& out);
  expected<void, std::string> on_info(const etf::term& msg, effects& out);
};

/// handle_nodedown's `What`.
inline constexpr int nd_disconnected = 0;
inline constexpr int nd_remove_connection = 1;
inline constexpr int nd_ignore_node = 2;

} // namespace cafe::global
