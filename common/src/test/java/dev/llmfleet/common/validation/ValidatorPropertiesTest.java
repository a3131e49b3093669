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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The free steps of the pipeline (validation, normalisation, token counting, the cache key) on arbitrary JSON: a body
 * either comes out prepared, with a cache key, or is refused with a 4xx {@link FleetException}; nothing else is ever
 * thrown (an exception of any other kind would be a 500). Bodies are random objects over the field names the validator
 * knows, and valid requests with some of their fields, or their first message's, replaced by random values.
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

    @Provide
    Arbitrary<JsonNode> bodies() {
        Arbitrary<JsonNode> randomObjects = objects(Arbitraries.of(FIELDS), 3);
        Arbitrary<JsonNode> mutatedRequests = Arbitraries.of(FIELDS).tuple2().flatMap(names -> values(2).tuple3().map(v -> mutated(names, v)));
        return Arbitraries.oneOf(randomObjects, mutatedRequests, values(3));
    }

    @Property(tries = 400)
    void aBodyIsPreparedOrRefusedWithA4xxAndNothingElse(@ForAll("bodies") JsonNode body,
                                                         @ForAll("features") String feature) {
        try {
            PreparedRequest prepared = PREPARER.prepare(body.deepCopy(), feature);
            assertThat(AnswerKeys.cache(prepared.request())).startsWith("fleet:cache:");
            assertThat(prepared.request().maxTokens()).isPositive();
        } catch (FleetException e) {
            assertThat(e.status()).as(e.code() + ": " + e.getMessage()).isBetween(400, 499);
            assertThat(e.code()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> features() {
        return Arbitraries.of(List.copyOf(CONFIG.features().keySet()));
    }

    /** A valid request with two fields, and its first message's role or content, replaced by random values. */
    private static JsonNode mutated(Tuple.Tuple2<String, String> names, Tuple.Tuple3<JsonNode, JsonNode, JsonNode> values) {
        ObjectNode body = NODES.objectNode().put("model", "openai/gpt-4o-mini");
        ObjectNode message = body.putArray("messages").addObject().put("role", "user").put("content", "Summarise this.");
        body.set(names.get1(), values.get1());
        body.set(names.get2(), values.get2());
        if (body.path("messages").isArray() && body.path("messages").size() > 0 && body.path("messages").get(0) == message) {
            message.set(values.get3().isTextual() ? "role" : "content", values.get3());
        }
        return body;
    }

    private static Arbitrary<JsonNode> values(int depth) {
        Arbitrary<JsonNode> leaves = Arbitraries.oneOf(
                Arbitraries.just(NODES.nullNode()),
                Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.integers().map(NODES::numberNode),
                Arbitraries.of(0, 1, -1, 2, 4, 32768, 32769, Integer.MAX_VALUE, Integer.MIN_VALUE).map(NODES::numberNode),
                Arbitraries.longs().map(NODES::numberNode),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)).map(NODES::numberNode),
                Arbitraries.doubles().between(-3, 3).map(NODES::numberNode),
                Arbitraries.of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, Double.MIN_VALUE, -0.0, 1e300)
                        .map(NODES::numberNode),
                Arbitraries.of(new BigDecimal("1e400"), new BigDecimal("-1e-400"), new BigDecimal("0.5000000000000000000001"))
                        .map(NODES::numberNode),
                Arbitraries.strings().all().ofMaxLength(12).map(NODES::textNode),
                Arbitraries.of(WORDS).map(NODES::textNode));
        if (depth == 0) {
            return leaves;
        }
        Arbitrary<JsonNode> inner = values(depth - 1);
        Arbitrary<JsonNode> arrays = inner.list().ofMaxSize(4).map(elements -> {
            ArrayNode array = NODES.arrayNode();
            elements.forEach(array::add);
            return array;
        });
        Arbitrary<JsonNode> messages = objects(Arbitraries.of(INNER_FIELDS), depth - 1).list().ofMinSize(1).ofMaxSize(3).map(elements -> {
            ArrayNode array = NODES.arrayNode();
            elements.forEach(array::add);
            return array;
        });
        return Arbitraries.frequencyOf(
                Tuple.of(4, leaves),
                Tuple.of(1, arrays),
                Tuple.of(1, messages),
                Tuple.of(1, objects(Arbitraries.oneOf(Arbitraries.of(INNER_FIELDS), Arbitraries.strings().ofMaxLength(4)), depth - 1)));
    }

    private static Arbitrary<JsonNode> objects(Arbitrary<String> names, int depth) {
        return Arbitraries.maps(names, depth == 0 ? values(0) : values(depth - 1)).ofMaxSize(6).map(fields -> {
            ObjectNode object = NODES.objectNode();
            fields.forEach(object::set);
            return object;
        });
    }
}
