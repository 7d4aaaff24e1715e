#include "cafe/rpc/exports.hpp"

#include "cafe/log.hpp"

#include <algorithm>
#include <mutex>

namespace cafe::rpc {

namespace {

using namespace etf::literals;

/// `[{M, F, What, []}]`: the one frame cafe reports, naming the function
/// with its arguments (BIF-style, for badarg and undef) or its arity.
etf::term one_frame(const call& c, etf::term what) {
  return etf::term{etf::list{{etf::make_tuple(
    c.module, c.function, std::move(what), etf::term{etf::list{}})}}};
}

etf::term args_frame(const call& c) {
  return one_frame(c, etf::term{c.args});
}

etf::term arity_frame(const call& c) {
  return one_frame(c, etf::term{static_cast<int64_t>(c.args.size())});
}

/// Runs `fn`, turning every way it can end into an outcome.
template <class Fn>
void guarded(const call& c, const responder& done, Fn&& fn) {
  try {
    fn();
  } catch (const exception& e) {
    switch (e.kind()) {
      case outcome_class::thrown: done(outcome::thrown(e.reason())); return;
      case outcome_class::exited: done(outcome::exited(e.reason())); return;
      case outcome_class::error:
        // badarg from argument conversion names the call as a BIF would.
        done(outcome::error(e.reason(), e.reason() == etf::term{"badarg"_atom}
                                          ? args_frame(c)
                                          : arity_frame(c)));
        return;
      case outcome_class::returned: done(outcome::returned(e.reason())); return;
    }
  } catch (const std::exception& e) {
    cafe::logger().warn("rpc: {}:{}/{} threw a C++ exception: {}",
                        c.module.text(), c.function.text(), c.args.size(),
                        e.what());
    done(outcome::error(etf::make_tuple("cpp_exception"_atom,
                                        etf::binary{std::string{e.what()}}),
                        arity_frame(c)));
  } catch (...) {
    cafe::logger().warn("rpc: {}:{}/{} threw a C++ exception", c.module.text(),
                        c.function.text(), c.args.size());
    done(outcome::error(etf::make_tuple("cpp_exception"_atom,
                                        etf::binary{std::string{"unknown"}}),
                        arity_frame(c)));
  }
}

} // namespace

namespace detail {

void raise_badarg() {
  raise_error(etf::term{etf::atom{"badarg"}});
}

} // namespace detail

exports::exports() = default;

exports::~exports() = default;

exports::key exports::make_key(std::string_view module,
                               std::string_view function, size_t arity) {
  return key{etf::atom{module}, etf::atom{function}, arity};
}

exports& exports::add_raw(std::string_view module, std::string_view function,
                          size_t arity, raw_function fn, execution where) {
  std::unique_lock guard{mtx_};
  functions_[make_key(module, function, arity)] = function_entry{std::move(fn),
                                                                 where};
  return *this;
}

exports& exports::add_async(std::string_view module, std::string_view function,
                            size_t arity, async_function fn, execution where) {
  std::unique_lock guard{mtx_};
  functions_[make_key(module, function, arity)] = function_entry{std::move(fn),
                                                                 where};
  return *this;
}

execution exports::where(etf::atom module, etf::atom function,
                         size_t arity) const {
  std::shared_lock guard{mtx_};
  auto i = functions_.find(key{module, function, arity});
  return i == functions_.end() ? execution::scheduler : i->second.where;
}

exports& exports::add_spawnable_raw(std::string_view module,
                                    std::string_view function, size_t arity,
                                    raw_factory fn, actor::delivery how) {
  std::unique_lock guard{mtx_};
  factories_[make_key(module, function, arity)] = factory_entry{std::move(fn),
                                                                how};
  return *this;
}

void exports::apply(const call& c, responder done) const {
  std::optional<std::variant<raw_function, async_function>> fn;
  {
    std::shared_lock guard{mtx_};
    auto i = functions_.find(key{c.module, c.function, c.args.size()});
    if (i != functions_.end())
      fn = i->second.fn;
  }
  if (!fn) {
    done(outcome::error(etf::term{"undef"_atom}, args_frame(c)));
    return;
  }
  if (auto raw = std::get_if<raw_function>(&*fn)) {
    guarded(c, done, [&] { done(outcome::returned((*raw)(c))); });
    return;
  }
  // An asynchronous function answers once, now or later; if it throws
  // before it answered, the exception is its answer.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  responder once = [answered, done](outcome x) {
    if (!answered->exchange(true))
      done(std::move(x));
  };
  guarded(c, once, [&] { std::get<async_function> (*fn)(c, once); });
}

std::optional<std::pair<caf::actor, actor::delivery>>
exports::spawn(caf::actor_system& sys, etf::atom module, etf::atom function,
               const etf::list& args) const {
  std::optional<factory_entry> entry;
  {
    std::shared_lock guard{mtx_};
    auto i = factories_.find(key{module, function, args.size()});
    if (i != factories_.end())
      entry = i->second;
  }
  if (!entry)
    return std::nullopt;
  return std::pair{entry->make(sys, args), entry->how};
}

bool exports::has_module(etf::atom module) const {
  std::shared_lock guard{mtx_};
  auto starts_at = [&](auto& table) {
    auto i = table.lower_bound(key{module, etf::atom{}, 0});
    return i != table.end() && i->first.module == module;
  };
  return starts_at(functions_) || starts_at(factories_);
}

std::vector<etf::atom> exports::modules() const {
  std::vector<etf::atom> result;
  {
    std::shared_lock guard{mtx_};
    for (auto& [k, v] : functions_)
      result.push_back(k.module);
    for (auto& [k, v] : factories_)
      result.push_back(k.module);
  }
  std::sort(result.begin(), result.end(),
            [](etf::atom x, etf::atom y) { return x.text() < y.text(); });
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

std::vector<std::pair<etf::atom, size_t>>
exports::functions(etf::atom module) const {
  std::vector<std::pair<etf::atom, size_t>> result;
  {
    std::shared_lock guard{mtx_};
    for (auto& [k, v] : functions_)
      if (k.module == module)
        result.emplace_back(k.function, k.arity);
    for (auto& [k, v] : factories_)
      if (k.module == module)
        result.emplace_back(k.function, k.arity);
  }
  std::sort(result.begin(), result.end(), [](auto& x, auto& y) {
    return std::pair{x.first.text(), x.second}
           < std::pair{y.first.text(), y.second};
  });
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

} // namespace cafe::rpc
