#include "cafe/console/evaluator.hpp"

#include "cafe/etf/compare.hpp"
#include "cafe/etf/print.hpp"
#include "parser.hpp"
#include "scanner.hpp"

#include <cmath>
#include <set>
#include <string_view>

namespace cafe::console {

host::~host() {
  // nop
}

std::vector<etf::term> host::flush() {
  return {};
}

namespace {

using detail::expr;

etf::atom atom(std::string_view text) {
  return etf::atom{text};
}

/// `text` as an atom, or `'_'` for text no atom can hold.
etf::atom atom_or_blank(std::string_view text) {
  auto x = etf::atom::make(text);
  return x ? *x : atom("_");
}

/// An Erlang exception on its way out of the evaluation.
struct raised {
  rpc::outcome_class kind;
  etf::term reason;
  etf::term stack;
};

struct lint_failure {
  std::string message;
  etf::term reason;
  size_t line;
  size_t column;
};

struct quit_request {};

[[noreturn]] void raise_error(etf::term reason, etf::term stack = {}) {
  throw raised{rpc::outcome_class::error, std::move(reason), std::move(stack)};
}

/// The stack entry of a failed operator, as BEAM reports `1 + a`.
etf::term operator_stack(std::string_view op, std::vector<etf::term> args) {
  return etf::make_list(etf::make_tuple(
    atom("erlang"), atom(op), etf::list{std::move(args)}, etf::list{}));
}

constexpr std::string_view help_text
  = "** cafe console: the Erlang shell's expressions a C++ node can run **\n"
    "Mod:Fun(Args)  -- call a function of the node's export table\n"
    "To ! Msg       -- send Msg to a pid, a name or {Name, Node}\n"
    "X = Expr       -- bind variables (patterns: variables, _, literals,\n"
    "                  tuples, lists)\n"
    "node(), nodes(), registered(), whereis(Name), self()\n"
    "terms, + - * / div rem ++ -- == /= =:= =/= < > =< >= not\n"
    "b()        -- display all variable bindings\n"
    "f()        -- forget all variable bindings\n"
    "f(X)       -- forget the binding of variable X\n"
    "flush()    -- flush any messages sent to the shell\n"
    "help()     -- this text\n"
    "q()        -- leave the console (the node keeps running)\n"
    "init:stop() and halt() stop the node, as on BEAM\n"
    "Tab completes module and function names of the export table.\n";

/// Auto-imported BIFs a node answers through the export table, by name and
/// arity (erl_internal:bif/2 minus the ones the evaluator runs itself).
bool node_bif(std::string_view name, size_t arity) {
  static const std::set<std::pair<std::string_view, size_t>> bifs = {
    {"node", 0},         {"nodes", 0},        {"nodes", 1},
    {"registered", 0},   {"whereis", 1},      {"is_process_alive", 1},
    {"processes", 0},    {"halt", 0},         {"halt", 1},
    {"halt", 2},         {"register", 2},     {"unregister", 1},
    {"exit", 2},         {"link", 1},         {"unlink", 1},
    {"monitor", 2},      {"demonitor", 1},    {"spawn", 4},
    {"group_leader", 0}, {"process_info", 1}, {"process_info", 2},
  };
  return bifs.contains({name, arity});
}

bool is_number(const etf::term& x) {
  return x.is<int64_t>() || x.is<double>() || x.is<etf::big_integer>();
}

double as_double(const etf::term& x) {
  if (auto i = x.get_if<int64_t>())
    return static_cast<double>(*i);
  if (auto d = x.get_if<double>())
    return *d;
  // Big integers: only their sign and size matter for a comparison.
  auto text = etf::to_string(x);
  return std::strtod(text.c_str(), nullptr);
}

/// Erlang's arithmetic order and `==`: numbers by value (1 == 1.0).
std::partial_ordering arith_compare(const etf::term& x, const etf::term& y) {
  if (is_number(x) && is_number(y)) {
    if (x.is<int64_t>() && y.is<int64_t>())
      return x.get<int64_t>() <=> y.get<int64_t>();
    if (!x.is<double>() && !y.is<double>())
      return etf::compare(x, y);
    return as_double(x) <=> as_double(y);
  }
  return etf::compare(x, y);
}

class run {
public:
  run(host& h, bindings& bs, bool shell_commands, std::string& output)
    : host_(h), bs_(bs), shell_(shell_commands), output_(output) {}

  // -- lint: every variable is bound before it is used ------------------------

