// Plugin file formats in the FormatRegistry: chosen by content for reading, by extension for
// writing, written atomically, and failing with the file named.
#include <fstream>

#include "plugin_test_support.hpp"
#include "run_command.hpp"

namespace ebsd::test {
namespace {

using ::testing::HasSubstr;

class PluginFormats : public ::testing::Test {
protected:
  void SetUp() override {
    plugins_ = load_from({fixture_dir("c_plugin")});
    ASSERT_TRUE(plugins_->records.at(0).loaded) << plugins_->records.at(0).reason;
  }
  const io::FormatRegistry& formats() const { return plugins_->formats; }
  std::unique_ptr<LoadedPlugins> plugins_;
};

Volume sample_volume() {
  Volume v({3, 2, 1});
  v.phases().push_back({"Copper", LaueGroup::CubicHigh, {3.6, 3.6, 3.6, 90, 90, 90}});
  v.phases().push_back({"Zinc", LaueGroup::HexagonalHigh, {2.66, 2.66, 4.95, 90, 90, 120}});
  for (std::int64_t i = 0; i < v.voxel_count(); ++i) {
    v.set_orientation(i, rotation_about_z(10.0 * static_cast<double>(i)));
    v.phase_ids()[static_cast<std::size_t>(i)] = i % 3 == 2 ? 0 : 1 + static_cast<std::int32_t>(i % 2);
    v.valid()[static_cast<std::size_t>(i)] = i % 3 == 2 ? 0 : 1;
    v.confidence()[static_cast<std::size_t>(i)] = 0.125f * static_cast<float>(i);
  }
  return v;
}

TEST_F(PluginFormats, RegistersTheFormatWithItsExtensionAndPluginName) {
  ASSERT_EQ(formats().formats().size(), 1u);
  const auto& f = formats().formats()[0];
  EXPECT_EQ(f.name, "fixture-text");
  EXPECT_EQ(f.extensions, std::vector<std::string>{".fixt"});
  EXPECT_THAT(f.description, HasSubstr("fixture-c"));
  EXPECT_TRUE(f.read && f.write && f.sniff);
}

TEST_F(PluginFormats, WritesAndReadsBackAVolume) {
  TempDir tmp;
  const auto path = tmp / "scan.fixt";
  const Volume original = sample_volume();
  const io::FileFormat* writer = formats().for_writing(path);
  ASSERT_NE(writer, nullptr);
  writer->write(path, original, Progress::none());

  const io::FileFormat* reader = formats().for_reading(path);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->name, "fixture-text");
  const io::ReadResult r = reader->read(path, {}, Progress::none());
  EXPECT_EQ(r.volume.dims(), original.dims());
  EXPECT_EQ(r.volume.phases().size(), 2u);
  EXPECT_EQ(r.volume.phases()[1].name, "Zinc");
  EXPECT_EQ(r.volume.phases()[1].laue, LaueGroup::HexagonalHigh);
  for (std::int64_t i = 0; i < original.voxel_count(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    EXPECT_EQ(r.volume.phase_ids()[k], original.phase_ids()[k]) << i;
    EXPECT_EQ(r.volume.valid()[k], original.valid()[k]) << i;
    EXPECT_EQ(r.volume.confidence()[k], original.confidence()[k]) << i;
    for (std::size_t c = 0; c < 4; ++c) EXPECT_EQ(r.volume.quaternion_data()[4 * k + c], original.quaternion_data()[4 * k + c]);
  }
  EXPECT_EQ(r.report.format, "fixture-text");
  EXPECT_EQ(r.report.warnings, std::vector<std::string>{"fixture-text stores no spacing; 1 assumed"});
}

TEST_F(PluginFormats, WritingLeavesOnlyTheFinishedFile) {
  TempDir tmp;
  formats().for_writing(tmp / "a.fixt")->write(tmp / "a.fixt", sample_volume(), Progress::none());
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"a.fixt"});
}

TEST_F(PluginFormats, SniffingDecidesByContentNotExtension) {
  TempDir tmp;
  std::ofstream(tmp / "other.fixt") << "not the fixture format\n";
  EXPECT_EQ(formats().for_reading(tmp / "other.fixt"), nullptr);
  formats().for_writing(tmp / "a.fixt")->write(tmp / "a.fixt", sample_volume(), Progress::none());
  std::filesystem::rename(tmp / "a.fixt", tmp / "renamed.txt");
  const io::FileFormat* f = formats().for_reading(tmp / "renamed.txt");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name, "fixture-text");
}

TEST_F(PluginFormats, ReaderErrorNamesTheFileAndThePlugin) {
  TempDir tmp;
  const auto path = tmp / "short.fixt";
  std::ofstream(path) << "EBSD-FIXTURE 2 2 1 0\n1 0 0 0 0 1 0.5\n";
  try {
    formats().for_reading(path)->read(path, {}, Progress::none());
    FAIL() << "a file with 1 of 4 voxel lines was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.file(), path.string());
    EXPECT_EQ(e.problem(), "voxel line 2 of 4 is missing or malformed");
    EXPECT_THAT(e.place(), HasSubstr("plugin 'fixture-c', format 'fixture-text'"));
  }
}

}  // namespace
}  // namespace ebsd::test
