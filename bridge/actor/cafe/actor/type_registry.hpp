#pragma once

#include "cafe/actor/convert.hpp"
#include "cafe/actor/message_types.hpp"
#include "cafe/actor/term_context.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"

#include <caf/message.hpp>
#include <caf/message_builder.hpp>
#include <caf/type_nr.hpp>
#include <functional>
#include <map>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <utility>

namespace cafe::actor {

/// Converts between CAF messages and Erlang terms at run time.
///
/// Out (CAF -> Erlang): a message of one element becomes that element's
/// term, a message of several becomes a tuple. Each element converts by its
/// type: the built-in types (see README's mapping table) and every type
/// `add<T>()` registered.
///
/// In (Erlang -> CAF): a tuple of two or more elements becomes a message of
/// its elements, anything else a message of one element, each element by
/// the default mapping:
/// `true`/`false` -> bool, atoms CAF can hold -> caf::atom_value (others
/// etf::atom), integers -> int64_t (bignums etf::term), floats -> double,
/// binaries -> std::string, pids -> caf::actor, the rest -> etf::term.
/// A tuple `{Name, ...}` that matches a registered record becomes that type.
///
/// Configure it before messages flow; afterwards it is read-only and safe to
/// share between threads.
class type_registry {
public:
  type_registry();

  /// Registers `T`, which needs a mapping (`term_converter<T>`, a CAF
  /// `inspect` with a type name, or `term_fields<T>`). Records also match
  /// incoming tuples `{TypeName, Field1, ...}`.
  template <class T>
  type_registry& add() {
    auto write = [](const void* ptr) {
      return actor::to_term(*static_cast<const T*>(ptr));
    };
    if constexpr (caf::type_nr<T>::value != 0)
      by_nr_[caf::type_nr<T>::value] = write;
    else
      by_type_[std::type_index{typeid(T)}] = write;
    if constexpr (detail::is_record<T>::value && !has_term_fields<T>::value) {
      // A type with its own term_converter may have an `inspect` (every
      // message type does) and still map to something else than a tuple.
      etf::term sample = actor::to_term(T{});
      auto t = sample.get_if<etf::tuple>();
      if (t != nullptr && t->size() > 0)
        if (auto tag = (*t)[0].get_if<etf::atom>())
          records_[{*tag, t->size()}] = [](const etf::term& x,
                                           caf::message_builder& out) {
            auto y = from_term<T>(x);
            if (y)
              out.append(std::move(*y));
            return y.has_value();
          };
    }
    return *this;
  }

  /// The term for element `i` of `msg`, or why it has none.
  expected<etf::term, std::string> to_term(const caf::message& msg, size_t i,
                                           term_context& ctx) const;

  /// The term for a whole message.
  expected<etf::term, std::string> to_term(const caf::message& msg,
                                           term_context& ctx) const;

  /// The CAF message for an Erlang message.
  caf::message to_message(const etf::term& x, term_context& ctx) const;

private:
  using writer = std::function<etf::term(const void*)>;
  /// Appends the record `x` as its C++ type; false if it does not fit.
  using reader = std::function<bool(const etf::term&, caf::message_builder&)>;

  struct record_key {
    etf::atom tag;
    size_t arity;
    friend bool operator<(const record_key& x, const record_key& y) {
      return x.arity != y.arity ? x.arity < y.arity
                                : x.tag.text() < y.tag.text();
    }
  };

  /// Appends `x` to `out` by the default mapping.
  void append(caf::message_builder& out, const etf::term& x,
              term_context& ctx) const;

  /// Appends `x` as the registered record it is, if it is one.
  bool append_record(caf::message_builder& out, const etf::term& x) const;

  std::unordered_map<uint16_t, writer> by_nr_;
  std::unordered_map<std::type_index, writer> by_type_;
  std::map<record_key, reader> records_;
};

} // namespace cafe::actor