  void lint(const expr& e, std::set<std::string>& bound) {
    switch (e.what) {
      case expr::kind::var:
        if (!bound.contains(e.name))
          throw lint_failure{"variable '" + e.name + "' is unbound",
                             etf::make_tuple(atom("unbound_var"),
                                             atom_or_blank(e.name)),
                             e.line, e.column};
        return;
      case expr::kind::match:
        lint(e.xs[1], bound);
        lint_pattern(e.xs[0], bound);
        return;
      case expr::kind::local_call:
        if (shell_ && e.name == "f" && e.xs.size() == 1
            && e.xs[0].what == expr::kind::var)
          return;
        break;
      default: break;
    }
    for (auto& x : e.xs)
      lint(x, bound);
  }

  void lint_pattern(const expr& e, std::set<std::string>& bound) {
    switch (e.what) {
      case expr::kind::var:
        if (e.name != "_")
          bound.insert(e.name);
        return;
      case expr::kind::literal: return;
      case expr::kind::tuple:
      case expr::kind::list:
      case expr::kind::match:
        for (auto& x : e.xs)
          lint_pattern(x, bound);
        return;
      case expr::kind::unary_op:
        if ((e.name == "-" || e.name == "+")
            && e.xs[0].what == expr::kind::literal && is_number(e.xs[0].value))
          return;
        break;
      default: break;
    }
    throw lint_failure{"illegal pattern", {}, e.line, e.column};
  }

  // -- evaluation
  // ---------------------------------------------------------------

  etf::term eval(const expr& e) {
    switch (e.what) {
      case expr::kind::literal: return e.value;
      case expr::kind::var: return bs_.at(e.name);
      case expr::kind::tuple: {
        std::vector<etf::term> xs;
        for (auto& x : e.xs)
          xs.push_back(eval(x));
        return etf::tuple{std::move(xs)};
      }
      case expr::kind::list: return list(e);
      case expr::kind::map: {
        std::vector<std::pair<etf::term, etf::term>> entries;
        for (size_t i = 0; i + 1 < e.xs.size(); i += 2) {
          auto k = eval(e.xs[i]);
          auto v = eval(e.xs[i + 1]);
          bool replaced = false;
          for (auto& [key, value] : entries)
            if (key == k) {
              value = v;
              replaced = true;
            }
          if (!replaced)
            entries.emplace_back(std::move(k), std::move(v));
        }
        return etf::map{std::move(entries)};
      }
      case expr::kind::match: {
        auto value = eval(e.xs[1]);
        auto next = bs_;
        if (!match(e.xs[0], value, next))
          raise_error(etf::make_tuple(atom("badmatch"), value));
        bs_ = std::move(next);
        return value;
      }
      case expr::kind::send: {
        auto to = eval(e.xs[0]);
        auto msg = eval(e.xs[1]);
        bool valid = to.is<etf::pid>() || to.is<etf::atom>()
                     || (to.is<etf::tuple>() && to.get<etf::tuple>().size() == 2
                         && to.get<etf::tuple>()[0].is<etf::atom>()
                         && to.get<etf::tuple>()[1].is<etf::atom>());
        if (!valid || !host_.send(to, msg))
          raise_error(atom("badarg"), operator_stack("!", {to, msg}));
        return msg;
      }
      case expr::kind::remote_call: {
        auto m = eval(e.xs[0]);
        auto f = eval(e.xs[1]);
        std::vector<etf::term> args;
        for (size_t i = 2; i < e.xs.size(); ++i)
          args.push_back(eval(e.xs[i]));
        if (!m.is<etf::atom>() || !f.is<etf::atom>())
          raise_error(etf::make_tuple(atom("badfun"), etf::make_tuple(m, f)));
        return apply(m.get<etf::atom>(), f.get<etf::atom>(), std::move(args));
      }
      case expr::kind::local_call: return local_call(e);
      case expr::kind::binary_op:
        return binary_op(e.name, eval(e.xs[0]), eval(e.xs[1]));
      case expr::kind::unary_op: return unary_op(e.name, eval(e.xs[0]));
    }
    raise_error(atom("badarg"));
  }

  etf::term list(const expr& e) {
    std::vector<etf::term> xs;
    size_t n = e.xs.size() - (e.has_tail ? 1 : 0);
    for (size_t i = 0; i < n; ++i)
      xs.push_back(eval(e.xs[i]));
    if (!e.has_tail)
      return etf::list{std::move(xs)};
    return append(std::move(xs), eval(e.xs.back()));
  }

  /// `[xs... | tail]`, normalized: a list tail joins the list.
  static etf::term append(std::vector<etf::term> xs, etf::term tail) {
    if (auto ys = tail.get_if<etf::list>()) {
      xs.insert(xs.end(), ys->elements.begin(), ys->elements.end());
      if (ys->proper())
        return etf::list{std::move(xs)};
      return etf::list{std::move(xs), *ys->tail};
    }
    if (xs.empty())
      return tail;
    return etf::list{std::move(xs), std::move(tail)};
  }

