package dev.bitnet.structured;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaCompilerTest {
    @Test
    void unsupportedKeywordIsNamed() {
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"type\":\"string\",\"pattern\":\"a+\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'pattern'").hasMessageContaining("#");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema(
                "{\"type\":\"object\",\"properties\":{\"a\":{\"allOf\":[true]}}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'allOf'")
                .hasMessageContaining("#/properties/a");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"type\":\"string\",\"format\":\"date\"}"))
                .hasMessageContaining("'format'");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"type\":\"number\",\"minimum\":1}"))
                .hasMessageContaining("integer");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"type\":\"strin\"}")).hasMessageContaining("strin");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"$ref\":\"http://x/y\"}")).hasMessageContaining("local");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"$ref\":\"#/$defs/missing\"}"))
                .hasMessageContaining("missing");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"type\":")).hasMessageContaining("not valid JSON");
    }

    @Test
    void annotationsAreIgnored() {
        ResponseFormat f = ResponseFormat.jsonSchema("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
                + "\"title\":\"T\",\"description\":\"d\",\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\","
                + "\"default\":3,\"examples\":[1],\"description\":\"x\"}},\"required\":[\"a\"]}");
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"a\":42}", true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{}", true)).isFalse();
    }

    @Test
    void cycleWithoutBaseCaseIsRefused() {
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"$defs\":{\"n\":{\"type\":\"object\",\"properties\":"
                + "{\"next\":{\"$ref\":\"#/$defs/n\"}},\"required\":[\"next\"]}},\"$ref\":\"#/$defs/n\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no finite value");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"$defs\":{\"a\":{\"anyOf\":[{\"$ref\":\"#/$defs/b\"},"
                + "{\"type\":\"string\"}]},\"b\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refers to itself");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"$ref\":\"#\"}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"type\":\"array\",\"minItems\":3,\"maxItems\":2}"))
                .hasMessageContaining("no finite value");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema("{\"enum\":[]}")).hasMessageContaining("no finite value");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void hostileSchemasFailClearlyOrStayBounded() {
        // nested far deeper than the parser allows
        String deep = "{\"items\":".repeat(5000) + "true" + "}".repeat(5000);
        assertThatThrownBy(() -> ResponseFormat.jsonSchema(deep)).isInstanceOf(IllegalArgumentException.class);
        // a long chain of $defs, each referring to the next inside an array
        StringBuilder chain = new StringBuilder("{\"$defs\":{");
        for (int i = 0; i < 3000; i++) {
            chain.append(i > 0 ? "," : "").append("\"d").append(i).append("\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/d")
                    .append(i + 1).append("\"}}");
        }
        chain.append(",\"d3000\":{\"type\":\"integer\"}},\"$ref\":\"#/$defs/d0\"}");
        ResponseFormat f = ResponseFormat.jsonSchema(chain.toString());
        assertThat(StructuredTestSupport.acceptsBytes(f, "[[],[[]]]", true)).isTrue();
        // more subschemas than allowed
        StringBuilder wide = new StringBuilder("{\"anyOf\":[");
        for (int i = 0; i < 120_000; i++) {
            wide.append(i > 0 ? "," : "").append("{\"type\":\"null\"}");
        }
        wide.append("]}");
        assertThatThrownBy(() -> ResponseFormat.jsonSchema(wide.toString())).hasMessageContaining("too large");
        // a huge enum just under the size cap: compiles and matches in bounded time and memory
        StringBuilder huge = new StringBuilder("{\"enum\":[");
        for (int i = 0; huge.length() < (1 << 20) - 64; i++) {
            huge.append(i > 0 ? "," : "").append("\"v").append(i).append("-é😀\"");
        }
        huge.append("]}");
        ResponseFormat hugeEnum = ResponseFormat.jsonSchema(huge.toString());
        assertThat(StructuredTestSupport.acceptsBytes(hugeEnum, "\"v12345-é😀\"", true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(hugeEnum, "\"v12345-é😀x", false)).isFalse();
        // a chain of anyOf levels without containers
        String anyChain = "{\"anyOf\":[".repeat(60) + "{\"type\":\"null\"}" + "]}".repeat(60);
        ResponseFormat nested = ResponseFormat.jsonSchema(anyChain);
        assertThat(StructuredTestSupport.acceptsBytes(nested, "null", true)).isTrue();
        // look-alike branches multiply parses: bounded by a clear error, not a hang
        String branch = "{\"type\":\"array\",\"items\":{\"anyOf\":[{\"type\":\"array\"},{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}]}}";
        String ambiguous = "{\"anyOf\":[" + (branch + ",").repeat(600) + branch + "]}";
        ResponseFormat amb = ResponseFormat.jsonSchema(ambiguous);
        assertThatThrownBy(() -> StructuredTestSupport.acceptsBytes(amb, "[[[", false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ambiguous");
    }

    @Test
    void supportedKeywordsAreEnforced() {
        ResponseFormat f = ResponseFormat.jsonSchema("""
                {"type":"object","properties":{
                  "name":{"type":"string","minLength":2,"maxLength":3},
                  "age":{"type":"integer","minimum":18,"maximum":120},
                  "tags":{"type":"array","items":{"enum":["a","b"]},"minItems":1,"maxItems":2},
                  "pair":{"type":"array","prefixItems":[{"type":"boolean"},{"type":"null"}]},
                  "kind":{"const":"x"},
                  "any":{"type":["string","null"]}},
                 "required":["name","age"],"additionalProperties":false}""");
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":18}", true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(f,
                "{\"name\":\"abc\", \"age\":120, \"tags\":[\"a\",\"b\"], \"pair\":[true,null], \"kind\":\"x\", \"any\":null}",
                true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"a", false)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"a\"", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"a\",", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"abcd", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":17}", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":121", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":0", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":-", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":1.", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":5", false)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":5}", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":1", false)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":20,\"tags\":[]", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":20,\"extra\"", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"age\":20", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, " {", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\"name\":\"ab\",\"age\":20} ", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\n" + " ".repeat(17), false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\n" + "\t".repeat(16) + "\"", false)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{  ", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\n\n", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{\r", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(f, "{ \"name\" : \"ab\" ,\n  \"age\":\t18}", true)).isTrue();
    }

    @Test
    void stringsTakeEscapesAndAnyUnicode() {
        ResponseFormat s = ResponseFormat.jsonSchema("{\"type\":\"string\",\"maxLength\":6}");
        assertThat(StructuredTestSupport.acceptsBytes(s, "\"a\\\"\\n\\u00e9\\\\\"", true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(s, "\"日本😀é\"", true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(s, "\"1234567", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(s, "\"\\ud83d", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(s, "\"\\x", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(s, "\"a\nb", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(ResponseFormat.jsonValue(),
                "{\"k\\u0041\":[1,-0.5e+10,true,null,\"\\/\"],\"\":{}}", true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(ResponseFormat.jsonValue(), "01", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(ResponseFormat.jsonObject(), "[", false)).isFalse();
    }

    @Test
    void recursiveRefAndHugeEnum() {
        ResponseFormat tree = ResponseFormat.jsonSchema("{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":"
                + "{\"v\":{\"type\":\"integer\"},\"kids\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},"
                + "\"required\":[\"v\"]}},\"$ref\":\"#/$defs/node\"}");
        assertThat(StructuredTestSupport.acceptsBytes(tree, "{\"v\":1,\"kids\":[{\"v\":2},{\"v\":3,\"kids\":[]}]}", true))
                .isTrue();
        StringBuilder e = new StringBuilder("{\"enum\":[");
        for (int i = 0; i < 20_000; i++) {
            e.append(i > 0 ? "," : "").append("\"item-").append(i).append('"');
        }
        e.append(",1,12,{\"a\":[1]}]}");
        ResponseFormat big = ResponseFormat.jsonSchema(e.toString());
        assertThat(StructuredTestSupport.acceptsBytes(big, "\"item-19999\"", true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(big, "\"item-20000", false)).isFalse();
        assertThat(StructuredTestSupport.acceptsBytes(big, "1", true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(big, "12", true)).isTrue();
        assertThat(StructuredTestSupport.acceptsBytes(big, "{\"a\":[1]}", true)).isTrue();
    }
}
