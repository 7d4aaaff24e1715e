#pragma once

#include "cafe/actor/bridge.hpp"
#include "cafe/actor/convert.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/rpc/outcome.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace cafe::rpc {

/// One call of an exported function.
struct call {
  etf::atom module;
  etf::atom function;
  etf::list args;
  /// The calling process (erpc's spawned process names its caller), if
  /// known.
  std::optional<etf::pid> caller;
  /// Where the caller's output goes (`user` or a pid), as in rpc:call.
  etf::term group_leader;
};

/// Ends a call: called exactly once, from any thread.
using responder = std::function<void(outcome)>;

/// Where a function runs.
enum class execution {
  /// In an actor of its own on the CAF scheduler: a slow function never
  /// holds up the connection its call came on.
  scheduler,
  /// On the thread that received the call (an io thread), at once: for
  /// functions that never block (arithmetic, lookups, answering from
  /// memory, handing work to an actor). Saves the hand-off to a CAF worker
  /// and back, two thread wake-ups per call on a small machine.
  caller_thread,
};

/// The table of C++ functions that Erlang code calls as `Module:Function(
/// Args...)` (rpc, erpc, erl_call, the remote console) and of the CAF
/// actors it spawns as `spawn(Node, Module, Function, Args)`.
///
/// Typed functions take and return values with a term mapping (see
/// convert.hpp):
///
///     exports.add("cafe_demo", "add",
///                 [](int64_t a, int64_t b) { return a + b; });
///
/// Arguments that do not convert end the call with `error:badarg`, as a
/// BIF does; a function returning nothing returns `ok`. A function ends
/// with an Erlang exception by raise_throw/raise_error/raise_exit; any
/// other C++ exception becomes `error` with a readable reason.
///
/// Thread-safe: functions may be added while calls are served.
class exports {
public:
  /// Takes the arguments as they came; `arity` is fixed.
  using raw_function = std::function<etf::term(const call&)>;

  /// Answers later (e.g. when a CAF actor responds); the call ends when
  /// `done` is called.
  using async_function = std::function<void(const call&, responder done)>;

  /// Starts an actor for a remote spawn from the spawn's arguments. An
  /// invalid actor ends the spawned process with `badarg`.
  using raw_factory
    = std::function<caf::actor(caf::actor_system&, const etf::list& args)>;

  exports();

  ~exports();

  exports(const exports&) = delete;
  exports& operator=(const exports&) = delete;

  // -- functions --------------------------------------------------------------

  template <class F>
  exports& add(std::string_view module, std::string_view function, F fn,
               execution where = execution::scheduler);

  exports& add_raw(std::string_view module, std::string_view function,
                   size_t arity, raw_function fn,
                   execution where = execution::scheduler);

  exports& add_async(std::string_view module, std::string_view function,
                     size_t arity, async_function fn,
                     execution where = execution::scheduler);

  // -- spawnable actors -------------------------------------------------------

  /// `spawn(Node, Module, Function, Args)` starts `sys.spawn(fn, Args...)`
  /// (converted like a function's arguments) and hands its pid back;
  /// `fn` is a CAF function-based actor, `caf::behavior(caf::
  /// event_based_actor*, Args...)`.
  template <class F>
  exports& add_spawnable(std::string_view module, std::string_view function,
                         F fn, actor::delivery how = actor::delivery::typed);

  exports& add_spawnable_raw(std::string_view module, std::string_view function,
                             size_t arity, raw_factory fn,
                             actor::delivery how = actor::delivery::typed);

  // -- lookup -----------------------------------------------------------------

  /// Runs `c` and reports its outcome to `done` (on this thread, unless the
  /// function is asynchronous). An unknown module or function ends with
  /// `error:undef` and the stack `[{M, F, Args, []}]`, as on a BEAM node.
  void apply(const call& c, responder done) const;

  /// The actor for a spawn of `M:F(Args)`, if a factory is registered for
  /// it, with how it receives messages; the actor is invalid when the
  /// arguments do not convert.
  std::optional<std::pair<caf::actor, actor::delivery>>
  spawn(caf::actor_system& sys, etf::atom module, etf::atom function,
        const etf::list& args) const;

