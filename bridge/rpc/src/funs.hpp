#pragma once

// Private to cafe::rpc. Not installed.

#include "cafe/etf/term.hpp"

namespace cafe::rpc {

/// Logs, once per program, that a peer asked this node to run a fun (BEAM
/// code, which a C++ node cannot run); the caller sees `undef`, as on a
/// BEAM node where the fun's module is not loaded.
void note_fun_refused(etf::atom from_node, const etf::fun& fn);

/// The `undef` stack a BEAM node reports for applying `fn` to `args`.
etf::term fun_undef_stack(const etf::term& fn, const etf::term& args);

} // namespace cafe::rpc
