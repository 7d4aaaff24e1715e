#include "cafe/console/expand.hpp"

#include "cafe/etf/print.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace cafe::console {

namespace {

using chars = std::vector<uint32_t>;

/// edlin:word_char/1.
bool word_char(uint32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)
         || (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7)
         || (c >= '0' && c <= '9') || c == '_' || c == '@';
}

/// The UTF-8 text of an atom as io_lib writes it with ~tw, as code points.
chars written(const etf::atom& a) {
  auto text = etf::to_string(etf::term{a});
  chars out;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n && i + k < text.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

etf::term charlist(const chars& xs) {
  std::vector<etf::term> out;
  out.reserve(xs.size());
  for (auto c : xs)
    out.emplace_back(int64_t{c});
  return etf::list{std::move(out)};
}

etf::term answer(bool yes, const chars& add, std::vector<etf::term> matches) {
  return etf::make_tuple(etf::atom{yes ? "yes" : "no"}, charlist(add),
                         etf::list{std::move(matches)});
}

/// edlin_expand:match/3 over `alts` (name, arity or -1 for a module).
etf::term match(const chars& prefix,
                std::vector<std::pair<chars, int64_t>> alts,
                const chars& extra) {
  std::vector<std::pair<chars, int64_t>> found;
  for (auto& alt : alts)
    if (alt.first.size() >= prefix.size()
        && std::equal(prefix.begin(), prefix.end(), alt.first.begin()))
      found.push_back(std::move(alt));
  std::sort(found.begin(), found.end());
  std::vector<etf::term> matches;
  for (auto& [name, arity] : found)
    matches.push_back(etf::make_tuple(
      charlist(name), arity < 0 ? etf::term{etf::list{}} : etf::term{arity}));
  if (found.empty())
    return answer(false, {}, {});
  // longest_common_head/1: `complete` only when all names are one name.
  chars head;
  bool complete = false;
  for (size_t i = 0;; ++i) {
    bool any_end = false;
    for (auto& f : found)
      any_end = any_end || f.first.size() == i;
    if (any_end)
      break;
    auto c = found[0].first[i];
    bool same = std::all_of(found.begin(), found.end(),
                            [&](auto& f) { return f.first[i] == c; });
    if (!same)
      break;
    head.push_back(c);
    if (std::all_of(found.begin(), found.end(),
                    [&](auto& f) { return f.first.size() == i + 1; })) {
      complete = true;
      break;
    }
  }
  chars remain(head.begin()
                 + static_cast<ptrdiff_t>(std::min(prefix.size(), head.size())),
               head.end());
  if (!complete) {
    if (head.empty())
      return answer(false, {}, std::move(matches));
    if (remain.empty())
      return answer(true, {}, std::move(matches));
    return answer(true, remain, {});
  }
  auto add = remain;
  if (extra == chars{'('} && found.size() == 1 && found[0].second == 0)
    add.insert(add.end(), {'(', ')'});
  else
    add.insert(add.end(), extra.begin(), extra.end());
  return answer(true, add, {});
}

} // namespace

etf::term expand(const rpc::exports& table, const etf::term& before) {
  auto xs = before.get_if<etf::list>();
  if (!xs || !xs->proper())
    return answer(false, {}, {});
  chars text; // in reading order
  for (auto i = xs->elements.rbegin(); i != xs->elements.rend(); ++i) {
    auto c = i->get_if<int64_t>();
    if (!c || *c < 0 || *c > 0x10FFFF)
      return answer(false, {}, {});
    text.push_back(static_cast<uint32_t>(*c));
  }
  auto end = text.size();
  auto start = end;
  while (start > 0 && word_char(text[start - 1]))
    --start;
  chars word(text.begin() + static_cast<ptrdiff_t>(start), text.end());
  auto i = start;
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t'))
    --i;
  if (i > 0 && text[i - 1] == ':') {
    auto j = i - 1;
    while (j > 0 && (text[j - 1] == ' ' || text[j - 1] == '\t'))
      --j;
    auto k = j;
    while (k > 0 && word_char(text[k - 1]))
      --k;
    std::string mod_text;
    for (auto p = k; p < j; ++p) {
      if (text[p] >= 0x80)
        return answer(false, {}, {});
      mod_text += static_cast<char>(text[p]);
    }
    auto mod = etf::atom::make(mod_text);
    if (mod_text.empty() || !mod || !table.has_module(*mod))
      return answer(false, {}, {});
    std::vector<std::pair<chars, int64_t>> alts;
    for (auto& [name, arity] : table.functions(*mod))
      alts.emplace_back(written(name), static_cast<int64_t>(arity));
    return match(word, std::move(alts), {'('});
  }
  if (word.empty())
    return answer(false, {}, {});
  std::vector<std::pair<chars, int64_t>> alts;
  for (auto& m : table.modules())
    alts.emplace_back(written(m), -1);
  return match(word, std::move(alts), {':'});
}

} // namespace cafe::console
