#pragma once

#include "cafe/discovery/dns_answer.hpp"
#include "cafe/discovery/plugin.hpp"
#include "cafe/expected.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::discovery {

/// What the dns plugin asks and how its answers become node names, with
/// the Elixir setting each field matches (Phoenix's dns_cluster; libcluster's
/// Cluster.Strategy.DNSPoll, Kubernetes.DNS and Kubernetes.DNSSRV):
///
/// - `queries` (`--dns.query`, env `DNS_CLUSTER_QUERY`): dns_cluster's
///   `:query` (a name or a list; Phoenix 1.7 apps read DNS_CLUSTER_QUERY);
///   DNSPoll's `query`; Kubernetes.DNS's `service`; Kubernetes.DNSSRV's
///   `"<service>.<namespace>.svc.cluster.local."`.
/// - `types` (`--dns.type a|aaaa|srv`, default `a`): dns_cluster's
///   `:dns_rr_types`; `a` is DNSPoll and Kubernetes.DNS, `srv` is
///   Kubernetes.DNSSRV.
/// - `basename` (`--dns.basename`, default our own node's): dns_cluster's
///   basename (the node's own, or the first of a `{basename, query}`);
///   DNSPoll's `node_basename`; Kubernetes.DNS/DNSSRV's `application_name`.
/// - `interval` (`--dns.interval MS`, default 5000): dns_cluster's
///   `:interval`; libcluster's `polling_interval`.
/// - `servers` (`--dns.server HOST:PORT`): no Elixir option (`:inet_res`
///   reads resolv.conf); for tests and private resolvers.
///
/// One difference from the newest dns_cluster: it resolves SRV targets to
/// addresses (`basename@<ip>`); cafe names them as libcluster's DNSSRV does
/// (`basename@<target>`), which is what StatefulSet pods are called.
struct dns_options {
  /// Names to look up each round (each with every type in `types`).
  std::vector<std::string> queries;
  /// Record types asked for each name.
  std::vector<dns_type> types{dns_type::a};
  /// The part before `@` of every node found.
  std::string basename;
  /// Time between the end of one round and the start of the next.
  std::chrono::milliseconds interval{std::chrono::seconds{5}};
  /// `HOST:PORT[,...]` of the DNS servers; empty: /etc/resolv.conf's.
  std::string servers;
};

/// The dns plugin: every `interval`, looks every query up with c-ares on
/// the io_context (no thread of its own) and reports the whole answer to
/// the sink: `basename@<ip>` for A and AAAA records (dns_cluster,
/// libcluster's DNSPoll and Kubernetes.DNS), `basename@<target>` for SRV
/// records (libcluster's Kubernetes.DNSSRV: the target host as DNS names
/// it, without the trailing dot). The keeper connects what is new and lets
/// go, after its grace period, what an answer no longer names.
///
/// A name that does not exist, or has no records of the type, answers
/// "no nodes". A query that fails (timeout, refused, SERVFAIL) keeps its
/// previous answer, so a DNS hiccup disconnects nothing; the failure is
/// logged once, and its recovery too.
class dns_poll : public plugin {
public:
  /// An error names a bad server list.
  static expected<std::unique_ptr<dns_poll>, std::string>
  make(boost::asio::io_context& io, dns_options opts);

  ~dns_poll() override;

  std::string_view name() const noexcept override;

  /// Starts the first round at once.
  void start(sink& to) override;

  /// Stops polling and destroys the c-ares channel (its sockets closed).
  void stop() override;

  /// Rounds completed so far (for tests).
  size_t rounds() const;

  /// Sockets the c-ares channel holds open (for tests).
  size_t open_sockets() const;

  struct state;

private:
  explicit dns_poll(std::shared_ptr<state> ptr);

  std::shared_ptr<state> state_;
};

} // namespace cafe::discovery
