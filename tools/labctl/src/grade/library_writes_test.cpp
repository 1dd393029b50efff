// Which arguments a library function may store through (library_writes.hpp): read off the
// mangled names a submission's object really calls.
#include "grade/library_writes.hpp"

#include <gtest/gtest.h>

namespace {

using labctl::library_writes;
using labctl::LibraryWrite;

// std::from_chars(char const*, char const*, double&, std::chars_format): the double, in %rdx.
// The fixture race_in_library_code stores its shared total through it.
TEST(LibraryWrites, FromCharsStoresThroughItsDouble) {
  EXPECT_EQ(library_writes("_ZSt10from_charsPKcS0_RdSt12chars_format"), (std::vector<LibraryWrite>{{2, 8, -1}}));
}

// Pointers and references to const are reads: nothing to record.
TEST(LibraryWrites, ConstArgumentsAreReads) {
  // std::_Hash_bytes(void const*, unsigned long, unsigned long)
  EXPECT_TRUE(library_writes("_ZSt11_Hash_bytesPKvmm").empty());
}

// A double passed by value travels in %xmm0: the integer registers after it are not shifted.
// std::frexp(double, int*) stores its exponent at %rdi, not %rsi.
TEST(LibraryWrites, FloatingArgumentsTakeNoIntegerRegister) {
  EXPECT_EQ(library_writes("_ZSt5frexpdPi"), (std::vector<LibraryWrite>{{0, 4, -1}}));
}

// std::to_chars stores into the range [first, last), not one byte at each end (the third
// attack: a bounded char* output was told as one byte): %rdi to %rsi, whatever the value's type.
TEST(LibraryWrites, ToCharsStoresIntoItsWholeRange) {
  EXPECT_EQ(library_writes("_ZSt8to_charsPcS_d"), (std::vector<LibraryWrite>{{0, 0, -1, 1}}));
  EXPECT_EQ(library_writes("_ZSt8to_charsPcS_dSt12chars_formati"), (std::vector<LibraryWrite>{{0, 0, -1, 1}}));
}

// A static member has no `this`: its arguments start at %rdi. libstdc++ names them _S_...;
// std::string's _S_copy(char* d, char const* s, n) stores n chars at d (%rdi, count in %rdx),
// where read as a member it would tell one byte at the source it only reads.
TEST(LibraryWrites, StaticMembersHaveNoThis) {
  EXPECT_EQ(library_writes("_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE7_S_copyEPcPKcm"),
            (std::vector<LibraryWrite>{{0, 0, 2}}));
  EXPECT_EQ(library_writes("_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_S_assignEPcmc"),
            (std::vector<LibraryWrite>{{0, 0, 1}}));
  // std::__detail::_List_node_base::swap(_List_node_base&, _List_node_base&): both, from %rdi
  EXPECT_EQ(library_writes("_ZNSt8__detail15_List_node_base4swapERS0_S1_"),
            (std::vector<LibraryWrite>{{0, 1, -1}, {1, 1, -1}}));
}

// A member's `this` takes %rdi, so its arguments start at %rsi. Stream extraction into a
// shared long stores through the long&, and a member that is not const may store into its own
// object too (helper-16: a shared stream's seekp as a counter, 10/10 while it was not told).
TEST(LibraryWrites, MembersStoreThroughTheirArgumentsAndIntoTheirObject) {
  const LibraryWrite object{0, 1, -1, -1, true};
  // std::istream::operator>>(long&)
  EXPECT_EQ(library_writes("_ZNSirsERl"), (std::vector<LibraryWrite>{object, {1, 8, -1}}));
  // std::__cxx11::basic_string<char, ...>::_M_append(char const*, unsigned long): its object only
  EXPECT_EQ(library_writes("_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_appendEPKcm"),
            (std::vector<LibraryWrite>{object}));
  // std::ostream::seekp(long, std::_Ios_Seekdir): its object (the stream's position)
  EXPECT_EQ(library_writes("_ZNSo5seekpElSt12_Ios_Seekdir"), (std::vector<LibraryWrite>{object}));
}

// Members of the classes that synchronise threads are left out: a future's futex word is
// shared on purpose.
// A const member stores through its arguments as any member does (found by the third attack:
// its name ends in "const", and nothing was told): std::string::copy's char*, after `this`.
TEST(LibraryWrites, ConstMembersStoreThroughTheirArgumentsToo) {
  EXPECT_EQ(library_writes("_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE4copyEPcmm"),
            (std::vector<LibraryWrite>{{1, 1, -1}}));
}

TEST(LibraryWrites, SynchronisationIsNoStore) {
  // std::__atomic_futex_unsigned_base::_M_futex_wait_until(unsigned int*, unsigned int, bool, ...)
  EXPECT_TRUE(library_writes("_ZNSt28__atomic_futex_unsigned_base19_M_futex_wait_untilEPjjbNSt6chrono8durationIlSt5ratioILl1ELl1EEEENS2_IlS3_ILl1ELl1000000000EEEE").empty());
}

// C functions have no parameters in their names: the allowed ones that store are listed.
TEST(LibraryWrites, CFunctionsComeFromTheTable) {
  EXPECT_EQ(library_writes("erand48"), (std::vector<LibraryWrite>{{0, 6, -1}}));
  EXPECT_EQ(library_writes("memcpy"), (std::vector<LibraryWrite>{{0, 0, 2}}));  // n bytes, n in %rdx
  EXPECT_TRUE(library_writes("strlen").empty());
  EXPECT_TRUE(library_writes("not a symbol").empty());
}

}  // namespace
