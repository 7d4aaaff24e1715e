#pragma once

#include "cafe/etf/term.hpp"

#include <compare>

namespace cafe::etf {

/// Erlang's term order, as `lists:sort/1` uses it: numbers < atom <
/// reference < fun < port < pid < tuple < map < [] < list < bitstring.
/// Numbers compare by value; an integer and an equal float (1 and 1.0),
/// which Erlang treats as equal here, are ordered integer first so that the
/// result stays a strong ordering.
std::strong_ordering compare(const term& x, const term& y);

/// The order of map keys (`maps:keys/1`, and the order in which the BEAM
/// writes the keys of maps with up to 32 entries): like `compare`, except
/// that every integer sorts before every float, at any depth.
std::strong_ordering compare_keys(const term& x, const term& y);

/// Puts the entries of a map with at most 32 keys in key order, the way the
/// BEAM stores (and so encodes) such maps. Larger maps are left as they are:
/// the BEAM writes those in its internal hash order.
void sort_keys(map& m);

} // namespace cafe::etf
