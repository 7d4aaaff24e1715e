#include "http/shared_state.hpp"

namespace cafe::chat::http {

connection::~connection() {
  // nop
}

connection_slot& connection_slot::operator=(connection_slot&& other) noexcept {
  if (this != &other) {
    if (state_ != nullptr)
      state_->release_slot();
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}

connection_slot::~connection_slot() {
  if (state_ != nullptr)
    state_->release_slot();
}

shared_state::shared_state(server_config cfg, std::shared_ptr<application> app)
  : cfg_(std::move(cfg)), app_(std::move(app)) {
  std::string body = R"({"error":"too many connections"})";
  busy_response_ = "HTTP/1.1 503 Service Unavailable\r\n"
                   "server: cafe-chat\r\n"
                   "x-served-by: "
                   + cfg_.served_by
                   + "\r\n"
                     "content-type: application/json\r\n"
                     "connection: close\r\n"
                     "content-length: "
                   + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::optional<connection_slot> shared_state::admit() {
  if (stopping())
    return std::nullopt;
  auto open = stats_.connections_open.fetch_add(1) + 1;
  if (open > cfg_.max_connections) {
    stats_.connections_open.fetch_sub(1);
    return std::nullopt;
  }
  stats_.connections_total.fetch_add(1, std::memory_order_relaxed);
  return connection_slot{this};
}

void shared_state::release_slot() noexcept {
  stats_.connections_open.fetch_sub(1);
}

bool shared_state::enter(const connection* key,
                         std::weak_ptr<connection> conn) {
  std::lock_guard guard{mtx_};
  // Checked under the lock so that `stop`'s snapshot, taken after the flag
  // is set, sees every connection that got in.
  if (stopping())
    return false;
  live_.emplace(key, std::move(conn));
  return true;
}

void shared_state::leave(const connection* key) {
  std::lock_guard guard{mtx_};
  live_.erase(key);
  if (live_.empty())
    cv_.notify_all();
}

bool shared_state::begin_stop() {
  std::lock_guard guard{mtx_};
  return !stopping_.exchange(true, std::memory_order_acq_rel);
}

std::vector<std::shared_ptr<connection>> shared_state::snapshot() {
  std::vector<std::shared_ptr<connection>> result;
  std::lock_guard guard{mtx_};
  result.reserve(live_.size());
  for (auto& [key, weak] : live_)
    if (auto conn = weak.lock())
      result.push_back(std::move(conn));
  return result;
}

bool shared_state::wait_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock guard{mtx_};
  return cv_.wait_until(guard, deadline, [this] { return live_.empty(); });
}

} // namespace cafe::chat::http
