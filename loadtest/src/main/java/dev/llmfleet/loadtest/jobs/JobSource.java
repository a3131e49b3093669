package dev.llmfleet.loadtest.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The job bodies a run submits, one JSON object per job (a chat body plus {@code feature} and {@code priority}), as
 * JSON Lines for {@code POST /v1/jobs/batch}. Either generated ({@link #unique}: every prompt different, so neither
 * intake's idempotency by input nor the answer cache can fold two jobs into one) or taken from a workload file
 * ({@link #fromWorkload}), whose bodies are tagged with the run id and the job number unless kept as they are:
 * intake names a job by its normalised input, so a replayed line would otherwise answer the earlier job.
 */
public final class JobSource {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] WORDS = {"order", "invoice", "shipping", "refund", "catalog", "review", "warranty", "battery",
            "cable", "adapter", "charger", "monitor", "keyboard", "laptop", "printer", "router", "speaker", "camera", "tablet",
            "headset", "delivery", "storage", "payment", "account", "support", "return", "upgrade", "quality", "colour", "size"};

    /** Settings of generated jobs. */
    public record Generated(String model, int maxTokens, String feature, String priority) {
    }

    private final String runId;
    private final Generated generated;
    private final List<ObjectNode> lines;
    private final boolean tag;
    private final String priorityOverride;

    private JobSource(String runId, Generated generated, List<ObjectNode> lines, boolean tag, String priorityOverride) {
        this.runId = runId;
        this.generated = generated;
        this.lines = lines;
        this.tag = tag;
        this.priorityOverride = priorityOverride;
    }

    public static JobSource unique(String runId, Generated settings) {
        return new JobSource(runId, settings, null, true, null);
    }

    /**
     * @param lane     keep lines of this lane ({@code async}, {@code interactive} or {@code all}); {@code expect: reject} lines are skipped
     * @param tag      make each body unique with the run id and job number (false: send the lines as they are)
     * @param priority override every line's priority, or null
     */
    public static JobSource fromWorkload(String runId, Path file, String lane, boolean tag, String priority) {
        List<ObjectNode> lines = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = MAPPER.readTree(line);
                if ("reject".equals(node.path("expect").asText("ok"))) {
                    continue;
                }
                if (!"all".equals(lane) && !lane.equals(node.path("lane").asText())) {
                    continue;
                }
                lines.add(asJob(node.get("request"), node.hasNonNull("feature") ? node.get("feature").asText() : null,
                        node.path("priority").asText("normal")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read workload " + file + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("workload " + file + " has no jobs for lane " + lane);
        }
        return new JobSource(runId, null, lines, tag, priority);
    }

    /** Job {@code n} (0-based) as one JSON line, without the newline. */
    public byte[] job(long n) {
        try {
            return MAPPER.writeValueAsBytes(node(n));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ObjectNode node(long n) {
        if (lines == null) {
            ObjectNode body = MAPPER.createObjectNode();
            body.put("model", generated.model());
            ArrayNode messages = body.putArray("messages");
            messages.addObject().put("role", "user").put("content", prompt(n));
            body.put("max_tokens", generated.maxTokens());
            body.put("temperature", 0);
            body.put("feature", generated.feature());
            body.put("priority", generated.priority());
            return body;
        }
        ObjectNode body = lines.get((int) (n % lines.size())).deepCopy();
        if (priorityOverride != null) {
            body.put("priority", priorityOverride);
        }
        if (tag) {
            tag(body, runId, n);
        }
        return body;
    }

    /** A chat body as a job body: without {@code stream} (jobs are never streamed), with the feature (if any) and priority. */
    public static ObjectNode asJob(JsonNode chatBody, String feature, String priority) {
        ObjectNode body = ((ObjectNode) chatBody).deepCopy();
        body.remove("stream");
        body.remove("stream_options");
        if (feature != null && !feature.isEmpty()) {
            body.put("feature", feature);
        }
        body.put("priority", priority);
        return body;
    }

    /** Puts {@code "[<run id> #<n>] "} before the last message's text, so job {@code n} of this run names a job of its own. */
    public static void tag(ObjectNode body, String runId, long n) {
        JsonNode messages = body.path("messages");
        if (messages.isArray() && messages.size() > 0 && messages.get(messages.size() - 1).path("content").isTextual()) {
            ObjectNode last = (ObjectNode) messages.get(messages.size() - 1);
            last.put("content", "[" + runId + " #" + n + "] " + last.get("content").asText());
        }
    }

    /** A short, distinct prompt: the run id and job number, plus a few words picked from the number. */
    String prompt(long n) {
        StringBuilder words = new StringBuilder();
        long x = n * 2654435761L + 97;
        for (int i = 0; i < 8; i++) {
            words.append(' ').append(WORDS[(int) Math.floorMod(x, (long) WORDS.length)]);
            x = x / WORDS.length + i * 31L + n;
        }
        return String.format(Locale.ROOT, "Write a one-line product note (batch %s, item %d) about:%s.", runId, n, words);
    }

    /** Jobs {@code from} (inclusive) to {@code to} (exclusive) as a JSON Lines body. */
    public byte[] batch(long from, long to) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) (to - from) * 256);
        for (long n = from; n < to; n++) {
            out.writeBytes(job(n));
            out.write('\n');
        }
        return out.toByteArray();
    }
}