  bool match(const expr& p, const etf::term& v, bindings& bs) {
    switch (p.what) {
      case expr::kind::var: {
        if (p.name == "_")
          return true;
        auto i = bs.find(p.name);
        if (i != bs.end())
          return i->second == v;
        bs.emplace(p.name, v);
        return true;
      }
      case expr::kind::literal: return p.value == v;
      case expr::kind::unary_op: return unary_op(p.name, p.xs[0].value) == v;
      case expr::kind::match:
        return match(p.xs[0], v, bs) && match(p.xs[1], v, bs);
      case expr::kind::tuple: {
        auto t = v.get_if<etf::tuple>();
        if (!t || t->size() != p.xs.size())
          return false;
        for (size_t i = 0; i < p.xs.size(); ++i)
          if (!match(p.xs[i], (*t)[i], bs))
            return false;
        return true;
      }
      case expr::kind::list: {
        auto l = v.get_if<etf::list>();
        if (!l)
          return false;
        size_t n = p.xs.size() - (p.has_tail ? 1 : 0);
        if (l->size() < n || (!p.has_tail && l->size() != n)
            || (!p.has_tail && !l->proper()))
          return false;
        for (size_t i = 0; i < n; ++i)
          if (!match(p.xs[i], (*l)[i], bs))
            return false;
        if (!p.has_tail)
          return true;
        std::vector<etf::term> rest(l->elements.begin() + n, l->elements.end());
        etf::term tail = l->proper() ? etf::term{etf::list{std::move(rest)}}
                                     : append(std::move(rest), *l->tail);
        return match(p.xs.back(), tail, bs);
      }
      default: return false;
    }
  }

  etf::term apply(etf::atom m, etf::atom f, std::vector<etf::term> args) {
    rpc::call c;
    c.module = m;
    c.function = f;
    c.args = etf::list{std::move(args)};
    if (auto self = host_.self(); self.is<etf::pid>()) {
      c.caller = self.get<etf::pid>();
      c.group_leader = self;
    } else {
      c.group_leader = atom("user");
    }
    auto res = host_.apply(c);
    if (res.kind == rpc::outcome_class::returned)
      return std::move(res.value);
    throw raised{res.kind, std::move(res.value), std::move(res.stack)};
  }

  etf::term local_call(const expr& e) {
    auto arity = e.xs.size();
    auto& name = e.name;
    if (shell_) {
      if (name == "help" && arity == 0) {
        output_ += help_text;
        return atom("true");
      }
      if (name == "q" && arity == 0)
        throw quit_request{};
      if (name == "b" && arity == 0) {
        for (auto& [var, value] : bs_)
          output_ += var + " = " + etf::to_string(value) + "\n";
        return atom("ok");
      }
      if (name == "f" && arity == 0) {
        bs_.clear();
        return atom("ok");
      }
      if (name == "f" && arity == 1 && e.xs[0].what == expr::kind::var) {
        bs_.erase(e.xs[0].name);
        return atom("ok");
      }
      if (name == "flush" && arity == 0) {
        for (auto& msg : host_.flush())
          output_ += "Shell got " + etf::to_string(msg) + "\n";
        return atom("ok");
      }
    }
    std::vector<etf::term> args;
    for (auto& x : e.xs)
      args.push_back(eval(x));
    if (name == "self" && arity == 0) {
      auto self = host_.self();
      if (!self.is<etf::pid>())
        raise_error(atom("badarg"));
      return self;
    }
    if (name == "throw" && arity == 1)
      throw raised{rpc::outcome_class::thrown, args[0], {}};
    if (name == "exit" && arity == 1)
      throw raised{rpc::outcome_class::exited, args[0], {}};
    if (name == "error" && (arity == 1 || arity == 2))
      raise_error(args[0]);
    if (node_bif(name, arity))
      return apply(atom("erlang"), atom_or_blank(name), std::move(args));
    if (!shell_)
      raise_error(atom("undef"), etf::make_list(etf::make_tuple(
                                   atom("erl_eval"), atom_or_blank(name),
                                   static_cast<int64_t>(arity), etf::list{})));
    throw raised{rpc::outcome_class::error,
                 etf::make_tuple(atom("shell_undef"), atom_or_blank(name),
                                 static_cast<int64_t>(arity)),
                 {}};
  }

