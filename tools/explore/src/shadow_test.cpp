// The shadow table of source mode (issue 16): one record per 8-byte granule, stable across
// growth, reset by forget().
#include "shadow.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace ex = labctl::explore;

// Addresses in one granule share a record; the next granule has its own.
TEST(ShadowTable, OneRecordPerGranule) {
  ex::ShadowTable table;
  ex::Granule* g = table.find(0x1000);
  ASSERT_NE(g, nullptr);
  g->owner = 3;
  EXPECT_EQ(table.find(0x1007)->owner, 3);
  EXPECT_EQ(table.find(0x1008)->owner, -1);
  EXPECT_EQ(table.size(), 2u);
}

// Growing the table (many granules) keeps every record.
TEST(ShadowTable, GrowthKeepsRecords) {
  ex::ShadowTable table;
  for (std::uintptr_t i = 0; i < 200000; ++i) table.find(0x10000 + 8 * i)->owner = static_cast<int>(i % 1000);
  for (std::uintptr_t i = 0; i < 200000; i += 997) EXPECT_EQ(table.find(0x10000 + 8 * i)->owner, static_cast<int>(i % 1000));
  EXPECT_EQ(table.size(), 200000u);
}

// Freed memory is forgotten: owner, sharing and accesses reset; neighbours untouched.
TEST(ShadowTable, ForgetResets) {
  ex::ShadowTable table;
  for (std::uintptr_t a = 0x2000; a < 0x2040; a += 8) {
    ex::Granule* g = table.find(a);
    g->owner = 1;
    g->shared = true;
    g->write.thread = 1;
  }
  table.forget(0x2008, 16);
  EXPECT_EQ(table.find(0x2000)->owner, 1);
  EXPECT_EQ(table.find(0x2008)->owner, -1);
  EXPECT_FALSE(table.find(0x2010)->shared);
  EXPECT_EQ(table.find(0x2010)->write.thread, -1);
  EXPECT_TRUE(table.find(0x2018)->shared);
}

// A block bigger than the table (the path that visits slots, not granules) is forgotten the
// same way: everything inside it reset, the granules just outside it kept.
TEST(ShadowTable, ForgetABlockBiggerThanTheTable) {
  ex::ShadowTable table;
  for (std::uintptr_t a : {std::uintptr_t{0x10000 - 8}, std::uintptr_t{0x10000}, std::uintptr_t{0x10000 + 4096},
                           std::uintptr_t{0x10000 + (1 << 20) - 8}, std::uintptr_t{0x10000 + (1 << 20)}}) {
    table.find(a)->owner = 3;
  }
  table.forget(0x10000, 1 << 20);  // 131072 granules: more than the few slots in use
  EXPECT_EQ(table.find(0x10000 - 8)->owner, 3);
  EXPECT_EQ(table.find(0x10000)->owner, -1);
  EXPECT_EQ(table.find(0x10000 + 4096)->owner, -1);
  EXPECT_EQ(table.find(0x10000 + (1 << 20) - 8)->owner, -1);
  EXPECT_EQ(table.find(0x10000 + (1 << 20))->owner, 3);
}

// Forgotten granules leave the table (it does not fill with dead records), and every record
// left is still found with what it held, however the removals cut its probe chain: keys
// crowded into a small table, a random half removed, block by block, checked against a map.
TEST(ShadowTable, ForgetRemovesRecordsAndKeepsTheRest) {
  ex::ShadowTable table;
  std::map<std::uintptr_t, int> kept;
  std::mt19937 random(7);
  for (int i = 0; i < 30000; ++i) {
    const std::uintptr_t address = 0x100000 + 8 * (random() % 60000);
    table.find(address)->owner = i;
    kept[address] = i;
  }
  ASSERT_EQ(table.size(), kept.size());
  for (int i = 0; i < 3000; ++i) {
    const std::uintptr_t address = 0x100000 + 8 * (random() % 60000);
    const std::size_t size = 1 + random() % 64;
    table.forget(address, size);
    kept.erase(kept.lower_bound(address & ~std::uintptr_t{7}), kept.lower_bound(address + size));
  }
  EXPECT_EQ(table.size(), kept.size());
  for (const auto& [address, owner] : kept) ASSERT_EQ(table.find(address)->owner, owner) << std::hex << address;
  EXPECT_EQ(table.size(), kept.size());  // every find above met its record: none was made anew
}
