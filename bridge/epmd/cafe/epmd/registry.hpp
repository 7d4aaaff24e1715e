#pragma once

#include "cafe/epmd/errc.hpp"
#include "cafe/epmd/fwd.hpp"
#include "cafe/epmd/node_info.hpp"
#include "cafe/epmd/replies.hpp"
#include "cafe/expected.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::epmd {

/// A registered (or remembered) node of an embedded epmd.
struct node_entry {
  node_info info;
  /// The connection whose close unregisters the node.
  connection_id owner = 0;
  /// epmd's per-name counter behind the creation number.
  uint32_t counter = 0;

  /// The creation handed out in ALIVE2_(X_)RESP: the counter itself for
  /// version-6 registrants, `counter % 3 + 1` for older ones
  /// (epmd_srv.c `get_creation`).
  uint32_t creation() const noexcept {
    return info.highest_version >= 6 ? counter : counter % 3 + 1;
  }
};

/// The name table of an embedded epmd, sans-I/O. It keeps epmd's rules:
/// a name is registered while its connection is open; unregistered names
/// are remembered (up to `max_unregistered`) so that a re-registration gets
/// the next creation; a new name's counter starts at the current time in
/// seconds plus one, and counters never go below 4 (epmd_srv.c `node_reg2`,
/// `bump_creation`).
class registry {
public:
  struct config {
    /// The port reported at the start of NAMES and DUMP replies.
    uint16_t port = default_port;
    /// epmd's -relaxed_command_check: allows KILL with live nodes and STOP.
    bool relaxed_command_check = false;
    /// How many unregistered names keep their counter (epmd: 1000).
    size_t max_unregistered = 1000;
  };

  registry();

  explicit registry(config cfg);

  const config& cfg() const noexcept {
    return cfg_;
  }

  /// Registers `info` for connection `owner`. `now` is the wall clock in
  /// seconds since the epoch; it seeds the counter of a name never seen.
  /// Fails with `bad_name` for names epmd rejects and `name_in_use` for
  /// names registered by another connection.
  expected<const node_entry*, errc> register_node(connection_id owner,
                                                  node_info info, int64_t now);

  /// Unregisters the node of connection `owner`, if any; returns its name.
  std::optional<std::string> unregister_connection(connection_id owner);

  /// Unregisters `name` (STOP_REQ); returns the owning connection.
  std::optional<connection_id> unregister_name(std::string_view name);

  /// The registered node called `name`, or null.
  const node_entry* find(std::string_view name) const noexcept;

  /// Registered nodes, newest registration first (epmd's list order).
  std::vector<const node_entry*> nodes() const;

  bool empty() const noexcept {
    return registered_.empty();
  }

  /// The NAMES listing, byte for byte as epmd writes it.
  names_resp names() const;

  /// The DUMP listing as epmd writes it, with connection ids in place of
  /// epmd's file descriptors.
  dump_resp dump() const;

private:
  config cfg_;
  /// Oldest first; epmd's list is newest first, so views reverse it.
  std::vector<node_entry> registered_;
  /// FIFO of unregistered names; the oldest is recycled when full.
  std::deque<node_entry> unregistered_;
};

} // namespace cafe::epmd
