#include "cafe/runtime/node_options.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace po = boost::program_options;

namespace cafe::runtime {

namespace {

// -- value types
// ---------------------------------------------------------------

// Each option with a constrained value has its own type and `validate`
// overload (found by ADL), so program_options reports a bad value together
// with the option's name, on the command line and in the INI file alike.

struct node_name_arg {
  std::string value;
};

struct port_arg {
  uint16_t value = 0;
};

struct listen_arg {
  std::string address;
  uint16_t port = 0;
};

struct count_arg {
  uint32_t value = 0;
};

struct micros_arg {
  uint32_t value = 0;
};

struct level_arg {
  spdlog::level::level_enum value = spdlog::level::info;
};

template <class T>
std::optional<T> parse_uint(std::string_view str, T min, T max) {
  uint64_t x = 0;
  auto first = str.data();
  auto last = str.data() + str.size();
  auto [ptr, ec] = std::from_chars(first, last, x);
  if (str.empty() || ec != std::errc{} || ptr != last || x < min || x > max)
    return std::nullopt;
  return static_cast<T>(x);
}

bool is_ip_address(const std::string& str) {
  std::array<unsigned char, 16> buf;
  return inet_pton(AF_INET, str.c_str(), buf.data()) == 1
         || inet_pton(AF_INET6, str.c_str(), buf.data()) == 1;
}

// Alive names as erl accepts them: letters, digits, '_' and '-'.
bool is_node_name(std::string_view str) {
  auto at = str.find('@');
  auto alive = str.substr(0, at);
  auto valid_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  if (alive.empty() || alive.size() > 255
      || !std::all_of(alive.begin(), alive.end(), valid_char))
    return false;
  if (at == std::string_view::npos)
    return true;
  auto host = str.substr(at + 1);
  return !host.empty() && host.size() <= 255
         && host.find('@') == std::string_view::npos;
}

std::optional<listen_arg> parse_listen(std::string_view str) {
  listen_arg result;
  std::string_view port;
  if (!str.empty() && str.front() == '[') {
    auto close = str.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    result.address = std::string{str.substr(1, close - 1)};
    auto rest = str.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return std::nullopt;
      port = rest.substr(1);
      if (port.empty())
        return std::nullopt;
    }
  } else if (std::count(str.begin(), str.end(), ':') == 1) {
    auto colon = str.find(':');
    result.address = std::string{str.substr(0, colon)};
    port = str.substr(colon + 1);
    if (port.empty())
      return std::nullopt;
  } else {
    // No colon, or an unbracketed IPv6 address without a port.
    result.address = std::string{str};
  }
  if (!is_ip_address(result.address))
    return std::nullopt;
  if (!port.empty()) {
    auto num = parse_uint<uint16_t>(port, 0, 65535);
    if (!num)
      return std::nullopt;
    result.port = *num;
  }
  return result;
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view str) {
  using namespace spdlog::level;
  static constexpr std::pair<std::string_view, level_enum> names[] = {
    {"trace", trace}, {"debug", debug},       {"info", info},
    {"warn", warn},   {"warning", warn},      {"error", err},
    {"err", err},     {"critical", critical}, {"off", off},
  };
  for (auto& [name, level] : names)
    if (name == str)
      return level;
  return std::nullopt;
}

[[noreturn]] void reject(const std::string& value, std::string_view expected) {
  po::invalid_option_value err{value};
  err.m_error_template += " (expected ";
  err.m_error_template += expected;
  err.m_error_template += ')';
  throw err;
}

const std::string& single_value(boost::any& out,
                                const std::vector<std::string>& values) {
  po::validators::check_first_occurrence(out);
  return po::validators::get_single_string(values);
}

void validate(boost::any& out, const std::vector<std::string>& values,
              node_name_arg*, int) {
  auto& str = single_value(out, values);
  if (!is_node_name(str))
    reject(str, "alive or alive@host, alive made of letters, digits, _ and -");
  out = node_name_arg{str};
}

void validate(boost::any& out, const std::vector<std::string>& values,
              port_arg*, int) {
  auto& str = single_value(out, values);
  auto num = parse_uint<uint16_t>(str, 1, 65535);
  if (!num)
    reject(str, "a port number, 1-65535");
  out = port_arg{*num};
}

void validate(boost::any& out, const std::vector<std::string>& values,
              listen_arg*, int) {
  auto& str = single_value(out, values);
  auto parsed = parse_listen(str);
  if (!parsed)
    reject(str, "an IP address with an optional port: 127.0.0.1:4370, "
                "[::1]:4370");
  out = std::move(*parsed);
}

void validate(boost::any& out, const std::vector<std::string>& values,
              count_arg*, int) {
  auto& str = single_value(out, values);
  auto num = parse_uint<uint32_t>(str, 1, 1'000'000);
  if (!num)
    reject(str, "a positive integer");
  out = count_arg{*num};
}

void validate(boost::any& out, const std::vector<std::string>& values,
              micros_arg*, int) {
  auto& str = single_value(out, values);
  auto num = parse_uint<uint32_t>(str, 0, 1'000'000);
  if (!num)
    reject(str, "microseconds, 0 to 1000000");
  out = micros_arg{*num};
}

void validate(boost::any& out, const std::vector<std::string>& values,
              level_arg*, int) {
  auto& str = single_value(out, values);
  auto level = parse_level(str);
  if (!level)
    reject(str, "trace, debug, info, warn, error, critical or off");
  out = level_arg{*level};
}

// -- parsing
// -------------------------------------------------------------------

size_t hardware_threads() {
  return std::max(1u, std::thread::hardware_concurrency());
}

po::options_description node_description() {
  po::options_description result{"Node options"};
  auto threads_help = "CAF scheduler threads (default: hardware threads, "
                      + std::to_string(hardware_threads()) + " here)";
  result.add_options()("name", po::value<node_name_arg>()->value_name("NAME"),
                       "long node name: alive@host.domain")(
    "sname", po::value<node_name_arg>()->value_name("NAME"),
    "short node name: alive@host")(
    "cookie", po::value<std::string>()->value_name("COOKIE"),
    "magic cookie (default: ~/.erlang.cookie)")(
    "setcookie", po::value<std::string>()->value_name("COOKIE"),
    "same as --cookie (erl's spelling)")(
    "epmd-port", po::value<port_arg>()->value_name("PORT"),
    "EPMD port (default: $ERL_EPMD_PORT, else 4369)")(
    "listen", po::value<listen_arg>()->value_name("ADDR[:PORT]"),
    "address of the distribution listener (default: every interface, "
    "port 0: any)")(
    "erl-epmd-port", po::value<port_arg>()->value_name("PORT"),
    "run without EPMD: listen on PORT and find every peer on PORT of its "
    "host (erl's -erl_epmd_port)")("hidden", po::bool_switch(),
                                   "connect as a hidden node")(
    "ticktime", po::value<count_arg>()->value_name("SECONDS"),
    "net_ticktime in seconds (default: 60)")(
    "connect-all", po::value<bool>()->value_name("BOOL"),
    "false: global takes no part with nodes that come up and connects to no "
    "node they know (erl's -connect_all; default: true)")(
    "log-level", po::value<level_arg>()->value_name("LEVEL"),
    "trace, debug, info, warn, error, critical or off (default: info)")(
    "threads", po::value<count_arg>()->value_name("N"), threads_help.c_str())(
    "io-spin", po::value<micros_arg>()->value_name("MICROSECONDS"),
    "how long an idle io thread polls before it sleeps (default: 50; 0: "
    "sleep at once)");
  return result;
}

std::string program_name(int argc, const char* const* argv) {
  if (argc < 1 || argv[0] == nullptr || *argv[0] == '\0')
    return "cafe";
  std::string_view path{argv[0]};
  auto slash = path.rfind('/');
  return std::string{slash == std::string_view::npos ? path
                                                     : path.substr(slash + 1)};
}

// Options that set the same value: when the command line gives one of a
// group, the INI file's values for the whole group are ignored.
constexpr std::array<std::array<std::string_view, 2>, 2> option_groups{{
  {"name", "sname"},
  {"cookie", "setcookie"},
}};

void drop_overridden(po::parsed_options& from_file,
                     const po::variables_map& from_cli) {
  auto given_on_cli = [&](const std::string& key) {
    for (auto& group : option_groups)
      if (std::find(group.begin(), group.end(), key) != group.end())
        return std::any_of(group.begin(), group.end(), [&](auto name) {
          return from_cli.count(std::string{name}) > 0;
        });
    return false;
  };
  auto& xs = from_file.options;
  xs.erase(std::remove_if(xs.begin(), xs.end(),
                          [&](const po::option& x) {
                            return given_on_cli(x.string_key);
                          }),
           xs.end());
}

options_error invalid(std::string message) {
  return {errc::invalid_option, std::move(message)};
}

expected<node_options, options_error>
to_node_options(const po::variables_map& vm) {
  node_options result;
  if (vm.count("name") && vm.count("sname"))
    return unexpected{invalid("--name and --sname are mutually exclusive")};
  if (vm.count("name")) {
    result.name = vm["name"].as<node_name_arg>().value;
    result.long_names = true;
  } else if (vm.count("sname")) {
    result.name = vm["sname"].as<node_name_arg>().value;
  }
  if (vm.count("cookie") && vm.count("setcookie")
      && vm["cookie"].as<std::string>() != vm["setcookie"].as<std::string>())
    return unexpected{invalid("--cookie and -setcookie disagree")};
  if (vm.count("cookie"))
    result.cookie = vm["cookie"].as<std::string>();
  else if (vm.count("setcookie"))
    result.cookie = vm["setcookie"].as<std::string>();
  if (vm.count("epmd-port")) {
    result.epmd_port = vm["epmd-port"].as<port_arg>().value;
  } else if (auto env = std::getenv("ERL_EPMD_PORT"); env && *env) {
    auto num = parse_uint<uint16_t>(env, 1, 65535);
    if (!num)
      return unexpected{invalid("ERL_EPMD_PORT: '" + std::string{env}
                                + "' is not a port number (1-65535)")};
    result.epmd_port = *num;
  }
  if (auto env = std::getenv("ERL_EPMD_ADDRESS"); env && *env) {
    std::string_view rest{env};
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = rest.substr(0, comma);
      if (!item.empty())
        result.epmd_addresses.emplace_back(item);
      rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    }
  }
  if (vm.count("erl-epmd-port"))
    result.erl_epmd_port = vm["erl-epmd-port"].as<port_arg>().value;
  if (vm.count("listen")) {
    auto& x = vm["listen"].as<listen_arg>();
    result.listen_address = x.address;
    result.listen_port = x.port;
  }
  result.hidden = vm["hidden"].as<bool>();
  if (vm.count("connect-all"))
    result.connect_all = vm["connect-all"].as<bool>();
  if (vm.count("ticktime"))
    result.ticktime
      = std::chrono::seconds{vm["ticktime"].as<count_arg>().value};
  if (vm.count("log-level"))
    result.log_level = vm["log-level"].as<level_arg>().value;
  if (vm.count("threads"))
    result.threads = vm["threads"].as<count_arg>().value;
  else
    result.threads = hardware_threads();
  if (vm.count("io-spin"))
    result.io_spin
      = std::chrono::microseconds{vm["io-spin"].as<micros_arg>().value};
  if (vm.count("config"))
    result.config_file = vm["config"].as<std::string>();
  return result;
}

