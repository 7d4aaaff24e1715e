#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace cafe {

/// Wraps an error value so that `expected` can be built from it without
/// ambiguity, like `std::unexpected` in C++23.
template <class E>
struct unexpected {
  E error;
};

template <class E>
unexpected(E) -> unexpected<E>;

/// A value or the reason why there is none. The wire path never throws:
/// every fallible step returns one of these (C++23's std::expected, reduced
/// to what cafe needs while the project builds as C++20).
template <class T, class E>
class [[nodiscard]] expected {
public:
  using value_type = T;
  using error_type = E;

  template <class U = T,
            class = std::enable_if_t<std::is_constructible_v<T, U&&>>>
  expected(U&& value) : data_(std::in_place_index<0>, std::forward<U>(value)) {
    // nop
  }

  template <class G>
  expected(unexpected<G> err)
    : data_(std::in_place_index<1>, std::move(err.error)) {
    // nop
  }

  bool has_value() const noexcept {
    return data_.index() == 0;
  }

  explicit operator bool() const noexcept {
    return has_value();
  }

  T& value() & {
    assert(has_value());
    return *std::get_if<0>(&data_);
  }

  const T& value() const& {
    assert(has_value());
    return *std::get_if<0>(&data_);
  }

  T&& value() && {
    assert(has_value());
    return std::move(*std::get_if<0>(&data_));
  }

  T& operator*() & {
    return value();
  }

  const T& operator*() const& {
    return value();
  }

  T&& operator*() && {
    return std::move(*this).value();
  }

  T* operator->() {
    return &value();
  }

  const T* operator->() const {
    return &value();
  }

  const E& error() const {
    assert(!has_value());
    return *std::get_if<1>(&data_);
  }

private:
  std::variant<T, E> data_;
};

/// `expected` for operations that produce nothing but may fail.
template <class E>
class [[nodiscard]] expected<void, E> {
public:
  expected() = default;

  template <class G>
  expected(unexpected<G> err) : error_(std::move(err.error)), ok_(false) {
    // nop
  }

  bool has_value() const noexcept {
    return ok_;
  }

  explicit operator bool() const noexcept {
    return ok_;
  }

  const E& error() const {
    assert(!ok_);
    return error_;
  }

private:
  E error_{};
  bool ok_ = true;
};

} // namespace cafe
