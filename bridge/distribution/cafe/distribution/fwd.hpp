#pragma once

#include <cstdint>

namespace cafe::distribution {

// -- classes ------------------------------------------------------------------

class atom_cache;
class fragment_assembler;
class fragmenter;
class frame_reader;
class outgoing_atom_cache;
class receiver;
class sender;

// -- structs ------------------------------------------------------------------

struct error;
struct frame;
struct header;
struct message;
struct pending_message;
struct reassembly_limits;
struct receiver_config;
struct sender_config;

// -- enums --------------------------------------------------------------------

enum class errc : uint8_t;
enum class frame_kind : uint8_t;
enum class header_kind : uint8_t;
enum class operation : uint8_t;
enum class receive_event : uint8_t;

} // namespace cafe::distribution
