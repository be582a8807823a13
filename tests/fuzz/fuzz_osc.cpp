// libFuzzer target for the .osc reader (issue 3: truncated files, lying counts and offsets,
// absurd dimensions, NaNs ...). The binary reader takes a path like the text readers, so it
// shares their scratch-file harness.
//
// The seeds of the fuzz run are text maps, in which random mutation would rarely produce the
// two 8-byte markers an .osc needs, so each input is read twice: as it is, and XORed onto a
// valid two-phase .osc (layout in ebsd/io/osc.hpp) so that mutations reach the header counts,
// the phase records, the byte count, the steps and the float rows. An input whose first byte
// is even also cuts the template to the input's length (truncation).
#include <cstring>
#include <string>

#include "ebsd/io/osc.hpp"
#include "fuzz_text_reader.hpp"

namespace {

void put_u32(std::string& s, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}
void put_f32(std::string& s, float f) {
  std::uint32_t v;
  std::memcpy(&v, &f, 4);
  put_u32(s, v);
}

// 2 x 2 points, step 1 um, phases "Ni" (m-3m) and "Ti" (6/mmm), 10 columns.
std::string valid_osc() {
  std::string s;
  for (std::uint32_t w : {0u, 0u, 0u, 0u, 1u, 1u, 4u, 0u}) put_u32(s, w);
  s.append("\xB9\x0B\xEF\xFF\x01\x00\x00\x00", 8);
  put_u32(s, 0);
  put_f32(s, 1.0f);
  put_u32(s, 2);
  const struct {
    const char* name;
    std::uint32_t sym;
    float lattice[6];
  } phases[] = {{"Ni", 43, {3.52f, 3.52f, 3.52f, 90, 90, 90}}, {"Ti", 62, {2.95f, 2.95f, 4.68f, 90, 90, 120}}};
  for (const auto& p : phases) {
    std::string name = p.name;
    name.resize(256, '\0');
    s += name;
    put_u32(s, p.sym);
    for (float l : p.lattice) put_f32(s, l);
    put_u32(s, 1);
    for (std::uint32_t h : {1u, 1u, 1u}) put_u32(s, h);
    s.append("Ni\0\0\0", 5);
  }
  s.append("\xB9\x0B\xEF\xFF\x02\x00\x00\x00", 8);
  put_u32(s, 4 * (4 * 10 + 2));
  put_u32(s, 0);
  put_f32(s, 1.0f);
  put_f32(s, 1.0f);
  const float rows[4][10] = {{0.1f, 0.2f, 0.3f, 0, 0, 100, 0.9f, 1, 500, 0.5f},
                             {0.4f, 0.5f, 0.6f, 1, 0, 110, 0.8f, 2, 510, 0.6f},
                             {12.56637f, 12.56637f, 12.56637f, 0, 1, 10, -1, 0, 90, 0},
                             {1.0f, 1.1f, 1.2f, 1, 1, 130, 0.6f, 1, 530, 0.8f}};
  for (const auto& r : rows)
    for (float v : r) put_f32(s, v);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto read = [](const std::filesystem::path& p) { ebsd::io::read_osc(p); };
  ebsd::fuzz::run_one(data, size, ".osc", read);
  static const std::string base = valid_osc();
  std::string mutated = base;
  for (std::size_t i = 0; i < size; ++i) {
    if (i < mutated.size()) mutated[i] = static_cast<char>(mutated[i] ^ static_cast<char>(data[i]));
    else mutated.push_back(static_cast<char>(data[i]));
  }
  if (size > 0 && data[0] % 2 == 0 && size < mutated.size()) mutated.resize(size);
  return ebsd::fuzz::run_one(reinterpret_cast<const std::uint8_t*>(mutated.data()), mutated.size(), ".osc", read);
}
