#include "run/tsan_report.hpp"
#include "base/text.hpp"

#include "run/classify.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>

namespace labctl {
namespace {

constexpr std::size_t kMaxSourceWidth = 100;
constexpr off_t kMaxSourceBytes = 1 << 20;

struct Frame {
  std::string function;  // shortened
  std::optional<SourceLocation> where;
};

struct Section {
  std::string header;  // "Read of size 8 by thread T11:"
  std::vector<Frame> frames;
};

// The program's output is the student's: every parser here is a loop whose cost grows
// with the text only linearly, never a std::regex (libstdc++'s recurses once per
// character, and a one-megabyte line ran labctl off its stack), and what it keeps of a
// line is cut to kMaxLineKept.
constexpr std::size_t kMaxLineKept = 300;

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// The length of `prefix` followed by at least one character of `kind` at `at` in `text`
// (and `suffix` after them), or 0.
template <class Kind>
std::size_t match_run(std::string_view text, std::size_t at, std::string_view prefix, Kind kind,
                      std::string_view suffix = {}) {
  if (text.compare(at, prefix.size(), prefix) != 0) return 0;
  std::size_t end = at + prefix.size(), start = end;
  while (end < text.size() && kind(text[end])) ++end;
  if (end == start || text.compare(end, suffix.size(), suffix) != 0) return 0;
  return end + suffix.size() - at;
}

// " (module+0x1f)": a parenthesis with no nested ones that ends in "+0x" and hex digits.
std::size_t match_module_offset(std::string_view text, std::size_t at) {
  if (text.compare(at, 2, " (") != 0) return 0;
  const std::size_t close = text.find_first_of("()", at + 2);
  if (close == std::string_view::npos || text[close] != ')') return 0;
  const std::size_t plus = text.rfind("+0x", close);
  if (plus == std::string_view::npos || plus < at + 2 || plus + 3 == close) return 0;
  for (std::size_t i = plus + 3; i < close; ++i) {
    if (!is_hex(text[i])) return 0;
  }
  return close + 1 - at;
}

// Drops what only matters to a debugger: addresses, pids, tids, module offsets.
std::string tidy_header(std::string_view header) {
  const std::string_view text = trim(header).substr(0, kMaxLineKept);
  std::string tidy;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t noise = match_run(text, at, " at 0x", is_hex);
    if (noise == 0) noise = match_run(text, at, " (0x", is_hex, ")");
    if (noise == 0) noise = match_run(text, at, " (pid=", is_digit, ")");
    if (noise == 0) noise = match_run(text, at, "tid=", is_digit, ", ");
    if (noise == 0) noise = match_module_offset(text, at);
    if (noise > 0) {
      at += noise;
    } else {
      tidy += text[at++];
    }
  }
  return tidy;
}

// "data race" of "WARNING: ThreadSanitizer: data race (pid=12)", or "" when `line` is not
// a sanitizer's headline.
std::string report_kind(std::string_view line) {
  std::size_t at = std::string_view::npos;
  for (std::string_view headline : {"WARNING: ThreadSanitizer: ", "ERROR: AddressSanitizer: "}) {
    if (const auto found = line.find(headline); found != std::string_view::npos) {
      at = found + headline.size();
      break;
    }
  }
  if (at == std::string_view::npos) return "";
  std::string_view kind = trim(line.substr(at));
  if (const auto pid = kind.rfind(" (pid="); pid != std::string_view::npos && kind.back() == ')' &&
                                                 match_run(kind, pid, " (pid=", is_digit, ")") == kind.size() - pid) {
    kind = kind.substr(0, pid);
  }
  return std::string(trim(kind.substr(0, kMaxLineKept)));
}

// "ns::f(std::vector<...> const&)::$_0::operator()() const" → "ns::f()::$_0::operator()()":
// template arguments and parameter lists emptied, so the name fits on a line.
std::string short_function(std::string_view name) {
  std::string out;
  int angle = 0;
  int paren = 0;
  for (char c : name) {
    if (c == '<') ++angle;
    if (angle == 0) {
      if (c == '(') {
        if (paren++ == 0) out += '(';
        continue;
      }
      if (c == ')') {
        if (--paren == 0) out += ')';
        continue;
      }
      if (paren == 0) out += c;
    }
    if (c == '>' && angle > 0) --angle;
  }
  out = std::string(trim(out));
  if (out.size() > 6 && out.compare(out.size() - 6, 6, " const") == 0) out.resize(out.size() - 6);
  return out;
}

// "    #1 func(args) /path/file.cpp:49:72 (bin+0x1)" → its function and location.
Frame parse_frame_line(std::string_view line) {
  Frame frame;
  std::string text(trim(line));
  const auto space = text.find(' ');
  std::string rest = space == std::string::npos ? "" : text.substr(space + 1);
  frame.where = parse_frame(line);
  if (frame.where) {
    const auto at = rest.find(frame.where->file);
    if (at != std::string::npos) rest = rest.substr(0, at);
  } else {
    const auto module = rest.find(" (");
    if (module != std::string::npos) rest = rest.substr(0, module);
  }
  frame.function = short_function(rest);
  return frame;
}

std::string source_line(const SourceLocation& where, const ReportSources& sources) {
  if (where.line <= 0) return {};
  const std::string* text = sources.find(where.file);
  if (text == nullptr) return {};
  const auto lines = split_lines(*text);
  if (static_cast<std::size_t>(where.line) > lines.size()) return {};
  std::string shown(trim(lines[static_cast<std::size_t>(where.line) - 1]));
  if (shown.size() > kMaxSourceWidth) shown = shown.substr(0, kMaxSourceWidth - 1) + "…";
  return shown;
}

// The contents of the regular file `name` in the open folder `dir`, without following a
// symbolic link; nothing when it is not a small regular file.
std::optional<std::string> read_regular_file_at(int dir, const std::string& name) {
  const int fd = ::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> contents;
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size <= kMaxSourceBytes) {
    std::string text;
    char buffer[8192];
    ssize_t got = 0;
    while ((got = ::read(fd, buffer, sizeof buffer)) > 0 && static_cast<off_t>(text.size()) <= kMaxSourceBytes)
      text.append(buffer, static_cast<std::size_t>(got));
    if (got == 0) contents = std::move(text);
  }
  ::close(fd);
  return contents;
}

