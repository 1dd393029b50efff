// `labctl grade --shard K/N` and `--merge DIR...`: grading a class on several machines (a CI
// matrix, one job per shard) without a scheduler of racelab's own. Each job grades the
// sources of its shard into a folder of JSON reports; a last job merges those folders into
// one class report in any format, the same as one run over the whole batch would give.
#pragma once

#include "course/catalogue.hpp"
#include "grade/grade.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

// Which part of a batch one job grades: shard `index` of `count` (1 ≤ index ≤ count).
struct Shard {
  int index = 1;
  int count = 1;
};

// "K/N" → Shard; throws labctl::Error with a one-line reason when it is not one.
Shard parse_shard(const std::string& text);

// The sources of `shard`, in their order. Stable: a source's shard depends only on its own
// file name (folded to lower case, an archive's suffix dropped), never on the rest of the
// batch, so a student keeps their shard as others hand in; and alice/ and alice.zip fall in
// the same shard, where name_apart (batch.hpp) tells them apart as one run would.
std::vector<std::string> sources_of_shard(const std::vector<std::string>& sources, const Shard& shard);

// The grades in the JSON reports (grade --format json --out DIR) of every folder in `dirs`,
// ordered by name. Throws labctl::Error with one line when a folder holds no report, a
// report is not a grade of this course, or one name is in two reports (a submission graded
// in two shards).
std::vector<SubmissionGrade> read_shard_reports(const std::vector<std::filesystem::path>& dirs,
                                                const Catalogue& catalogue);

}  // namespace labctl
