package dev.bitnet.structured;

import dev.bitnet.chat.ChatMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.bitnet.structured.StructuredTestSupport.acceptsBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The tool-call reply format: what the constraint admits, how replies read back, and how history is written. */
class ToolCallFormatTest {
    private static final ToolDefinition WEATHER = new ToolDefinition("weather", "The weather in a city now.",
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
                    + "\"unit\":{\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"city\"]}");
    /** Its own $defs and a recursive $ref, which must keep resolving once the schema sits inside the reply's. */
    private static final ToolDefinition TREE = new ToolDefinition("tree", null,
            "{\"type\":\"object\",\"properties\":{\"root\":{\"$ref\":\"#/$defs/node\"}},\"required\":[\"root\"],"
                    + "\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"label\":{\"const\":{\"$ref\":\"#\"}},"
                    + "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},"
                    + "\"required\":[\"children\"],\"additionalProperties\":false}}}");
    private static final ToolDefinition NOW = new ToolDefinition("now", "The time.", null);

    private final ToolCallFormat auto = ToolCallFormat.of(List.of(WEATHER, TREE, NOW), false);
    private final ToolCallFormat required = ToolCallFormat.of(List.of(WEATHER, TREE, NOW), true);

    @Test
    void aCallOfADeclaredToolWithValidArgumentsIsAdmitted() {
        ResponseFormat f = required.responseFormat();
        assertThat(acceptsBytes(f, "{\"tool\":\"weather\",\"arguments\":{\"city\":\"Paris\",\"unit\":\"celsius\"}}", true)).isTrue();
        assertThat(acceptsBytes(f, "{\"tool\":\"now\",\"arguments\":{}}", true)).isTrue();
        assertThat(acceptsBytes(f, "{\"tool\":\"tree\",\"arguments\":{\"root\":{\"children\":[{\"children\":[]}]}}}", true)).isTrue();
        // the const holding {"$ref": "#"} is data: it was not rewritten
        assertThat(acceptsBytes(f, "{\"tool\":\"tree\",\"arguments\":{\"root\":{\"label\":{\"$ref\":\"#\"},\"children\":[]}}}", true)).isTrue();
    }

    @Test
    void anythingElseIsNot() {
        ResponseFormat f = required.responseFormat();
        assertThat(acceptsBytes(f, "{\"tool\":\"rain\"", false)).as("an undeclared tool").isFalse();
        assertThat(acceptsBytes(f, "{\"tool\":\"weather\",\"arguments\":{\"unit\":\"kelvin\"", false)).isFalse();
        assertThat(acceptsBytes(f, "{\"tool\":\"weather\",\"arguments\":{\"unit\":\"celsius\"}}", true))
                .as("a required argument missing").isFalse();
        assertThat(acceptsBytes(f, "{\"tool\":\"now\",\"arguments\":{\"x\"", false)).as("arguments a tool has not").isFalse();
        assertThat(acceptsBytes(f, "{\"answer\"", false)).as("an answer where a call is required").isFalse();
        assertThat(acceptsBytes(auto.responseFormat(), "{\"answer\":\"It is sunny.\"}", true)).isTrue();
    }

    @Test
    void argumentsMayBeAnyValueTheirSchemaAllows() {
        ToolCallFormat echo = ToolCallFormat.of(List.of(new ToolDefinition("echo", null, "{\"type\":\"string\"}")), true);
        assertThat(acceptsBytes(echo.responseFormat(), "{\"tool\":\"echo\",\"arguments\":\"hi\"}", true)).isTrue();
        assertThat(acceptsBytes(echo.responseFormat(), "{\"tool\":\"echo\",\"arguments\":{", false)).isFalse();
        assertThat(ToolCallFormat.parse("{\"tool\":\"echo\",\"arguments\":\"hi\"}")).isEqualTo(new ToolReply.Call("echo", "\"hi\""));
    }

    @Test
    void repliesReadBackAsACallOrText() {
        assertThat(ToolCallFormat.parse(" {\"tool\" : \"weather\", \"arguments\": {\"city\": \"Paris\"}}"))
                .isEqualTo(new ToolReply.Call("weather", "{\"city\":\"Paris\"}"));
        assertThat(ToolCallFormat.parse("{\"answer\": \"It is sunny.\"}")).isEqualTo(new ToolReply.Text("It is sunny."));
        assertThat(ToolCallFormat.parse("plain words")).isEqualTo(new ToolReply.Text("plain words"));
    }

    @Test
    void anAnswerCutOffMidStringGivesItsTextSoFarAndACutOffCallItsRawText() {
        assertThat(ToolCallFormat.parse(" { \"answer\" :\n \"Hi\\nthere \\u00e9, \\\"you\\\" and"))
                .isEqualTo(new ToolReply.Text("Hi\nthere \u00e9, \"you\" and"));
        assertThat(ToolCallFormat.parse("{\"answer\": \"cut in an escape \\")).isEqualTo(new ToolReply.Text("cut in an escape "));
        assertThat(ToolCallFormat.parse("{\"answer\": \"cut in a code \\u00")).isEqualTo(new ToolReply.Text("cut in a code "));
        assertThat(ToolCallFormat.parse("{\"answer\": \"done\"")).isEqualTo(new ToolReply.Text("done"));
        assertThat(ToolCallFormat.parse("{\"tool\": \"weather\", \"argu")).isEqualTo(new ToolReply.Text("{\"tool\": \"weather\", \"argu"));
    }

