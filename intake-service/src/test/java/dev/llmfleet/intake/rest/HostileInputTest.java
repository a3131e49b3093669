package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.metrics.MetricNames;
import dev.llmfleet.intake.TestKeys;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/**
 * Hostile input at the edge, table-driven: each case is thrown at {@code /v1/chat/completions}, {@code /v1/jobs} and
 * (where it is one line's worth) as a line of {@code /v1/jobs/batch}, and must come back a 4xx with an OpenAI error
 * body naming it, never a 500 or a hang; nothing reaches the provider (its request counter stands still) and nothing
 * reaches the job topics (no record carries the run's marker). docs/SECURITY.md, "Hostile input", lists the cases.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class HostileInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "/v1/chat/completions";
    private static final String JOBS = "/v1/jobs";
    private static final String BATCH = "/v1/jobs/batch";
    private static final int MAX_BODY_BYTES = 1_048_576;

    @Inject
    MeterRegistry registry;

    private final String marker = "hostile-" + UUID.randomUUID();

    @BeforeEach
    void authenticate() {
        TestKeys.authenticate();
    }

    /**
     * What a refusal must be: its status, and unless {@code bare}, an OpenAI error body with {@code error.code} and
     * {@code error.param} (null: any). Bare refusals are the HTTP decoder's (Vert.x/Netty), before any route runs: a
     * status and a closed connection; Quarkus has no hook to give them a body (quarkusio/quarkus#55082).
     */
    private record Refusal(int status, String code, String param, boolean bare) {
    }

    private static Refusal refused(String code) {
        return new Refusal(400, code, null, false);
    }

    private static Refusal refused(String code, String param) {
        return new Refusal(400, code, param, false);
    }

    private static Refusal refused(int status, String code) {
        return new Refusal(status, code, null, false);
    }

    private static Refusal byTheDecoder(int status) {
        return new Refusal(status, null, null, true);
    }

    /** A request body: the marker's prompt, then {@code extra} fields. */
    private String body(String extra) {
        return "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + marker + "\"}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** {@code body} with {@code raw} bytes (not valid UTF-8) written right after the marker. */
    private byte[] withRawBytes(String body, byte[] raw) {
        int at = body.indexOf(marker) + marker.length();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes(body.substring(0, at)));
        out.writeBytes(raw);
        out.writeBytes(bytes(body.substring(at)));
        return out.toByteArray();
    }

    private static String nested(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    private static byte[] bytes(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String part : parts) {
            out.writeBytes(part.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** Bodies that are refused on every lane, keyed by what they are. */
    private Map<String, BodyCase> bodyCases() {
        String valid = body("");
        Map<String, BodyCase> cases = new LinkedHashMap<>();
        // malformed and truncated JSON
        cases.put("malformed JSON", line("{\"model\": \"openai/gpt-4o-mini\", \"messages\": [" + marker, refused("invalid_json")));
        cases.put("truncated JSON", line(valid.substring(0, valid.length() - 4), refused("invalid_json")));
        cases.put("trailing second document", line(valid + "{\"model\":\"openai/gpt-4o\"}", refused("invalid_json")));
        cases.put("duplicate field", line(body("\"model\":\"openai/gpt-4o\""), refused("invalid_json")));
        cases.put("not JSON", line("model=openai/gpt-4o-mini&prompt=" + marker, refused("invalid_json")));
        cases.put("JSON with comments", line("/* " + marker + " */" + valid, refused("invalid_json")));
        cases.put("single-quoted JSON", line(valid.replace('"', '\''), refused("invalid_json")));
        cases.put("empty body", new BodyCase(new byte[0], refused("invalid_body"), false));
        cases.put("whitespace body", new BodyCase(bytes("   "), refused("invalid_body"), false));
        cases.put("top-level array", line("[" + valid + "]", refused("invalid_body")));
        cases.put("top-level string", line("\"" + marker + "\"", refused("invalid_body")));
        cases.put("top-level null", line("null", refused("invalid_body")));
        // deep nesting: past the edge's cap, and past Jackson's own default of 1000
        cases.put("nesting 100 deep", line(body("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"schema\":"
                + nested(100) + "}}"), refused("invalid_json")));
        cases.put("nesting 5000 deep", line(body("\"metadata\":" + "[".repeat(5000) + "]".repeat(5000)), refused("invalid_json")));
        // invalid UTF-8 and invalid Unicode
        cases.put("invalid UTF-8 in a string", line(withRawBytes(body(""), new byte[]{(byte) 0xC3, (byte) 0x28}), refused("invalid_json")));
        cases.put("overlong UTF-8 encoding", line(withRawBytes(body(""), new byte[]{(byte) 0xC0, (byte) 0xAF}), refused("invalid_json")));
        cases.put("UTF-8-encoded surrogate", line(withRawBytes(body(""), new byte[]{(byte) 0xED, (byte) 0xA0, (byte) 0x80}), refused("invalid_json")));
        cases.put("lone surrogate escape", line(body("").replace(marker, marker + "\\ud800"), refused("invalid_unicode", "messages")));
        cases.put("lone surrogate in a field name", line(body("\"metadata\":{\"k\\udc00\":\"v\"}"), refused("invalid_unicode", "metadata")));
        // wrong types
        cases.put("model a number", line("{\"model\":42,\"messages\":[{\"role\":\"user\",\"content\":\"" + marker + "\"}]}",
                refused("missing_model", "model")));
        cases.put("messages a string", line("{\"model\":\"openai/gpt-4o-mini\",\"messages\":\"" + marker + "\"}",
                refused("invalid_messages", "messages")));
        cases.put("message a number", line("{\"model\":\"openai/gpt-4o-mini\",\"messages\":[42,\"" + marker + "\"]}",
                refused("invalid_messages", "messages")));
        cases.put("role a number", line(body("").replace("\"role\":\"user\"", "\"role\":7"), refused("invalid_role", "messages")));
        cases.put("content an object", line("{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":{\"text\":\""
                + marker + "\"}}]}", refused("invalid_content", "messages")));
        cases.put("max_tokens a string", line(body("\"max_tokens\":\"10\""), refused("invalid_max_tokens", "max_tokens")));
        cases.put("temperature a string", line(body("\"temperature\":\"0.5\""), refused("invalid_temperature", "temperature")));
        cases.put("stream a string", line(body("\"stream\":\"yes\""), refused("invalid_type", "stream")));
        cases.put("stop a number", line(body("\"stop\":7"), refused("invalid_stop", "stop")));
        // unknown fields: refused, naming the field
        cases.put("unknown top-level field", line(body("\"frobnicate\":true"), refused("unsupported_parameter", "frobnicate")));
        cases.put("field name with control characters", line(body("\"x\\r\\nInjected: 1\":1"), refused("unsupported_parameter", "x\r\nInjected: 1")));
        // absurd numbers
        cases.put("max_tokens a billion", line(body("\"max_tokens\":1000000000"), refused("invalid_max_tokens", "max_tokens")));
        cases.put("max_tokens past 64 bits", line(body("\"max_tokens\":123456789012345678901234567890"), refused("invalid_max_tokens", "max_tokens")));
        cases.put("max_tokens 1e400", line(body("\"max_tokens\":1e400"), refused("invalid_max_tokens", "max_tokens")));
        cases.put("max_tokens negative", line(body("\"max_tokens\":-5"), refused("invalid_max_tokens", "max_tokens")));
        cases.put("max_tokens fractional", line(body("\"max_tokens\":10.5"), refused("invalid_max_tokens", "max_tokens")));
        cases.put("max_completion_tokens zero", line(body("\"max_completion_tokens\":0"), refused("invalid_max_tokens", "max_completion_tokens")));
        cases.put("temperature NaN", line(body("\"temperature\":NaN"), refused("invalid_json")));
        cases.put("temperature Infinity", line(body("\"temperature\":Infinity"), refused("invalid_json")));
        cases.put("temperature 1e400", line(body("\"temperature\":1e400"), refused("invalid_temperature", "temperature")));
        cases.put("temperature -1e400", line(body("\"temperature\":-1e400"), refused("invalid_temperature", "temperature")));
        cases.put("temperature negative", line(body("\"temperature\":-0.1"), refused("invalid_temperature", "temperature")));
        cases.put("top_p above 1", line(body("\"top_p\":1.0000001"), refused("invalid_top_p", "top_p")));
        cases.put("n huge", line(body("\"n\":1000000"), refused("unsupported_parameter", "n")));
        cases.put("n 1e400", line(body("\"n\":1e400"), refused("unsupported_parameter", "n")));
        cases.put("seed past 64 bits", line(body("\"seed\":99999999999999999999"), refused("invalid_seed", "seed")));
        cases.put("a number of 2000 digits", line(body("\"seed\":" + "9".repeat(2000)), refused("invalid_json")));
        // huge fields within the body limit
        cases.put("prompt past the character limit", line("{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + marker + "a".repeat(200_001) + "\"}]}", refused("prompt_too_long", "messages")));
        cases.put("too many messages", line("{\"model\":\"openai/gpt-4o-mini\",\"messages\":["
                + String.join(",", java.util.Collections.nCopies(257, "{\"role\":\"user\",\"content\":\"" + marker + "\"}")) + "]}",
                refused("too_many_messages", "messages")));
        return cases;
    }

    /** A body, what it must get, and whether it can stand as one JSON Lines line of a batch. */
    private record BodyCase(byte[] body, Refusal refusal, boolean batchLine) {
    }

    private static BodyCase line(String body, Refusal refusal) {
        return line(bytes(body), refusal);
    }

    private static BodyCase line(byte[] body, Refusal refusal) {
        return new BodyCase(body, refusal, true);
    }

    /** Headers, sent raw (byte for byte, as no HTTP client would), with a valid body, and what they must get. */
    private Map<String, RawCase> headerCases() {
        Map<String, RawCase> cases = new LinkedHashMap<>();
        cases.put("Idempotency-Key over 255 characters", new RawCase("Idempotency-Key: " + "k".repeat(256) + "\r\n",
                refused("invalid_idempotency_key", "Idempotency-Key")));
        cases.put("Idempotency-Key with a control character", new RawCase("Idempotency-Key: key\u0001" + marker + "\r\n", byTheDecoder(400)));
        cases.put("Idempotency-Key with a tab", new RawCase("Idempotency-Key: key\t" + marker + "\r\n",
                refused("invalid_idempotency_key", "Idempotency-Key")));
        cases.put("Idempotency-Key with non-ASCII bytes", new RawCase("Idempotency-Key: cl\u00e9-" + marker + "\r\n",
                refused("invalid_idempotency_key", "Idempotency-Key")));
        cases.put("Idempotency-Key with a bare CR", new RawCase("Idempotency-Key: a\rInjected: " + marker + "\r\n", byTheDecoder(400)));
        cases.put("X-Fleet-Feature with a bare CR", new RawCase("X-Fleet-Feature: support-chat\rX-Injected: 1\r\n", byTheDecoder(400)));
        cases.put("X-Fleet-Feature with a bare LF", new RawCase("X-Fleet-Feature: support-chat\nX-Injected: 1\r\n", byTheDecoder(400)));
        cases.put("X-Fleet-Feature over 64 characters", new RawCase("X-Fleet-Feature: " + "f".repeat(65) + "\r\n",
                refused("invalid_feature", "X-Fleet-Feature")));
        cases.put("X-Fleet-Feature a path", new RawCase("X-Fleet-Feature: ../../etc/passwd\r\n", refused("invalid_feature", "X-Fleet-Feature")));
        cases.put("one huge header", new RawCase("X-Padding: " + "p".repeat(40_000) + "\r\n", byTheDecoder(431)));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            many.append("X-Padding-").append(i).append(": ").append("p".repeat(40)).append("\r\n");
        }
        cases.put("too many headers", new RawCase(many.toString(), byTheDecoder(431)));
        return cases;
    }

    /** Raw header lines (each ending CRLF) and what they must get. */
    private record RawCase(String headers, Refusal refusal) {
    }

    @Test
    void everyHostileBodyIsARefusalOnEveryLaneAndNothingIsSentAnywhere() {
        double callsBefore = providerCalls();
        SoftAssertions softly = new SoftAssertions();
        Map<String, BodyCase> cases = bodyCases();
        try (JobTopics topics = JobTopics.fromNow()) {
            cases.forEach((name, c) -> {
                for (String path : List.of(CHAT, JOBS)) {
                    Response response = request().contentType("application/json").body(c.body()).post(path);
                    assertRefusal(softly, path + " " + name, response.statusCode(), response.contentType(), response.asByteArray(), c.refusal());
                }
            });
            List<Map.Entry<String, BodyCase>> lines = cases.entrySet().stream().filter(e -> e.getValue().batchLine()).toList();
            byte[] jsonLines = joinLines(lines.stream().map(e -> e.getValue().body()).toList());
            Response response = request().contentType("application/x-ndjson").body(jsonLines).post(BATCH);
            softly.assertThat(response.statusCode()).as("batch: " + response.asString()).isEqualTo(202);
            List<Map<String, Object>> entries = response.path("jobs");
            softly.assertThat(entries).as("batch entries").hasSize(lines.size());
            for (int i = 0; entries != null && i < Math.min(entries.size(), lines.size()); i++) {
                Refusal refusal = lines.get(i).getValue().refusal();
                @SuppressWarnings("unchecked")
                Map<String, Object> error = (Map<String, Object>) entries.get(i).get("error");
                String what = "batch line " + (i + 1) + " (" + lines.get(i).getKey() + "): " + entries.get(i);
                softly.assertThat(error).as(what).isNotNull();
                if (error != null) {
                    softly.assertThat(error.get("type")).as(what).isEqualTo("invalid_request_error");
                    softly.assertThat(error.get("code")).as(what).isEqualTo(refusal.code());
                    if (refusal.param() != null) {
                        softly.assertThat(error.get("param")).as(what).isEqualTo(refusal.param());
                    }
                }
            }
            softly.assertThat(topics.readNew()).as("job records of this test").noneMatch(r -> r.value().toString().contains(marker));
        }
        softly.assertThat(providerCalls()).as("provider calls").isEqualTo(callsBefore);
        softly.assertAll();
    }

    @Test
    void hostileHeadersAreRefusedBeforeAnythingIsSent() throws IOException {
        double callsBefore = providerCalls();
        SoftAssertions softly = new SoftAssertions();
        try (JobTopics topics = JobTopics.fromNow()) {
            for (Map.Entry<String, RawCase> c : headerCases().entrySet()) {
                for (String path : List.of(CHAT, JOBS)) {
                    RawResponse response = raw(path, c.getValue().headers(), bytes(body("")));
                    assertRefusal(softly, path + " " + c.getKey(), response.status(), response.contentType(), response.body(), c.getValue().refusal());
                }
            }
            softly.assertThat(topics.readNew()).as("job records of this test").noneMatch(r -> r.value().toString().contains(marker));
            // the control: the same body with good headers is queued, and the probe above would have seen it
            RawResponse accepted = raw(JOBS, "Idempotency-Key: control-" + marker + "\r\n", bytes(body("")));
            softly.assertThat(accepted.status()).as("the control job").isEqualTo(202);
            softly.assertThat(topics.readNew()).as("the control job's record").anyMatch(r -> r.value().toString().contains(marker));
        }
        softly.assertThat(providerCalls()).as("provider calls").isEqualTo(callsBefore);
        softly.assertAll();
    }

    @Test
    void hugeDeepAndMistypedBodiesAreRefusedBeforeTheyAreRead() throws IOException {
        double callsBefore = providerCalls();
        SoftAssertions softly = new SoftAssertions();
        try (JobTopics topics = JobTopics.fromNow()) {
            byte[] huge = bytes(body("").replace(marker, marker + "a".repeat(MAX_BODY_BYTES)));
            for (String path : List.of(CHAT, JOBS)) {
                Response response = request().contentType("application/json").body(huge).post(path);
                assertRefusal(softly, path + " huge body", response.statusCode(), response.contentType(), response.asByteArray(),
                        refused(413, "body_too_large"));
            }
            // declared, never sent: refused before a byte of it is read
            RawResponse batch = raw(BATCH, "Content-Length: 40000000\r\n", null);
            assertRefusal(softly, "batch declaring 40 MB", batch.status(), batch.contentType(), batch.body(), refused(413, "body_too_large"));
            Response deepArray = request().contentType("application/json").body(bytes("[" + body("\"metadata\":" + nested(100)) + "]")).post(BATCH);
            assertRefusal(softly, "batch array with a deep element", deepArray.statusCode(), deepArray.contentType(), deepArray.asByteArray(),
                    refused("invalid_json"));
            RawResponse longUrl = raw(CHAT + "?" + "q".repeat(10_000), "", bytes(body("")));
            assertRefusal(softly, "request line of 10 kB", longUrl.status(), longUrl.contentType(), longUrl.body(), byTheDecoder(414));
            Response xml = request().contentType("application/xml").body(bytes("<job>" + marker + "</job>")).post(JOBS);
            assertRefusal(softly, "job as XML", xml.statusCode(), xml.contentType(), xml.asByteArray(), refused(415, "unsupported_media_type"));
            softly.assertThat(topics.readNew()).as("job records of this test").noneMatch(r -> r.value().toString().contains(marker));
        }
        softly.assertThat(providerCalls()).as("provider calls").isEqualTo(callsBefore);
        softly.assertAll();
    }

    /** Every request of this test starts here; it carries the test key {@link #authenticate} made. */
    private static io.restassured.specification.RequestSpecification request() {
        return given();
    }

    /** Header lines every raw request carries (the raw twin of {@link #request()}). */
    private static String rawHeaders() {
        return TestKeys.headerLine();
    }

    private static void assertRefusal(SoftAssertions softly, String what, int status, String contentType, byte[] body, Refusal refusal) {
        String text = new String(body, StandardCharsets.UTF_8);
        String shown = what + " -> " + status + " " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
        softly.assertThat(status).as(shown).isEqualTo(refusal.status());
        if (refusal.bare()) {
            return;
        }
        softly.assertThat(contentType).as(shown).startsWith("application/json");
        JsonNode error;
        try {
            error = JSON.readTree(body).path("error");
        } catch (IOException e) {
            softly.fail(shown + ": the body is not JSON");
            return;
        }
        softly.assertThat(error.path("type").asText()).as(shown).isEqualTo("invalid_request_error");
        softly.assertThat(error.path("message").asText()).as(shown).isNotBlank();
        if (refusal.code() != null) {
            softly.assertThat(error.path("code").asText()).as(shown).isEqualTo(refusal.code());
        } else {
            softly.assertThat(error.path("code").asText()).as(shown).isNotBlank();
        }
        if (refusal.param() != null) {
            softly.assertThat(error.path("param").asText()).as(shown).isEqualTo(refusal.param());
        }
    }

    private static byte[] joinLines(List<byte[]> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.writeBytes(line);
            out.write('\n');
        }
        return out.toByteArray();
    }

    private double providerCalls() {
        return registry.find(MetricNames.PROVIDER_REQUESTS).counters().stream().mapToDouble(Counter::count).sum();
    }

    private record RawResponse(int status, String contentType, byte[] body) {
    }

    /**
     * A POST written byte for byte on a socket ({@code headers} as given, ISO-8859-1, so a test can send what HTTP
     * clients refuse to), read until the server closes. {@code body} null: a Content-Length must be among the headers.
     */
    private static RawResponse raw(String path, String headers, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    + rawHeaders() + headers + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n";
            try {
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                if (body != null) {
                    out.write(body);
                }
                out.flush();
            } catch (java.net.SocketException closed) {
                // the server may refuse and close before it has read the whole request: its answer is still there to read
            }
            byte[] answer = readAll(socket.getInputStream());
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.") || headEnd < 0) {
                return new RawResponse(-1, "", answer);
            }
            int status = Integer.parseInt(text.substring(9, 12));
            String contentType = text.substring(0, headEnd).lines()
                    .filter(l -> l.toLowerCase().startsWith("content-type:")).map(l -> l.substring(13).trim()).findFirst().orElse("");
            String payload = text.substring(headEnd + 4);
            int start = payload.indexOf('{');
            int end = payload.lastIndexOf('}');
            String json = start < 0 || end < start ? payload : payload.substring(start, end + 1);
            return new RawResponse(status, contentType, json.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // the server may close the connection while the rest of a refused request is still being written
        }
        return out.toByteArray();
    }
}
