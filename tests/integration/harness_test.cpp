// Tests of the harness's own pieces that need no daemon: the JSON recognizer, the introspection
// reader, the command runner and the temp directory's cleanup. A harness that accepted anything
// would make the integration tests pass vacuously.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/introspection.hpp"
#include "harness/json_check.hpp"
#include "harness/process.hpp"
#include "harness/temp_dir.hpp"

namespace maint::it {
namespace {

TEST(HarnessJson, AcceptsDocumentsAndRejectsTheRest) {
    EXPECT_TRUE(is_json_document(R"({"a": [1, 2.5e3, -0, true, false, null, "x\"y\u00e9"]})"));
    EXPECT_TRUE(is_json_document(" [] \n"));
    EXPECT_FALSE(is_json_document(""));
    EXPECT_FALSE(is_json_document("{} {}"));
    EXPECT_FALSE(is_json_document("{'a': 1}"));
    EXPECT_FALSE(is_json_document("[1,]"));
    EXPECT_FALSE(is_json_document("{\"a\" 1}"));
    EXPECT_FALSE(is_json_document("\"tab\there\""));
    EXPECT_FALSE(is_json_document("ID STATUS\n1 scheduled\n"));
}

TEST(HarnessIntrospection, ReadsInterfacesMembersAndChildren) {
    const auto node = parse_introspection(R"(<!DOCTYPE node PUBLIC "x" "y">
<!-- a comment with <tags> -->
<node>
  <interface name="a.B">
    <method name="M"><arg name="x" type="u"/><arg name="y" type="s" direction="out"/></method>
    <property name="P" type="as" access="read">
      <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="const"/>
    </property>
    <property name="Q" type="b" access="read"/>
    <signal name="S"><arg name="z" type="a{sv}"/></signal>
  </interface>
  <node name="1"/><node name="2"/>
</node>)");
    ASSERT_EQ(node.interfaces.size(), 1u);
    const auto& i = node.interfaces.at("a.B");
    EXPECT_EQ(i.methods, (std::set<std::string>{"method M(in u x, out s y)"}));
    EXPECT_EQ(i.properties, (std::set<std::string>{"property P as read", "property Q b read"}));
    EXPECT_EQ(i.property_emits, (std::set<std::string>{"P emits=const", "Q emits=true"}));
    EXPECT_EQ(i.signals, (std::set<std::string>{"signal S(a{sv} z)"}));
    EXPECT_EQ(node.children, (std::vector<std::string>{"1", "2"}));
    EXPECT_THROW(parse_introspection("<node><interface name='x'></node>"), std::runtime_error);
    EXPECT_NE(set_difference_text({"a", "b"}, {"b", "c"}), "");
    EXPECT_EQ(set_difference_text({"a"}, {"a"}), "");
}

TEST(HarnessProcess, RunsACommandWithItsEnvironment) {
    const auto r = run_command({"/bin/sh", "-c", "echo out $MAINT_IT_X; echo err >&2; exit 3"},
                               environment_with({{"MAINT_IT_X", std::string("42")}}));
    EXPECT_TRUE(r.exit.exited);
    EXPECT_EQ(r.exit.code, 3);
    EXPECT_EQ(r.out, "out 42\n");
    EXPECT_EQ(r.err, "err\n");
    const auto slow =
        run_command({"/bin/sleep", "10"}, environment_with({}), std::chrono::milliseconds(200));
    EXPECT_TRUE(slow.timed_out);
    EXPECT_FALSE(slow.exit.exited);
}

TEST(HarnessTempDir, IsRemovedWithEverythingInIt) {
    std::filesystem::path kept;
    {
        TempDir dir;
        kept = dir.path();
        write_file(dir.subdir("a/b") / "file", "x");
        EXPECT_TRUE(std::filesystem::exists(kept / "a/b/file"));
    }
    EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace maint::it
