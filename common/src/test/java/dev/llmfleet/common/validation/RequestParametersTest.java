package dev.llmfleet.common.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.api.FleetException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class RequestParametersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":10";
    private final RequestParameters parameters = new RequestParameters(32 * 1024);

    private static JsonNode body(String extra) {
        try {
            return JSON.readTree("{" + CHAT + (extra.isEmpty() ? "" : "," + extra) + "}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private FleetException refusal(String extra) {
        return catchThrowableOfType(FleetException.class, () -> parameters.check(body(extra)));
    }

    /** Each bad field, the param its 400 must name, and its code. */
    static Map<String, String[]> badFields() {
        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("\"temperature\":2.5", new String[]{"temperature", "invalid_temperature"});
        cases.put("\"temperature\":\"hot\"", new String[]{"temperature", "invalid_temperature"});
        cases.put("\"temperature\":1e400", new String[]{"temperature", "invalid_temperature"});
        cases.put("\"top_p\":1.5", new String[]{"top_p", "invalid_top_p"});
        cases.put("\"presence_penalty\":-3", new String[]{"presence_penalty", "invalid_presence_penalty"});
        cases.put("\"frequency_penalty\":true", new String[]{"frequency_penalty", "invalid_frequency_penalty"});
        cases.put("\"seed\":1.5", new String[]{"seed", "invalid_seed"});
        cases.put("\"seed\":\"42\"", new String[]{"seed", "invalid_seed"});
        cases.put("\"seed\":123456789012345678901234567890", new String[]{"seed", "invalid_seed"});
        cases.put("\"stop\":\"\"", new String[]{"stop", "invalid_stop"});
        cases.put("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]", new String[]{"stop", "invalid_stop"});
        cases.put("\"stop\":[]", new String[]{"stop", "invalid_stop"});
        cases.put("\"stop\":[1]", new String[]{"stop", "invalid_stop"});
        cases.put("\"stop\":{\"a\":1}", new String[]{"stop", "invalid_stop"});
        cases.put("\"stop\":\"" + "é".repeat(129) + "\"", new String[]{"stop", "invalid_stop"});
        cases.put("\"logit_bias\":[1]", new String[]{"logit_bias", "invalid_logit_bias"});
        cases.put("\"logit_bias\":{\"hello\":1}", new String[]{"logit_bias", "invalid_logit_bias"});
        cases.put("\"logit_bias\":{\"-1\":1}", new String[]{"logit_bias", "invalid_logit_bias"});
        cases.put("\"logit_bias\":{\"50256\":101}", new String[]{"logit_bias", "invalid_logit_bias"});
        cases.put("\"logit_bias\":{\"50256\":\"1\"}", new String[]{"logit_bias", "invalid_logit_bias"});
        cases.put("\"logit_bias\":{" + IntStream.range(0, 301).mapToObj(i -> "\"" + i + "\":1").collect(Collectors.joining(",")) + "}",
                new String[]{"logit_bias", "invalid_logit_bias"});
        cases.put("\"response_format\":\"json\"", new String[]{"response_format", "invalid_response_format"});
        cases.put("\"response_format\":{\"type\":\"xml\"}", new String[]{"response_format", "invalid_response_format"});
        cases.put("\"response_format\":{\"type\":\"text\",\"json_schema\":{}}", new String[]{"response_format", "invalid_response_format"});
        cases.put("\"response_format\":{\"type\":\"json_schema\"}", new String[]{"response_format", "invalid_response_format"});
        cases.put("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"has space\"}}",
                new String[]{"response_format", "invalid_response_format"});
        cases.put("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":[]}}",
                new String[]{"response_format", "invalid_response_format"});
        cases.put("\"n\":2", new String[]{"n", "unsupported_parameter"});
        cases.put("\"n\":\"1\"", new String[]{"n", "unsupported_parameter"});
        cases.put("\"stream\":\"yes\"", new String[]{"stream", "invalid_type"});
        cases.put("\"stream_options\":{\"include_usage\":\"yes\"}", new String[]{"stream_options", "invalid_stream_options"});
        cases.put("\"stream_options\":{\"other\":true}", new String[]{"stream_options", "invalid_stream_options"});
        cases.put("\"user\":42", new String[]{"user", "invalid_user"});
        cases.put("\"user\":\"" + "u".repeat(257) + "\"", new String[]{"user", "invalid_user"});
        cases.put("\"metadata\":{\"k\":1}", new String[]{"metadata", "invalid_metadata"});
        cases.put("\"metadata\":{" + IntStream.range(0, 17).mapToObj(i -> "\"k" + i + "\":\"v\"").collect(Collectors.joining(",")) + "}",
                new String[]{"metadata", "invalid_metadata"});
        cases.put("\"metadata\":{\"k\":\"" + "v".repeat(513) + "\"}", new String[]{"metadata", "invalid_metadata"});
        cases.put("\"store\":\"no\"", new String[]{"store", "invalid_store"});
        cases.put("\"logprobs\":true", new String[]{"logprobs", "unsupported_parameter"});
        cases.put("\"logprobs\":1", new String[]{"logprobs", "invalid_logprobs"});
        cases.put("\"top_logprobs\":3", new String[]{"top_logprobs", "unsupported_parameter"});
        cases.put("\"tools\":[]", new String[]{"tools", "unsupported_parameter"});
        cases.put("\"tool_choice\":\"auto\"", new String[]{"tool_choice", "unsupported_parameter"});
        cases.put("\"parallel_tool_calls\":false", new String[]{"parallel_tool_calls", "unsupported_parameter"});
        cases.put("\"functions\":[{\"name\":\"f\"}]", new String[]{"functions", "unsupported_parameter"});
        cases.put("\"function_call\":\"auto\"", new String[]{"function_call", "unsupported_parameter"});
        cases.put("\"modalities\":[\"audio\"]", new String[]{"modalities", "unsupported_parameter"});
        return cases;
    }

    @Test
    void everyBadFieldIsA400NamingIt() {
        badFields().forEach((extra, expected) -> {
            FleetException e = refusal(extra);
            assertThat(e).as(extra).isNotNull();
            assertThat(e.status()).as(extra).isEqualTo(400);
            assertThat(e.type()).as(extra).isEqualTo("invalid_request_error");
            assertThat(e.param()).as(extra).isEqualTo(expected[0]);
            assertThat(e.code()).as(extra).isEqualTo(expected[1]);
            assertThat(e.getMessage()).as(extra).contains("'" + expected[0]);
        });
    }

    @Test
    void theToolsAndChoicesRefusalsSayWhy() {
        assertThat(refusal("\"tools\":[]").getMessage()).contains("tool and function calls");
        assertThat(refusal("\"n\":3").getMessage()).contains("one choice per request");
    }

    @Test
    void goodValuesPassAndOnlySamplingIsForwarded() {
        Map<String, JsonNode> forwarded = parameters.check(body("\"temperature\":0,\"top_p\":1,\"presence_penalty\":-2,"
                + "\"frequency_penalty\":2,\"seed\":-9007199254740993,\"stop\":[\"\\n\",\"END\",\"" + "x".repeat(256) + "\",\"é\"],"
                + "\"logit_bias\":{\"0\":-100,\"50256\":100,\"1234\":0.5},"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"answer_v1\",\"strict\":true,\"schema\":{\"type\":\"object\"}}},"
                + "\"n\":1,\"stream\":false,\"stream_options\":{\"include_usage\":true},\"user\":\"" + "u".repeat(256) + "\","
                + "\"metadata\":{\"ticket\":\"T-1\"},\"store\":false,\"logprobs\":false,\"tools\":null,\"max_completion_tokens\":5"));
        assertThat(forwarded).containsOnlyKeys("temperature", "top_p", "presence_penalty", "frequency_penalty", "seed", "stop",
                "logit_bias", "response_format");
        assertThat(parameters.check(body("\"stop\":\"END\",\"response_format\":{\"type\":\"json_object\"}"))).containsOnlyKeys("stop", "response_format");
        assertThat(parameters.check(body(""))).isEmpty();
    }

    @Test
    void theFieldsBesidesMessagesAreBoundedInBytesTogether() {
        RequestParameters small = new RequestParameters(200);
        // every field fits its own rule; together they are too many bytes
        JsonNode body = body("\"user\":\"" + "u".repeat(150) + "\",\"metadata\":{\"a\":\"" + "m".repeat(60) + "\"}");
        FleetException e = catchThrowableOfType(FleetException.class, () -> small.check(body));
        assertThat(e.code()).isEqualTo("parameters_too_large");
        assertThat(e.param()).isEqualTo("user");
        assertThat(e.getMessage()).contains("200");
        // messages do not count: they have their own limits
        assertThat(small.check(body("\"stop\":\"E\""))).containsOnlyKeys("stop");
        JsonNode longPrompt = body("");
        ((ObjectNode) longPrompt.get("messages").get(0)).put("content", "p".repeat(10_000));
        assertThat(small.check(longPrompt)).isEmpty();
    }
}
