#include "commands/wheels.h"

#include <gtest/gtest.h>

namespace isocheck {
namespace {

TEST(WheelName, ReadsThePep427Parts) {
  const auto name = parse_wheel_name("numpy-2.1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->distribution, "numpy");
  EXPECT_EQ(name->version, "2.1.0");
  EXPECT_EQ(name->python_tag, "cp313");
  EXPECT_EQ(name->abi_tag, "cp313");
  EXPECT_EQ(name->platform_tag, "manylinux_2_17_x86_64.manylinux2014_x86_64");
  const auto built = parse_wheel_name("pkg-1.0-1build-cp312-cp312-linux_x86_64.whl");
  ASSERT_TRUE(built.has_value());
  EXPECT_EQ(built->python_tag, "cp312");
}

TEST(WheelName, NotAWheelName) {
  EXPECT_FALSE(parse_wheel_name("pkg.whl").has_value());
  EXPECT_FALSE(parse_wheel_name("pkg-1.0-cp312-cp312.whl").has_value());
  EXPECT_FALSE(parse_wheel_name("pkg-1.0-cp312-cp312-linux_x86_64.zip").has_value());
}

TEST(WheelPythons, VersionSpecificTagsNameTheirMinorsAndAbi3NamesAny) {
  EXPECT_EQ(wheel_pythons(*parse_wheel_name("p-1-cp313-cp313-linux_x86_64.whl")), (std::vector<std::string>{"3.13"}));
  EXPECT_EQ(wheel_pythons(*parse_wheel_name("p-1-cp312.cp313-cp312-linux_x86_64.whl")),
            (std::vector<std::string>{"3.12", "3.13"}));
  EXPECT_EQ(wheel_pythons(*parse_wheel_name("p-1-cp310-cp310-linux_x86_64.whl")), (std::vector<std::string>{"3.10"}));
  EXPECT_TRUE(wheel_pythons(*parse_wheel_name("p-1-cp38-abi3-manylinux_2_17_x86_64.whl")).empty());
  EXPECT_TRUE(wheel_pythons(*parse_wheel_name("p-1-py3-none-any.whl")).empty());
}

TEST(WheelPythons, ADebugAbiTagNamesTheDebugBuild) {
  EXPECT_EQ(wheel_pythons(*parse_wheel_name("p-1-cp314-cp314d-linux_x86_64.whl")), (std::vector<std::string>{"3.14d"}));
  EXPECT_EQ(wheel_pythons(*parse_wheel_name("p-1-cp314-cp314-linux_x86_64.whl")), (std::vector<std::string>{"3.14"}));
}

TEST(WheelArgument, OnlyAPlainArgumentEndingInWhl) {
  EXPECT_TRUE(is_wheel_argument("dist/p-1-cp313-cp313-linux_x86_64.whl"));
  EXPECT_FALSE(is_wheel_argument("mod=build/mod.whl"));
  EXPECT_FALSE(is_wheel_argument("pkg.whlx"));
}

}  // namespace
}  // namespace isocheck
