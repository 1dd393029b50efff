// The intake of a submission's entries (intake.hpp): which layout, and what each lab gets.
#include "grade/submission/intake.hpp"

#include "grade/submission/fingerprint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace labctl::submission_intake {
namespace {

// Skipped-entry notes kept per submission; a zipped repository can hold thousands of links.
constexpr std::size_t kMaxSkipNotes = 20;

// Where an entry would go: lab `lab`'s editable `file`, in the course tree at the top
// (root ""), in one top folder (root "racelab-main"), or bare at the top.
struct Place {
  bool bare = false;
  std::string root;
  std::size_t lab = 0;
  std::string file;
};

// The lab whose slug is exactly `slug` (not a number: paths name folders), with its index.
const Lab* lab_with_slug(const Catalogue& catalogue, const std::string& slug, std::size_t& index) {
  for (index = 0; index < catalogue.labs.size(); ++index) {
    if (catalogue.labs[index].slug == slug) return &catalogue.labs[index];
  }
  return nullptr;
}

// Whether `file` (a path under labs/<slug>/) is one the student may change in `lab`.
bool is_editable(const Lab& lab, const std::string& file) {
  return std::find(lab.editable.begin(), lab.editable.end(), file) != lab.editable.end();
}

// Every place an entry at `parts` could be, under each layout; empty: nobody wants it.
std::vector<Place> places_of(const std::vector<std::string>& parts, const Catalogue& catalogue) {
  std::vector<Place> places;
  // labs/<slug>/<file...> after `skip` leading components.
  auto tree = [&](std::size_t skip) {
    if (parts.size() < skip + 3 || parts[skip] != "labs") return;
    std::size_t index = 0;
    const Lab* lab = lab_with_slug(catalogue, parts[skip + 1], index);
    const std::string file = join(parts, skip + 2);
    if (lab != nullptr && is_editable(*lab, file)) places.push_back({false, join(parts, 0, skip), index, file});
  };
  tree(0);
  if (!parts.empty() && parts[0] != kMacMetadata) tree(1);
  const std::string file = join(parts);
  for (std::size_t index = 0; index < catalogue.labs.size(); ++index) {
    if (is_editable(catalogue.labs[index], file)) places.push_back({true, "", index, file});
  }
  return places;
}

}  // namespace

std::string printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 200)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  if (name.size() > 200) out += "…";
  return out;
}

std::string join(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < std::min(to, parts.size()); ++i) {
    if (!out.empty()) out += '/';
    out += parts[i];
  }
  return out;
}

SplitPath split_path(std::string name) {
  // Zips made on Windows may use backslashes; treating them as separators also makes
  // `..\..\x` a traversal rather than an odd file name.
  std::replace(name.begin(), name.end(), '\\', '/');
  SplitPath path;
  const bool drive = name.size() >= 2 && std::isalpha(static_cast<unsigned char>(name[0])) && name[1] == ':';
  if (!name.empty() && name.front() == '/') path.unsafe = "has an absolute path";
  if (drive) path.unsafe = "has an absolute path (a drive letter)";
  std::stringstream in(drive ? name.substr(2) : name);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (path.unsafe.empty()) path.unsafe = "leaves the submission (`..` in its path)";
      if (!path.parts.empty()) path.parts.pop_back();
      continue;
    }
    path.parts.push_back(part);
  }
  return path;
}

bool Intake::wanted(const std::vector<std::string>& parts) const { return !places_of(parts, catalogue_).empty(); }

void Intake::skip(const Entry& entry) {
  if (skipped_++ < kMaxSkipNotes) notes_.push_back(fmt::format("skipped {}: it {}", entry.display, entry.problem));
}

Submission Intake::finish(std::string name, const std::string& refused) {
  Submission submission;
  submission.name = std::move(name);
  for (const auto& lab : catalogue_.labs) submission.labs.push_back({&lab, {}, {}});
  submission.refused = refused;
  if (refused.empty()) assign(submission);
  if (!submission.refused.empty()) {
    for (auto& lab : submission.labs) {
      lab.files.clear();
      lab.refused = submission.refused;
    }
  }
  if (skipped_ > kMaxSkipNotes) {
    notes_.push_back(fmt::format("… and {} more unsafe entries skipped", skipped_ - kMaxSkipNotes));
  }
  submission.notes = std::move(notes_);
  submission.fingerprint = fingerprint_of(submission);
  return submission;
}

void Intake::assign(Submission& submission) {
  // The layout: the course tree at the top wins, then one top folder, then bare files.
  std::set<std::string> roots;
  for (const auto& entry : entries_) {
    for (const auto& place : places_of(entry.parts, catalogue_)) {
      if (!place.bare) roots.insert(place.root);
    }
  }
  if (roots.size() > 1 && roots.count("") == 0) {
    std::string list;
    for (const auto& root : roots) list += (list.empty() ? "" : ", ") + root + "/";
    submission.refused = fmt::format("several course trees in one submission ({}): hand in one", list);
    return;
  }
  const bool bare = roots.empty();
  const std::string root = bare ? "" : *roots.begin();  // "" sorts first
  take_claims(claim(bare, root), submission);
}

// Which entries claim which editable file under the chosen layout; the others are noted.
Intake::Claims Intake::claim(bool bare, const std::string& root) {
  const std::string where = root.empty() ? "labs/" : root + "/labs/";
  Claims claims(catalogue_.labs.size());
  for (const auto& entry : entries_) {
    const auto places = places_of(entry.parts, catalogue_);
    std::vector<Place> chosen;
    for (const auto& place : places) {
      if (place.bare == bare && (bare || place.root == root)) chosen.push_back(place);
    }
    if (chosen.empty()) {
      if (!entry.problem.empty()) {
        skip(entry);
      } else {
        notes_.push_back(fmt::format("ignored {}: this submission's files are under {}", entry.display, where));
      }
      continue;
    }
    if (chosen.size() > 1) {
      std::string labs;
      for (const auto& place : chosen) labs += (labs.empty() ? "" : ", ") + catalogue_.labs[place.lab].slug;
      notes_.push_back(fmt::format("ignored {}: labs {} all have a file of that name (put it in labs/<slug>/)",
                                   entry.display, labs));
      continue;
    }
    claims[chosen[0].lab][chosen[0].file].push_back(&entry);
  }
  return claims;
}

// Each lab takes its claimed files, whole or not at all: one unsafe or doubled file
// refuses the lab.
void Intake::take_claims(const Claims& claims, Submission& submission) {
  bool any = false;
  for (std::size_t index = 0; index < catalogue_.labs.size(); ++index) {
    LabFiles& lab = submission.labs[index];
    for (const auto& file : catalogue_.labs[index].editable) {
      const auto found = claims[index].find(file);
      if (found == claims[index].end()) continue;
      const auto& entries = found->second;
      any = true;
      const auto unsafe =
          std::find_if(entries.begin(), entries.end(), [](const Entry* entry) { return !entry->problem.empty(); });
      if (unsafe != entries.end()) {
        lab.refused = fmt::format("{} {}", (*unsafe)->display, (*unsafe)->problem);
      } else if (entries.size() > 1) {
        lab.refused = fmt::format("{} is in the submission {} times", entries.front()->display, entries.size());
      } else {
        lab.files[file] = entries.front()->data;
        continue;
      }
      lab.files.clear();
      break;
    }
  }
  if (!any) notes_.push_back("no editable file of any lab was found in this submission");
}

}  // namespace labctl::submission_intake