  static etf::term arith(std::string_view op, const etf::term& x,
                         const etf::term& y) {
    auto bad = [&]() -> etf::term {
      raise_error(atom("badarith"), operator_stack(op, {x, y}));
    };
    if (!is_number(x) || !is_number(y))
      return bad();
    if (x.is<int64_t>() && y.is<int64_t>() && op != "/") {
      auto a = x.get<int64_t>();
      auto b = y.get<int64_t>();
      int64_t r = 0;
      bool overflow = false;
      if (op == "+")
        overflow = __builtin_add_overflow(a, b, &r);
      else if (op == "-")
        overflow = __builtin_sub_overflow(a, b, &r);
      else if (op == "*")
        overflow = __builtin_mul_overflow(a, b, &r);
      else if (b == 0 || (a == INT64_MIN && b == -1))
        return bad();
      else
        r = op == "div" ? a / b : a % b;
      if (overflow)
        raise_error(etf::make_tuple(atom("cafe_console"),
                                    etf::make_charlist(
                                      "integer arithmetic beyond 64 bits is "
                                      "not supported")));
      return r;
    }
    if (op == "div" || op == "rem" || x.is<etf::big_integer>()
        || y.is<etf::big_integer>())
      return bad();
    auto a = as_double(x);
    auto b = as_double(y);
    double r = op == "+"   ? a + b
               : op == "-" ? a - b
               : op == "*" ? a * b
               : b == 0    ? NAN
                           : a / b;
    if (!std::isfinite(r))
      return bad();
    return r;
  }

  static etf::term binary_op(const std::string& op, const etf::term& x,
                             const etf::term& y) {
    if (op == "+" || op == "-" || op == "*" || op == "/" || op == "div"
        || op == "rem")
      return arith(op, x, y);
    if (op == "=:=")
      return x == y;
    if (op == "=/=")
      return !(x == y);
    if (op == "++" || op == "--") {
      auto l = x.get_if<etf::list>();
      auto r = y.get_if<etf::list>();
      if (!l || !l->proper() || (op == "--" && (!r || !r->proper())))
        raise_error(atom("badarg"), operator_stack(op, {x, y}));
      if (op == "++")
        return append(l->elements, y);
      auto xs = l->elements;
      for (auto& z : r->elements)
        for (auto i = xs.begin(); i != xs.end(); ++i)
          if (*i == z) {
            xs.erase(i);
            break;
          }
      return etf::list{std::move(xs)};
    }
    auto c = arith_compare(x, y);
    if (op == "==")
      return c == 0;
    if (op == "/=")
      return c != 0;
    if (op == "<")
      return c < 0;
    if (op == ">")
      return c > 0;
    if (op == "=<")
      return c <= 0;
    return c >= 0; // ">="
  }

  static etf::term unary_op(const std::string& op, const etf::term& x) {
    if (op == "not") {
      auto a = x.get_if<etf::atom>();
      if (!a || (a->text() != "true" && a->text() != "false"))
        raise_error(atom("badarg"), operator_stack("not", {x}));
      return a->text() == "false";
    }
    if (!is_number(x))
      raise_error(atom("badarith"), operator_stack(op, {x}));
    if (op == "+")
      return x;
    if (auto i = x.get_if<int64_t>(); i && *i != INT64_MIN)
      return -*i;
    if (auto d = x.get_if<double>())
      return -*d;
    return arith("-", int64_t{0}, x);
  }

private:
  host& host_;
  bindings& bs_;
  bool shell_;
  std::string& output_;
};

} // namespace

evaluator::evaluator(host& h, bool shell_commands)
  : host_(h), shell_commands_(shell_commands) {
  // nop
}

std::optional<size_t> evaluator::form_length(std::string_view input) {
  return detail::form_length(input);
}

evaluation evaluator::eval(std::string_view form) {
  evaluation result;
  std::vector<expr> exprs;
  try {
    exprs = detail::parse_form(form);
  } catch (detail::syntax_failure& e) {
    result.what = evaluation::status::syntax_error;
    result.message = std::move(e.message);
    result.line = e.line;
    result.column = e.column;
    return result;
  }
  auto working = bindings_;
  run r{host_, working, shell_commands_, result.output};
  try {
    std::set<std::string> bound;
    for (auto& [name, _] : working)
      bound.insert(name);
    for (auto& e : exprs)
      r.lint(e, bound);
    etf::term value;
    for (auto& e : exprs)
      value = r.eval(e);
    result.value = std::move(value);
    bindings_ = std::move(working);
  } catch (lint_failure& e) {
    result.what = evaluation::status::lint_error;
    result.message = std::move(e.message);
    result.value = std::move(e.reason);
    result.line = e.line;
    result.column = e.column;
  } catch (raised& e) {
    result.what = evaluation::status::exception;
    result.kind = e.kind;
    result.value = std::move(e.reason);
    result.stack = std::move(e.stack);
  } catch (quit_request&) {
    result.what = evaluation::status::quit;
  } catch (const std::exception& e) {
    // Never crash on input: anything unforeseen is an error of the form.
    result.what = evaluation::status::exception;
    result.kind = rpc::outcome_class::error;
    result.value = etf::make_tuple(atom("cafe_console"),
                                   etf::make_charlist(e.what()));
  }
  return result;
}

} // namespace cafe::console
