#include "cafe/etf/compare.hpp"
#include "cafe/etf/match.hpp"
#include "example_actors.hpp"

#include <caf/actor_cast.hpp>
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

caf::behavior kv_store(caf::event_based_actor* self,
                       std::shared_ptr<groups::topics> topics) {
  auto data = std::make_shared<table>();
  if (topics)
    topics->subscribe(caf::actor_cast<caf::actor>(self), kv_commands_topic);
  // Every change is published, whoever asked for it.
  auto changed = [topics](etf::term event) {
    if (topics)
      topics->broadcast(kv_topic, event);
  };
  auto apply = [=](const etf::term& request) -> etf::term {
    etf::term key;
    etf::term value;
    if (etf::match(request, "put"_atom, &key, &value)) {
      (*data)[key] = value;
      changed(etf::make_tuple("kv_put"_atom, key, value));
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
      changed(etf::make_tuple("kv_delete"_atom, key));
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
  };
  return {
    [=](const etf::term& request) -> caf::result<etf::term> {
      auto answer = apply(request);
      // A gen_server:call gets the answer; a plain message (a command from
      // the kv:commands topic) gets none, or CAF would send it back.
      if (self->current_message_id().is_request())
        return answer;
      return caf::delegated<etf::term>{};
    },
  };
}

} // namespace cafe::apps