// `operands` null: words that are no option are an error.
expected<node_options, options_error>
parse(int argc, const char* const* argv, const po::options_description* extra,
      po::variables_map& vm, std::vector<std::string>* operands) {
  po::options_description general{"General options"};
  general.add_options()("help,h", "print this help and exit")(
    "config", po::value<std::string>()->value_name("FILE"),
    "read options from an INI file of key = value lines (the command line "
    "wins)");
  po::options_description in_file;
  in_file.add(node_description());
  if (extra)
    in_file.add(*extra);
  po::options_description all;
  all.add(general).add(in_file);
  namespace style = po::command_line_style;
  // Long disguise accepts erl's `-sname x`; guessing would make `-h`
  // ambiguous (help, hidden) and abbreviations are a trap in scripts.
  auto cli_style = (style::default_style | style::allow_long_disguise)
                   & ~style::allow_guessing;
  try {
    // program_options silently drops words that are no option: collect them
    // to reject them by name, or to hand them to the program as operands.
    po::options_description stray;
    stray.add_options()("stray", po::value<std::vector<std::string>>());
    po::options_description all_and_stray;
    all_and_stray.add(all).add(stray);
    po::positional_options_description positionals;
    positionals.add("stray", -1);
    po::store(po::command_line_parser(argc, argv)
                .options(all_and_stray)
                .positional(positionals)
                .style(cli_style)
                .run(),
              vm);
    if (vm.count("stray")) {
      auto& words = vm["stray"].as<std::vector<std::string>>();
      if (operands == nullptr)
        return unexpected{
          invalid("unexpected argument '" + words.front() + "'")};
      *operands = words;
    }
    if (vm.count("help")) {
      std::ostringstream out;
      out << "Usage: " << program_name(argc, argv) << " [options]\n" << all;
      return unexpected{options_error{errc::help_requested, out.str()}};
    }
    if (vm.count("config")) {
      auto& path = vm["config"].as<std::string>();
      std::ifstream file{path};
      if (!file)
        return unexpected{options_error{errc::config_file_unreadable,
                                        "cannot read config file '" + path
                                          + "': " + std::strerror(errno)}};
      auto from_file = po::parse_config_file(file, in_file);
      drop_overridden(from_file, vm);
      po::store(from_file, vm);
    }
    // Runs the program's notifiers and fills its `value<T>(&x)` variables.
    po::notify(vm);
  } catch (const po::error& e) {
    return unexpected{invalid(e.what())};
  } catch (const std::exception& e) {
    // A program's own notifier may throw anything.
    return unexpected{invalid(e.what())};
  }
  return to_node_options(vm);
}

} // namespace

expected<node_options, options_error>
parse_node_options(int argc, const char* const* argv) {
  po::variables_map vm;
  return parse(argc, argv, nullptr, vm, nullptr);
}

expected<node_options, options_error>
parse_node_options(int argc, const char* const* argv,
                   const po::options_description& extra,
                   po::variables_map& values) {
  return parse(argc, argv, &extra, values, nullptr);
}

expected<node_options, options_error>
parse_node_options(int argc, const char* const* argv,
                   const po::options_description& extra,
                   po::variables_map& values,
                   std::vector<std::string>& operands) {
  operands.clear();
  return parse(argc, argv, &extra, values, &operands);
}

int report(const options_error& err, const char* program) {
  if (err.code == errc::help_requested) {
    std::cout << err.message << std::flush;
    return EXIT_SUCCESS;
  }
  std::string_view name{program && *program ? program : "cafe"};
  if (auto slash = name.rfind('/'); slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  std::cerr << name << ": " << err.message << std::endl;
  return 2;
}

} // namespace cafe::runtime
