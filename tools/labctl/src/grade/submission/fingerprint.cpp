// Fingerprints (fingerprint.hpp).
#include "grade/submission/fingerprint.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace labctl {

std::string fnv1a_hex(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", hash);
}

std::string fingerprint_of(const Submission& submission) {
  std::string text;
  auto field = [&](const std::string& value) { text += fmt::format("{}:{}\n", value.size(), value); };
  field(submission.refused);
  for (const auto& lab : submission.labs) {
    field(lab.lab->slug);
    field(lab.refused);
    for (const auto& [file, contents] : lab.files) {
      field(file);
      field(contents);
    }
  }
  return fnv1a_hex(text);
}

}  // namespace labctl
