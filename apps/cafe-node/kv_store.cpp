#include "cafe/etf/compare.hpp"
#include "cafe/etf/match.hpp"
#include "example_actors.hpp"

#include <caf/stateful_actor.hpp>
#include <map>

namespace cafe::apps {

namespace {

using namespace etf::literals;

/// Terms ordered like Erlang orders them.
struct term_less {
  bool operator()(const etf::term& x, const etf::term& y) const {
    return etf::compare(x, y) < 0;
  }
};

using table = std::map<etf::term, etf::term, term_less>;

} // namespace

caf::behavior kv_store(caf::event_based_actor* self) {
  auto data = std::make_shared<table>();
  return {
    [=](const etf::term& request) -> etf::term {
      etf::term key;
      etf::term value;
      if (etf::match(request, "put"_atom, &key, &value)) {
        (*data)[key] = value;
        return "ok"_atom;
      }
      if (etf::match(request, "get"_atom, &key)) {
        auto i = data->find(key);
        if (i == data->end())
          return "not_found"_atom;
        return etf::make_tuple("ok"_atom, i->second);
      }
      if (etf::match(request, "delete"_atom, &key)) {
        data->erase(key);
        return "ok"_atom;
      }
      if (request == etf::term{"keys"_atom}) {
        etf::list keys;
        for (auto& [k, v] : *data)
          keys.elements.push_back(k);
        return keys;
      }
      return etf::make_tuple("error"_atom,
                             etf::make_tuple("badarg"_atom, request));
    },
  };
}

} // namespace cafe::apps
