#include "base/style.hpp"

#include <unistd.h>

#include <cstdlib>

namespace labctl {

Style Style::for_stdout() {
  const char* no_colour = std::getenv("NO_COLOR");
  const bool wanted = no_colour == nullptr || *no_colour == '\0';
  return Style(wanted && ::isatty(STDOUT_FILENO) == 1);
}

std::string Style::operator()(std::string_view text, Tone tone) const {
  if (!colour_ || text.empty()) return std::string(text);
  const char* code = "";
  switch (tone) {
    case Tone::good: code = "\x1b[32m"; break;
    case Tone::bad: code = "\x1b[31m"; break;
    case Tone::warn: code = "\x1b[33m"; break;
    case Tone::dim: code = "\x1b[2m"; break;
    case Tone::bold: code = "\x1b[1m"; break;
  }
  return std::string(code) + std::string(text) + "\x1b[0m";
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace labctl
