#pragma once

#include "http/request_target.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cafe::chat::http {

/// The Content-Type for a file name, by its extension.
std::string_view content_type(const std::filesystem::path& file);

/// Maps a request to a file: `extra` by exact path first, then `root`
/// (`/` is `index.html`). Nothing when no regular file matches or the path
/// is not safe; a file under `root` must also resolve (symlinks followed)
/// inside `root`.
std::optional<std::filesystem::path> resolve_static(
  const std::filesystem::path& root,
  const std::vector<std::pair<std::string, std::filesystem::path>>& extra,
  const request_target& target);

/// The file's bytes, if it can be read and is at most `max_bytes` long.
std::optional<std::string> read_file(const std::filesystem::path& file,
                                     size_t max_bytes);

} // namespace cafe::chat::http
