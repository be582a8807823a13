#pragma once
// "Write aside, then rename": every writer creates its output under a temporary name in the
// destination folder and renames it into place only after the last byte is written, so a
// crash, an error or Ctrl-C never destroys the previous good file.
#include <filesystem>
#include <functional>

namespace ebsd::io {

// Calls write(temporary_path); on success renames it to `target`, on any exception removes
// the temporary and rethrows. The temporary lives in target's folder (same file system).
void write_atomically(const std::filesystem::path& target,
                      const std::function<void(const std::filesystem::path& temporary)>& write);

}  // namespace ebsd::io
