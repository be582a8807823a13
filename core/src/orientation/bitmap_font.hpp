#pragma once
// A 5 x 7 pixel bitmap font with just what IPF key labels need: digits, '[', ']', '<', '>'
// and '-'. A '-' directly before a digit is drawn as a bar over that digit, the
// crystallographic way of writing a negative index ("2-1-10" reads as 2 1bar 1bar 0).
// Private to the orientation module: it spares core a font library.
#include <array>
#include <cstdint>
#include <string_view>

#include "ebsd/core/image.hpp"

namespace ebsd::font {

// Size of the rendered text in pixels at the given integer scale (glyph pixel = scale x scale).
int text_width(std::string_view text, int scale);
int text_height(int scale);  // includes the room above the glyphs for overbars

// Draws text with its top-left corner at (x, y); pixels outside the image are skipped.
// Characters without a glyph are drawn as blanks.
void draw_text(RgbImage& image, int x, int y, std::string_view text, int scale, std::array<std::uint8_t, 3> colour);

}  // namespace ebsd::font
