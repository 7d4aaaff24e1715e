#include "cafe/handshake/cookie.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cafe::handshake {

namespace fs = std::filesystem;

namespace {

constexpr size_t new_cookie_size = 20;

failure io_error(errc reason, const fs::path& path, std::string_view what,
                 int err) {
  return {reason,
          std::string{what} + " " + path.string() + ": " + std::strerror(err)};
}

enum class lookup { found, absent };

// Reads `path` if it exists; `absent` only for ENOENT, as erl moves on to
// the next location only then.
expected<lookup, failure> try_read(const fs::path& path, std::string& out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return lookup::absent;
    return unexpected{io_error(errc::cookie_io, path, "cannot stat", errno)};
  }
  if (!S_ISREG(st.st_mode))
    return unexpected{
      failure{errc::cookie_insecure,
              "cookie file " + path.string() + " is not a regular file"}};
  if ((st.st_mode & 077) != 0)
    return unexpected{
      failure{errc::cookie_insecure, "cookie file " + path.string()
                                       + " must be accessible by owner only"}};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return unexpected{io_error(errc::cookie_io, path, "cannot open", errno)};
  std::string content;
  char buf[256];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto err = errno;
      ::close(fd);
      return unexpected{io_error(errc::cookie_io, path, "cannot read", err)};
    }
    if (n == 0)
      break;
    content.append(buf, static_cast<size_t>(n));
    // A cookie is an atom (at most 255 characters); anything far larger is
    // not a cookie file.
    if (content.size() > 4096) {
      ::close(fd);
      return unexpected{
        failure{errc::cookie_invalid,
                "cookie file " + path.string() + " is too large"}};
    }
  }
  ::close(fd);
  auto cookie = parse_cookie(content);
  if (!cookie)
    return unexpected{failure{cookie.error().reason,
                              cookie.error().detail + " in " + path.string()}};
  out = std::move(*cookie);
  return lookup::found;
}

// Creates the file exclusively with its final mode, so no other process
// ever sees it readable by others or half written under a different mode.
expected<lookup, failure>
create(const fs::path& path, const random_source& random, std::string& out) {
  std::string cookie;
  while (cookie.size() < new_cookie_size) {
    auto r = random();
    if (!r)
      return unexpected{failure{errc::no_randomness, "new cookie"}};
    // Rejection sampling keeps the 26 letters equally likely.
    constexpr uint32_t limit = UINT32_MAX - UINT32_MAX % 26;
    if (*r >= limit)
      continue;
    cookie.push_back(static_cast<char>('A' + *r % 26));
  }
  std::error_code ec;
  if (path.has_parent_path())
    fs::create_directories(path.parent_path(), ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
  if (fd < 0) {
    if (errno == EEXIST) // another process won the race: use its cookie
      return try_read(path, out);
    return unexpected{io_error(errc::cookie_io, path, "cannot create", errno)};
  }
  size_t done = 0;
  while (done < cookie.size()) {
    auto n = ::write(fd, cookie.data() + done, cookie.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto err = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return unexpected{io_error(errc::cookie_io, path, "cannot write", err)};
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    auto err = errno;
    ::unlink(path.c_str());
    return unexpected{io_error(errc::cookie_io, path, "cannot write", err)};
  }
  out = std::move(cookie);
  return lookup::found;
}

} // namespace

expected<cookie_paths, failure> default_cookie_paths() {
  cookie_paths result;
  const char* home = std::getenv("HOME");
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (home != nullptr && *home != '\0')
    result.home_file = fs::path{home} / ".erlang.cookie";
  if (xdg != nullptr && *xdg != '\0')
    result.xdg_file = fs::path{xdg} / "erlang" / ".erlang.cookie";
  else if (home != nullptr && *home != '\0')
    result.xdg_file = fs::path{home} / ".config" / "erlang" / ".erlang.cookie";
  if (result.home_file.empty() && result.xdg_file.empty())
    return unexpected{failure{errc::cookie_no_home, "neither HOME nor "
                                                    "XDG_CONFIG_HOME is set"}};
  return result;
}

expected<std::string, failure> parse_cookie(std::string_view content) {
  size_t end = 0;
  while (end < content.size() && content[end] >= ' ' && content[end] <= '~')
    ++end;
  for (auto c : content.substr(end))
    if (c != '\n' && c != '\r' && c != ' ')
      return unexpected{
        failure{errc::cookie_invalid, "bad characters in cookie"}};
  if (end == 0)
    return unexpected{failure{errc::cookie_invalid, "too short cookie"}};
  return std::string{content.substr(0, end)};
}

expected<std::string, failure> read_or_create_cookie(const cookie_paths& paths,
                                                     random_source random) {
  if (!random)
    random = secure_random();
  std::string cookie;
  for (const auto* path : {&paths.home_file, &paths.xdg_file}) {
    if (path->empty())
      continue;
    auto res = try_read(*path, cookie);
    if (!res)
      return unexpected{res.error()};
    if (*res == lookup::found)
      return cookie;
  }
  const auto& target = paths.home_file.empty() ? paths.xdg_file
                                               : paths.home_file;
  if (target.empty())
    return unexpected{failure{errc::cookie_no_home, "no cookie location"}};
  auto res = create(target, random, cookie);
  if (!res)
    return unexpected{res.error()};
  return cookie;
}

expected<std::string, failure> read_or_create_cookie() {
  auto paths = default_cookie_paths();
  if (!paths)
    return unexpected{paths.error()};
  return read_or_create_cookie(*paths);
}

} // namespace cafe::handshake
