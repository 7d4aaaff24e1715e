#pragma once

#include <cstdint>

namespace cafe::etf::tag {

/// External Term Format tag bytes (erl_ext_dist).
inline constexpr uint8_t version = 131;
inline constexpr uint8_t new_float = 70;
inline constexpr uint8_t bit_binary = 77;
inline constexpr uint8_t compressed = 80;
inline constexpr uint8_t atom_cache_ref = 82;
inline constexpr uint8_t new_pid = 88;
inline constexpr uint8_t new_port = 89;
inline constexpr uint8_t newer_reference = 90;
inline constexpr uint8_t small_integer = 97;
inline constexpr uint8_t integer = 98;
inline constexpr uint8_t old_float = 99;
inline constexpr uint8_t atom_latin1 = 100;
inline constexpr uint8_t reference_old = 101;
inline constexpr uint8_t port_old = 102;
inline constexpr uint8_t pid_old = 103;
inline constexpr uint8_t small_tuple = 104;
inline constexpr uint8_t large_tuple = 105;
inline constexpr uint8_t nil = 106;
inline constexpr uint8_t string = 107;
inline constexpr uint8_t list = 108;
inline constexpr uint8_t binary = 109;
inline constexpr uint8_t small_big = 110;
inline constexpr uint8_t large_big = 111;
inline constexpr uint8_t new_fun = 112;
inline constexpr uint8_t export_fun = 113;
inline constexpr uint8_t new_reference = 114;
inline constexpr uint8_t small_atom_latin1 = 115;
inline constexpr uint8_t map = 116;
inline constexpr uint8_t fun_old = 117;
inline constexpr uint8_t atom_utf8 = 118;
inline constexpr uint8_t small_atom_utf8 = 119;
inline constexpr uint8_t v4_port = 120;
inline constexpr uint8_t local = 121;

} // namespace cafe::etf::tag
