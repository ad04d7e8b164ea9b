package dev.bitnet.server;

import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import dev.bitnet.structured.ResponseFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link RequestParser}, field by field: what each field maps to, and the 400 each bad value gets. */
class RequestParserTest {
    final RequestParser parser = new RequestParser(1000, 512);
    static final String USER = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    CompletionRequest chat(String fields) {
        return parser.parseChat(("{" + USER + (fields.isEmpty() ? "" : "," + fields) + "}").getBytes(StandardCharsets.UTF_8));
    }

    CompletionRequest text(String json) {
        return parser.parseCompletion(json.getBytes(StandardCharsets.UTF_8));
    }

    static void refused(Runnable r, int status, String param) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.param()).isEqualTo(param);
        });
    }

    @Test
    void absentFieldsKeepTheLibraryDefaultsAndTheContextAsLimit() {
        CompletionRequest r = chat("");
        GenerationOptions d = GenerationOptions.defaults();
        GenerationOptions o = r.options();
        assertThat(o.maxTokens()).isEqualTo(512);
        assertThat(r.maxTokensGiven()).isFalse();
        assertThat(o.temperature()).isEqualTo(d.temperature());
        assertThat(o.topP()).isEqualTo(d.topP());
        assertThat(o.topK()).isEqualTo(d.topK());
        assertThat(o.minP()).isEqualTo(d.minP());
        assertThat(o.seed()).isEmpty();
        assertThat(o.stopStrings()).isEmpty();
        assertThat(o.logitBias()).isEmpty();
        assertThat(r.stream()).isFalse();
        assertThat(r.includeUsage()).isFalse();
        assertThat(r.model()).isNull();
        assertThat(r.kind()).isEqualTo(CompletionRequest.Kind.CHAT);
    }

    @Test
    void samplingFieldsMapOneToOne() {
        GenerationOptions o = chat("\"temperature\":0.3,\"top_p\":0.5,\"top_k\":7,\"min_p\":0.1,\"repeat_penalty\":1.2,"
                + "\"presence_penalty\":0.4,\"frequency_penalty\":-0.5,\"seed\":-9,\"max_tokens\":33").options();
        assertThat(o.temperature()).isEqualTo(0.3);
        assertThat(o.topP()).isEqualTo(0.5);
        assertThat(o.topK()).isEqualTo(7);
        assertThat(o.minP()).isEqualTo(0.1);
        assertThat(o.repeatPenalty()).isEqualTo(1.2);
        assertThat(o.presencePenalty()).isEqualTo(0.4);
        assertThat(o.frequencyPenalty()).isEqualTo(-0.5);
        assertThat(o.seed()).hasValue(-9);
        assertThat(o.maxTokens()).isEqualTo(33);
    }

    @Test
    void maxCompletionTokensIsTheNewNameOfMaxTokens() {
        CompletionRequest r = chat("\"max_completion_tokens\":12");
        assertThat(r.options().maxTokens()).isEqualTo(12);
        assertThat(r.maxTokensGiven()).isTrue();
        assertThat(chat("\"max_tokens\":12,\"max_completion_tokens\":12").options().maxTokens()).isEqualTo(12);
        refused(() -> chat("\"max_tokens\":12,\"max_completion_tokens\":13"), 400, "max_tokens");
    }

    @Test
    void integersWrittenAsWholeNumbersWork() {
        assertThat(chat("\"temperature\":1").options().temperature()).isEqualTo(1.0);
        assertThat(chat("\"top_p\":1").options().topP()).isEqualTo(1.0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"temperature\":-0.1|temperature", "\"temperature\":2.5|temperature", "\"temperature\":\"hot\"|temperature",
            "\"top_p\":0|top_p", "\"top_p\":1.01|top_p", "\"top_k\":-1|top_k", "\"top_k\":1.5|top_k",
            "\"min_p\":2|min_p", "\"repeat_penalty\":0|repeat_penalty", "\"presence_penalty\":3|presence_penalty",
            "\"frequency_penalty\":-2.5|frequency_penalty", "\"seed\":1.5|seed", "\"seed\":99999999999999999999|seed",
            "\"max_tokens\":0|max_tokens", "\"max_tokens\":-3|max_tokens", "\"max_tokens\":true|max_tokens",
            "\"max_completion_tokens\":9999999999|max_completion_tokens", "\"stream\":\"yes\"|stream",
            "\"model\":3|model", "\"stop\":5|stop", "\"stop\":[\"a\",1]|stop", "\"stop\":\"\"|stop",
            "\"logit_bias\":[1]|logit_bias", "\"logit_bias\":{\"x\":1}|logit_bias", "\"logit_bias\":{\"1000\":1}|logit_bias",
            "\"logit_bias\":{\"-1\":1}|logit_bias", "\"logit_bias\":{\"5\":101}|logit_bias",
            "\"logit_bias\":{\"5\":\"big\"}|logit_bias.5", "\"n\":\"two\"|n",
            "\"stream_options\":{\"include_usage\":true}|stream_options",
            "\"stream\":true,\"stream_options\":{\"include_usage\":1}|stream_options.include_usage",
            "\"stream\":true,\"stream_options\":[]|stream_options",
            "\"response_format\":\"json\"|response_format", "\"response_format\":{}|response_format.type",
            "\"response_format\":{\"type\":\"json_schema\"}|response_format.json_schema",
            "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"strict\":1}}|response_format.json_schema.strict",
            "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":[]}}|response_format.json_schema.schema",
            "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{\"$ref\":\"#/$defs/x\"}}}|response_format"})
    void badValuesAre400NamingTheField(String field, String param) {
        refused(() -> chat(field), 400, param);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"n\":2|n", "\"functions\":[{\"name\":\"f\"}]|functions", "\"function_call\":\"auto\"|function_call",
            "\"response_format\":{\"type\":\"xml\"}|response_format",
            "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{\"allOf\":[]}}}|response_format",
            "\"logprobs\":true|logprobs", "\"top_logprobs\":2|top_logprobs", "\"audio\":{}|audio",
            "\"modalities\":[\"text\",\"audio\"]|modalities"})
    void unsupportedFeaturesAre400NamingTheField(String field, String param) {
        assertThatThrownBy(() -> chat(field)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.param()).isEqualTo(param);
            assertThat(e.code()).isEqualTo("unsupported_parameter");
            assertThat(e.getMessage()).contains("not supported");
        });
    }

    @Test
    void responseFormatMapsToTheCoreFormatOnBothEndpoints() {
        assertThat(chat("\"response_format\":{\"type\":\"text\"}").options().responseFormat())
                .isEqualTo(ResponseFormat.text());
        assertThat(chat("\"response_format\":null").options().responseFormat()).isEqualTo(ResponseFormat.text());
        assertThat(chat("\"response_format\":{\"type\":\"json_object\"}").options().responseFormat())
                .isEqualTo(ResponseFormat.jsonObject());
        ResponseFormat schema = chat("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"p\","
                + "\"description\":\"d\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"n\":"
                + "{\"type\":\"number\",\"enum\":[1.50,-2e3,12345678901234567890]}},\"required\":[\"n\"]}}}")
                .options().responseFormat();
        assertThat(schema.kind()).isEqualTo(ResponseFormat.Kind.JSON_SCHEMA);
        assertThat(schema.schema().orElseThrow()).isEqualTo("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":"
                + "\"number\",\"enum\":[1.50,-2E+3,12345678901234567890]}},\"required\":[\"n\"]}");
        assertThat(chat("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"any\"}}")
                .options().responseFormat()).isEqualTo(ResponseFormat.jsonObject());
        assertThat(text("{\"prompt\":\"x\",\"response_format\":{\"type\":\"json_object\"}}").options()
                .responseFormat()).isEqualTo(ResponseFormat.jsonObject());
    }

    @Test
    void anUnsupportedSchemaKeywordIsNamed() {
        assertThatThrownBy(() -> chat("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"p\","
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"pattern\":\"x\"}}}}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.param()).isEqualTo("response_format");
                    assertThat(e.code()).isEqualTo("unsupported_parameter");
                    assertThat(e.getMessage()).contains("'pattern'").contains("code");
                });
    }

    @Test
    void harmlessFieldsAreAccepted() {
        CompletionRequest r = chat("\"n\":1,\"tools\":[],\"tool_choice\":\"none\",\"logprobs\":false,"
                + "\"response_format\":{\"type\":\"text\"},\"user\":\"u\",\"store\":false,\"metadata\":{},"
                + "\"model\":\"anything\",\"parallel_tool_calls\":true,\"temperature\":null");
        assertThat(r.model()).isEqualTo("anything");
        assertThat(r.options().temperature()).isEqualTo(GenerationOptions.defaults().temperature());
    }

    @Test
    void stopIsAStringOrAnArray() {
        assertThat(chat("\"stop\":\"END\"").options().stopStrings()).containsExactly("END");
        assertThat(chat("\"stop\":[\"a\",\"b\"]").options().stopStrings()).containsExactly("a", "b");
        assertThat(chat("\"stop\":null").options().stopStrings()).isEmpty();
        refused(() -> chat("\"stop\":[" + "\"x\",".repeat(RequestParser.MAX_STOP_STRINGS) + "\"y\"]"), 400, "stop");
    }

    @Test
    void logitBiasMapsTokenIdsToBiases() {
        Map<Integer, Float> bias = chat("\"logit_bias\":{\"5\":-100,\"999\":2.5}").options().logitBias();
        assertThat(bias).containsExactlyInAnyOrderEntriesOf(Map.of(5, -100f, 999, 2.5f));
    }

    @Test
    void streamOptionsAskForUsage() {
        CompletionRequest r = chat("\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        assertThat(r.stream()).isTrue();
        assertThat(r.includeUsage()).isTrue();
        assertThat(chat("\"stream\":true").includeUsage()).isFalse();
    }

    @Test
    void messagesMapRolesAndJoinTextParts() {
        CompletionRequest r = parser.parseChat(("{\"messages\":[{\"role\":\"system\",\"content\":\"S\"},"
                + "{\"role\":\"developer\",\"content\":\"D\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                + "{\"type\":\"text\",\"text\":\"b\"}]},{\"role\":\"assistant\",\"content\":\"A\",\"name\":\"x\"}]}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(r.messages()).containsExactly(ChatMessage.system("S"), ChatMessage.system("D"), ChatMessage.user("ab"),
                ChatMessage.assistant("A"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}|messages", "{\"messages\":[]}|messages", "{\"messages\":{}}|messages", "{\"messages\":[1]}|messages[0]",
            "{\"messages\":[{\"content\":\"x\"}]}|messages[0].role",
            "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}|messages[0].role",
            "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}|messages[0].tool_call_id",
            "{\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}|messages[0].role",
            "{\"messages\":[{\"role\":\"user\"}]}|messages[0].content",
            "{\"messages\":[{\"role\":\"user\",\"content\":7}]}|messages[0].content",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}|messages[0].content[0].type",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}|messages[0].content[0].text",
            "{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{}]}]}|messages[0].tool_calls[0].id"})
    void badMessagesAre400NamingTheMessage(String body, String param) {
        assertThatThrownBy(() -> parser.parseChat(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo(param));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "[1]", "\"text\"", "{\"a\":tru}"})
    void malformedJsonIs400(String body) {
        assertThatThrownBy(() -> parser.parseChat(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "{\"messages\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertThatThrownBy(() -> parser.parseChat(deep.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void completionPromptsAreTextOrTokenIds() {
        CompletionRequest r = text("{\"prompt\":\"Once\",\"max_tokens\":4}");
        assertThat(r.kind()).isEqualTo(CompletionRequest.Kind.TEXT);
        assertThat(r.prompt()).isEqualTo("Once");
        assertThat(r.promptIds()).isNull();
        assertThat(text("{\"prompt\":[\"Once\"]}").prompt()).isEqualTo("Once");
        assertThat(text("{\"prompt\":[1,2,3]}").promptIds()).containsExactly(1, 2, 3);
        assertThat(text("{\"prompt\":[[4,5]]}").promptIds()).containsExactly(4, 5);
        assertThat(text("{\"prompt\":\"x\",\"echo\":false,\"best_of\":1}").prompt()).isEqualTo("x");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}|prompt", "{\"prompt\":null}|prompt", "{\"prompt\":5}|prompt", "{\"prompt\":[]}|prompt",
            "{\"prompt\":[\"a\",\"b\"]}|prompt", "{\"prompt\":[1,1000]}|prompt", "{\"prompt\":[1,-1]}|prompt",
            "{\"prompt\":[[]]}|prompt[0]", "{\"prompt\":\"x\",\"echo\":true}|echo", "{\"prompt\":\"x\",\"best_of\":3}|best_of",
            "{\"prompt\":\"x\",\"suffix\":\"y\"}|suffix", "{\"prompt\":\"x\",\"logprobs\":2}|logprobs",
            "{\"prompt\":\"x\",\"n\":3}|n", "{\"prompt\":\"x\",\"temperature\":9}|temperature"})
    void badCompletionRequestsAre400NamingTheField(String body, String param) {
        assertThatThrownBy(() -> text(body)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.param()).isEqualTo(param);
        });
    }

    @Test
    void theErrorBodyIsOpenAiShaped() {
        ApiException e = ApiException.unsupported("n", "n other than 1 is not supported");
        assertThat(new String(Exchanges.errorBody(e), StandardCharsets.UTF_8)).isEqualTo(
                "{\"error\":{\"message\":\"n other than 1 is not supported\",\"type\":\"invalid_request_error\","
                        + "\"param\":\"n\",\"code\":\"unsupported_parameter\"}}");
    }

    /** Found by RequestParserFuzzTest: these refusals named their field only in param, not in the message. */
    @Test
    void unsupportedContentAndOutputNameTheFieldInTheMessage() {
        assertThatThrownBy(() -> parser.parseChat(("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}")
                .getBytes(StandardCharsets.UTF_8))).isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.param()).isEqualTo("messages[0].content[0].type");
                    assertThat(e.getMessage()).startsWith("messages[0].content[0]: ").contains("image_url");
                });
        assertThatThrownBy(() -> parser.parseChat(("{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\",\"tool_calls\":[{}]}]}")
                .getBytes(StandardCharsets.UTF_8))).hasMessageStartingWith("messages[0].tool_calls[0].id ");
        assertThatThrownBy(() -> parser.parseChat(("{\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}")
                .getBytes(StandardCharsets.UTF_8))).hasMessageStartingWith("messages[0].role: ");
        assertThatThrownBy(() -> chat("\"audio\":{}")).hasMessageStartingWith("audio: ");
        assertThatThrownBy(() -> chat("\"modalities\":[\"audio\"]")).hasMessageStartingWith("modalities: ");
    }

    /** Found by RequestParserFuzzTest: an exponent beyond BigDecimal's range threw NumberFormatException (a 500). */
    @Test
    void aNumberWithAnExponentBeyondRangeIsMalformedJson() {
        assertThatThrownBy(() -> chat("\"temperature\":922337201e99936854775808")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).startsWith("malformed JSON: the number 922337201e99936854775808 is out of range");
        });
    }

    /** Found by RequestParserFuzzTest: the library's IllegalArgumentException for this escaped past the parser (a 500). */
    @Test
    void aStopStringWithALoneSurrogateIs400() {
        refused(() -> chat("\"stop\":[\"a\",\"x\\ud800\"]"), 400, "stop");
        refused(() -> chat("\"stop\":\"\\udc00y\""), 400, "stop");
        assertThat(chat("\"stop\":\"\\ud83d\\ude00\"").options().stopStrings()).containsExactly("\ud83d\ude00");
    }
}
