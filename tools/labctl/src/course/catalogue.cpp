#include "course/catalogue.hpp"

#include "base/errors.hpp"
#include "course/rubric.hpp"
#include "schedule.hpp"  // the explorer's schedule strings

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace labctl {
namespace {

namespace fs = std::filesystem;

std::string position(const std::string& source, const toml::source_region& where) {
  return fmt::format("{}:{}:{}", source, where.begin.line, where.begin.column);
}

std::string vocabulary_text() {
  std::string text;
  for (const auto& word : expect_vocabulary()) text += (text.empty() ? "" : ", ") + word;
  return text;
}

// Reads the fields of one [[lab]] table; every problem names the lab and the place.
class LabReader {
 public:
  LabReader(const toml::table& table, const std::string& source, std::size_t index)
      : table_(table), source_(source), index_(index) {}

  [[noreturn]] void fail(const toml::source_region& where, const std::string& what) const {
    throw Error(fmt::format("{}: {}: {}", position(source_, where), name(), what));
  }

  // The node of a required field, or a "missing field" error at the table.
  const toml::node& required(const char* key, const char* kind) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) fail(table_.source(), fmt::format("missing field `{}` ({})", key, kind));
    return *node;
  }

  std::string string(const char* key, bool may_be_empty = false) const {
    const toml::node& node = required(key, "a string");
    const auto* value = node.as_string();
    if (value == nullptr) fail(node.source(), fmt::format("`{}` must be a string", key));
    if (!may_be_empty && value->get().empty()) fail(node.source(), fmt::format("`{}` is empty", key));
    return value->get();
  }

  long long integer(const char* key) const {
    const toml::node& node = required(key, "a whole number");
    const auto* value = node.as_integer();
    if (value == nullptr) fail(node.source(), fmt::format("`{}` must be a whole number", key));
    if (value->get() < 0) fail(node.source(), fmt::format("`{}` must not be negative", key));
    return value->get();
  }

  std::vector<std::string> strings(const char* key) const {
    const toml::node& node = required(key, "an array of strings");
    const auto* array = node.as_array();
    if (array == nullptr) fail(node.source(), fmt::format("`{}` must be an array of strings", key));
    std::vector<std::string> result;
    for (const toml::node& item : *array) {
      const auto* value = item.as_string();
      if (value == nullptr) fail(item.source(), fmt::format("`{}` must hold only strings", key));
      result.push_back(value->get());
    }
    return result;
  }

  // "lab 2 (02-deadlock)" once the slug is known, "lab 2" before.
  std::string name() const {
    const auto* slug = table_.get_as<std::string>("slug");
    if (slug != nullptr && !slug->get().empty()) return fmt::format("lab {} ({})", index_ + 1, slug->get());
    return fmt::format("lab {}", index_ + 1);
  }

  const toml::table& table() const { return table_; }
  const std::string& source() const { return source_; }

 private:
  const toml::table& table_;
  const std::string& source_;
  std::size_t index_;
};

// `schedules = ["random:seed=1", "pct:seed=2:depth=3:steps=20000"]` in `table` (a lab's or
// the catalogue's top level), each made a full schedule string and checked by the explorer's
// own parser, so a typo fails here and not in the middle of a grading.
std::vector<std::string> schedules_of(const toml::table& table, const std::string& source) {
  const toml::node* node = table.get("schedules");
  const auto* array = node->as_array();
  if (array == nullptr) {
    throw Error(fmt::format("{}: `schedules` must be an array of strings like \"random:seed=1\"",
                            position(source, node->source())));
  }
  std::vector<std::string> schedules;
  for (const toml::node& item : *array) {
    const auto* value = item.as_string();
    const std::string full = value == nullptr ? "" : std::string(labctl::explore::kSchedulePrefix) + value->get();
    if (value == nullptr || !labctl::explore::parse_schedule(full)) {
      throw Error(fmt::format("{}: `schedules`: each must be a schedule like \"random:seed=1\", "
                              "\"pct:seed=2:depth=3:steps=20000\" or \"delay:seed=3:delays=2:steps=20000\"",
                              position(source, item.source())));
    }
    schedules.push_back(full);
  }
  return schedules;
}

bool is_slug(const std::string& slug) {
  if (slug.size() < 4 || !std::isdigit(static_cast<unsigned char>(slug[0])) ||
      !std::isdigit(static_cast<unsigned char>(slug[1])) || slug[2] != '-')
    return false;
  return std::all_of(slug.begin() + 3, slug.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '-' || c == '_';
  });
}

// An editable entry must stay inside labs/<slug>/: the grader copies exactly these.
bool is_plain_relative_path(const std::string& file) {
  if (file.empty() || file.front() == '/') return false;
  for (const auto& part : fs::path(file)) {
    if (part == "..") return false;
  }
  return true;
}

