// labkit/serial.hpp — the values a ProcessPoolExecutor can carry between processes.
//
// A task that runs in another process cannot share memory with its caller: its arguments
// are copied there as bytes and its result is copied back as bytes. This header says which
// types can make that trip and turns them into bytes and back.
//
// The rule (is_serialisable), applied recursively:
//   - trivially copyable types (int, double, enums, plain structs of those), except the
//     ones that merely point at memory the other process does not share: raw pointers,
//     member pointers, std::reference_wrapper (std::ref), std::string_view and std::span;
//   - std::string;
//   - std::vector<T>, std::pair<A, B>, std::tuple<T...> of serialisable types.
// Anything else is refused at compile time by ProcessPoolExecutor::submit, with a message
// that names this rule. (A struct that hides a pointer inside is trivially copyable and
// cannot be told apart: don't.)
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace labkit::serial {

namespace detail {
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};
template <class T>
struct is_tuple : std::false_type {};
template <class... T>
struct is_tuple<std::tuple<T...>> : std::true_type {};

// Trivially copyable, but only a view of memory the other process does not have.
template <class T>
struct is_view : std::bool_constant<std::is_pointer_v<T> || std::is_member_pointer_v<T>> {};
template <class T>
struct is_view<std::reference_wrapper<T>> : std::true_type {};
template <class C, class Traits>
struct is_view<std::basic_string_view<C, Traits>> : std::true_type {};
template <class T, std::size_t N>
struct is_view<std::span<T, N>> : std::true_type {};
}  // namespace detail

/// True when T can be copied to another process (the rule at the top of this header).
template <class T>
struct is_serialisable
    : std::bool_constant<std::is_trivially_copyable_v<T> && !detail::is_view<T>::value> {};
/// std::string is copied as its length and characters.
template <>
struct is_serialisable<std::string> : std::true_type {};
/// std::vector<T> is copied as its size and elements, if T can be.
template <class T>
struct is_serialisable<std::vector<T>> : is_serialisable<T> {};
/// std::pair<A, B> is copied member by member, if both can be.
template <class A, class B>
struct is_serialisable<std::pair<A, B>>
    : std::bool_constant<is_serialisable<A>::value && is_serialisable<B>::value> {};
/// std::tuple<T...> is copied element by element, if each can be.
template <class... T>
struct is_serialisable<std::tuple<T...>> : std::bool_constant<(is_serialisable<T>::value && ...)> {};

/// is_serialisable<T>::value.
template <class T>
inline constexpr bool is_serialisable_v = is_serialisable<T>::value;

/// Thrown by Reader when the bytes end before the value does (a truncated message).
class Truncated : public std::runtime_error {
 public:
  Truncated() : std::runtime_error("labkit: a message between processes ended too early") {}
};

/// Reads values back, in the order they were written, from a byte buffer it does not own.
class Reader {
 public:
  /// Reads from `bytes`, which must outlive the reader.
  explicit Reader(std::string_view bytes) : rest_(bytes) {}
  /// Copies the next `size` bytes to `out`. Throws Truncated if fewer are left.
  void take(void* out, std::size_t size) {
    if (size > rest_.size()) throw Truncated{};
    std::memcpy(out, rest_.data(), size);
    rest_.remove_prefix(size);
  }
  /// How many bytes are still unread.
  std::size_t remaining() const noexcept { return rest_.size(); }

 private:
  std::string_view rest_;
};

/// Appends `value` to `out` as bytes. T may also be a function pointer or an empty class
/// (the executor uses that for the task itself; valid only in a fork() of this process).
template <class T>
void write(std::string& out, const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    write<std::uint64_t>(out, value.size());
    out.append(value);
  } else if constexpr (detail::is_vector<T>::value) {
    write<std::uint64_t>(out, value.size());
    // `const auto&` also binds std::vector<bool>'s proxies, converted to bool here.
    for (const auto& element : value) write<typename T::value_type>(out, element);
  } else if constexpr (detail::is_pair<T>::value) {
    write(out, value.first);
    write(out, value.second);
  } else if constexpr (detail::is_tuple<T>::value) {
    std::apply([&out](const auto&... element) { (write(out, element), ...); }, value);
  } else {
    static_assert(std::is_trivially_copyable_v<T>, "labkit::serial::write: not a serialisable type");
    const auto bytes = std::bit_cast<std::array<char, sizeof(T)>>(value);
    out.append(bytes.data(), bytes.size());
  }
}

/// Reads one T, written by write<T>, from `in`. Throws Truncated if the bytes run out.
template <class T>
T read(Reader& in) {
  if constexpr (std::is_same_v<T, std::string>) {
    const auto size = read<std::uint64_t>(in);
    if (size > in.remaining()) throw Truncated{};
    std::string text(size, '\0');
    in.take(text.data(), size);
    return text;
  } else if constexpr (detail::is_vector<T>::value) {
    const auto size = read<std::uint64_t>(in);
    T elements;
    // A corrupt size must not reserve gigabytes: reading past the end throws Truncated.
    elements.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(size, in.remaining())));
    for (std::uint64_t i = 0; i < size; ++i) elements.push_back(read<typename T::value_type>(in));
    return elements;
  } else if constexpr (detail::is_pair<T>::value) {
    auto first = read<typename T::first_type>(in);
    auto second = read<typename T::second_type>(in);
    return T(std::move(first), std::move(second));
  } else if constexpr (detail::is_tuple<T>::value) {
    // Elements of a braced list are evaluated left to right: the order they were written.
    return [&in]<class... E>(std::type_identity<std::tuple<E...>>) {
      return std::tuple<E...>{read<E>(in)...};
    }(std::type_identity<T>{});
  } else {
    static_assert(std::is_trivially_copyable_v<T>, "labkit::serial::read: not a serialisable type");
    std::array<char, sizeof(T)> bytes;
    in.take(bytes.data(), bytes.size());
    // bit_cast, not memcpy into a T: T need not be default-constructible (a lambda is not).
    return std::bit_cast<T>(bytes);
  }
}

}  // namespace labkit::serial
