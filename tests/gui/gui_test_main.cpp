// The GUI tests' main: gtest first, so that --gtest_list_tests works without a display (ctest
// discovery), then the surface format VTK needs and the QApplication.
#include <gtest/gtest.h>

#include <QApplication>

#include "vtk_bridge_widget.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (::testing::GTEST_FLAG(list_tests)) return RUN_ALL_TESTS();
  ebsd::studio::VtkBridgeWidget::installDefaultSurfaceFormat();
  QApplication app(argc, argv);
  return RUN_ALL_TESTS();
}
