// The cookie file: parsing, creation and permission rules, and a real
// `erl` reading what we write and writing what we read.

#include "cafe/handshake/cookie.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/process.hpp"
#include "cafe/test/tools.hpp"

#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace cafe::handshake;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, std::string_view content, unsigned mode) {
  {
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out << content;
  }
  ::chmod(path.c_str(), mode);
}

random_source counting() {
  return [i = uint32_t{0}]() mutable -> std::optional<uint32_t> { return i++; };
}

// What a real erl, started with HOME=`home`, takes as its cookie. Starts no
// epmd and opens no port (-start_epmd false, -dist_listen false); the
// -sname makes the auth server read (or create) the cookie file.
std::string erl_cookie(const fs::path& home) {
  cafe::test::spawn_options opts;
  opts.program = cafe::test::require_tool("erl");
  opts.args = {"-sname",
               "cookie_probe",
               "-start_epmd",
               "false",
               "-dist_listen",
               "false",
               "-noshell",
               "-eval",
               "io:format(\"cookie=~s~n\", [erlang:get_cookie()]), halt()."};
  opts.env = {{"HOME", home.string()}, {"XDG_CONFIG_HOME", ""}};
  auto res = cafe::test::run(opts, 20s);
  EXPECT_TRUE(res.ok()) << res.describe();
  auto pos = res.output.find("cookie=");
  if (pos == std::string::npos)
    return "<no cookie: " + res.output + ">";
  auto end = res.output.find('\n', pos);
  return res.output.substr(pos + 7, end - pos - 7);
}

} // namespace

TEST(handshake_cookie, parse_like_auth_erl) {
  EXPECT_EQ(*parse_cookie("ABC"), "ABC");
  EXPECT_EQ(*parse_cookie("ABC\n"), "ABC");
  EXPECT_EQ(*parse_cookie("ABC\r\n \n"), "ABC");
  // Spaces are printable: kept until the first other byte.
  EXPECT_EQ(*parse_cookie("A B  \n"), "A B  ");
  EXPECT_EQ(parse_cookie("ABC\nDEF").error().reason, errc::cookie_invalid);
  EXPECT_EQ(parse_cookie("AB\tC").error().reason, errc::cookie_invalid);
  EXPECT_EQ(parse_cookie("").error().reason, errc::cookie_invalid);
  EXPECT_EQ(parse_cookie("\n").error().reason, errc::cookie_invalid);
}

TEST(handshake_cookie, creates_20_uppercase_letters_mode_0400) {
  cafe::test::temp_dir dir;
  cookie_paths paths{dir.path() / ".erlang.cookie",
                     dir.path() / "xdg" / "erlang" / ".erlang.cookie"};
  auto cookie = read_or_create_cookie(paths, counting());
  ASSERT_TRUE(cookie.has_value()) << cookie.error().detail;
  EXPECT_EQ(*cookie, "ABCDEFGHIJKLMNOPQRST");
  struct stat st;
  ASSERT_EQ(::stat(paths.home_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  EXPECT_EQ(cafe::test::read_file(paths.home_file), "ABCDEFGHIJKLMNOPQRST");
  // Read back, not recreated.
  auto again = read_or_create_cookie(paths, counting());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *cookie);
  // Real randomness: uppercase letters only.
  cafe::test::temp_dir other;
  auto rnd
    = read_or_create_cookie(cookie_paths{other.path() / ".erlang.cookie", {}});
  ASSERT_TRUE(rnd.has_value());
  EXPECT_EQ(rnd->size(), 20u);
  for (auto c : *rnd)
    EXPECT_TRUE(c >= 'A' && c <= 'Z');
}

TEST(handshake_cookie, falls_back_to_xdg_and_refuses_unsafe_files) {
  cafe::test::temp_dir dir;
  fs::create_directories(dir.path() / "xdg" / "erlang");
  cookie_paths paths{dir.path() / ".erlang.cookie",
                     dir.path() / "xdg" / "erlang" / ".erlang.cookie"};
  write_file(paths.xdg_file, "XDGCOOKIE\n", 0600);
  EXPECT_EQ(*read_or_create_cookie(paths), "XDGCOOKIE");
  write_file(paths.home_file, "HOMECOOKIE", 0400);
  EXPECT_EQ(*read_or_create_cookie(paths), "HOMECOOKIE");
  ::chmod(paths.home_file.c_str(), 0644);
  EXPECT_EQ(read_or_create_cookie(paths).error().reason, errc::cookie_insecure);
  fs::remove(paths.home_file);
  fs::create_directory(paths.home_file);
  EXPECT_EQ(read_or_create_cookie(paths).error().reason, errc::cookie_insecure);
  fs::remove(paths.home_file);
  write_file(paths.home_file, "BAD\nCOOKIE", 0400);
  EXPECT_EQ(read_or_create_cookie(paths).error().reason, errc::cookie_invalid);
  EXPECT_EQ(read_or_create_cookie(cookie_paths{}).error().reason,
            errc::cookie_no_home);
}

TEST(handshake_cookie, real_erl_agrees) {
  // erl reads the cookie we created...
  cafe::test::temp_dir ours;
  auto cookie
    = read_or_create_cookie(cookie_paths{ours.path() / ".erlang.cookie", {}});
  ASSERT_TRUE(cookie.has_value());
  EXPECT_EQ(erl_cookie(ours.path()), *cookie);
  // ... we read the cookie erl created ...
  cafe::test::temp_dir theirs;
  auto created = erl_cookie(theirs.path());
  auto read
    = read_or_create_cookie(cookie_paths{theirs.path() / ".erlang.cookie", {}});
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, created);
  EXPECT_EQ(read->size(), 20u);
  struct stat st;
  ASSERT_EQ(::stat((theirs.path() / ".erlang.cookie").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  // ... and both keep trailing spaces before the newline.
  cafe::test::temp_dir spaced;
  write_file(spaced.path() / ".erlang.cookie", "SPACED  \n", 0400);
  EXPECT_EQ(
    *read_or_create_cookie(cookie_paths{spaced.path() / ".erlang.cookie", {}}),
    "SPACED  ");
  EXPECT_EQ(erl_cookie(spaced.path()), "SPACED  ");
}
