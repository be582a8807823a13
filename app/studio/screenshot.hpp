#pragma once
// --screenshot: open the file, show one view with the requested colouring, render once, write
// the PNG (view and colour key), and return the exit code: 0 written, 1 the file or colouring
// could not be used, 3 the PNG could not be written. Messages go to stderr.
#include "command_line.hpp"

namespace ebsd::studio {

int runScreenshot(const StudioOptions& options);

}  // namespace ebsd::studio
