#include "cafe/console/evaluator.hpp"
#include "cafe/etf/print.hpp"

#include <algorithm>
#include <string_view>

namespace cafe::console {

namespace {

using etf::to_string;

bool is_atom(const etf::term& x, std::string_view text) {
  auto a = x.get_if<etf::atom>();
  return a && a->text() == text;
}

/// `{Tag, X}` with the atom Tag.
const etf::term* tagged(const etf::term& x, std::string_view tag) {
  auto t = x.get_if<etf::tuple>();
  if (t && t->size() == 2 && is_atom((*t)[0], tag))
    return &(*t)[1];
  return nullptr;
}

bool is_operator(std::string_view f) {
  static constexpr std::string_view ops[] = {"+",   "-", "*",  "/",  "div",
                                             "rem", "!", "++", "--", "not"};
  for (auto op : ops)
    if (f == op)
      return true;
  return false;
}

/// The first frame of `stack`: {M, F, ArityOrArgs, Location}.
const etf::tuple* top_frame(const etf::term& stack) {
  auto xs = stack.get_if<etf::list>();
  if (!xs || xs->elements.empty())
    return nullptr;
  auto t = xs->elements[0].get_if<etf::tuple>();
  if (!t || t->size() < 3 || !(*t)[0].is<etf::atom>()
      || !(*t)[1].is<etf::atom>())
    return nullptr;
  return t;
}

std::string mfa(const etf::tuple& frame) {
  auto& m = frame[0].get<etf::atom>();
  auto& f = frame[1].get<etf::atom>();
  size_t arity = 0;
  if (auto args = frame[2].get_if<etf::list>())
    arity = args->size();
  else if (auto n = frame[2].get_if<int64_t>())
    arity = static_cast<size_t>(*n);
  return to_string(m) + ":" + to_string(f) + "/" + std::to_string(arity);
}

std::string args_text(const etf::list& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0)
      out += ",";
    out += to_string(args[i]);
  }
  return out;
}

/// The reason of an `error`, in the words of erl_error:format_exception.
std::string error_text(const etf::term& reason, const etf::tuple* frame,
                       bool& frame_used) {
  if (is_atom(reason, "badarg"))
    return "bad argument";
  if (is_atom(reason, "badarith"))
    return "an error occurred when evaluating an arithmetic expression";
  if (is_atom(reason, "system_limit"))
    return "a system limit has been reached";
  if (is_atom(reason, "noproc"))
    return "no such process or port";
  if (is_atom(reason, "if_clause"))
    return "no true branch found when evaluating an if expression";
  if (is_atom(reason, "timeout_value"))
    return "bad receive timeout value";
  if (is_atom(reason, "undef") && frame) {
    frame_used = true;
    return "undefined function " + mfa(*frame);
  }
  if (is_atom(reason, "function_clause") && frame
      && (*frame)[2].is<etf::list>()) {
    frame_used = true;
    return "no function clause matching " + to_string((*frame)[0]) + ":"
           + to_string((*frame)[1]) + "("
           + args_text((*frame)[2].get<etf::list>()) + ")";
  }
  if (auto v = tagged(reason, "badmatch"))
    return "no match of right hand side value " + to_string(*v);
  if (auto v = tagged(reason, "case_clause"))
    return "no case clause matching " + to_string(*v);
  if (auto v = tagged(reason, "try_clause"))
    return "no try clause matching " + to_string(*v);
  if (auto v = tagged(reason, "badfun"))
    return "bad function " + to_string(*v);
  if (auto v = tagged(reason, "badkey"))
    return "bad key: " + to_string(*v);
  if (auto v = tagged(reason, "badmap"))
    return "bad map: " + to_string(*v);
  if (auto t = reason.get_if<etf::tuple>();
      t && t->size() == 3 && is_atom((*t)[0], "shell_undef")) {
    frame_used = true;
    return "undefined shell command " + to_string((*t)[1]) + "/"
           + to_string((*t)[2]);
  }
  return to_string(reason);
}

} // namespace

