#pragma once

#include <cstdint>

namespace cafe::epmd {

enum class errc : uint8_t;

struct node_info;
struct alive2_req;
struct port_please2_req;
struct names_req;
struct dump_req;
struct kill_req;
struct stop_req;

struct alive2_resp;
struct port2_resp;
struct names_resp;
struct dump_resp;
struct kill_resp;
struct stop_resp;

template <class Reply>
class reply_reader;

class registry;
class session;

/// Identifies one accepted connection of an embedded epmd; chosen by the
/// caller, unique while the connection is open.
using connection_id = uint64_t;

} // namespace cafe::epmd
