#include "student/watch.hpp"

#include "course/lab_files.hpp"

#include "base/errors.hpp"
#include "student/hint.hpp"
#include "student/lab_state.hpp"
#include "base/process.hpp"
#include "student/scoreboard.hpp"
#include "base/style.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <sys/inotify.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- the terminal
// On a terminal, keys act at once (no Enter needed) and are not echoed. The settings are
// put back on every way out: return, exception, and Ctrl-C (through the signal hook).
termios g_saved_terminal{};
bool g_terminal_changed = false;

void restore_terminal() {
  if (g_terminal_changed) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
}

class KeysAtOnce {
 public:
  KeysAtOnce() {
    if (::isatty(STDIN_FILENO) != 1 || ::tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) return;
    termios raw = g_saved_terminal;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);  // ISIG stays: Ctrl-C still works
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) g_terminal_changed = true;
    install_signal_forwarding(restore_terminal);
  }
  ~KeysAtOnce() {
    restore_terminal();
    g_terminal_changed = false;
  }
  KeysAtOnce(const KeysAtOnce&) = delete;
  KeysAtOnce& operator=(const KeysAtOnce&) = delete;
};

// ---------------------------------------------------------------- the files
// Editors save in many ways (write in place, write a temporary and rename it over the
// file, vim's "4913" probe, swap and backup files); watching the folder and ignoring the
// editors' own scratch files sees every real save once.
bool is_scratch_file(std::string_view name) {
  const auto ends_with = [&](std::string_view tail) {
    return name.size() >= tail.size() && name.substr(name.size() - tail.size()) == tail;
  };
  return name.empty() || name.front() == '.' || name.front() == '#' || ends_with("~") || ends_with(".swp") ||
         ends_with(".swx") || ends_with(".tmp") || name == "4913";
}

class FolderWatch {
 public:
  FolderWatch() : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (fd_ < 0) throw Error(fmt::format("cannot watch files (inotify): {}", std::strerror(errno)));
  }
  ~FolderWatch() { ::close(fd_); }
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  void watch(const fs::path& folder) {
    if (watch_ >= 0) ::inotify_rm_watch(fd_, watch_);
    watch_ = ::inotify_add_watch(fd_, folder.c_str(),
                                 IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF);
    if (watch_ < 0) throw Error(fmt::format("cannot watch {}: {}", folder.string(), std::strerror(errno)));
  }

  int fd() const { return fd_; }

  struct Changes {
    bool saved = false;         // a real file was written, renamed in or deleted
    bool folder_gone = false;   // the folder itself was deleted or moved away
  };

  // Reads every event queued now.
  Changes drain() {
    Changes changes;
    alignas(inotify_event) std::array<char, 8192> buffer;
    while (true) {
      const ssize_t got = ::read(fd_, buffer.data(), buffer.size());
      if (got <= 0) break;
      for (ssize_t at = 0; at < got;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
        if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) changes.folder_gone = true;
        if (event->len > 0 && !is_scratch_file(event->name)) changes.saved = true;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    return changes;
  }

 private:
  int fd_;
  int watch_ = -1;
};

// ---------------------------------------------------------------- the loop
// The lab to work on first: the one asked for, else the first one not passing when it
// was last checked (a student coming back after a break carries on where they were).
const Lab* first_lab(const Workspace& workspace, const std::vector<const Lab*>& labs, const std::string& asked) {
  if (!asked.empty()) return workspace.select_student_labs({asked}).front();
  for (const Lab* lab : labs) {
    if (!passed_when_last_checked(workspace.build, *lab)) return lab;
  }
  return labs.front();
}

// The next lab after `lab` that has not passed yet, or nullptr when every lab passes.
const Lab* next_lab(const Workspace& workspace, const std::vector<const Lab*>& labs, const Lab* lab) {
  auto here = std::find(labs.begin(), labs.end(), lab);
  for (auto it = std::next(here); it != labs.end(); ++it) {
    if (!passed_when_last_checked(workspace.build, **it)) return *it;
  }
  for (auto it = labs.begin(); it != here; ++it) {
    if (!passed_when_last_checked(workspace.build, **it)) return *it;
  }
  return nullptr;
}

void show_header(const Lab& lab, const Style& style, const char* why) {
  if (style.colour()) fmt::print("\x1b[2J\x1b[H");  // a fresh screen for each verdict, as rustlings does
  fmt::print("{}\n\n", style(fmt::format("racelab watch — lab {} ({}): {}", lab.number, lab.title, why), Tone::bold));
  std::fflush(stdout);
}

