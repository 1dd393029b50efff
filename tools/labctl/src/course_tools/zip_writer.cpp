#include "course_tools/zip_writer.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <ctime>
#include <memory>
#include <system_error>

namespace labctl {

namespace fs = std::filesystem;

namespace {

// What one member holds: its bytes, or the target of the symlink it is.
struct MemberData {
  std::string bytes;
  bool executable = false;
  bool symlink = false;
  std::string target;
  std::time_t mtime = 0;
};

MemberData read_member(const ZipMember& member) {
  MemberData data;
  data.bytes = member.text;
  data.executable = member.executable;
  data.mtime = std::time(nullptr);
  if (member.file.empty()) return data;
  if (fs::is_symlink(member.file)) {
    data.symlink = true;
    data.target = fs::read_symlink(member.file).string();
  } else {
    data.bytes = read_file(member.file);
    data.executable = (fs::status(member.file).permissions() & fs::perms::owner_exec) != fs::perms::none;
  }
  // The course files keep their times, so a build reused across unpackings (the
  // package's own test) does not recompile what did not change.
  struct stat info {};
  if (lstat(member.file.c_str(), &info) == 0) data.mtime = info.st_mtime;
  return data;
}

using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

// The member's header: a symlink, or a regular file with its mode and size.
EntryPtr entry_for(const std::string& name, const MemberData& data) {
  EntryPtr entry(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_mtime(entry.get(), data.mtime, 0);
  if (data.symlink) {
    archive_entry_set_filetype(entry.get(), AE_IFLNK);
    archive_entry_set_symlink(entry.get(), data.target.c_str());
    archive_entry_set_perm(entry.get(), 0777);
    archive_entry_set_size(entry.get(), 0);
  } else {
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), data.executable ? 0755 : 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.bytes.size()));
  }
  return entry;
}

}  // namespace

void write_zip(const fs::path& zip, const std::vector<ZipMember>& members) {
  const fs::path partial = zip.string() + ".partial";
  std::error_code error;
  if (fs::symlink_status(partial, error).type() != fs::file_type::not_found) {
    throw Error(fmt::format("{} already exists (an interrupted export?): remove it and export again", partial.string()));
  }
  std::unique_ptr<archive, decltype(&archive_write_free)> out(archive_write_new(), archive_write_free);
  const auto fail = [&](const std::string& what) {
    const std::string detail = archive_error_string(out.get()) ? archive_error_string(out.get()) : "unknown error";
    out.reset();
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw Error(fmt::format("writing {} failed: {}: {}", zip.string(), what, detail));
  };
  if (archive_write_set_format_zip(out.get()) != ARCHIVE_OK) fail("zip format");
  if (archive_write_open_filename(out.get(), partial.c_str()) != ARCHIVE_OK) fail("cannot create it");
  for (const auto& member : members) {
    const MemberData data = read_member(member);
    const EntryPtr entry = entry_for(member.name, data);
    if (archive_write_header(out.get(), entry.get()) != ARCHIVE_OK) fail(member.name);
    if (!data.bytes.empty() &&
        archive_write_data(out.get(), data.bytes.data(), data.bytes.size()) != static_cast<la_ssize_t>(data.bytes.size())) {
      fail(member.name);
    }
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK) fail("closing it");
  out.reset();
  fs::rename(partial, zip, error);
  if (error) {
    fs::remove(partial, error);
    throw Error(fmt::format("writing {} failed: {}", zip.string(), error.message()));
  }
}

}  // namespace labctl
