#pragma once

// The application the server's tests run against: echoes text frames,
// records every call, and lets a test wait for what it recorded.

#include "http/application.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cafe::chat::http::testing {

class test_app : public application {
public:
  struct client {
    std::shared_ptr<client_link> link;
    upgrade_request req;
    std::vector<std::string> texts;
    std::vector<std::string> binaries;
    int closed_calls = 0;
    /// A call came after on_closed (must never happen).
    bool call_after_close = false;
  };

  /// Text frames are sent back (the default).
  std::atomic<bool> echo{true};

  unsigned check_upgrade(const upgrade_request& req) override {
    std::lock_guard guard{mtx_};
    upgrades_.push_back(req);
    if (auto status = req.param("refuse"))
      return static_cast<unsigned>(std::stoul(std::string{*status}));
    return 0;
  }

  std::shared_ptr<client_handler> connect(std::shared_ptr<client_link> link,
                                          const upgrade_request& req) override;

  std::optional<response> handle(const request& req) override {
    std::lock_guard guard{mtx_};
    requests_.push_back(req);
    if (req.path == "/api/hello")
      return response{200, "application/json", R"({"hello":"world"})"};
    if (req.path == "/api/teapot")
      return response{418, "text/plain", "short and stout"};
    return std::nullopt;
  }

  /// Waits up to `timeout` for `pred` (called under the lock).
  bool wait(const std::function<bool()>& pred,
            std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::unique_lock guard{mtx_};
    return cv_.wait_for(guard, timeout, pred);
  }

  /// The n-th client (0-based), once it connected.
  std::shared_ptr<client> nth_client(size_t n) {
    std::shared_ptr<client> result;
    wait([&] {
      if (clients_.size() <= n)
        return false;
      result = clients_[n];
      return true;
    });
    return result;
  }

  // Read under `wait` or through these copies.
  std::vector<upgrade_request> upgrades() {
    std::lock_guard guard{mtx_};
    return upgrades_;
  }

  std::vector<request> requests() {
    std::lock_guard guard{mtx_};
    return requests_;
  }

  size_t closed_count() {
    std::lock_guard guard{mtx_};
    size_t n = 0;
    for (auto& c : clients_)
      n += c->closed_calls > 0 ? 1 : 0;
    return n;
  }

  std::vector<std::shared_ptr<client>> clients() {
    std::lock_guard guard{mtx_};
    return clients_;
  }

  std::mutex& mtx() {
    return mtx_;
  }

  void notify() {
    cv_.notify_all();
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<upgrade_request> upgrades_;
  std::vector<request> requests_;
  std::vector<std::shared_ptr<client>> clients_;
};

class test_handler : public client_handler {
public:
  test_handler(test_app& app, std::shared_ptr<test_app::client> state)
    : app_(app), state_(std::move(state)) {
    // nop
  }

  void on_text(std::string_view frame) override {
    {
      std::lock_guard guard{app_.mtx()};
      state_->call_after_close |= state_->closed_calls > 0;
      state_->texts.emplace_back(frame);
    }
    app_.notify();
    if (app_.echo)
      state_->link->send(std::make_shared<const std::string>(frame));
  }

  void on_binary(std::string_view frame) override {
    {
      std::lock_guard guard{app_.mtx()};
      state_->call_after_close |= state_->closed_calls > 0;
      state_->binaries.emplace_back(frame);
    }
    app_.notify();
  }

  void on_closed() override {
    {
      std::lock_guard guard{app_.mtx()};
      state_->closed_calls += 1;
    }
    app_.notify();
  }

private:
  test_app& app_;
  std::shared_ptr<test_app::client> state_;
};

inline std::shared_ptr<client_handler>
test_app::connect(std::shared_ptr<client_link> link,
                  const upgrade_request& req) {
  auto state = std::make_shared<client>();
  state->link = std::move(link);
  state->req = req;
  {
    std::lock_guard guard{mtx_};
    clients_.push_back(state);
  }
  cv_.notify_all();
  return std::make_shared<test_handler>(*this, state);
}

} // namespace cafe::chat::http::testing
