package dev.bitnet.server;

import dev.bitnet.chat.ChatMessage;
import dev.bitnet.structured.ResponseFormat;
import dev.bitnet.structured.ToolCallFormat;
import dev.bitnet.structured.ToolDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RequestParser} with {@code tools}, {@code tool_choice}, {@code parallel_tool_calls}, assistant
 * {@code tool_calls} and {@code tool} messages: what each accepted shape maps to, and the 400 naming the field for
 * each refused one.
 */
class ToolsRequestParserTest {
    final RequestParser parser = new RequestParser(1000, 512);
    static final String USER = "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]";
    static final String WEATHER_PARAMETERS = "{\"type\":\"object\",\"properties\":{\"city\":{\"enum\":[\"Paris\","
            + "\"Rome\"]},\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"],"
            + "\"additionalProperties\":false}";
    static final String WEATHER = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
            + "\"Current weather\",\"parameters\":" + WEATHER_PARAMETERS + ",\"strict\":true}}";
    static final String TIME = "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}";
    static final String TOOLS = "\"tools\":[" + WEATHER + "," + TIME + "]";

    CompletionRequest chat(String fields) {
        return parse("{" + USER + (fields.isEmpty() ? "" : "," + fields) + "}");
    }

    CompletionRequest parse(String body) {
        return parser.parseChat(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void toolsDefaultToAutoAndConstrainTheReply() {
        CompletionRequest r = chat(TOOLS);
        ToolCallFormat f = r.tools();
        assertThat(f).isNotNull();
        assertThat(f.required()).isFalse();
        assertThat(f.tools()).containsExactly(
                new ToolDefinition("get_weather", "Current weather", WEATHER_PARAMETERS),
                new ToolDefinition("get_time", null, null));
        assertThat(r.options().responseFormat()).isEqualTo(f.responseFormat());
        assertThat(r.options().responseFormat().kind()).isEqualTo(ResponseFormat.Kind.JSON_SCHEMA);
        assertThat(r.messages()).containsExactly(ChatMessage.system(f.instructions()), ChatMessage.user("Weather in Paris?"));
        ToolCallFormat auto = chat(TOOLS + ",\"tool_choice\":\"auto\"").tools();
        assertThat(auto.required()).isFalse();
        assertThat(auto.tools()).isEqualTo(f.tools());
        assertThat(auto.responseFormat()).isEqualTo(f.responseFormat());
    }

    @Test
    void theInstructionsEndAnExistingSystemMessage() {
        CompletionRequest r = parse("{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\","
                + "\"content\":\"hi\"}]," + TOOLS + "}");
        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().getFirst().content()).isEqualTo("Be brief.\n\n" + r.tools().instructions());
    }

    @Test
    void requiredAndANamedFunctionForceACall() {
        ToolCallFormat required = chat(TOOLS + ",\"tool_choice\":\"required\"").tools();
        assertThat(required.required()).isTrue();
        assertThat(required.tools()).extracting(ToolDefinition::name).containsExactly("get_weather", "get_time");
        ToolCallFormat named = chat(TOOLS + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}")
                .tools();
        assertThat(named.required()).isTrue();
        assertThat(named.tools()).extracting(ToolDefinition::name).containsExactly("get_time");
    }

    @Test
    void noneLeavesTheReplyFreeAndNoToolsMeanNoFormat() {
        CompletionRequest none = chat(TOOLS + ",\"tool_choice\":\"none\",\"response_format\":{\"type\":\"json_object\"}");
        assertThat(none.tools()).isNull();
        assertThat(none.messages()).containsExactly(ChatMessage.user("Weather in Paris?"));
        assertThat(none.options().responseFormat()).isEqualTo(ResponseFormat.jsonObject());
        assertThat(chat("\"tools\":[],\"tool_choice\":\"auto\"").tools()).isNull();
        assertThat(chat("\"tools\":null").tools()).isNull();
        assertThat(chat("").tools()).isNull();
        assertThat(chat(TOOLS + ",\"response_format\":{\"type\":\"text\"}").tools()).isNotNull();
    }

    @Test
    void anEmptySchemaMeansNoArgumentsAndAnUntypedOneWithPropertiesIsAnObject() {
        assertThat(chat("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]")
                .tools().tools().getFirst().parameters()).isNull();
        assertThat(chat("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":"
                + "{\"properties\":{\"a\":{\"type\":\"integer\"}}}}}]").tools().tools().getFirst().parameters())
                .contains("\"a\"");
    }

    @Test
    void parallelToolCallsIsAcceptedEitherWay() {
        assertThat(chat(TOOLS + ",\"parallel_tool_calls\":true").tools()).isNotNull();
        assertThat(chat(TOOLS + ",\"parallel_tool_calls\":false").tools()).isNotNull();
        assertThat(chat(TOOLS + ",\"parallel_tool_calls\":null").tools()).isNotNull();
    }

    @Test
    void theMostToolsAreAcceptedOneMoreIsNot() {
        String many = IntStream.range(0, ToolCallFormat.MAX_TOOLS).mapToObj(i -> "{\"type\":\"function\",\"function\":"
                + "{\"name\":\"t" + i + "\"}}").collect(Collectors.joining(",", "\"tools\":[", "]"));
        assertThat(chat(many).tools().tools()).hasSize(ToolCallFormat.MAX_TOOLS);
        refused(() -> chat(many.replace("]", "," + TIME + "]")), "tools");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"tools\":{}|tools", "\"tools\":\"get_weather\"|tools", "\"tools\":[1]|tools[0]",
            "\"tools\":[{\"function\":{\"name\":\"f\"}}]|tools[0].type",
            "\"tools\":[{\"type\":7,\"function\":{\"name\":\"f\"}}]|tools[0].type",
            "\"tools\":[{\"type\":\"function\"}]|tools[0].function",
            "\"tools\":[{\"type\":\"function\",\"function\":\"f\"}]|tools[0].function",
            "\"tools\":[{\"type\":\"function\",\"function\":{}}]|tools[0].function.name",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":3}}]|tools[0].function.name",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get weather\"}}]|tools[0].function.name",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"\"}}]|tools[0].function.name",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":7}}]|tools[0].function.description",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"strict\":\"yes\"}}]|tools[0].function.strict",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":[]}}]|tools[0].function.parameters",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"string\"}}}]|tools[0].function.parameters",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":{\"n\":{\"$ref\":\"#\"}},\"required\":[\"n\"]}}}]|tools",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}},{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]|tools",
            "\"tool_choice\":\"required\"|tool_choice", "\"tools\":[],\"tool_choice\":\"required\"|tool_choice",
            "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}|tool_choice",
            "\"tool_choice\":\"sometimes\"|tool_choice", "\"tool_choice\":7|tool_choice",
            "\"tool_choice\":{\"type\":\"function\"}|tool_choice",
            "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":1}}|tool_choice",
            "\"tool_choice\":{\"function\":{\"name\":\"get_time\"}}|tool_choice",
            "\"parallel_tool_calls\":\"yes\"|parallel_tool_calls"})
    void badToolFieldsAre400NamingTheField(String field, String param) {
        refused(() -> chat(field), param);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}|tool_choice|nope",
            "\"response_format\":{\"type\":\"json_object\"}|response_format|together with tools",
            "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}},{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]|tools|'f'"})
    void mistakesWithToolsAreExplained(String field, String param, String said) {
        String body = field.startsWith("\"tools\"") ? field : TOOLS + "," + field;
        assertThatThrownBy(() -> chat(body)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.param()).isEqualTo(param);
            assertThat(e.getMessage()).contains(said);
        });
    }

    @Test
    void unsupportedToolTypesAndSchemaKeywordsAreNamed() {
        assertThatThrownBy(() -> chat("\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"f\"}}]"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.param()).isEqualTo("tools[0].type");
                    assertThat(e.code()).isEqualTo("unsupported_parameter");
                    assertThat(e.getMessage()).contains("custom");
                });
        assertThatThrownBy(() -> chat("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"pattern\":\"^[A-Z]+$\"}}}}}]"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.param()).isEqualTo("tools");
                    assertThat(e.code()).isEqualTo("unsupported_parameter");
                    assertThat(e.getMessage()).startsWith("tools: ").contains("'lookup'").contains("pattern");
                });
        assertThatThrownBy(() -> chat("\"tool_choice\":{\"type\":\"allowed_tools\"}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.param()).isEqualTo("tool_choice");
                    assertThat(e.code()).isEqualTo("unsupported_parameter");
                });
    }

    @Test
    void legacyFunctionCallingStaysRefused() {
        refused(() -> chat("\"functions\":[{\"name\":\"f\"}]"), "functions");
        refused(() -> chat("\"function_call\":\"auto\""), "function_call");
        refused(() -> parse("{\"messages\":[{\"role\":\"function\",\"name\":\"f\",\"content\":\"x\"}]}"), "messages[0].role");
    }

    static final String CALL = "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}";
    static final String CALL2 = "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\","
            + "\"arguments\":\"{}\"}}";

    @Test
    void earlierCallsAndResultsBecomeConversationText() {
        CompletionRequest r = parse("{\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + CALL + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny\"},"
                + "{\"role\":\"assistant\",\"content\":\"Now the time.\",\"tool_calls\":[" + CALL2 + "," + CALL + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":[{\"type\":\"text\",\"text\":\"noon\"}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"unknown\",\"content\":\"?\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c3\",\"function\":{\"name\":\"get_time\"}}]}"
                + "]," + TOOLS + "}");
        String weather = ToolCallFormat.renderCall("get_weather", "{\"city\": \"Paris\"}");
        String time = ToolCallFormat.renderCall("get_time", "{}");
        assertThat(weather).isEqualTo("{\"tool\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}");
        assertThat(r.messages()).containsExactly(
                ChatMessage.system(r.tools().instructions()),
                ChatMessage.user("Weather and time?"),
                ChatMessage.assistant(weather),
                ChatMessage.user(ToolCallFormat.renderResult("get_weather", "sunny", false)),
                ChatMessage.assistant("Now the time.\n" + time + "\n" + weather),
                ChatMessage.user(ToolCallFormat.renderResult("get_time", "noon", false)),
                ChatMessage.user(ToolCallFormat.renderResult(null, "?", false)),
                ChatMessage.assistant(ToolCallFormat.renderCall("get_time", null)));
    }

    @Test
    void historyWithToolsIsAcceptedWithoutTools() {
        CompletionRequest r = parse("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[" + CALL + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny\"}]}");
        assertThat(r.tools()).isNull();
        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().get(1)).isEqualTo(ChatMessage.user("Result of tool get_weather returned: sunny"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"role\":\"assistant\",\"tool_calls\":{}}|messages[0].tool_calls",
            "{\"role\":\"assistant\",\"content\":null}|messages[0].content",
            "{\"role\":\"assistant\",\"tool_calls\":[1]}|messages[0].tool_calls[0]",
            "{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"name\":\"f\"}}]}|messages[0].tool_calls[0].id",
            "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":5,\"function\":{\"name\":\"f\"}}]}|messages[0].tool_calls[0].id",
            "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"custom\",\"function\":{\"name\":\"f\"}}]}|messages[0].tool_calls[0].type",
            "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\"}]}|messages[0].tool_calls[0].function",
            "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":[]}]}|messages[0].tool_calls[0].function",
            "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{}}]}|messages[0].tool_calls[0].function.name",
            "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":{}}}]}|messages[0].tool_calls[0].function.arguments",
            "{\"role\":\"assistant\",\"content\":7,\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\"}}]}|messages[0].content",
            "{\"role\":\"tool\",\"content\":\"x\"}|messages[0].tool_call_id",
            "{\"role\":\"tool\",\"tool_call_id\":1,\"content\":\"x\"}|messages[0].tool_call_id",
            "{\"role\":\"tool\",\"tool_call_id\":\"c\"}|messages[0].content",
            "{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":[{\"type\":\"image_url\"}]}|messages[0].content[0].type"})
    void badToolMessagesAre400NamingTheMessage(String message, String param) {
        refused(() -> parse("{\"messages\":[" + message + "]}"), param);
    }

    static void refused(Runnable r, String param) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.param()).isEqualTo(param);
            assertThat(RequestParserFuzzTest.namesTheField(e)).as("the message names the field: %s", e.getMessage())
                    .isTrue();
        });
    }
}
