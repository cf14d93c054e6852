// PluginLoader: the ABI and build checks come before any other plugin code,
// and every refusal names the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "plugins/plugin_loader.h"
#include "test_support.h"

namespace vikno {
namespace {

using ::testing::HasSubstr;
using testing::ScratchDir;

std::string Plugin(const std::string& name) {
  return std::string(VIKNO_TEST_PLUGIN_DIR) + "/test_plugin_" + name + ".so";
}

std::string AbiMessage() {
  return "host ABI " + std::to_string(sdk::kAbiVersion) + ", plugin ABI 999";
}

TEST(PluginLoader, RefusesWrongAbiNamingBothNumbersAndNeverCallsCreate) {
  const auto marker = ScratchDir() / "create-was-called";
  // The wrong-ABI plugin's create writes `marker` and aborts: reaching it
  // would kill this test.
  auto loaded = PluginLoader::Load("old", Plugin("wrong_abi"), {{"marker", marker.string()}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.refusal().code, PluginLoader::kAbiMismatch);
  EXPECT_THAT(loaded.refusal().message, HasSubstr(AbiMessage()));
  EXPECT_THAT(loaded.refusal().message, HasSubstr("channel 'old'"));
  EXPECT_THAT(loaded.refusal().message, HasSubstr("test_plugin_wrong_abi.so"));
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(PluginLoader, InspectReportsTheMismatchToo) {
  auto info = PluginLoader::Inspect(Plugin("wrong_abi"));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.refusal().code, PluginLoader::kAbiMismatch);
  EXPECT_THAT(info.refusal().message, HasSubstr(AbiMessage()));
}

TEST(PluginLoader, RefusesPluginBuiltWithOtherStdLibraryAbi) {
  auto loaded = PluginLoader::Load("odd", Plugin("wrong_build"), {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.refusal().code, PluginLoader::kBuildMismatch);
  EXPECT_THAT(loaded.refusal().message, HasSubstr("cxx11_abi=1"));
  EXPECT_THAT(loaded.refusal().message, HasSubstr("cxx11_abi=0"));
  EXPECT_THAT(loaded.refusal().message, HasSubstr("(test)"));
}

TEST(PluginLoader, RefusesLibraryWithoutEntryPointsAsNotAPlugin) {
  auto loaded = PluginLoader::Load("stranger", Plugin("no_symbols"), {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.refusal().code, PluginLoader::kNotAPlugin);
  EXPECT_THAT(loaded.refusal().message, HasSubstr("is not a vikno plugin"));
  EXPECT_THAT(loaded.refusal().message, HasSubstr("vikno_plugin_abi"));
}

TEST(PluginLoader, RefusesMissingFile) {
  const auto path = (ScratchDir() / "nowhere.so").string();
  auto loaded = PluginLoader::Load("ghost", path, {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.refusal().code, PluginLoader::kMissing);
  EXPECT_THAT(loaded.refusal().message, HasSubstr(path + " does not exist"));
}

TEST(PluginLoader, BareNameIsLeftToTheDynamicLoaderSearch) {
  auto loaded = PluginLoader::Load("ghost", "vikno-no-such-plugin.so", {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.refusal().code, PluginLoader::kMissing);
  EXPECT_THAT(loaded.refusal().message,
              HasSubstr("vikno-no-such-plugin.so was not found by the dynamic loader"));
}

TEST(PluginLoader, RefusesAnEmptyLibraryName) {
  auto loaded = PluginLoader::Load("web", "", {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.refusal().code, PluginLoader::kMissing);
  EXPECT_THAT(loaded.refusal().message, HasSubstr("channel 'web': no plugin library is named"));
}

TEST(PluginLoader, RefusesFileThatIsNotASharedLibraryWithTheLoadersReason) {
  const auto path = ScratchDir() / "text.so";
  std::ofstream(path) << "this is not an ELF file\n";
  auto loaded = PluginLoader::Load("text", path.string(), {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.refusal().code, PluginLoader::kUnloadable);
  EXPECT_THAT(loaded.refusal().message, HasSubstr("cannot load " + path.string()));
}

TEST(PluginLoader, LoadsAMatchingPluginAndCreatesItsChannel) {
  auto info = PluginLoader::Inspect(Plugin("probe"));
  ASSERT_TRUE(info.ok()) << info.refusal().message;
  EXPECT_EQ(info->abi, sdk::kAbiVersion);
  EXPECT_EQ(info->build_info, VIKNO_SDK_BUILD_INFO);

  auto loaded = PluginLoader::Load("probe", Plugin("probe"), {});
  ASSERT_TRUE(loaded.ok()) << loaded.refusal().message;
  EXPECT_EQ(loaded.value()->name(), "probe");
  EXPECT_EQ(loaded.value()->channel().Limits().overall.count, 5);
}

TEST(PluginLoader, BadSettingsRefuseCreationListingEveryProblem) {
  auto loaded = PluginLoader::Load("probe", Plugin("probe"),
                                   {{"per_recipient", "lots"}, {"fail_start", "maybe"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.refusal().code, PluginLoader::kCreateFailed);
  EXPECT_THAT(loaded.refusal().message,
              HasSubstr("per_recipient: expected an integer, got 'lots'"));
  EXPECT_THAT(loaded.refusal().message,
              HasSubstr("fail_start: expected true or false, got 'maybe'"));
}

TEST(PluginLoader, SameLibraryServesTwoChannelsIndependently) {
  auto a = PluginLoader::Load("a", Plugin("probe"), {});
  auto b = PluginLoader::Load("b", Plugin("probe"), {});
  ASSERT_TRUE(a.ok() && b.ok());
  std::unique_ptr<LoadedChannel> first = std::move(a).value();
  std::unique_ptr<LoadedChannel> second = std::move(b).value();
  first.reset();  // closing one handle must leave the library loaded for the other
  sdk::OutboundMessage m;
  m.chat_id = "1";
  EXPECT_EQ(second->channel().Send(m).provider_message_id, "probe-1");
}

TEST(PluginLoader, BuildInfoComparesLibraryFieldsNotCompiler) {
  std::string host = VIKNO_SDK_BUILD_INFO;
  std::string why;
  EXPECT_TRUE(PluginLoader::BuildInfoMatches(host, &why));
  // Another compiler on the same standard library is accepted.
  std::string other_compiler = host.substr(0, host.find(";compiler=")) + ";compiler=clang 16";
  EXPECT_TRUE(PluginLoader::BuildInfoMatches(other_compiler, &why));
  EXPECT_FALSE(
      PluginLoader::BuildInfoMatches("stdlib=libc++;stdlib_release=170000;cxx11_abi=0", &why));
  EXPECT_THAT(why, HasSubstr("stdlib=libc++"));
  EXPECT_FALSE(PluginLoader::BuildInfoMatches("", &why));
  EXPECT_FALSE(PluginLoader::BuildInfoMatches("garbage", &why));
}

}  // namespace
}  // namespace vikno
