#include "rooms/chat_message.hpp"

#include "cafe/etf/atom.hpp"
#include "channels/utf8.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <functional>

namespace cafe::chat::rooms {

namespace {

etf::term bin(std::string_view x) {
  return etf::binary{x};
}

/// The text of key `name` in `m`, under a binary or an atom key.
std::optional<std::string> text_field(const etf::map& m,
                                      std::string_view name) {
  const etf::term* v = m.find(bin(name));
  if (!v)
    v = m.find(etf::atom{name});
  if (!v)
    return std::nullopt;
  if (auto b = v->get_if<etf::binary>(); b && channels::valid_utf8(b->view()))
    return b->bytes;
  if (auto a = v->get_if<etf::atom>())
    return std::string{a->text()};
  return std::nullopt;
}

} // namespace

boost::json::object to_json(const chat_message& m) {
  return {{"id", m.id},
          {"user", m.user},
          {"body", m.body},
          {"at", iso8601(m.at_ms)},
          {"node", m.node}};
}

etf::term to_term(const chat_message& m) {
  return etf::make_map({{bin("id"), bin(m.id)},
                        {bin("user"), bin(m.user)},
                        {bin("body"), bin(m.body)},
                        {bin("at"), bin(iso8601(m.at_ms))},
                        {bin("node"), bin(m.node)}});
}

std::optional<chat_message> from_term(const etf::term& payload,
                                      int64_t now_ms) {
  auto m = payload.get_if<etf::map>();
  if (!m)
    return std::nullopt;
  auto body = text_field(*m, "body");
  if (!body)
    return std::nullopt;
  chat_message result;
  result.body = std::move(*body);
  result.user = text_field(*m, "user").value_or("");
  result.node = text_field(*m, "node").value_or("");
  auto at = text_field(*m, "at");
  result.at_ms = at ? parse_iso8601(*at).value_or(now_ms) : now_ms;
  if (auto id = text_field(*m, "id")) {
    result.id = std::move(*id);
  } else {
    // Every node must give the same message the same id, or history
    // replication would hold it twice.
    auto h = std::hash<std::string>{}(result.user + '\0' + result.body + '\0'
                                      + std::to_string(result.at_ms));
    char buf[32];
    std::snprintf(buf, sizeof buf, "ext-%016zx", h);
    result.id = buf;
  }
  return result;
}

std::string iso8601(int64_t ms) {
  using namespace std::chrono;
  auto tp = sys_time<milliseconds>{milliseconds{ms}};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss hms{tp - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::optional<int64_t> parse_iso8601(std::string_view text) {
  int y = 0;
  unsigned mo = 0, d = 0;
  int h = 0, mi = 0, s = 0;
  std::string copy{text};
  int used = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2d:%2d:%2d%n", &y, &mo, &d, &h,
                  &mi, &s, &used)
        != 6
      || used != 19)
    return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{mo}, day{d}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  int64_t ms = 0;
  auto rest = text.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 3)
        ms = ms * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0)
      return std::nullopt;
    for (; digits < 3; ++digits)
      ms *= 10;
  }
  if (rest != "Z" && rest != "+00:00")
    return std::nullopt;
  auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
  return duration_cast<milliseconds>(tp.time_since_epoch()).count() + ms;
}

} // namespace cafe::chat::rooms
