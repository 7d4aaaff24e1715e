#include "cafe/etf/errc.hpp"

namespace cafe::etf {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::truncated: return "truncated";
    case errc::bad_version: return "bad_version";
    case errc::unknown_tag: return "unknown_tag";
    case errc::local_ext: return "local_ext";
    case errc::bad_atom: return "bad_atom";
    case errc::atom_table_full: return "atom_table_full";
    case errc::bad_atom_cache_ref: return "bad_atom_cache_ref";
    case errc::bad_float: return "bad_float";
    case errc::bad_bignum: return "bad_bignum";
    case errc::bad_bit_count: return "bad_bit_count";
    case errc::bad_identifier: return "bad_identifier";
    case errc::bad_fun: return "bad_fun";
    case errc::duplicate_key: return "duplicate_key";
    case errc::too_deep: return "too_deep";
    case errc::too_large: return "too_large";
    case errc::bad_compression: return "bad_compression";
    case errc::trailing_bytes: return "trailing_bytes";
  }
  return "unknown_error";
}

} // namespace cafe::etf
