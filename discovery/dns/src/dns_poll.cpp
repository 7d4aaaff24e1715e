#include "cafe/discovery/dns_poll.hpp"

#include "cafe/discovery/dns_resolver.hpp"
#include "cafe/log.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>
#include <optional>

namespace cafe::discovery {

namespace {

constexpr std::string_view plugin_name = "dns";

} // namespace

struct dns_poll::state : std::enable_shared_from_this<state> {
  /// One name asked with one type.
  struct question {
    std::string name;
    dns_type type;
    /// The last good answer; none before the first.
    std::optional<std::vector<etf::atom>> nodes;
    bool failing = false;
  };

  state(boost::asio::io_context& io, dns_options opts,
        std::unique_ptr<dns_resolver> resolver)
    : opts(std::move(opts)), resolver(std::move(resolver)), timer(io) {
    for (auto& name : this->opts.queries)
      for (auto type : this->opts.types)
        questions.push_back(question{name, type, std::nullopt, false});
  }

  /// Asks every question; the round ends when all have answered.
  void poll() {
    std::lock_guard guard{mtx};
    if (to == nullptr)
      return;
    ++round;
    outstanding = questions.size();
    std::weak_ptr<state> weak = shared_from_this();
    for (size_t i = 0; i < questions.size(); ++i) {
      auto& q = questions[i];
      resolver->query(q.name, q.type,
                      [weak, i, r = round](int status,
                                           std::span<const uint8_t> reply) {
                        if (auto self = weak.lock())
                          self->on_reply(r, i, status, reply);
                      });
    }
  }

  void on_reply(uint64_t r, size_t i, int status,
                std::span<const uint8_t> reply) {
    std::lock_guard guard{mtx};
    if (to == nullptr || r != round)
      return;
    auto& q = questions[i];
    if (auto hosts = interpret_dns_reply(q.type, status, reply)) {
      if (q.failing)
        cafe::logger().info("discovery: dns: {} ({}) answers again", q.name,
                            to_string(q.type));
      q.failing = false;
      q.nodes = dns_node_names(opts.basename, *hosts);
    } else if (!q.failing) {
      // Keep the previous answer: a DNS hiccup is no reason to let go.
      q.failing = true;
      cafe::logger().warn("discovery: dns: {} ({}) failed: {}; keeping the "
                          "previous answer",
                          q.name, to_string(q.type), hosts.error());
    }
    if (--outstanding == 0)
      end_round();
  }

  void end_round() {
    ++rounds;
    std::vector<etf::atom> nodes;
    bool any = false;
    for (auto& q : questions) {
      if (!q.nodes)
        continue;
      any = true;
      for (auto n : *q.nodes)
        if (std::find(nodes.begin(), nodes.end(), n) == nodes.end())
          nodes.push_back(n);
    }
    // Nothing to report before some question ever answered.
    if (any) {
      std::sort(nodes.begin(), nodes.end());
      if (nodes != last) {
        cafe::logger().debug("discovery: dns: {} node(s)", nodes.size());
        last = nodes;
      }
      to->found(plugin_name, std::move(nodes));
    }
    timer.expires_after(opts.interval);
    std::weak_ptr<state> weak = shared_from_this();
    timer.async_wait([weak](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec)
        self->poll();
    });
  }

  dns_options opts;
  std::unique_ptr<dns_resolver> resolver;
  mutable std::mutex mtx;
  sink* to = nullptr;
  std::vector<question> questions;
  uint64_t round = 0;
  size_t outstanding = 0;
  size_t rounds = 0;
  std::vector<etf::atom> last;
  boost::asio::steady_timer timer;
};

expected<std::unique_ptr<dns_poll>, std::string>
dns_poll::make(boost::asio::io_context& io, dns_options opts) {
  if (opts.queries.empty())
    return unexpected{std::string{"dns: no query"}};
  if (opts.types.empty())
    return unexpected{std::string{"dns: no record type"}};
  if (opts.basename.empty())
    return unexpected{std::string{"dns: no basename"}};
  if (opts.interval.count() <= 0)
    return unexpected{std::string{"dns: the interval must be positive"}};
  dns_resolver_options ro;
  ro.servers = opts.servers;
  // A round should not outlast many intervals: at most two tries of up to
  // 2 s (the second waits twice as long), fewer with short intervals.
  ro.timeout = std::clamp(opts.interval, std::chrono::milliseconds{250},
                          std::chrono::milliseconds{2000});
  auto resolver = dns_resolver::make(io, ro);
  if (!resolver)
    return unexpected{"dns: " + resolver.error()};
  auto ptr = std::make_shared<state>(io, std::move(opts), std::move(*resolver));
  return std::unique_ptr<dns_poll>{new dns_poll(std::move(ptr))};
}

dns_poll::dns_poll(std::shared_ptr<state> ptr) : state_(std::move(ptr)) {
  // nop
}

dns_poll::~dns_poll() {
  stop();
}

std::string_view dns_poll::name() const noexcept {
  return plugin_name;
}

void dns_poll::start(sink& to) {
  {
    std::lock_guard guard{state_->mtx};
    state_->to = &to;
  }
  state_->poll();
}

void dns_poll::stop() {
  {
    std::lock_guard guard{state_->mtx};
    state_->to = nullptr;
    state_->timer.cancel();
  }
  state_->resolver->close();
}

size_t dns_poll::rounds() const {
  std::lock_guard guard{state_->mtx};
  return state_->rounds;
}

size_t dns_poll::open_sockets() const {
  return state_->resolver->open_sockets();
}

} // namespace cafe::discovery