void show_footer(const Lab& lab, const Style& style) {
  fmt::print("\n{}\n", style(fmt::format("Watching labs/{}/ — save a file to check again · h hint · Enter check now · q quit",
                                         lab.slug),
                             Tone::dim));
  std::fflush(stdout);
}

// Waits until a file is saved, a key is pressed, or input ends.
enum class Wake { saved, recheck, hint, quit, folder_gone };

Wake wait_for_something(FolderWatch& files, bool& input_open) {
  constexpr auto kQuietTime = std::chrono::milliseconds(150);  // one save is often several events
  while (true) {
    std::array<pollfd, 2> fds{{{files.fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}}};
    const int ready = ::poll(fds.data(), input_open ? 2 : 1, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("watch: poll failed: {}", std::strerror(errno)));
    }
    if (fds[0].revents & POLLIN) {
      FolderWatch::Changes changes = files.drain();
      // Let the editor finish: gather events until the folder has been quiet a moment.
      pollfd again{files.fd(), POLLIN, 0};
      while (::poll(&again, 1, static_cast<int>(kQuietTime.count())) > 0) {
        const auto more = files.drain();
        changes.saved |= more.saved;
        changes.folder_gone |= more.folder_gone;
      }
      if (changes.folder_gone) return Wake::folder_gone;
      if (changes.saved) return Wake::saved;
    }
    if (input_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      char key = 0;
      const ssize_t got = ::read(STDIN_FILENO, &key, 1);
      if (got <= 0) {
        input_open = false;  // no more keys (stdin closed): keep watching the files
        continue;
      }
      switch (key) {
        case 'q': case 'Q': case 0x04: return Wake::quit;  // 0x04: Ctrl-D on a raw terminal
        case 'h': case 'H': return Wake::hint;
        case '\n': case '\r': case 'c': case 'C': return Wake::recheck;
        default: break;
      }
    }
  }
}

}  // namespace

int run_watch(const Workspace& workspace, const WatchOptions& options) {
  const std::vector<const Lab*> labs = workspace.select_student_labs({});
  if (options.no_build) {
    std::vector<std::string> targets;
    for (const Lab* lab : labs) targets.push_back(lab->target("starter"));
    require_test_programs(workspace.build, targets);
  }
  const Style style = Style::for_stdout();
  const Lab* lab = first_lab(workspace, labs, options.lab);

  FolderWatch files;
  KeysAtOnce keys;
  bool input_open = true;
  const char* why = "first check";
  while (true) {
    files.watch(workspace.root / "labs" / lab->slug);
    show_header(*lab, style, why);
    // A file deleted or renamed while watching: say so and wait for it to come back
    // (tools/lab reset in another terminal), rather than building a lab with a file missing.
    if (const auto missing = missing_lab_file(workspace.root, *lab)) {
      fmt::print("{} is missing: restore the starter with `tools/lab reset {}` (your other files are kept)\n",
                 lab_file_path(*lab, *missing), lab->number);
    } else if (check_and_show(workspace, *lab, !options.no_build, options.diagnostics)) {
      const Lab* next = next_lab(workspace, labs, lab);
      if (next == nullptr) {
        fmt::print("\n{}\n", style("Every lab passes. Well done — tools/lab list shows your score.", Tone::good));
        return kExitOk;
      }
      fmt::print("\n{}\n", style(fmt::format("On to lab {}: labs/{}/README.md", next->number, next->slug), Tone::good));
      lab = next;
      why = "the previous lab passes";
      continue;
    }
    show_footer(*lab, style);

    Wake wake = Wake::hint;
    while (wake == Wake::hint) {
      wake = wait_for_something(files, input_open);
      if (wake == Wake::hint) {
        fmt::print("\n");
        run_hint(workspace, lab->number);
        show_footer(*lab, style);
      }
    }
    if (wake == Wake::quit) {
      fmt::print("Stopped watching.\n");
      return kExitOk;
    }
    if (wake == Wake::folder_gone) {
      throw Error(fmt::format("labs/{} was deleted or moved: restore it with git checkout -- labs/{} and watch again",
                              lab->slug, lab->slug));
    }
    why = wake == Wake::saved ? "a file was saved" : "checked again";
  }
}

}  // namespace labctl
