#pragma once

namespace cafe::cafectl {

/// What cafectl's exit status tells a script. The values are part of the
/// program's interface (see --help): never renumber them.
enum class exit_code : int {
  /// The command did what it was asked; ping printed `pong`.
  success = 0,
  /// NODE could not be reached, or the connection broke; ping printed
  /// `pang`.
  unreachable = 1,
  /// Bad options or operands, or a TERM that does not parse.
  usage = 2,
  /// NODE is up but gave no reply within --timeout.
  timeout = 3,
  /// No process is registered as NAME on NODE, or it exited during the
  /// call; for rpc, the function raised or NODE would not run it.
  noproc = 4,
};

} // namespace cafe::cafectl
