package dev.llmfleet.common.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.llmfleet.common.api.FleetException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The rules for every field of an OpenAI chat body except {@code model}, {@code messages} and {@code max_tokens}
 * (which {@link ChatRequestValidator} reads itself): which are forwarded to the provider, which the fleet reads or
 * ignores, which it refuses, each value's type, range and size (OpenAI's documented bounds), and the bytes of all of
 * them together. A value that passes cannot make the provider call or a job's Kafka record fail; one that does not is
 * a 400 whose {@code param} names the field. A null value counts as absent.
 */
public final class RequestParameters {
    /** Fields {@link ChatRequestValidator} reads and checks itself. */
    static final Set<String> OWN = Set.of("model", "messages", "max_tokens", "max_completion_tokens");
    static final int MAX_STOP_SEQUENCES = 4;
    static final int MAX_STOP_BYTES = 256;
    static final int MAX_LOGIT_BIAS_ENTRIES = 300;
    static final int MAX_USER_CHARS = 256;
    static final int MAX_METADATA_ENTRIES = 16;
    static final int MAX_METADATA_KEY_CHARS = 64;
    static final int MAX_METADATA_VALUE_CHARS = 512;
    static final Set<String> RESPONSE_FORMATS = Set.of("text", "json_object", "json_schema");
    private static final Set<String> JSON_SCHEMA_FIELDS = Set.of("name", "description", "schema", "strict");
    private static final Pattern TOKEN_ID = Pattern.compile("0|[1-9][0-9]{0,9}");
    private static final Pattern SCHEMA_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String NO_TOOLS = "' is not supported: LLM Fleet serves text completions only; tool and function calls "
            + "are not relayed, cached or metered end to end.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How the fleet treats one field: passed to the provider (and then part of the cache key) or not, its check, and the
     * value the provider assumes when it is left out (OpenAI's documented default; null when there is none).
     */
    private record Rule(boolean forwarded, Consumer<JsonNode> check, JsonNode byDefault) {
    }

    private static final Map<String, Rule> RULES = Map.ofEntries(
            forwarded("temperature", IntNode.valueOf(1), v -> number(v, "temperature", 0, 2)),
            forwarded("top_p", IntNode.valueOf(1), v -> number(v, "top_p", 0, 1)),
            forwarded("presence_penalty", IntNode.valueOf(0), v -> number(v, "presence_penalty", -2, 2)),
            forwarded("frequency_penalty", IntNode.valueOf(0), v -> number(v, "frequency_penalty", -2, 2)),
            forwarded("seed", null, RequestParameters::seed),
            forwarded("stop", null, RequestParameters::stop),
            forwarded("logit_bias", JSON.createObjectNode(), RequestParameters::logitBias),
            forwarded("response_format", JSON.createObjectNode().put("type", "text"), RequestParameters::responseFormat),
            read("n", RequestParameters::n),
            read("stream", v -> require(v.isBoolean(), "stream", "invalid_type", "'stream' must be a boolean.")),
            read("stream_options", RequestParameters::streamOptions),
            read("user", v -> require(v.isTextual() && v.textValue().length() <= MAX_USER_CHARS, "user", "invalid_user",
                    "'user' must be a string of at most " + MAX_USER_CHARS + " characters.")),
            read("metadata", RequestParameters::metadata),
            read("store", v -> require(v.isBoolean(), "store", "invalid_store", "'store' must be a boolean.")),
            read("logprobs", RequestParameters::logprobs),
            read("top_logprobs", v -> unsupported("top_logprobs", "'top_logprobs' is not supported: LLM Fleet caches and "
                    + "replays an answer's text only, so it never returns log probabilities.")),
            read("tools", v -> unsupported("tools", "'tools" + NO_TOOLS)),
            read("tool_choice", v -> unsupported("tool_choice", "'tool_choice" + NO_TOOLS)),
            read("parallel_tool_calls", v -> unsupported("parallel_tool_calls", "'parallel_tool_calls" + NO_TOOLS)),
            read("functions", v -> unsupported("functions", "'functions" + NO_TOOLS)),
            read("function_call", v -> unsupported("function_call", "'function_call" + NO_TOOLS)));

    private final int maxBytes;

    /** @param maxBytes most bytes, as JSON, of every field but {@code messages} ({@code fleet.limits.max-parameter-bytes}) */
    public RequestParameters(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Checks every field of {@code body} (a JSON object) but {@code messages}, {@code model} and {@code max_tokens}, and
     * returns those forwarded to the provider as given. Throws a 400 {@link FleetException} naming the first bad field.
     */
    public Map<String, JsonNode> check(JsonNode body) {
        long bytes = 0;
        String largest = null;
        long largestBytes = -1;
        for (Iterator<Map.Entry<String, JsonNode>> fields = body.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            if (!OWN.contains(name) && !RULES.containsKey(name)) {
                throw FleetException.invalidParameter(name, "unsupported_parameter", "Parameter '" + name + "' is not supported by LLM Fleet.");
            }
            if (name.equals("messages")) {
                continue;
            }
            // "name":value,
            long size = name.getBytes(StandardCharsets.UTF_8).length + 4L + jsonBytes(field.getValue());
            bytes += size;
            if (size > largestBytes) {
                largest = name;
                largestBytes = size;
            }
        }
        if (bytes > maxBytes) {
            throw FleetException.invalidParameter(largest, "parameters_too_large", "The request's fields other than 'messages' take "
                    + bytes + " bytes as JSON ('" + largest + "' the most); the limit is " + maxBytes + ".");
        }
        Map<String, JsonNode> forwarded = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = body.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            Rule rule = RULES.get(field.getKey());
            if (rule == null) {
                continue;
            }
            if (!field.getValue().isNull()) {
                rule.check().accept(field.getValue());
            }
            if (rule.forwarded()) {
                forwarded.put(field.getKey(), field.getValue());
            }
        }
        return forwarded;
    }

    /**
     * The fields of {@code forwarded} (as {@link #check} returned them) that change the answer, each in one spelling, for
     * the cache key: a null, or a value the provider assumes anyway ({@code "temperature": 1}, {@code "top_p": 1.0},
     * {@code "response_format": {"type": "text"}}, ...), is left out, as leaving the field out means the same; a
     * {@code stop} becomes its distinct sequences, sorted (generation stops at whichever comes first).
     */
    public static Map<String, JsonNode> answerChanging(Map<String, JsonNode> forwarded) {
        Map<String, JsonNode> meaning = new TreeMap<>();
        forwarded.forEach((name, value) -> {
            Rule rule = RULES.get(name);
            if (value.isNull() || rule != null && rule.byDefault() != null && sameValue(value, rule.byDefault())) {
                return;
            }
            meaning.put(name, name.equals("stop") ? stopSequences(value) : value);
        });
        return meaning;
    }

    private static boolean sameValue(JsonNode value, JsonNode byDefault) {
        if (value.isNumber() && byDefault.isNumber()) {
            return Double.isFinite(value.asDouble()) && value.decimalValue().compareTo(byDefault.decimalValue()) == 0;
        }
        return value.equals(byDefault);
    }

    private static JsonNode stopSequences(JsonNode stop) {
        Set<String> sequences = new TreeSet<>();
        if (stop.isTextual()) {
            sequences.add(stop.textValue());
        } else {
            stop.forEach(sequence -> sequences.add(sequence.asText()));
        }
        ArrayNode array = JSON.createArrayNode();
        sequences.forEach(array::add);
        return array;
    }

    private static Map.Entry<String, Rule> forwarded(String name, JsonNode byDefault, Consumer<JsonNode> check) {
        return Map.entry(name, new Rule(true, check, byDefault));
    }

    private static Map.Entry<String, Rule> read(String name, Consumer<JsonNode> check) {
        return Map.entry(name, new Rule(false, check, null));
    }

    private static void number(JsonNode value, String name, double min, double max) {
        require(value.isNumber() && value.asDouble() >= min && value.asDouble() <= max, name, "invalid_" + name,
                "'" + name + "' must be a number between " + plain(min) + " and " + plain(max) + ".");
    }

    private static void seed(JsonNode value) {
        require(value.isIntegralNumber() && value.canConvertToLong(), "seed", "invalid_seed", "'seed' must be a 64-bit integer.");
    }

    private static void stop(JsonNode value) {
        String rule = "'stop' must be a string or an array of at most " + MAX_STOP_SEQUENCES + " strings, each of 1 to "
                + MAX_STOP_BYTES + " bytes (UTF-8).";
        if (value.isTextual()) {
            require(stopSequence(value), "stop", "invalid_stop", rule);
            return;
        }
        require(value.isArray() && !value.isEmpty() && value.size() <= MAX_STOP_SEQUENCES, "stop", "invalid_stop", rule);
        value.forEach(sequence -> require(stopSequence(sequence), "stop", "invalid_stop", rule));
    }

    private static boolean stopSequence(JsonNode sequence) {
        if (!sequence.isTextual() || sequence.textValue().isEmpty()) {
            return false;
        }
        return sequence.textValue().getBytes(StandardCharsets.UTF_8).length <= MAX_STOP_BYTES;
    }

    private static void logitBias(JsonNode value) {
        String rule = "'logit_bias' must be an object of at most " + MAX_LOGIT_BIAS_ENTRIES
                + " entries mapping token ids (integers as strings, e.g. \"50256\") to numbers between -100 and 100.";
        require(value.isObject() && value.size() <= MAX_LOGIT_BIAS_ENTRIES, "logit_bias", "invalid_logit_bias", rule);
        value.fields().forEachRemaining(bias -> require(TOKEN_ID.matcher(bias.getKey()).matches() && bias.getValue().isNumber()
                && bias.getValue().asDouble() >= -100 && bias.getValue().asDouble() <= 100, "logit_bias", "invalid_logit_bias", rule));
    }

    private static void responseFormat(JsonNode value) {
        String rule = "'response_format' must be {\"type\": \"text\"}, {\"type\": \"json_object\"} or "
                + "{\"type\": \"json_schema\", \"json_schema\": {\"name\": ..., \"schema\": {...}}}.";
        require(value.isObject() && value.path("type").isTextual() && RESPONSE_FORMATS.contains(value.path("type").textValue()),
                "response_format", "invalid_response_format", rule);
        boolean schema = value.path("type").textValue().equals("json_schema");
        value.fieldNames().forEachRemaining(name -> require(name.equals("type") || schema && name.equals("json_schema"),
                "response_format", "invalid_response_format", rule));
        if (!schema) {
            return;
        }
        JsonNode jsonSchema = value.path("json_schema");
        require(jsonSchema.isObject() && jsonSchema.path("name").isTextual() && SCHEMA_NAME.matcher(jsonSchema.path("name").textValue()).matches(),
                "response_format", "invalid_response_format",
                "'response_format.json_schema' must be an object whose 'name' is 1-64 letters, digits, '_' or '-'.");
        jsonSchema.fields().forEachRemaining(field -> {
            JsonNode v = field.getValue();
            boolean valid = switch (field.getKey()) {
                case "name" -> true;
                case "description" -> v.isTextual() || v.isNull();
                case "schema" -> v.isObject() || v.isNull();
                case "strict" -> v.isBoolean() || v.isNull();
                default -> false;
            };
            require(valid, "response_format", "invalid_response_format", "'response_format.json_schema' holds only "
                    + JSON_SCHEMA_FIELDS + ": 'description' a string, 'schema' an object, 'strict' a boolean.");
        });
    }

    private static void n(JsonNode value) {
        require(value.isIntegralNumber() && value.canConvertToInt() && value.intValue() == 1, "n", "unsupported_parameter",
                "'n' must be 1: LLM Fleet meters, caches and replays one choice per request; send one request per choice.");
    }

    private static void streamOptions(JsonNode value) {
        String rule = "'stream_options' must be an object holding only 'include_usage', a boolean.";
        require(value.isObject(), "stream_options", "invalid_stream_options", rule);
        value.fields().forEachRemaining(option -> require(option.getKey().equals("include_usage")
                && (option.getValue().isBoolean() || option.getValue().isNull()), "stream_options", "invalid_stream_options", rule));
    }

    private static void metadata(JsonNode value) {
        String rule = "'metadata' must be an object of at most " + MAX_METADATA_ENTRIES + " string values, keys of at most "
                + MAX_METADATA_KEY_CHARS + " characters and values of at most " + MAX_METADATA_VALUE_CHARS + ".";
        require(value.isObject() && value.size() <= MAX_METADATA_ENTRIES, "metadata", "invalid_metadata", rule);
        value.fields().forEachRemaining(entry -> require(entry.getKey().length() <= MAX_METADATA_KEY_CHARS
                && entry.getValue().isTextual() && entry.getValue().textValue().length() <= MAX_METADATA_VALUE_CHARS,
                "metadata", "invalid_metadata", rule));
    }

    private static void logprobs(JsonNode value) {
        require(value.isBoolean(), "logprobs", "invalid_logprobs", "'logprobs' must be a boolean.");
        if (value.booleanValue()) {
            unsupported("logprobs", "'logprobs' is not supported: LLM Fleet caches and replays an answer's text only, "
                    + "so it never returns log probabilities.");
        }
    }

    private static void unsupported(String name, String message) {
        throw FleetException.invalidParameter(name, "unsupported_parameter", message);
    }

    private static void require(boolean valid, String name, String code, String message) {
        if (!valid) {
            throw FleetException.invalidParameter(name, code, message);
        }
    }

    private static String plain(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }

    /** The value's length as compact JSON, counted without building it. */
    private static long jsonBytes(JsonNode value) {
        long[] count = {0};
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        };
        try {
            JSON.writeValue(counter, value);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return count[0];
    }
}
