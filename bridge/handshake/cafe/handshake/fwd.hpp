#pragma once

#include <cstdint>

namespace cafe::handshake {

enum class errc : uint8_t;
enum class status : uint8_t;
enum class name_domain : uint8_t;

struct config;
struct failure;
struct progress;

class frame_reader;
class initiator;
class acceptor;

} // namespace cafe::handshake
