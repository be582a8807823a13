// Glyphs of the IPF key font, one 5-bit row per entry, top row first, bit 4 = leftmost pixel.
#include "bitmap_font.hpp"

namespace ebsd::font {
namespace {

constexpr int kGlyphW = 5, kGlyphH = 7, kAdvance = 6, kOverbarRoom = 2, kBelow = 1;

using Glyph = std::array<std::uint8_t, kGlyphH>;

const Glyph* glyph(char c) {
  static constexpr Glyph kDigits[10] = {
      {0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110},  // 0
      {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},  // 1
      {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111},  // 2
      {0b11110, 0b00001, 0b00001, 0b01110, 0b00001, 0b00001, 0b11110},  // 3
      {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010},  // 4
      {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110},  // 5
      {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110},  // 6
      {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000},  // 7
      {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110},  // 8
      {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100},  // 9
  };
  static constexpr Glyph kOpen = {0b01110, 0b01000, 0b01000, 0b01000, 0b01000, 0b01000, 0b01110};
  static constexpr Glyph kClose = {0b01110, 0b00010, 0b00010, 0b00010, 0b00010, 0b00010, 0b01110};
  static constexpr Glyph kLess = {0b00010, 0b00100, 0b01000, 0b10000, 0b01000, 0b00100, 0b00010};
  static constexpr Glyph kGreater = {0b01000, 0b00100, 0b00010, 0b00001, 0b00010, 0b00100, 0b01000};
  static constexpr Glyph kMinus = {0, 0, 0, 0b11111, 0, 0, 0};
  if (c >= '0' && c <= '9') return &kDigits[c - '0'];
  switch (c) {
    case '[': return &kOpen;
    case ']': return &kClose;
    case '<': return &kLess;
    case '>': return &kGreater;
    case '-': return &kMinus;
    default: return nullptr;
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A '-' that becomes an overbar takes no room of its own.
bool is_overbar(std::string_view text, std::size_t i) {
  return text[i] == '-' && i + 1 < text.size() && is_digit(text[i + 1]);
}

void fill_block(RgbImage& image, int x, int y, int scale, std::array<std::uint8_t, 3> colour) {
  for (int dy = 0; dy < scale; ++dy)
    for (int dx = 0; dx < scale; ++dx) {
      const int px = x + dx, py = y + dy;
      if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
      std::uint8_t* p = image.at(px, py);
      p[0] = colour[0];
      p[1] = colour[1];
      p[2] = colour[2];
    }
}

}  // namespace

int text_width(std::string_view text, int scale) {
  int cells = 0;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!is_overbar(text, i)) ++cells;
  return cells == 0 ? 0 : (cells * kAdvance - 1) * scale;
}

int text_height(int scale) { return (kOverbarRoom + kGlyphH + kBelow) * scale; }

void draw_text(RgbImage& image, int x, int y, std::string_view text, int scale, std::array<std::uint8_t, 3> colour) {
  int cx = x;
  const int top = y + kOverbarRoom * scale;
  bool bar = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_overbar(text, i)) {
      bar = true;
      continue;
    }
    if (const Glyph* gl = glyph(text[i])) {
      for (int row = 0; row < kGlyphH; ++row)
        for (int col = 0; col < kGlyphW; ++col)
          if ((*gl)[static_cast<std::size_t>(row)] & (1u << (kGlyphW - 1 - col)))
            fill_block(image, cx + col * scale, top + row * scale, scale, colour);
    }
    if (bar)
      for (int col = 0; col < kGlyphW; ++col) fill_block(image, cx + col * scale, y, scale, colour);
    bar = false;
    cx += kAdvance * scale;
  }
}

}  // namespace ebsd::font
