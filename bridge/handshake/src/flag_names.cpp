#include "flag_names.hpp"

#include <cstdio>
#include <string_view>

namespace cafe::handshake::detail {

namespace {

std::string_view name_of(distribution::flags_t bit) {
  namespace f = distribution::flag;
  switch (bit) {
    case f::published: return "PUBLISHED";
    case f::atom_cache: return "ATOM_CACHE";
    case f::extended_references: return "EXTENDED_REFERENCES";
    case f::dist_monitor: return "DIST_MONITOR";
    case f::fun_tags: return "FUN_TAGS";
    case f::dist_monitor_name: return "DIST_MONITOR_NAME";
    case f::hidden_atom_cache: return "HIDDEN_ATOM_CACHE";
    case f::new_fun_tags: return "NEW_FUN_TAGS";
    case f::extended_pids_ports: return "EXTENDED_PIDS_PORTS";
    case f::export_ptr_tag: return "EXPORT_PTR_TAG";
    case f::bit_binaries: return "BIT_BINARIES";
    case f::new_floats: return "NEW_FLOATS";
    case f::unicode_io: return "UNICODE_IO";
    case f::dist_hdr_atom_cache: return "DIST_HDR_ATOM_CACHE";
    case f::small_atom_tags: return "SMALL_ATOM_TAGS";
    case f::utf8_atoms: return "UTF8_ATOMS";
    case f::map_tag: return "MAP_TAG";
    case f::big_creation: return "BIG_CREATION";
    case f::send_sender: return "SEND_SENDER";
    case f::big_seqtrace_labels: return "BIG_SEQTRACE_LABELS";
    case f::exit_payload: return "EXIT_PAYLOAD";
    case f::fragments: return "FRAGMENTS";
    case f::handshake_23: return "HANDSHAKE_23";
    case f::unlink_id: return "UNLINK_ID";
    case f::mandatory_25_digest: return "MANDATORY_25_DIGEST";
    case f::spawn: return "SPAWN";
    case f::name_me: return "NAME_ME";
    case f::v4_nc: return "V4_NC";
    case f::alias: return "ALIAS";
    default: return {};
  }
}

} // namespace

std::string flag_names(distribution::flags_t fs) {
  std::string result = "[";
  for (int i = 0; i < 64; ++i) {
    auto bit = distribution::flags_t{1} << i;
    if ((fs & bit) == 0)
      continue;
    if (result.size() > 1)
      result += ", ";
    if (auto name = name_of(bit); !name.empty()) {
      result += name;
    } else {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "UNKNOWN<%llX>",
                    static_cast<unsigned long long>(bit));
      result += buf;
    }
  }
  result += ']';
  return result;
}

} // namespace cafe::handshake::detail
