#!/usr/bin/env bash
# The main job, on embedded defaults. Until the distribution transport lands
# (issue #3) the most useful thing cafe can do is speak the BEAM's term format
# both ways: this builds cafe and trades terms with a real `erl`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target cafe-term

term=build/apps/cafe-term

echo "== erl -> cafe: term_to_binary in a real BEAM, decoded by cafe"
from_erl=$(erl -noshell -eval '
  Msg = {chat, <<"lobby">>, #{user => <<"bob">>, text => <<"hi from erl">>},
         [1.5, -7, 1 bsl 70, "charlist", <<1:3>>], self(), make_ref()},
  io:format("~s", [binary:encode_hex(term_to_binary(Msg))]), halt().')
echo "bytes: ${from_erl:0:64}..."
echo "cafe:  $("$term" decode "$from_erl")"

echo
echo "== cafe -> erl: encoded by cafe, binary_to_term in a real BEAM"
text='{reply, <<"lobby">>, [{user, <<"alice">>}, {text, <<"hello from C++">>}], 3.25, 123456789012345678901234567890}'
hex=$("$term" encode "$text")
echo "cafe:  $text"
erl -noshell -eval "
  T = binary_to_term(binary:decode_hex(<<\"$hex\">>)),
  {reply, Room, Props, _, Big} = T,
  io:format(\"erl:   ~p~n       room ~s, user ~s, big integer ~p~n\",
            [T, Room, proplists:get_value(user, Props), Big]),
  halt()."