  /// Where `M:F/Arity` runs (`scheduler` for what is not in the table: its
  /// undef is no cheaper elsewhere).
  execution where(etf::atom module, etf::atom function, size_t arity) const;

  /// Whether `module` exports anything (function or spawnable).
  bool has_module(etf::atom module) const;

  /// Modules with exports, sorted.
  std::vector<etf::atom> modules() const;

  /// `module`'s functions and spawnables with their arities, sorted.
  std::vector<std::pair<etf::atom, size_t>> functions(etf::atom module) const;

private:
  struct key {
    etf::atom module;
    etf::atom function;
    size_t arity;
    friend auto operator<=>(const key&, const key&) = default;
  };

  struct factory_entry {
    raw_factory make;
    actor::delivery how;
  };

  struct function_entry {
    std::variant<raw_function, async_function> fn;
    execution where;
  };

  static key make_key(std::string_view module, std::string_view function,
                      size_t arity);

  mutable std::shared_mutex mtx_;
  std::map<key, function_entry> functions_;
  std::map<key, factory_entry> factories_;
};

// -- typed registration
// --------------------------------------------------------

namespace detail {

template <class T>
struct signature : signature<decltype(&T::operator())> {};

template <class R, class... Ts>
struct signature<R (*)(Ts...)> {
  using result = R;
  using args = std::tuple<std::decay_t<Ts>...>;
};

template <class R, class C, class... Ts>
struct signature<R (C::*)(Ts...) const> : signature<R (*)(Ts...)> {};

template <class R, class C, class... Ts>
struct signature<R (C::*)(Ts...)> : signature<R (*)(Ts...)> {};

template <class Tuple, size_t... Is>
std::optional<Tuple>
args_from(const etf::list& xs, std::index_sequence<Is...>) {
  Tuple result;
  bool ok = true;
  ((ok = ok &&
         [&] {
           auto x = actor::from_term<std::tuple_element_t<Is, Tuple>>(
             xs.elements[Is]);
           if (x)
             std::get<Is>(result) = std::move(*x);
           return x.has_value();
         }()),
   ...);
  if (!ok)
    return std::nullopt;
  return result;
}

template <class Tuple>
std::optional<Tuple> args_from(const etf::list& xs) {
  if (xs.size() != std::tuple_size_v<Tuple>)
    return std::nullopt;
  return args_from<Tuple>(xs,
                          std::make_index_sequence<std::tuple_size_v<Tuple>>{});
}

/// badarg, as a BIF raises for arguments of the wrong type.
[[noreturn]] void raise_badarg();

template <class Tuple>
struct drop_first;

template <class T, class... Ts>
struct drop_first<std::tuple<T, Ts...>> {
  using type = std::tuple<Ts...>;
};

} // namespace detail

template <class F>
exports& exports::add(std::string_view module, std::string_view function, F fn,
                      execution where) {
  using sig = detail::signature<std::decay_t<F>>;
  using args_tuple = typename sig::args;
  using result = typename sig::result;
  return add_raw(
    module, function, std::tuple_size_v<args_tuple>,
    [fn = std::move(fn)](const call& c) -> etf::term {
      auto xs = detail::args_from<args_tuple>(c.args);
      if (!xs)
        detail::raise_badarg();
      if constexpr (std::is_void_v<result>) {
        std::apply(fn, std::move(*xs));
        return etf::term{etf::atom{"ok"}};
      } else {
        return actor::to_term(std::apply(fn, std::move(*xs)));
      }
    },
    where);
}

template <class F>
exports& exports::add_spawnable(std::string_view module,
                                std::string_view function, F fn,
                                actor::delivery how) {
  using sig = detail::signature<std::decay_t<F>>;
  using args_tuple = typename detail::drop_first<typename sig::args>::type;
  return add_spawnable_raw(
    module, function, std::tuple_size_v<args_tuple>,
    [fn](caf::actor_system& sys, const etf::list& args) -> caf::actor {
      auto xs = detail::args_from<args_tuple>(args);
      if (!xs)
        return {};
      return std::apply(
        [&](auto&&... ys) { return sys.spawn(fn, std::move(ys)...); },
        std::move(*xs));
    },
    how);
}

} // namespace cafe::rpc
