#include "erpc_reply.hpp"

#include "cafe/etf/chardata.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"

namespace cafe::rpc::detail {

using namespace etf::literals;

namespace {

/// The output of one io request, if it is one asking for output.
std::optional<std::string> output_of(const etf::term& req, int depth = 0) {
  auto t = req.get_if<etf::tuple>();
  if (t == nullptr || t->size() < 2 || depth > 10)
    return std::nullopt;
  auto tag = (*t)[0].get_if<etf::atom>();
  if (tag == nullptr)
    return std::nullopt;
  if (*tag == "put_chars"_atom) {
    // {put_chars, Chars}, {put_chars, Enc, Chars}.
    if (t->size() <= 3)
      if (auto text = etf::chardata_to_utf8((*t)[t->size() - 1]))
        return text;
    // {put_chars, M, F, A}, {put_chars, Enc, M, F, A}: io:format's form.
    if (t->size() == 4 || t->size() == 5) {
      auto first = t->size() - 3;
      return etf::to_string((*t)[first]) + ":" + etf::to_string((*t)[first + 1])
             + "(" + etf::to_string((*t)[first + 2]) + ")";
    }
    return std::nullopt;
  }
  if (*tag == "requests"_atom && t->size() == 2) {
    auto xs = (*t)[1].get_if<etf::list>();
    if (xs == nullptr)
      return std::nullopt;
    std::string out;
    for (auto& x : xs->elements) {
      auto one = output_of(x, depth + 1);
      if (!one)
        return std::nullopt;
      out += *one;
    }
    return out;
  }
  return std::nullopt;
}

} // namespace

call_error badarg() {
  return call_error{call_errc::badrpc, {}, "badarg"_atom};
}

etf::reference request_call(node::node& self, const etf::pid& from,
                            etf::atom node, const etf::reference& res,
                            etf::atom module, etf::atom function,
                            const etf::list& args) {
  auto xs = etf::list{{res, module, function, args}};
  return self.spawn_request(from, node, "erpc"_atom, "execute_call"_atom,
                            std::move(xs), node::spawn_options{false, true},
                            from);
}

void request_cast(node::node& self, const etf::pid& from, etf::atom node,
                  etf::atom module, etf::atom function, etf::list args) {
  auto xs = etf::list{{module, function, std::move(args)}};
  self.spawn_request(from, node, "erpc"_atom, "execute_cast"_atom,
                     std::move(xs), node::spawn_options{}, from);
}

std::optional<call_result> on_message(const etf::reference& res,
                                      const etf::reference& req_id,
                                      const etf::term& msg) {
  etf::term reason;
  if (etf::match(msg, "DOWN"_atom, req_id, "process"_atom, etf::_, &reason))
    return from_down(res, reason);
  if (etf::match(msg, "spawn_reply"_atom, req_id, "error"_atom, &reason))
    return call_result{unexpected{from_spawn_error(reason)}};
  return std::nullopt;
}

call_result from_down(const etf::reference& res, const etf::term& reason) {
  etf::term value;
  etf::term stack;
  if (etf::match(reason, res, "return"_atom, &value))
    return value;
  if (etf::match(reason, res, "throw"_atom, &value))
    return unexpected{
      call_error{call_errc::exception, outcome::thrown(std::move(value)), {}}};
  if (etf::match(reason, res, "exit"_atom, &value))
    return unexpected{
      call_error{call_errc::exception, outcome::exited(std::move(value)), {}}};
  if (etf::match(reason, res, "error"_atom, &value, &stack))
    return unexpected{
      call_error{call_errc::exception,
                 outcome::error(std::move(value), std::move(stack)),
                 {}}};
  etf::term why;
  if (etf::match(reason, res, "error"_atom, &value)
      && etf::match(value, "erpc"_atom, &why))
    return unexpected{call_error{call_errc::badrpc, {}, std::move(why)}};
  if (reason == etf::term{"noconnection"_atom})
    return unexpected{call_error{call_errc::noconnection, {}, {}}};
  return unexpected{call_error{call_errc::signal, {}, reason}};
}

call_error from_spawn_error(const etf::term& reason) {
  if (reason == etf::term{"noconnection"_atom})
    return call_error{call_errc::noconnection, {}, {}};
  return call_error{call_errc::badrpc, {}, reason};
}

std::optional<expected<etf::pid, call_error>>
parse_spawn_reply(const etf::reference& req_id, const etf::term& msg) {
  etf::term result;
  if (etf::match(msg, "spawn_reply"_atom, req_id, "error"_atom, &result))
    return expected<etf::pid, call_error>{unexpected{from_spawn_error(result)}};
  etf::pid pid;
  if (etf::match(msg, "spawn_reply"_atom, req_id, "ok"_atom, &pid))
    return expected<etf::pid, call_error>{pid};
  return std::nullopt;
}

std::optional<io_answer> answer_io(const etf::term& msg) {
  io_answer result;
  etf::term reply_as;
  etf::term req;
  if (!etf::match(msg, "io_request"_atom, &result.to, &reply_as, &req))
    return std::nullopt;
  etf::term reply;
  if (auto out = output_of(req)) {
    result.output = std::move(*out);
    reply = "ok"_atom;
  } else if (etf::match(req, "setopts"_atom, etf::_)) {
    reply = "ok"_atom;
  } else if (req == etf::term{"getopts"_atom}) {
    reply = etf::list{};
  } else {
    reply = etf::make_tuple("error"_atom, "enotsup"_atom);
  }
  result.reply = etf::make_tuple("io_reply"_atom, reply_as, std::move(reply));
  return result;
}

} // namespace cafe::rpc::detail
