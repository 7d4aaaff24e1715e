#pragma once

// The base of the suites that ask a real erl (etf_peer.erl behind an
// erl_port): one node per suite, started on first use, since starting erl
// costs more than thousands of requests.

#include "cafe/test/erl_port.hpp"
#include "cafe/test/process.hpp"
#include "etf_fixture.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace cafe::test {

class etf_peer_test : public ::testing::Test {
protected:
  static void TearDownTestSuite() {
    if (peer_) {
      auto status = peer_->stop();
      peer_.reset();
      // The node halts by itself when its stdin closes.
      EXPECT_EQ(status, 0) << "erl did not halt cleanly: "
                           << describe_status(status);
    }
  }

  /// The suite's erl node.
  static erl_port& peer() {
    if (!peer_)
      peer_ = erl_port::start_module(etf_peer_source());
    return *peer_;
  }

  /// One request to etf_peer.erl: the operation byte, then `body`.
  static std::vector<uint8_t> request(char op, std::span<const uint8_t> body) {
    std::vector<uint8_t> frame;
    frame.reserve(body.size() + 1);
    frame.push_back(static_cast<uint8_t>(op));
    frame.insert(frame.end(), body.begin(), body.end());
    return peer().call(frame);
  }

  static std::vector<uint8_t> request(char op, std::string_view body) {
    return request(op, std::span{reinterpret_cast<const uint8_t*>(body.data()),
                                 body.size()});
  }

private:
  static inline std::unique_ptr<erl_port> peer_;
};

} // namespace cafe::test
