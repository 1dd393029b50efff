// Source mode's shadow memory (issue 16): for every 8-byte granule of memory the program's
// instrumented code touched, which thread touched it first, whether a second thread has
// touched it since (then it is *shared*, and accesses to it are scheduling points), and the
// last write and last read to it, for the race detector.
//
// An open-addressing hash table keyed by granule (address / 8), grown by doubling, in
// memory from mmap rather than malloc (it keeps the table out of the heap the program sees,
// so the program's own allocations land where they would without it). Only the running
// controlled thread reads or writes it (the explorer runs one thread at a time), so it has
// no lock. Addresses differ between runs (ASLR), but nothing the scheduler decides depends
// on them: only on which threads touched a granule, so the table's layout never changes a
// schedule.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace labctl::explore {

// One access as the race detector remembers it: who, at which of its clock ticks, which
// bytes of the granule, and where (the access's pc and the call site of its function).
struct Access {
  std::int32_t thread = -1;  // -1: none recorded
  std::uint32_t clock = 0;
  std::uint8_t bytes = 0;    // bit i: byte i of the granule
  bool atomic = false;
  const void* pc = nullptr;
  const void* caller = nullptr;
};

struct Granule {
  std::uintptr_t key = 0;    // granule index + 1; 0: an empty slot
  std::int32_t owner = -1;   // the first thread that touched it
  bool shared = false;       // a second thread touched it (or it is a global)
  bool conflict = false;     // written while shared: accesses to it are scheduling points
  Access write;              // the last write
  Access read;               // a read not ordered before the last write (see race.cpp)
};

class ShadowTable {
 public:
  ShadowTable() = default;
  ShadowTable(const ShadowTable&) = delete;
  ShadowTable& operator=(const ShadowTable&) = delete;
  ~ShadowTable() {
    if (slots_) munmap(slots_, capacity_ * sizeof(Granule));
  }

  // The record of the granule holding `address`, created (owner -1) on first sight;
  // nullptr only when memory for the table cannot be had (the access is then ignored).
  // Valid until the next call (a call may grow the table and move every record).
  Granule* find(std::uintptr_t address) {
    const std::uintptr_t key = (address >> 3) + 1;
    if (!slots_ || (used_ + 1) * 2 > capacity_) {
      if (!grow()) return nullptr;
    }
    std::size_t at = slot_of(key);
    for (;;) {
      Granule& g = slots_[at];
      if (g.key == key) return &g;
      if (g.key == 0) {
        g = Granule{};  // the mmap'd slot is all zero bytes, not a Granule's defaults (owner -1)
        g.key = key;
        ++used_;
        return &g;
      }
      at = (at + 1) & (capacity_ - 1);
    }
  }

  // Forgets every granule in [address, address + size): memory handed back to the
  // allocator is new memory when it comes back, whoever touched it before. The records are
  // removed, not reset: a program frees far more than it keeps (lab 01's tests free 1.2
  // million granules' worth), and a table of dead records only grows, and is read through.
  void forget(std::uintptr_t address, std::size_t size) {
    if (!slots_ || size == 0) return;
    ++generation_;
    const std::uintptr_t first = (address >> 3) + 1;
    const std::uintptr_t last = ((address + size - 1) >> 3) + 1;
    if (last - first + 1 > capacity_ / 4) {
      // A block with more granules than a quarter of the table's slots (a large vector's
      // buffer): visiting the slots in order is cheaper than looking up every granule. A removal may move
      // a later record into this slot (erase()), so the slot is looked at again.
      for (std::size_t at = 0; at < capacity_; ++at) {
        while (slots_[at].key >= first && slots_[at].key <= last) erase(at);
      }
      return;
    }
    for (std::uintptr_t key = first; key <= last; ++key) {
      std::size_t at = slot_of(key);
      while (slots_[at].key != 0 && slots_[at].key != key) at = (at + 1) & (capacity_ - 1);
      if (slots_[at].key == key) erase(at);
    }
  }

  std::size_t size() const { return used_; }

  // Changes whenever a record may have moved or been reset (growth, forget): a pointer
  // from find() cached with it is still good while it is unchanged.
  std::uint64_t generation() const { return generation_; }

 private:
  // The eight granules of one 64-byte line start at eight neighbouring slots: a string's
  // characters, a freed block's granules, are then looked up in memory read in order, not
  // one cache miss each (forget() was half of an explored run's time, nearly all of it in
  // misses, while every granule had a slot of its own at random).
  std::size_t slot_of(std::uintptr_t key) const {
    const std::uintptr_t line = key >> 3;
    return static_cast<std::size_t>(((line * 0x9e3779b97f4a7c15ULL) >> (64 - bits_ + 3)) << 3 | (key & 7));
  }

  // Empties slot `hole` and closes the gap in its probe chain (linear probing's deletion,
  // Knuth's algorithm R): each later record of the chain that may live earlier moves back,
  // so that find() still meets every key before an empty slot. No tombstones are left.
  void erase(std::size_t hole) {
    slots_[hole].key = 0;
    --used_;
    const std::size_t mask = capacity_ - 1;
    for (std::size_t at = (hole + 1) & mask; slots_[at].key != 0; at = (at + 1) & mask) {
      const std::size_t home = slot_of(slots_[at].key);
      // The record at `at` must stay when its home lies cyclically in (hole, at].
      const bool stays = hole <= at ? (hole < home && home <= at) : (hole < home || home <= at);
      if (stays) continue;
      slots_[hole] = slots_[at];
      slots_[at].key = 0;
      hole = at;
    }
  }

  bool grow() {
    const std::size_t bits = slots_ ? bits_ + 1 : 16;
    const std::size_t capacity = std::size_t{1} << bits;
    void* memory = mmap(nullptr, capacity * sizeof(Granule), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED) return false;
    ++generation_;
    Granule* old = slots_;
    const std::size_t old_capacity = capacity_;
    slots_ = static_cast<Granule*>(memory);  // zero-filled: every key 0, an empty slot
    capacity_ = capacity;
    bits_ = bits;
    used_ = 0;
    for (std::size_t i = 0; i < old_capacity; ++i) {
      if (old[i].key == 0) continue;
      std::size_t at = slot_of(old[i].key);
      while (slots_[at].key != 0) at = (at + 1) & (capacity_ - 1);
      slots_[at] = old[i];
      ++used_;
    }
    if (old) munmap(old, old_capacity * sizeof(Granule));
    return true;
  }

  Granule* slots_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t bits_ = 0;
  std::size_t used_ = 0;
  std::uint64_t generation_ = 1;
};

}  // namespace labctl::explore
