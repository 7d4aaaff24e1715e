#pragma once

#include "cafe/etf/term.hpp"

#include <optional>

namespace cafe::node {

/// Anything on this node that has a pid: a mailbox today, a CAF actor
/// through the bridge. The node calls these from io threads; they must not
/// block.
class local_process {
public:
  virtual ~local_process();

  /// A message for this process; `from` is known for SEND_SENDER and
  /// REG_SEND.
  virtual void deliver(const std::optional<etf::pid>& from, etf::term msg) = 0;

  /// An exit signal: from a linked process that ended (`linked`), or from
  /// erlang:exit/2.
  virtual void
  exit_signal(const etf::pid& from, const etf::term& reason, bool linked)
    = 0;

  /// A monitored process (or registered name `who`) went down.
  virtual void
  down(const etf::reference& ref, const etf::term& who, const etf::term& reason)
    = 0;
};

} // namespace cafe::node