std::string format_exception(rpc::outcome_class kind, const etf::term& reason,
                             const etf::term& stack) {
  switch (kind) {
    case rpc::outcome_class::thrown: return "throw: " + to_string(reason);
    case rpc::outcome_class::exited: return "exit: " + to_string(reason);
    case rpc::outcome_class::returned: return "returned: " + to_string(reason);
    case rpc::outcome_class::error: break;
  }
  auto frame = top_frame(stack);
  bool frame_used = false;
  auto out = "error: " + error_text(reason, frame, frame_used);
  auto frames = stack.get_if<etf::list>();
  if (!frames)
    return out;
  for (size_t i = frame_used ? 1 : 0; i < frames->size(); ++i) {
    auto t = (*frames)[i].get_if<etf::tuple>();
    if (!t || t->size() < 3 || !(*t)[0].is<etf::atom>()
        || !(*t)[1].is<etf::atom>())
      continue;
    auto f = (*t)[1].get<etf::atom>().text();
    auto args = (*t)[2].get_if<etf::list>();
    bool first = i == (frame_used ? 1 : 0);
    if (first && is_atom((*t)[0], "erlang") && is_operator(f)) {
      out += "\n     in operator  " + std::string{f} + "/"
             + std::to_string(args ? args->size() : 0);
      if (args && args->size() == 2)
        out += "\n        called as " + to_string((*args)[0]) + " "
               + std::string{f} + " " + to_string((*args)[1]);
      else if (args && args->size() == 1)
        out += "\n        called as " + std::string{f} + " "
               + to_string((*args)[0]);
      continue;
    }
    out += first ? "\n     in function  " : "\n     in call from ";
    out += mfa(*t);
    if (first && args)
      out += "\n        called as " + to_string((*t)[0]) + ":"
             + to_string((*t)[1]) + "(" + args_text(*args) + ")";
  }
  return out;
}

std::string format_shell(const evaluation& x) {
  switch (x.what) {
    case evaluation::status::value: return x.output + to_string(x.value) + "\n";
    case evaluation::status::exception:
      return x.output + "** exception "
             + format_exception(x.kind, x.value, x.stack) + "\n";
    case evaluation::status::syntax_error:
    case evaluation::status::lint_error:
      return "* " + std::to_string(x.line) + ":" + std::to_string(x.column)
             + ": " + x.message + "\n";
    case evaluation::status::quit: break;
  }
  return x.output;
}

etf::term format_eval_str(const evaluation& x) {
  auto error = [](const std::string& text) {
    return etf::make_tuple(etf::atom{"error"}, etf::make_charlist(text));
  };
  switch (x.what) {
    case evaluation::status::value:
      return etf::make_tuple(etf::atom{"ok"}, x.value);
    case evaluation::status::exception: {
      // What `catch` made of it.
      etf::term caught;
      if (x.kind == rpc::outcome_class::thrown)
        caught = x.value;
      else if (x.kind == rpc::outcome_class::exited)
        caught = etf::make_tuple(etf::atom{"EXIT"}, x.value);
      else
        caught = etf::make_tuple(etf::atom{"EXIT"},
                                 etf::make_tuple(x.value,
                                                 x.stack.is<etf::list>()
                                                   ? x.stack
                                                   : etf::term{etf::list{}}));
      return error("*** eval: " + to_string(caught));
    }
    case evaluation::status::lint_error:
      if (x.value.is<etf::tuple>())
        return error(
          "*** eval: "
          + to_string(etf::make_tuple(etf::atom{"EXIT"},
                                      etf::make_tuple(x.value, etf::list{}))));
      return error("*** " + x.message);
    case evaluation::status::syntax_error:
    case evaluation::status::quit: break;
  }
  return error("*** " + x.message);
}

etf::term eval_str(host& h, std::string_view text) {
  auto n = evaluator::form_length(text);
  if (!n)
    return etf::make_tuple(
      etf::atom{"error"},
      etf::make_charlist("Incomplete form (missing .<cr>)??"));
  // erl_scan's dot token takes the white space character after the '.'.
  auto rest = text.substr(std::min(text.size(), *n + 1));
  if (rest.find_first_not_of(" \n\t") != std::string_view::npos)
    return etf::make_tuple(
      etf::atom{"error"},
      etf::make_charlist("Non-white space found after end-of-form :"
                         + std::string{rest}));
  evaluator e{h, false};
  return format_eval_str(e.eval(text.substr(0, *n)));
}

} // namespace cafe::console
