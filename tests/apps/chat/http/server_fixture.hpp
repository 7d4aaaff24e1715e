#pragma once

// A server on 127.0.0.1, port 0, with its own io threads, serving a
// temporary static folder, in front of a test_app.

#include "cafe/test/env.hpp"
#include "http/server.hpp"
#include "test_app.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <thread>

namespace cafe::chat::http::testing {

inline void write_file(const std::filesystem::path& file,
                       const std::string& bytes) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out{file, std::ios::binary};
  out << bytes;
}

/// Polls `pred` until true or `timeout`.
inline bool
eventually(const std::function<bool()>& pred,
           std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return true;
}

class running_server {
public:
  running_server(server_config cfg, std::shared_ptr<test_app> app,
                 size_t threads = 2)
    : app_(std::move(app)), work_(io_.get_executor()) {
    cfg.bind = "127.0.0.1";
    cfg.port = 0;
    auto started = server::start(io_, std::move(cfg), app_);
    if (!started)
      throw std::runtime_error("server::start: " + started.error());
    server_ = std::move(*started);
    for (size_t i = 0; i < threads; ++i)
      threads_.emplace_back([this] { io_.run(); });
  }

  ~running_server() {
    server_->stop();
    work_.reset();
    io_.stop();
    for (auto& t : threads_)
      t.join();
  }

  server& srv() {
    return *server_;
  }

  uint16_t port() const {
    return server_->port();
  }

  const server_stats& stats() const {
    return server_->stats();
  }

private:
  std::shared_ptr<test_app> app_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
    work_;
  std::shared_ptr<server> server_;
  std::vector<std::thread> threads_;
};

} // namespace cafe::chat::http::testing