Lab read_lab(const LabReader& reader) {
  Lab lab;
  lab.line = static_cast<int>(reader.table().source().begin.line);
  lab.slug = reader.string("slug");
  if (!is_slug(lab.slug)) {
    reader.fail(reader.table().get("slug")->source(),
                fmt::format("slug `{}` must be the two-digit lab number, a dash and a lower-case name "
                            "(like 01-lost-update)",
                            lab.slug));
  }
  lab.number = lab.slug.substr(0, 2);
  lab.title = reader.string("title");
  lab.lesson = reader.string("lesson");
  lab.points = reader.integer("points");
  lab.editable = reader.strings("editable");
  if (lab.editable.empty()) reader.fail(reader.table().get("editable")->source(), "`editable` is empty");
  for (const auto& file : lab.editable) {
    if (!is_plain_relative_path(file)) {
      reader.fail(reader.table().get("editable")->source(),
                  fmt::format("editable file `{}` must be a path inside labs/{}/", file, lab.slug));
    }
  }
  lab.expect = reader.string("expect");
  const auto& words = expect_vocabulary();
  if (std::find(words.begin(), words.end(), lab.expect) == words.end()) {
    reader.fail(reader.table().get("expect")->source(),
                fmt::format("unknown expect value `{}`; use one of: {}", lab.expect, vocabulary_text()));
  }
  lab.hints = reader.strings("hints");
  if (const toml::node* node = reader.table().get("starter_max_points")) {
    const auto* points = node->as_integer();
    if (points == nullptr || points->get() < 0 || points->get() > lab.points) {
      reader.fail(node->source(), fmt::format("`starter_max_points` must be a whole number from 0 to the lab's {} points",
                                              lab.points));
    }
    lab.starter_max_points = points->get();
  }
  if (const toml::node* node = reader.table().get("rubric")) {
    const auto* table = node->as_table();
    if (table == nullptr) reader.fail(node->source(), "`rubric` must be a table like { correct = 4, race_free = 3 }");
    long long sum = 0;
    for (const auto& [key, value] : *table) {
      const std::string criterion(key.str());
      if (!is_criterion(criterion)) {
        reader.fail(value.source(), fmt::format("unknown rubric criterion `{}`; use: {}", criterion, criteria_text()));
      }
      const auto* points = value.as_integer();
      if (points == nullptr || points->get() < 0) {
        reader.fail(value.source(), fmt::format("rubric `{}` must be a whole number of points", criterion));
      }
      lab.rubric.emplace_back(criterion, points->get());
      sum += points->get();
    }
    if (sum != lab.points) {
      reader.fail(node->source(), fmt::format("the rubric's points add up to {}, but the lab has {}", sum, lab.points));
    }
  }
  if (reader.table().get("schedules") != nullptr) lab.schedules = schedules_of(reader.table(), reader.source());
  return lab;
}

}  // namespace

const std::vector<std::string>& expect_vocabulary() {
  static const std::vector<std::string> words = {
      "data-race",    "lock-order-inversion", "heap-use-after-free", "thread-leak",
      "wrong-result", "nondeterministic",     "mutable-global",      "not-parallel",
      "unbounded",    "deadlock",             "crash"};
  return words;
}

const Lab* Catalogue::find(std::string_view key) const {
  std::string number(key);
  // "1" means "01"; a full slug also works.
  if (number.size() == 1 && std::isdigit(static_cast<unsigned char>(number[0]))) number = "0" + number;
  for (const auto& lab : labs) {
    if (lab.number == number || lab.slug == key) return &lab;
  }
  return nullptr;
}

std::string Catalogue::numbers() const {
  if (labs.empty()) return "none";
  std::vector<int> values;
  for (const auto& lab : labs) values.push_back(std::stoi(lab.number));
  std::sort(values.begin(), values.end());
  const bool contiguous = values.back() - values.front() + 1 == static_cast<int>(values.size());
  if (contiguous && values.size() > 1) return fmt::format("{:02}–{:02}", values.front(), values.back());
  std::string text;
  for (int value : values) text += fmt::format("{}{:02}", text.empty() ? "" : ", ", value);
  return text;
}

Catalogue parse_catalogue(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    throw Error(fmt::format("{}: {}", position(source, error.source()), error.description()));
  }

  Catalogue catalogue;
  catalogue.source = source;
  // The course's schedules, for every lab that names none of its own.
  const std::vector<std::string> course_schedules =
      root.get("schedules") != nullptr ? schedules_of(root, source) : std::vector<std::string>{};
  const toml::node* labs = root.get("lab");
  if (labs == nullptr) throw Error(fmt::format("{}: no labs: expected [[lab]] tables", source));
  const toml::array* array = labs->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    throw Error(fmt::format("{}: `lab` must be written as [[lab]] tables", position(source, labs->source())));
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const LabReader reader(*array->get(i)->as_table(), source, i);
    Lab lab = read_lab(reader);
    if (reader.table().get("schedules") == nullptr) lab.schedules = course_schedules;
    if (const Lab* earlier = catalogue.find(lab.number)) {
      reader.fail(reader.table().source(),
                  fmt::format("lab number {} is already used by {} (line {})", lab.number, earlier->slug,
                              earlier->line));
    }
    catalogue.labs.push_back(std::move(lab));
  }
  if (catalogue.labs.empty()) throw Error(fmt::format("{}: no labs: expected [[lab]] tables", source));
  return catalogue;
}

Catalogue load_catalogue(const fs::path& file, const fs::path& root) {
  const std::string source = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error(fmt::format("cannot read the catalogue {}: {} (is --root the racelab folder?)", source,
                            fs::exists(file) ? "permission denied" : "no such file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  Catalogue catalogue = parse_catalogue(text.str(), source);

  for (const auto& lab : catalogue.labs) {
    const fs::path folder = root / "labs" / lab.slug;
    if (!fs::is_directory(folder)) {
      throw Error(fmt::format("{}:{}: lab {}: its folder {} does not exist", source, lab.line, lab.slug,
                              folder.string()));
    }
    // A missing editable file is not checked here: it is usually a student's mistake, not the
    // catalogue's, and `tools/lab reset` must still load the catalogue to repair it
    // (course/lab_files.hpp says what is missing when a command needs the file).
  }
  return catalogue;
}

}  // namespace labctl
