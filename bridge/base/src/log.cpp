#include "cafe/log.hpp"

#include <memory>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace cafe {

namespace {

std::shared_ptr<spdlog::logger> make_logger() {
  // A program may have registered its own "cafe" logger (e.g. a file sink)
  // before touching cafe: respect it.
  if (auto existing = spdlog::get("cafe"))
    return existing;
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto result = std::make_shared<spdlog::logger>("cafe", std::move(sink));
  result->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] [%t] %v");
  result->set_level(spdlog::level::info);
  // Warnings usually precede a crash or a kill: don't lose them in a buffer.
  result->flush_on(spdlog::level::warn);
  spdlog::register_logger(result);
  return result;
}

} // namespace

void set_log_level(spdlog::level::level_enum level) {
  logger().set_level(level);
}

spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

} // namespace cafe
