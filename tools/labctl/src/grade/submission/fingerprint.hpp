// Fingerprints: short stable hashes that say "the same files" (a submission) or "the same
// files graded the same way" (grade's resume cache) across runs, machines and compilers.
#pragma once

#include "grade/submission/submission.hpp"

#include <string>
#include <string_view>

namespace labctl {

// FNV-1a, 64 bits, as 16 hex digits.
std::string fnv1a_hex(std::string_view bytes);

// Submission::fingerprint: fnv1a_hex over every taken (path, contents) and every refusal,
// length-prefixed so that no two different submissions serialise alike.
std::string fingerprint_of(const Submission& submission);

}  // namespace labctl