bool has_dot_dot(std::string_view path) {
  for (std::size_t start = 0; start <= path.size();) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_library_path(const std::string& file) {
  return file.rfind("/usr/", 0) == 0 || file.find("/tools/labkit/") != std::string::npos ||
         file.find("googletest") != std::string::npos || file.find("sysdeps/") != std::string::npos;
}

// The frames worth a beginner's attention: all of theirs; if none, the first that is not
// library code; if none either, the first with a file at all.
std::vector<const Frame*> frames_to_show(const Section& section, std::string_view code_dir) {
  std::vector<const Frame*> shown;
  for (const auto& frame : section.frames)
    if (frame.where && !code_dir.empty() && frame.where->file.find(code_dir) != std::string::npos)
      shown.push_back(&frame);
  if (!shown.empty()) return shown;
  for (const auto& frame : section.frames)
    if (frame.where && !is_library_path(frame.where->file)) return {&frame};
  for (const auto& frame : section.frames)
    if (frame.where) return {&frame};
  return {};
}

}  // namespace

void ReportSources::add(std::string relative, std::string contents) {
  files_[std::move(relative)] = std::move(contents);
}

void ReportSources::add_folder(const std::filesystem::path& folder, const std::string& relative_prefix) {
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0) return;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    if (auto contents = read_regular_file_at(dir, name)) add(relative_prefix + name, std::move(*contents));
  }
  ::close(dir);
}

const std::string* ReportSources::find(std::string_view frame_path) const {
  if (frame_path.empty() || has_dot_dot(frame_path)) return nullptr;
  for (const auto& [relative, contents] : files_) {
    if (frame_path == relative) return &contents;
    if (frame_path.size() > relative.size() && frame_path.ends_with(relative) &&
        frame_path[frame_path.size() - relative.size() - 1] == '/') {
      return &contents;
    }
  }
  return nullptr;
}

std::string guide_section(std::string_view kind) {
  std::string anchor;
  for (char c : kind) {
    if (c == '(') break;
    if (std::isalnum(static_cast<unsigned char>(c))) {
      anchor += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!anchor.empty() && anchor.back() != '-') {
      anchor += '-';
    }
  }
  while (!anchor.empty() && anchor.back() == '-') anchor.pop_back();
  return "docs/tsan.md#" + anchor;
}

std::optional<CondensedReport> condense_first_report(std::string_view output, std::string_view code_dir,
                                                     const ReportSources& sources) {
  const auto lines = split_lines(output);
  std::size_t at = 0;
  std::string kind;
  for (; at < lines.size() && kind.empty(); ++at) kind = report_kind(lines[at]);
  if (!kind.empty()) --at;
  if (kind.empty()) return std::nullopt;

  // The report's sections: a header line at two spaces, then its frames ("    #N ...").
  std::vector<Section> sections;
  for (++at; at < lines.size(); ++at) {
    // A frame's line with a long template name is a few hundred characters; more is noise.
    const std::string_view line = lines[at].substr(0, 16 * kMaxLineKept);
    if (line.rfind("SUMMARY:", 0) == 0 || line.rfind("==================", 0) == 0) break;
    const std::string text(trim(line));
    if (text.empty()) continue;
    // Every line of a sanitizer's report is indented; the first that is not is the
    // program's own output again (a program can print a headline of its own, and what
    // follows it must not pass for a report).
    if (line.rfind("  ", 0) != 0) break;
    if (text[0] == '#') {
      if (!sections.empty()) sections.back().frames.push_back(parse_frame_line(line));
    } else {
      sections.push_back({tidy_header(line), {}});
    }
  }

  CondensedReport report{kind, guide_section(kind), {}};
  for (const auto& section : sections) {
    report.lines.push_back(section.header);
    const auto shown = frames_to_show(section, code_dir);
    for (const Frame* frame : shown) {
      const auto& where = *frame->where;
      const std::string location =
          where.line > 0 ? fmt::format("{}:{}", base_name(where.file), where.line) : base_name(where.file);
      report.lines.push_back(fmt::format("  {}  in {}", location, frame->function));
      if (const std::string source = source_line(where, sources); !source.empty())
        report.lines.push_back(fmt::format("    | {}", source));
    }
    const std::size_t folded = section.frames.size() - shown.size();
    if (folded > 0 && !section.frames.empty())
      report.lines.push_back(fmt::format("  ({} other frame{} folded: standard library, tests, labkit)", folded,
                                         folded == 1 ? "" : "s"));
  }
  return report;
}

}  // namespace labctl
