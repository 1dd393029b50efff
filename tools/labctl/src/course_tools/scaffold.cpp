#include "course_tools/scaffold.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "course/catalogue.hpp"
#include "course_tools/templates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <string_view>
#include <system_error>

namespace labctl {

namespace fs = std::filesystem;

namespace {

// "12-thread-pool" -> "thread_pool": the file names and nothing else of the lab's code.
std::string base_name(const std::string& slug) {
  std::string base = slug.substr(3);
  for (char& c : base) {
    if (c == '-') c = '_';
  }
  return base;
}

// "12-thread-pool" -> "Thread pool".
std::string default_title(const std::string& slug) {
  std::string title = slug.substr(3);
  for (char& c : title) {
    if (c == '-') c = ' ';
  }
  title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  return title;
}

// A TOML basic string's contents.
std::string toml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

// Creates `file` holding `text`; never replaces one (O_EXCL through "wx").
void create_file(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::FILE* out = std::fopen(file.c_str(), "wx");
  if (out == nullptr) throw Error(fmt::format("cannot create {}: it exists or the folder is not writable", file.string()));
  const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (std::fclose(out) != 0 || !written) throw Error(fmt::format("cannot write {}", file.string()));
}

// Template `name` (templates/NAME.in) for lab `slug` titled `title`: {nn} "12", {slug}
// "12-thread-pool", {base} "thread_pool" (file names), {title}.
std::string render(std::string_view name, const std::string& slug, const std::string& title) {
  return fmt::format(fmt::runtime(template_text(name)), fmt::arg("nn", slug.substr(0, 2)), fmt::arg("slug", slug),
                     fmt::arg("base", base_name(slug)), fmt::arg("title", title));
}

}  // namespace

std::string slug_problem(const std::string& slug) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto word_char = [&](char c) { return (c >= 'a' && c <= 'z') || digit(c); };
  if (slug.size() < 4 || !digit(slug[0]) || !digit(slug[1]) || slug[2] != '-') {
    return "a lab is named NN-slug: two digits, a dash, then lowercase words (like 12-thread-pool)";
  }
  if (slug.substr(0, 2) == "00") return "lab numbers start at 01";
  if (!(slug[3] >= 'a' && slug[3] <= 'z')) return "the part after NN- must start with a lowercase letter";
  for (std::size_t i = 3; i < slug.size(); ++i) {
    if (slug[i] == '-') {
      if (i + 1 == slug.size() || slug[i + 1] == '-') return "dashes separate words: none doubled or at the end";
    } else if (!word_char(slug[i])) {
      return fmt::format("'{}' is not allowed: only lowercase letters, digits and dashes", slug[i]);
    }
  }
  if (slug.size() > 40) return "keep it short: at most 40 characters";
  return {};
}

std::vector<ScaffoldFile> scaffold_files(const std::string& slug, const std::string& title) {
  const std::string base = base_name(slug);
  return {
      {fs::path("labs") / slug / "README.md", render("new_lab/README.md", slug, title)},
      {fs::path("labs") / slug / (base + ".hpp"), render("new_lab/header.hpp", slug, title)},
      {fs::path("labs") / slug / (base + ".cpp"), render("new_lab/starter.cpp", slug, title)},
      {fs::path("solutions") / slug / (base + ".cpp"), render("new_lab/solution.cpp", slug, title)},
      {fs::path("tests") / (slug + ".cpp"), render("new_lab/tests.cpp", slug, title)},
  };
}

std::string catalogue_entry(const std::string& slug, const std::string& title) {
  // A blank line first: it sets the entry apart from the one before it in labs.toml.
  return "\n" + render("new_lab/catalogue_entry.toml", slug, toml_escape(title));
}

int run_new(const Workspace& workspace, const NewLabOptions& options) {
  const std::string& slug = options.slug;
  if (const std::string problem = slug_problem(slug); !problem.empty()) {
    throw Error(fmt::format("new {}: {}", slug, problem));
  }
  const std::string title = options.title.empty() ? default_title(slug) : options.title;
  if (title.find_first_of("\n\r") != std::string::npos) throw Error("--title must be one line");
  const std::string nn = slug.substr(0, 2);
  for (const auto& lab : workspace.catalogue.labs) {
    if (lab.number == nn) throw Error(fmt::format("lab {} already exists ({}): pick another number", nn, lab.slug));
    if (lab.slug.substr(3) == slug.substr(3)) {
      throw Error(fmt::format("a lab named {} already exists ({}): pick another name", slug.substr(3), lab.slug));
    }
  }
  // A folder the catalogue does not know yet (a lab half-added by hand) counts as taken too.
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(workspace.root / "labs", error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.size() > 3 && name[2] == '-' && name.substr(0, 2) == nn) {
      throw Error(fmt::format("labs/{} already exists with number {}: pick another number", name, nn));
    }
  }
  const auto files = scaffold_files(slug, title);
  for (const auto& file : files) {
    if (fs::exists(workspace.root / file.path)) {
      throw Error(fmt::format("{} already exists: new never overwrites a file", file.path.string()));
    }
  }
  const fs::path catalogue = workspace.root / "labs" / "labs.toml";
  std::string text = read_file(catalogue);
  if (text.empty()) throw Error(fmt::format("cannot read the catalogue {}", catalogue.string()));
  for (const auto& file : files) create_file(workspace.root / file.path, file.text);
  std::ofstream out(catalogue, std::ios::app);
  out << (text.back() == '\n' ? "" : "\n") << catalogue_entry(slug, title);
  if (!out.flush()) throw Error(fmt::format("cannot append to {}", catalogue.string()));
  for (const auto& file : files) std::printf("racelab: created %s\n", file.path.c_str());
  std::printf("racelab: added lab %s to labs/labs.toml; `tools/lab verify %s` checks it\n", slug.c_str(), nn.c_str());
  return kExitOk;
}

std::vector<std::string> still_scaffolded(const fs::path& root, const Lab& lab) {
  std::vector<std::string> left;
  // The scaffold's handout says where it came from; a handout of the lab's own does not.
  if (read_file(root / "labs" / lab.slug / "README.md").find("> Scaffolded by `tools/lab new") != std::string::npos) {
    left.push_back("its handout (README.md)");
  }
  // The scaffold's hints, as `new` would write them for this lab.
  try {
    const Catalogue scaffold = parse_catalogue(catalogue_entry(lab.slug, lab.title), "the scaffold's entry");
    const auto& theirs = scaffold.labs.front().hints;
    const bool kept = std::any_of(lab.hints.begin(), lab.hints.end(), [&](const std::string& hint) {
      return std::find(theirs.begin(), theirs.end(), hint) != theirs.end();
    });
    if (kept) left.push_back("its hints");
  } catch (const Error&) {
    // A title the scaffold's entry cannot hold: then no hint of this lab came from it.
  }
  return left;
}

}  // namespace labctl
