#include "http/static_files.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace fs = std::filesystem;

namespace cafe::chat::http {

std::string_view content_type(const fs::path& file) {
  auto ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == ".html" || ext == ".htm")
    return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs")
    return "text/javascript";
  if (ext == ".css")
    return "text/css";
  if (ext == ".json" || ext == ".map")
    return "application/json";
  if (ext == ".png")
    return "image/png";
  if (ext == ".svg")
    return "image/svg+xml";
  if (ext == ".ico")
    return "image/x-icon";
  if (ext == ".txt")
    return "text/plain; charset=utf-8";
  if (ext == ".woff2")
    return "font/woff2";
  return "application/octet-stream";
}

namespace {

bool is_file(const fs::path& file) {
  std::error_code ec;
  return fs::is_regular_file(file, ec);
}

// True if `file` resolves inside `root`, symlinks followed on both sides.
bool inside(const fs::path& root, const fs::path& file) {
  std::error_code ec;
  auto real_root = fs::canonical(root, ec);
  if (ec)
    return false;
  auto real_file = fs::canonical(file, ec);
  if (ec)
    return false;
  auto [r, f] = std::mismatch(real_root.begin(), real_root.end(),
                              real_file.begin(), real_file.end());
  return r == real_root.end() && f != real_file.end();
}

} // namespace

std::optional<fs::path>
resolve_static(const fs::path& root,
               const std::vector<std::pair<std::string, fs::path>>& extra,
               const request_target& target) {
  for (auto& [path, file] : extra)
    if (path == target.path)
      return is_file(file) ? std::optional{file} : std::nullopt;
  if (!target.safe || root.empty())
    return std::nullopt;
  fs::path file = root;
  if (target.path == "/") {
    file /= "index.html";
  } else {
    // A trailing `/` ends in an empty segment: a directory, never served.
    for (auto& seg : target.segments) {
      if (seg.empty())
        return std::nullopt;
      file /= seg;
    }
  }
  if (!is_file(file) || !inside(root, file))
    return std::nullopt;
  return file;
}

std::optional<std::string> read_file(const fs::path& file, size_t max_bytes) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec || size > max_bytes)
    return std::nullopt;
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::string bytes(static_cast<size_t>(size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    return std::nullopt;
  return bytes;
}

} // namespace cafe::chat::http
