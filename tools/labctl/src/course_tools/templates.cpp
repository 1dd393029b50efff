#include "course_tools/templates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace labctl {

std::string_view embedded_file(std::span<const EmbeddedFile> files, std::string_view name) {
  const auto found =
      std::find_if(files.begin(), files.end(), [&](const EmbeddedFile& file) { return file.name == name; });
  if (found == files.end()) {
    throw std::logic_error(fmt::format("no template named {} (tools/labctl/templates/{}.in)", name, name));
  }
  return found->text;
}

std::string_view template_text(std::string_view name) { return embedded_file(embedded_templates(), name); }

}  // namespace labctl
