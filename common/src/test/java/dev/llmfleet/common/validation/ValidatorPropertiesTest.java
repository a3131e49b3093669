package dev.llmfleet.common.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.TestConfig;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.cache.AnswerKeys;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.pipeline.PreparedRequest;
import dev.llmfleet.common.pipeline.RequestPreparer;
import dev.llmfleet.common.pricing.PriceBook;
import dev.llmfleet.common.pricing.TokenCounter;
import dev.llmfleet.common.prompt.PromptNormaliser;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.bigIntegers;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

/**
 * The free steps of the pipeline (validation, normalisation, token counting, the cache key) on arbitrary JSON: a body
 * either comes out prepared, with a cache key, or is refused with a 4xx {@link FleetException}; nothing else is ever
 * thrown (an exception of any other kind would be a 500). Bodies are random objects over the field names the validator
 * knows, and valid requests with some of their fields, or their first message's, replaced by random values.
 * <p>
 * Property-based with QuickTheories: 400 generated bodies from a random seed; a failure reports its smallest body and
 * "Seed was N", and {@code -DQT_SEED=N} replays that run.
 */
class ValidatorPropertiesTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final FleetConfig CONFIG = TestConfig.fleet();
    private static final TokenCounter TOKENS = new TokenCounter();
    private static final RequestPreparer PREPARER = new RequestPreparer(CONFIG, new ChatRequestValidator(CONFIG),
            new PromptNormaliser(TOKENS), TOKENS, new PriceBook(CONFIG));
    private static final List<String> FIELDS = List.of("model", "messages", "max_tokens", "max_completion_tokens", "temperature",
            "top_p", "presence_penalty", "frequency_penalty", "seed", "stop", "logit_bias", "response_format", "n", "stream",
            "stream_options", "user", "metadata", "store", "logprobs", "top_logprobs", "tools", "tool_choice", "functions");
    private static final List<String> INNER_FIELDS = List.of("role", "content", "type", "text", "json_schema", "name", "schema",
            "strict", "description", "include_usage", "50256");
    private static final List<String> WORDS = List.of("openai/gpt-4o-mini", "google/gemini-2.0-flash", "user", "system", "assistant",
            "text", "json_schema", "json_object", "", " ", "\ud800", "a\udc00b", "\u0000", "e\u0301", "\ufb01");

    private static Gen<JsonNode> bodies() {
        Gen<JsonNode> randomObjects = objects(arbitrary().pick(FIELDS), 3);
        Gen<String> field = arbitrary().pick(FIELDS);
        Gen<JsonNode> value = values(2);
        Gen<JsonNode> mutatedRequests = field.zip(field, value, value, value, ValidatorPropertiesTest::mutated);
        return Generate.oneOf(randomObjects, mutatedRequests, values(3));
    }

    @Test
    void aBodyIsPreparedOrRefusedWithA4xxAndNothingElse() {
        Gen<String> features = arbitrary().pick(List.copyOf(CONFIG.features().keySet()));
        qt().withExamples(400).forAll(bodies(), features).checkAssert((body, feature) -> {
            try {
                PreparedRequest prepared = PREPARER.prepare(body.deepCopy(), feature);
                assertThat(AnswerKeys.cache("t", prepared.request())).startsWith("fleet:cache:");
                assertThat(prepared.request().maxTokens()).isPositive();
            } catch (FleetException e) {
                assertThat(e.status()).as(e.code() + ": " + e.getMessage()).isBetween(400, 499);
                assertThat(e.code()).isNotBlank();
            }
        });
    }

    /** A valid request with two fields, and its first message's role or content, replaced by random values. */
    private static JsonNode mutated(String name1, String name2, JsonNode value1, JsonNode value2, JsonNode messageValue) {
        ObjectNode body = NODES.objectNode().put("model", "openai/gpt-4o-mini");
        ObjectNode message = body.putArray("messages").addObject().put("role", "user").put("content", "Summarise this.");
        body.set(name1, value1);
        body.set(name2, value2);
        if (body.path("messages").isArray() && body.path("messages").size() > 0 && body.path("messages").get(0) == message) {
            message.set(messageValue.isTextual() ? "role" : "content", messageValue);
        }
        return body;
    }

    private static Gen<JsonNode> values(int depth) {
        Gen<JsonNode> leaves = Generate.oneOf(
                Generate.constant(NODES.nullNode()),
                booleans().all().map(NODES::booleanNode),
                integers().all().map(NODES::numberNode),
                arbitrary().pick(0, 1, -1, 2, 4, 32768, 32769, Integer.MAX_VALUE, Integer.MIN_VALUE).map(NODES::numberNode),
                longs().all().map(NODES::numberNode),
                // up to about ±10^31, past a long
                bigIntegers().ofBytes(13).map(NODES::numberNode),
                doubles().between(-3, 3).map(NODES::numberNode),
                arbitrary().pick(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, Double.MIN_VALUE, -0.0, 1e300)
                        .map(NODES::numberNode),
                arbitrary().pick(new BigDecimal("1e400"), new BigDecimal("-1e-400"), new BigDecimal("0.5000000000000000000001"))
                        .map(NODES::numberNode),
                // any code points, lone surrogates and controls included
                strings().allPossible().ofLengthBetween(0, 12).map(NODES::textNode),
                arbitrary().pick(WORDS).map(NODES::textNode));
        if (depth == 0) {
            return leaves;
        }
        Gen<JsonNode> inner = values(depth - 1);
        Gen<JsonNode> arrays = lists().of(inner).ofSizeBetween(0, 4).map(ValidatorPropertiesTest::array);
        Gen<JsonNode> messages = lists().of(objects(arbitrary().pick(INNER_FIELDS), depth - 1)).ofSizeBetween(1, 3)
                .map(ValidatorPropertiesTest::array);
        Gen<String> innerNames = Generate.oneOf(arbitrary().pick(INNER_FIELDS), strings().allPossible().ofLengthBetween(0, 4));
        return Generate.frequency(
                Pair.of(4, leaves),
                Pair.of(1, arrays),
                Pair.of(1, messages),
                Pair.of(1, objects(innerNames, depth - 1)));
    }

    private static Gen<JsonNode> objects(Gen<String> names, int depth) {
        return lists().of(names.zip(depth == 0 ? values(0) : values(depth - 1), Pair::of)).ofSizeBetween(0, 6).map(fields -> {
            ObjectNode object = NODES.objectNode();
            fields.forEach(f -> object.set(f._1, f._2));
            return object;
        });
    }

    private static JsonNode array(List<JsonNode> elements) {
        ArrayNode array = NODES.arrayNode();
        elements.forEach(array::add);
        return array;
    }
}
