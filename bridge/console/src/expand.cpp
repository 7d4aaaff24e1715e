#include "cafe/console/expand.hpp"

#include "cafe/etf/print.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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

/// UTF-8 text as code points.
chars decode(std::string_view text) {
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

/// The text of an atom as io_lib writes it with ~tw, as code points.
chars written(const etf::atom& a) {
  return decode(etf::to_string(etf::term{a}));
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

/// A name with its arity, or -1 for a module.
using alternative = std::pair<chars, int64_t>;

/// What to do at a tab: add `add`, list `matches`.
struct completion {
  bool yes = false;
  chars add;
  std::vector<alternative> matches;
};

completion none() {
  return {};
}

/// edlin_expand:expand/1's answer: Matches as `[{Name, Arity}]`,
/// `[{Name, []}]` for modules.
etf::term edlin_answer(const completion& x) {
  std::vector<etf::term> matches;
  for (auto& [name, arity] : x.matches)
    matches.push_back(etf::make_tuple(
      charlist(name), arity < 0 ? etf::term{etf::list{}} : etf::term{arity}));
  return answer(x.yes, x.add, std::move(matches));
}

/// IEx.Autocomplete's answer: Entries as charlists, `"name/arity"` for a
/// function and `"name"` for a module.
etf::term iex_answer(const completion& x) {
  std::vector<etf::term> entries;
  for (auto& [name, arity] : x.matches) {
    auto text = name;
    if (arity >= 0) {
      text.push_back('/');
      for (auto c : std::to_string(arity))
        text.push_back(static_cast<uint32_t>(c));
    }
    entries.push_back(charlist(text));
  }
  // IEx says `yes` whenever it has something to show.
  auto yes = x.yes || !entries.empty();
  return answer(yes, x.add, std::move(entries));
}

bool starts_with(const chars& x, const chars& prefix) {
  return x.size() >= prefix.size()
         && std::equal(prefix.begin(), prefix.end(), x.begin());
}

/// edlin_expand:match/3 over `alts`.
completion match(const chars& prefix, std::vector<alternative> alts,
                 const chars& extra) {
  std::vector<alternative> found;
  for (auto& alt : alts)
    if (starts_with(alt.first, prefix))
      found.push_back(std::move(alt));
  std::sort(found.begin(), found.end());
  auto matches = found;
  if (found.empty())
    return none();
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
      return {false, {}, std::move(matches)};
    if (remain.empty())
      return {true, {}, std::move(matches)};
    return {true, remain, {}};
  }
  auto add = remain;
  if (extra == chars{'('} && found.size() == 1 && found[0].second == 0)
    add.insert(add.end(), {'(', ')'});
  else
    add.insert(add.end(), extra.begin(), extra.end());
  return {true, add, {}};
}

/// The text before the cursor in reading order, from group.erl's reversed
/// charlist.
std::optional<chars> reading_order(const etf::term& before) {
  auto xs = before.get_if<etf::list>();
  if (!xs || !xs->proper())
    return std::nullopt;
  chars text;
  for (auto i = xs->elements.rbegin(); i != xs->elements.rend(); ++i) {
    auto c = i->get_if<int64_t>();
    if (!c || *c < 0 || *c > 0x10FFFF)
      return std::nullopt;
    text.push_back(static_cast<uint32_t>(*c));
  }
  return text;
}

/// edlin_expand:expand/1's reading of `text`: `Mod:Fun` or a module.
completion edlin_complete(const rpc::exports& table, const chars& text) {
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
        return none();
      mod_text += static_cast<char>(text[p]);
    }
    auto mod = etf::atom::make(mod_text);
    if (mod_text.empty() || !mod || !table.has_module(*mod))
      return none();
    std::vector<alternative> alts;
    for (auto& [name, arity] : table.functions(*mod))
      alts.emplace_back(written(name), static_cast<int64_t>(arity));
    return match(word, std::move(alts), {'('});
  }
  if (word.empty())
    return none();
  std::vector<alternative> alts;
  for (auto& m : table.modules())
    alts.emplace_back(written(m), -1);
  return match(word, std::move(alts), {':'});
}

// -- IEx's spelling: `:mod`, `:mod.fun` ---------------------------------------

/// What may follow `:` or `.` in IEx's reading of an Erlang module or
/// function name (the ASCII part of Code.Fragment's identifiers).
bool iex_word_char(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '_' || c == '@' || c == '?'
         || c == '!';
}

/// Whether IEx writes the atom `text` unquoted after `:` (its
/// usable_as_unquoted_module?/1, ASCII part).
bool unquoted(std::string_view text) {
  if (text.empty() || !((text[0] >= 'a' && text[0] <= 'z') || text[0] == '_'))
    return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '@';
  });
}

