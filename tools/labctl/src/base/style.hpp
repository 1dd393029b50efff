// Colour for the tables labctl prints: only on a terminal, and never when NO_COLOR is
// set (https://no-color.org), so logs, pipes and CI output stay plain text.
#pragma once

#include <string>
#include <string_view>

namespace labctl {

enum class Tone { good, bad, warn, dim, bold };

class Style {
 public:
  // Decides from stdout and the environment.
  static Style for_stdout();
  explicit Style(bool colour) : colour_(colour) {}

  std::string operator()(std::string_view text, Tone tone) const;
  bool colour() const { return colour_; }

 private:
  bool colour_;
};

// True when stderr is a terminal: progress lines are for people watching, not for logs.
bool stderr_is_terminal();

}  // namespace labctl
