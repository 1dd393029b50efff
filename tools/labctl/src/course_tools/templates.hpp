// labctl's templates: the files under tools/labctl/templates/, embedded in the program when
// it is built (tools/labctl/cmake/embed.cmake), so that `labctl new` and `labctl export
// --gradescope` need nothing beside the binary. A template is fmt format text: {name} is a
// placeholder, {{ and }} are braces (templates/README.md lists each template's placeholders).
#pragma once

#include <span>
#include <string_view>

namespace labctl {

// One embedded file: its name (its path under the folder, without ".in") and its bytes.
struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};

// The text of template `name`, like "new_lab/README.md" (templates/new_lab/README.md.in),
// exactly as the file holds it. An unknown name is a bug in labctl: std::logic_error.
std::string_view template_text(std::string_view name);

// The file named `name` among `files`; std::logic_error when there is none.
std::string_view embedded_file(std::span<const EmbeddedFile> files, std::string_view name);

// Every template, sorted by name: generated at build time from templates/**/*.in.
std::span<const EmbeddedFile> embedded_templates();

}  // namespace labctl