/// IEx.Autocomplete's format_expansion/2 over `names` (each with its
/// arities, none for a module) that start with `hint`.
completion
iex_format(const std::vector<std::pair<chars, std::vector<int64_t>>>& names,
           const chars& hint, bool modules) {
  auto entries = [&](const std::pair<chars, std::vector<int64_t>>& x) {
    std::vector<alternative> out;
    if (modules)
      out.emplace_back(x.first, -1);
    for (auto arity : x.second)
      out.emplace_back(x.first, arity);
    return out;
  };
  if (names.empty())
    return none();
  if (names.size() == 1) {
    // to_hint/2: '.' after a whole module name, else the rest of the name.
    auto& name = names[0].first;
    if (modules && name == hint)
      return {true, {'.'}, {}};
    chars rest(name.begin() + static_cast<ptrdiff_t>(hint.size()), name.end());
    if (rest.empty())
      return {true, {}, entries(names[0])};
    return {true, rest, {}};
  }
  size_t prefix = 0;
  for (;; ++prefix) {
    auto& first = names[0].first;
    if (prefix == first.size()
        || !std::all_of(names.begin(), names.end(), [&](auto& x) {
             return prefix < x.first.size() && x.first[prefix] == first[prefix];
           }))
      break;
  }
  if (prefix != 0 && prefix != hint.size())
    return {true,
            chars(names[0].first.begin() + static_cast<ptrdiff_t>(hint.size()),
                  names[0].first.begin() + static_cast<ptrdiff_t>(prefix)),
            {}};
  completion out{true, {}, {}};
  for (auto& x : names)
    for (auto& e : entries(x))
      out.matches.push_back(std::move(e));
  return out;
}

/// `:mod` or `:mod.fun` at the end of `text`, read as IEx reads them; none
/// when `text` does not end in either.
std::optional<completion> iex_complete(const rpc::exports& table,
                                       const chars& text) {
  auto start = text.size();
  while (start > 0 && iex_word_char(text[start - 1]))
    --start;
  chars word(text.begin() + static_cast<ptrdiff_t>(start), text.end());
  // A ':' that starts an atom, not one after a name (`Mod:Fun`).
  auto opens_atom = [&](size_t colon) {
    auto i = colon;
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t'))
      --i;
    return i == 0
           || !(word_char(text[i - 1]) || text[i - 1] == ')'
                || text[i - 1] == ':');
  };
  if (start > 0 && text[start - 1] == ':' && opens_atom(start - 1)) {
    std::string hint;
    for (auto c : word)
      hint += static_cast<char>(c);
    std::vector<std::pair<chars, std::vector<int64_t>>> names;
    for (auto& m : table.modules()) {
      auto name = std::string{m.text()};
      if (name.compare(0, hint.size(), hint) == 0 && unquoted(name))
        names.emplace_back(decode(name), std::vector<int64_t>{});
    }
    return iex_format(names, word, true);
  }
  if (start == 0 || text[start - 1] != '.')
    return std::nullopt;
  auto mod_end = start - 1;
  auto mod_start = mod_end;
  while (mod_start > 0 && iex_word_char(text[mod_start - 1]))
    --mod_start;
  if (mod_start == mod_end || mod_start == 0 || text[mod_start - 1] != ':'
      || !opens_atom(mod_start - 1))
    return std::nullopt;
  std::string mod_text;
  for (auto p = mod_start; p < mod_end; ++p)
    mod_text += static_cast<char>(text[p]);
  auto mod = etf::atom::make(mod_text);
  if (!mod || !table.has_module(*mod))
    return none();
  std::vector<std::pair<chars, std::vector<int64_t>>> names;
  for (auto& [name, arity] : table.functions(*mod)) {
    auto text_of = decode(name.text());
    if (!starts_with(text_of, word))
      continue;
    if (names.empty() || names.back().first != text_of)
      names.emplace_back(text_of, std::vector<int64_t>{});
    names.back().second.push_back(static_cast<int64_t>(arity));
  }
  return iex_format(names, word, false);
}

} // namespace

etf::term expand(const rpc::exports& table, const etf::term& before) {
  auto text = reading_order(before);
  if (!text)
    return edlin_answer(none());
  return edlin_answer(edlin_complete(table, *text));
}

etf::term iex_expand(const rpc::exports& table, const etf::term& before) {
  auto text = reading_order(before);
  if (!text)
    return iex_answer(none());
  if (auto x = iex_complete(table, *text))
    return iex_answer(*x);
  return iex_answer(edlin_complete(table, *text));
}

} // namespace cafe::console
