#include "cafe/distribution/check_nodes.hpp"

#include <type_traits>

namespace cafe::distribution {

namespace {

struct checker {
  etf::atom peer;
  etf::atom local;
  uint8_t op = 0;

  result<void> fail(uint8_t element, std::string_view why) const {
    return unexpected{error{errc::invalid_message, why, op, element}};
  }

  // Element numbers are 1-based tuple positions, as in the errors of
  // `from_term`.
  result<void> from_peer(const etf::pid& x, uint8_t element) const {
    if (x.node != peer)
      return fail(element, "pid does not belong to the peer node");
    return {};
  }

  result<void> to_local(const etf::pid& x, uint8_t element) const {
    if (x.node != local)
      return fail(element, "pid does not belong to this node");
    return {};
  }

  result<void> to_local(const pid_or_name& x, uint8_t element) const {
    if (auto p = std::get_if<etf::pid>(&x))
      return to_local(*p, element);
    return {};
  }

  result<void> to_local(const etf::reference& x, uint8_t element) const {
    if (x.node != local)
      return fail(element, "reference does not belong to this node");
    return {};
  }

  template <class T>
  result<void> link_like(const T& x, uint8_t from_pos, uint8_t to_pos) const {
    if (auto r = from_peer(x.from, from_pos); !r)
      return r;
    return to_local(x.to, to_pos);
  }

  result<void> operator()(const link& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const unlink& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const exit& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const exit_tt& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const payload_exit& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const payload_exit_tt& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const exit2& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const exit2_tt& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const payload_exit2& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const payload_exit2_tt& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const unlink_id& x) const {
    return link_like(x, 3, 4);
  }
  result<void> operator()(const unlink_id_ack& x) const {
    return link_like(x, 3, 4);
  }
  result<void> operator()(const monitor_p& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const demonitor_p& x) const {
    return link_like(x, 2, 3);
  }
  result<void> operator()(const monitor_p_exit& x) const {
    return to_local(x.to, 3);
  }
  result<void> operator()(const payload_monitor_p_exit& x) const {
    return to_local(x.to, 3);
  }
  result<void> operator()(const spawn_reply& x) const {
    if (auto r = to_local(x.to, 3); !r)
      return r;
    return to_local(x.req_id, 2);
  }
  result<void> operator()(const spawn_reply_tt& x) const {
    if (auto r = to_local(x.to, 3); !r)
      return r;
    return to_local(x.req_id, 2);
  }

  template <class T>
  result<void> operator()(const T&) const {
    return {};
  }
};

} // namespace

result<void> check_nodes(const control_message& msg, etf::atom peer,
                         etf::atom local) {
  checker f{peer, local, static_cast<uint8_t>(op_of(msg))};
  return std::visit(f, msg);
}

} // namespace cafe::distribution
