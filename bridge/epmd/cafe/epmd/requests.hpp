#pragma once

#include "cafe/epmd/errc.hpp"
#include "cafe/epmd/node_info.hpp"
#include "cafe/expected.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cafe::epmd {

/// Registers a node; the connection must stay open while it is registered.
struct alive2_req {
  node_info node;
  friend bool operator==(const alive2_req&, const alive2_req&) = default;
};

/// Asks for the port and versions of the node with the alive name `name`.
struct port_please2_req {
  std::string name;
  friend bool operator==(const port_please2_req&, const port_please2_req&)
    = default;
};

/// Lists the registered names.
struct names_req {
  friend bool operator==(const names_req&, const names_req&) = default;
};

/// Debug listing of registered and recently unregistered names (local only).
struct dump_req {
  friend bool operator==(const dump_req&, const dump_req&) = default;
};

/// Asks epmd to exit (local only; refused while nodes are registered unless
/// epmd runs with -relaxed_command_check).
struct kill_req {
  friend bool operator==(const kill_req&, const kill_req&) = default;
};

/// Forcibly unregisters `name` (local only, needs -relaxed_command_check).
struct stop_req {
  std::string name;
  friend bool operator==(const stop_req&, const stop_req&) = default;
};

using request = std::variant<alive2_req, port_please2_req, names_req, dump_req,
                             kill_req, stop_req>;

/// Whether epmd registers `name`: 1 to 255 UTF-8 characters, at most 1020
/// bytes, no NUL (epmd_srv.c `node_reg2`, `verify_utf8`).
bool is_valid_name(std::string_view name) noexcept;

/// Appends `req` with its 2-byte length prefix. Fails with `bad_name` for a
/// name epmd would not accept, so nothing invalid reaches the wire.
expected<void, errc> encode(const request& req, std::vector<uint8_t>& out);

/// The bytes of `req`, length prefix included.
expected<std::vector<uint8_t>, errc> to_bytes(const request& req);

/// Decodes a request body (after the length prefix) the way epmd reads it:
/// structural errors are `malformed`/`unknown_request` (epmd closes without
/// a reply). Name validity beyond "no NUL" is left to the registry, because
/// epmd answers an invalid ALIVE2 name with an error reply rather than
/// silence.
expected<request, errc> decode_request(std::span<const uint8_t> body);

} // namespace cafe::epmd
