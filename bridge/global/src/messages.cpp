#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "core_impl.hpp"

// What the server receives (global.erl's handle_cast and handle_info
// clauses): each message checked for global's shape before it acts.

namespace cafe::global {

// -- messages -----------------------------------------------------------------

expected<effects, std::string> server_core::receive(const etf::pid& to,
                                                    const etf::term& msg) {
  effects out;
  auto& s = *impl_;
  if (s.take_reply(msg, out))
    return out;
  if (to == cfg_.locker) {
    etf::pid from;
    bool set = false;
    etf::term his_known, tag;
    if (etf::match(msg, "lock_set"_atom, &from, &set, &his_known)) {
      s.locker_post(lm_lock_set{from, set, his_known, std::nullopt}, out);
      return out;
    }
    if (etf::match(msg, "lock_set"_atom, &from, &set, &his_known, &tag)) {
      s.locker_post(lm_lock_set{from, set, his_known, tag}, out);
      return out;
    }
    return unexpected{std::string{"not a locker message"}};
  }
  if (to != cfg_.server)
    return unexpected{std::string{"not a reply to a call of ours"}};
  etf::term inner;
  if (etf::match(msg, "$gen_cast"_atom, &inner)) {
    if (auto ok = s.on_cast(inner, out); !ok)
      return unexpected{ok.error()};
    return out;
  }
  etf::term from_term, req;
  if (etf::match(msg, "$gen_call"_atom, &from_term, &req)) {
    etf::pid from;
    etf::term tag;
    if (!etf::match(from_term, &from, &tag))
      return unexpected{std::string{"a call without {From, Tag}"}};
    auto value = s.handle_call(from, req, out);
    if (!value)
      return unexpected{std::string{"an unknown call"}};
    out.emplace_back(gen_reply{cfg_.server, from, tag, std::move(*value)});
    return out;
  }
  if (auto ok = s.on_info(msg, out); !ok)
    return unexpected{ok.error()};
  return out;
}

expected<void, std::string> server_core::impl::on_cast(const etf::term& msg,
                                                       effects& out) {
  using err = unexpected<std::string>;
  auto xs = msg.get_if<etf::tuple>();
  if (xs == nullptr || xs->size() == 0 || !(*xs)[0].is<etf::atom>())
    return err{"not a global cast"};
  auto op = (*xs)[0].get<etf::atom>().text();
  etf::atom node;
  if (op == "init_connect") {
    etf::term vsn, init_msg;
    if (!etf::match(msg, etf::_, &vsn, &node, &init_msg))
      return err{"malformed init_connect"};
    auto vt = vsn.get_if<etf::tuple>();
    int64_t his_vsn = 0;
    if (vt == nullptr || vt->size() < 2 || !etf::get_as((*vt)[0], his_vsn)) {
      cafe::logger().info("global: illegal protocol version {} from {}",
                          etf::to_string(vsn), node.text());
      return {};
    }
    etf::pid his_locker;
    if (!etf::match(init_msg, "locker"_atom, etf::_, etf::_, &his_locker))
      return err{"malformed init_connect locker"};
    // Newer versions understand older ones: speak ours if his is newer.
    auto use = std::min(his_vsn, protocol_version);
    init_connect(use, node, init_msg, (*vt)[1], his_vsn, out);
    return {};
  }
  if (op == "exchange") {
    etf::term names, tag;
    if (!etf::match(msg, etf::_, &node, &names, etf::_, &tag)
        || proper_list(names) == nullptr)
      return err{"malformed exchange"};
    int64_t t = 0;
    if (!etf::get_as(tag, t) || my_tag(node) != t) {
      cancel_locker(node, etf::get_as(tag, t) ? std::optional{t} : std::nullopt,
                    std::nullopt, out);
      return {};
    }
    exchange(node, names, out);
    return {};
  }
  if (op == "resolved") {
    etf::term his_resolved, his_known, names_ext, tag;
    if (!etf::match(msg, etf::_, &node, &his_resolved, &his_known, etf::_,
                    &names_ext, &tag)
        || proper_list(his_resolved) == nullptr || !valid_node_list(his_known)
        || proper_list(names_ext) == nullptr)
      return err{"malformed resolved"};
    int64_t t = 0;
    if (!etf::get_as(tag, t) || my_tag(node) != t) {
      cancel_locker(node, etf::get_as(tag, t) ? std::optional{t} : std::nullopt,
                    std::nullopt, out);
      return {};
    }
    auto& ns = st(node);
    if (ns.save == 2) {
      resolved(node, his_resolved, his_known, names_ext, out);
    } else {
      ns.save = 1;
      ns.his_known = his_known;
      ns.names_ext = names_ext;
      ns.his_resolved = his_resolved;
    }
    return {};
  }
  if (op == "new_nodes") {
    etf::term ops, names_ext, nodes, extra;
    if (!etf::match(msg, etf::_, &node, &ops, &names_ext, &nodes, &extra)
        || proper_list(ops) == nullptr || !valid_node_list(nodes))
      return err{"malformed new_nodes"};
    new_nodes(ops, node, nodes, extra, out);
    return {};
  }
  if (op == "in_sync") {
    if (!etf::match(msg, etf::_, &node, etf::_))
      return err{"malformed in_sync"};
    in_sync(node, out);
    return {};
  }
  if (op == "async_del_name" || op == "async_del_lock")
    return {}; // pre-R14 leftovers: the DOWN does the work
  if (op == "lock_set") {
    etf::pid from;
    bool set = false;
    etf::term his_known, tag;
    if (etf::match(msg, etf::_, &from, &set, &his_known, &tag)) {
      // Only for the connect in progress with that node.
      int64_t t = 0;
      if (etf::get_as(tag, t) && my_tag(from.node) == t)
        locker_post(lm_lock_set{from, set, his_known, tag}, out);
      return {};
    }
    if (etf::match(msg, etf::_, &from, &set, &his_known)) {
      locker_post(lm_lock_set{from, set, his_known, std::nullopt}, out);
      return {};
    }
    return err{"malformed lock_set"};
  }
  return err{"unknown cast"};
}

expected<void, std::string> server_core::impl::on_info(const etf::term& msg,
                                                       effects& out) {
  using err = unexpected<std::string>;
  auto xs = msg.get_if<etf::tuple>();
  if (xs == nullptr || xs->size() == 0 || !(*xs)[0].is<etf::atom>())
    return err{"not a global message"};
  auto op = (*xs)[0].get<etf::atom>().text();
  etf::atom node, node_b;
  if (op == "init_connect_ack") {
    etf::term his_my, his_his;
    if (!etf::match(msg, etf::_, &node, &his_my, &his_his))
      return err{"malformed init_connect_ack"};
    auto mine = my_tag(node);
    auto& ns = st(node);
    bool same = mine && his_my == etf::term{*mine} && ns.his_tag
                && *ns.his_tag == his_his;
    if (!same) {
      send_server(node,
                  etf::make_tuple("cancel_connect"_atom, cfg.node, his_his),
                  out, true, false);
      restart_connect(node, mine, out);
    }
    return {};
  }
  if (op == "cancel_connect") {
    etf::term tag;
    if (!etf::match(msg, etf::_, &node, &tag))
      return err{"malformed cancel_connect"};
    auto mine = my_tag(node);
    if (mine && tag == etf::term{*mine}) {
      cancel_locker(node, mine, std::nullopt, out);
      reset_node_state(node);
      pending.erase(node);
      restart_connect(node, mine, out);
    }
    return {};
  }
  if (op == "lost_connection") {
    etf::term xcre;
    int64_t op_id = 0;
    if (!etf::match(msg, etf::_, &node, &xcre, &op_id, &node_b))
      return err{"malformed lost_connection"};
    if (!cfg.connect_all || !cfg.prevent_overlapping_partitions)
      return {};
    auto key = std::make_pair(node, node_b);
    if (auto i = lost.find(key);
        i != lost.end() && i->second.first == xcre && op_id <= i->second.second)
      return {}; // seen already
    volatile_multicast(msg, node, out);
    lost[key] = {xcre, op_id};
    auto rm = node_b == cfg.node ? node : node_b;
    if (!potentially_known(rm))
      return {};
    if (node_vsn(rm) < pop_vsn) {
      out.emplace_back(disconnect_node{rm});
    } else {
      send_server(rm, etf::make_tuple("remove_connection"_atom, cfg.node), out,
                  true, false);
    }
    cafe::logger().warn("global at node {} requested disconnect from node {} "
                        "in order to prevent overlapping partitions",
                        cfg.node.text(), rm.text());
    handle_nodedown(rm, nd_remove_connection, out);
    return {};
  }
  if (op == "remove_connection") {
    if (!etf::match(msg, etf::_, &node))
      return err{"malformed remove_connection"};
    if (potentially_known(node)) {
      out.emplace_back(disconnect_node{node});
      handle_nodedown(node, nd_remove_connection, out);
      cafe::logger().warn("global at node {} disconnected node {} in order to "
                          "prevent overlapping partitions",
                          cfg.node.text(), node.text());
    }
    return {};
  }
  if (op == "whereis") {
    etf::term name, from_term, tag;
    etf::pid from;
    if (!etf::match(msg, etf::_, &name, &from_term)
        || !etf::match(from_term, &from, &tag))
      return err{"malformed whereis"};
    auto i = names.find(name);
    etf::term value = "undefined"_atom;
    if (i != names.end())
      value = i->second.pid;
    out.emplace_back(gen_reply{cfg.server, from, tag, value});
    return {};
  }
  if (op == "prepare_shutdown") {
    etf::pid from;
    etf::term ref;
    if (!etf::match(msg, etf::_, &from, &ref))
      return err{"malformed prepare_shutdown"};
    cfg.connect_all = false;
    cfg.prevent_overlapping_partitions = false;
    out.emplace_back(
      send_pid{cfg.server, from, etf::make_tuple(ref, "ok"_atom)});
    return {};
  }
  return err{"unknown message"};
}

} // namespace cafe::global
