#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/test/golden.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace cafe::test {

/// tests/bridge/etf/golden/golden.txt in the source tree.
std::filesystem::path etf_golden_file();

/// tests/bridge/etf/golden/gen_golden.erl in the source tree.
std::filesystem::path etf_golden_generator();

/// tests/bridge/etf/etf_peer.erl: the erl side of the round-trip suite.
std::filesystem::path etf_peer_source();

/// The committed golden vectors, loaded once per process.
const std::vector<golden_vector>& etf_golden();

/// A term for a failure message: `to_string` output cut to a readable size.
std::string show(const etf::term& x, size_t max_len = 400);

/// Hex of `bytes` cut to a readable size.
std::string show(std::span<const uint8_t> bytes, size_t max_len = 400);

} // namespace cafe::test
