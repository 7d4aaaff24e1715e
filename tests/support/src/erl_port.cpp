#include "cafe/test/erl_port.hpp"

#include "cafe/test/tools.hpp"

#include <stdexcept>

namespace cafe::test {

namespace {

/// `str` as an Erlang string literal.
std::string erl_string(const std::string& str) {
  std::string result = "\"";
  for (auto c : str) {
    if (c == '"' || c == '\\')
      result += '\\';
    result += c;
  }
  result += '"';
  return result;
}

} // namespace

erl_port::erl_port(std::vector<std::string> args) {
  spawn_options opts;
  opts.program = require_tool("erl");
  opts.args = {
    "-noshell",
    "-noinput",
    // Idle schedulers must not spin: on two cores they would steal the
    // CPU from the C++ side of every round trip.
    "+sbwt",
    "none",
    "+sbwtdcpu",
    "none",
    "+sbwtdio",
    "none",
    // Logger reports (e.g. a crash in the program) go to stderr, never
    // into the frames on stdout.
    "-kernel",
    "logger",
    "[{handler,default,logger_std_h,#{config => #{type => standard_error}}}]",
  };
  opts.args.insert(opts.args.end(), args.begin(), args.end());
  opts.env = {{"ERL_CRASH_DUMP_SECONDS", "0"}};
  opts.pipe_stdin = true;
  opts.pipe_stdout = true;
  child_ = std::make_unique<child_process>(opts);
}

std::unique_ptr<erl_port>
erl_port::start_module(const std::filesystem::path& source) {
  if (!std::filesystem::is_regular_file(source))
    throw std::runtime_error("Erlang source not found: " + source.string());
  auto src = erl_string(source.string());
  // A crash or a return from main/0 halts the node with a distinct status,
  // so the test sees "exit status N" instead of a hang until the timeout.
  auto eval = "Src = " + src
              + ","
                "case compile:file(Src, [binary, return_errors]) of"
                "  {ok, Mod, Bin} ->"
                "    {module, Mod} = code:load_binary(Mod, Src, Bin),"
                "    try Mod:main() of _ -> halt(0)"
                "    catch C:R:S ->"
                "      io:format(standard_error, \"~p:~p~n~p~n\", [C, R, S]),"
                "      halt(4)"
                "    end;"
                "  Err ->"
                "    io:format(standard_error, \"cannot compile ~ts: ~p~n\", "
                "[Src, Err]),"
                "    halt(3)"
                "end.";
  return std::make_unique<erl_port>(std::vector<std::string>{"-eval", eval});
}

erl_port::~erl_port() {
  stop();
}

int erl_port::stop(std::chrono::milliseconds grace) {
  return child_->stop(grace);
}

void erl_port::fail(const std::string& what) {
  auto pid = child_->pid();
  // Give a dying node a moment so the status says why it went away.
  auto status = child_->stop(std::chrono::milliseconds{500});
  throw std::runtime_error("erl port (pid " + std::to_string(pid) + "): " + what
                           + "; node " + describe_status(status)
                           + " (its stderr is in the test log)");
}

void erl_port::send(std::span<const uint8_t> frame,
                    clock::time_point deadline) {
  if (frame.size() > max_frame_size)
    throw std::invalid_argument("frame too large");
  auto n = static_cast<uint32_t>(frame.size());
  uint8_t header[4] = {static_cast<uint8_t>(n >> 24),
                       static_cast<uint8_t>(n >> 16),
                       static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  try {
    child_->write_all(header, deadline);
    child_->write_all(frame, deadline);
  } catch (const std::exception& ex) {
    fail(ex.what());
  }
}

void erl_port::read_exactly(uint8_t* buf, size_t n,
                            clock::time_point deadline) {
  while (n > 0) {
    size_t got = 0;
    try {
      got = child_->read_some(buf, n, deadline);
    } catch (const std::exception& ex) {
      fail(ex.what());
    }
    if (got == 0)
      fail("end of output before a complete frame");
    buf += got;
    n -= got;
  }
}

std::vector<uint8_t> erl_port::receive(clock::time_point deadline) {
  uint8_t header[4];
  read_exactly(header, sizeof(header), deadline);
  auto n = size_t{header[0]} << 24 | size_t{header[1]} << 16
           | size_t{header[2]} << 8 | size_t{header[3]};
  if (n > max_frame_size)
    fail("reply frame of " + std::to_string(n) + " bytes is too large");
  std::vector<uint8_t> result(n);
  read_exactly(result.data(), n, deadline);
  return result;
}

std::vector<uint8_t> erl_port::call(std::span<const uint8_t> request,
                                    std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  send(request, deadline);
  return receive(deadline);
}

} // namespace cafe::test