    @Test
    void everyPrefixOfAnAnswerReadsAsAPrefixOfItsText() {
        String text = "Line one\n\"quoted\" \\ back\tslash \u00e9\u4e2d \ud83d\ude00 end";
        String reply = "{ \"answer\": " + new String(JsonTree.encodeString(text), java.nio.charset.StandardCharsets.UTF_8) + " }";
        for (int cut = 0; cut <= reply.length(); cut++) {
            ToolReply r = ToolCallFormat.parse(reply.substring(0, cut));
            assertThat(r).isInstanceOf(ToolReply.Text.class);
            String got = ((ToolReply.Text) r).text();
            if (cut > reply.indexOf('"', reply.indexOf(':'))) {
                assertThat(text).as("cut at %d", cut).startsWith(got);
            }
        }
        assertThat(ToolCallFormat.parse(reply)).isEqualTo(new ToolReply.Text(text));
    }

    @Test
    void anyTextParsesWithoutThrowing() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        String alphabet = "{}[]\":,\\u0aZ -tool answer arguments\n";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder junk = new StringBuilder();
            int n = r.nextInt(40);
            for (int j = 0; j < n; j++) {
                junk.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            assertThat(ToolCallFormat.parse(junk.toString())).isNotNull();
        }
    }

    @Test
    void historyIsWrittenInTheSameFormat() {
        assertThat(ToolCallFormat.renderCall("weather", "{ \"city\": \"Paris\" }"))
                .isEqualTo("{\"tool\":\"weather\",\"arguments\":{\"city\":\"Paris\"}}");
        assertThat(ToolCallFormat.renderCall("now", "")).isEqualTo("{\"tool\":\"now\",\"arguments\":{}}");
        assertThat(ToolCallFormat.renderCall("odd", "not json")).isEqualTo("{\"tool\":\"odd\",\"arguments\":\"not json\"}");
        assertThat(ToolCallFormat.renderTurn(" Let me look. ", List.of(new ToolReply.Call("now", ""),
                new ToolReply.Call("weather", "{\"city\":\"Oslo\"}"))))
                .isEqualTo("Let me look.\n{\"tool\":\"now\",\"arguments\":{}}\n{\"tool\":\"weather\",\"arguments\":{\"city\":\"Oslo\"}}");
        assertThat(ToolCallFormat.renderTurn(null, List.of(new ToolReply.Call("now", "{}"))))
                .isEqualTo("{\"tool\":\"now\",\"arguments\":{}}");
        assertThat(ToolCallFormat.renderResult("weather", "sunny", false)).isEqualTo("Result of tool weather returned: sunny");
        assertThat(ToolCallFormat.renderResult(null, "no such city", true)).isEqualTo("Result of the tool failed: no such city");
    }

    @Test
    void theInstructionsListTheToolsAndEndTheSystemPrompt() {
        assertThat(auto.instructions()).contains("- weather: The weather in a city now. Arguments schema: {\"type\":\"object\"")
                .contains("- now: The time. No arguments: {}.").contains("{\"answer\"");
        assertThat(required.instructions()).doesNotContain("{\"answer\"");
        List<ChatMessage> withSystem = auto.withInstructions(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")));
        assertThat(withSystem.getFirst().content()).startsWith("Be brief.\n\nYou can call tools.");
        assertThat(withSystem).hasSize(2);
        List<ChatMessage> without = auto.withInstructions(List.of(ChatMessage.user("Hi")));
        assertThat(without).hasSize(2);
        assertThat(without.getFirst()).isEqualTo(ChatMessage.system(auto.instructions()));
    }

    @Test
    void badToolListsAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> ToolCallFormat.of(List.of(), true)).hasMessageContaining("at least one");
        assertThatThrownBy(() -> ToolCallFormat.of(List.of(NOW, NOW), true)).hasMessageContaining("'now'");
        assertThatThrownBy(() -> ToolCallFormat.of(List.of(new ToolDefinition("p", null,
                "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"pattern\":\"a+\"}}}")), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tool 'p'").hasMessageContaining("pattern");
        // arguments with no finite value: refused even though the answer branch would keep the reply satisfiable
        assertThatThrownBy(() -> ToolCallFormat.of(List.of(new ToolDefinition("loop", null,
                "{\"type\":\"object\",\"properties\":{\"n\":{\"$ref\":\"#\"}},\"required\":[\"n\"]}")), false))
                .hasMessageContaining("tool 'loop'");
        assertThatThrownBy(() -> new ToolDefinition("has space", null, null)).hasMessageContaining("has space");
    }
}
