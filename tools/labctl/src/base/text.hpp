// Small text helpers every layer needs, written once: trimming, splitting into lines,
// terminal widths, sizes in words and XML escaping. Pure functions, tested in base/text_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// `text` without leading and trailing white space (a view into `text`).
std::string_view trim(std::string_view text);

// The lines of `text`, without their '\n' (or "\r\n"); no empty last line for a final '\n'.
std::vector<std::string_view> split_lines(std::string_view text);

// Terminal columns `text` takes (one per UTF-8 code point).
int display_width(std::string_view text);

// `text` cut to at most `columns` columns, keeping its start and its end with "…" between
// them (where an answer like "... bad=14285 lost=12" says the most); never splits a code point.
std::string clip(std::string_view text, int columns);

// `text` cut to at most `columns` columns, keeping its start and ending in "…" when cut.
std::string clip_end(std::string_view text, int columns);

// A size as people write limits: "256 KiB", "64 MiB", or "1000 bytes" (KiB and MiB only
// when the size is a whole number of them).
std::string size_words(std::uintmax_t bytes);

// Text made safe inside XML (and SVG, HTML) elements and attribute values; control
// characters other than tab and newline, which XML 1.0 forbids, are dropped.
std::string xml_escape(std::string_view text);

// The last part of a path, after its last '/': "src/a/lost_update.cpp" → "lost_update.cpp"
// (a path as a report prints it, which need not exist here).
std::string file_name_of(std::string_view path);

// A hash that is the same on every machine and in every run (std::hash need not be): FNV-1a,
// 64 bits. `hash` continues an earlier one, so a file can be hashed piece by piece.
inline constexpr std::uint64_t kStableHashStart = 14695981039346656037ull;
std::uint64_t stable_hash(std::string_view bytes, std::uint64_t hash = kStableHashStart);

}  // namespace labctl
