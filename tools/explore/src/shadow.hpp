// Source mode's shadow memory (issue 16): for every 8-byte granule of memory the program's
// instrumented code touched, which thread touched it first, whether a second thread has
// touched it since (then it is *shared*, and accesses to it are scheduling points), and the
// last write and last read to it, for the race detector.
//
// An open-addressing hash table keyed by granule (address / 8), grown by doubling, in
// memory from mmap rather than malloc (it keeps the table out of the heap the program sees,
// so the program's own allocations land where they would without it). Only the running controlled thread reads or writes it (the
// explorer runs one thread at a time), so it has no lock. Addresses differ between runs
// (ASLR), but nothing the scheduler decides depends on them: only on which threads touched
// a granule, so the table's layout never changes a schedule.
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
  // allocator is new memory when it comes back, whoever touched it before.
  void forget(std::uintptr_t address, std::size_t size) {
    if (!slots_ || size == 0) return;
    ++generation_;
    if (size / 8 > capacity_) {
      // A block bigger than the table has slots (a large vector's buffer): visiting the slots
      // is cheaper than looking up every granule of the block.
      const std::uintptr_t first = (address >> 3) + 1;
      const std::uintptr_t last = ((address + size - 1) >> 3) + 1;
      for (std::size_t at = 0; at < capacity_; ++at) {
        const std::uintptr_t key = slots_[at].key;
        if (key >= first && key <= last) {
          slots_[at] = Granule{};
          slots_[at].key = key;
        }
      }
      return;
    }
    for (std::uintptr_t a = address & ~std::uintptr_t{7}; a < address + size; a += 8) {
      const std::uintptr_t key = (a >> 3) + 1;
      std::size_t at = slot_of(key);
      while (slots_[at].key != 0 && slots_[at].key != key) at = (at + 1) & (capacity_ - 1);
      // Keep the slot (a hole would break other keys' probe chains): reset its contents.
      if (slots_[at].key == key) {
        slots_[at] = Granule{};
        slots_[at].key = key;
      }
    }
  }

  std::size_t size() const { return used_; }

  // Changes whenever a record may have moved or been reset (growth, forget): a pointer
  // from find() cached with it is still good while it is unchanged.
  std::uint64_t generation() const { return generation_; }

 private:
  std::size_t slot_of(std::uintptr_t key) const {
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> (64 - bits_));
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
