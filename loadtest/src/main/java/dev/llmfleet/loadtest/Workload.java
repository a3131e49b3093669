package dev.llmfleet.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A workload JSONL file ({id, lane, feature, priority, request, expect}) filtered to what a run sends. */
public final class Workload {
    /** Which lane's lines a run sends. */
    public enum Lane {
        INTERACTIVE, ASYNC, ALL;

        boolean admits(String lane) {
            return this == ALL || name().toLowerCase(Locale.ROOT).equals(lane);
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final List<WorkloadRequest> requests;

    private Workload(List<WorkloadRequest> requests) {
        this.requests = List.copyOf(requests);
    }

    /** Reads a file and keeps the lines {@link #select} keeps; fails if none are left. */
    public static Workload load(Path file, Lane lane, boolean includeRejects) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read workload " + file + ": " + e.getMessage(), e);
        }
        List<WorkloadRequest> parsed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                parsed.add(parseLine(lines.get(i), file + ":" + (i + 1)));
            }
        }
        List<WorkloadRequest> selected = select(parsed, lane, includeRejects);
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("workload " + file + " has no lines for lane " + lane.name().toLowerCase(Locale.ROOT)
                    + (includeRejects ? "" : " (expect: reject lines skipped)"));
        }
        return new Workload(selected);
    }

    static WorkloadRequest parseLine(String line, String where) {
        try {
            JsonNode node = MAPPER.readTree(line);
            JsonNode request = node.get("request");
            if (request == null || !request.isObject()) {
                throw new IllegalArgumentException(where + ": no 'request' object");
            }
            return new WorkloadRequest(node.path("id").asText(where), node.path("lane").asText(""), node.path("feature").asText(""),
                    node.path("priority").asText("normal"), "reject".equals(node.path("expect").asText("ok")), MAPPER.writeValueAsBytes(request),
                    request.path("stream").asBoolean(false));
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": not a JSON object: " + e.getMessage(), e);
        }
    }

    /** The lines of the lane asked for, without {@code expect: reject} ones unless they are wanted. */
    public static List<WorkloadRequest> select(List<WorkloadRequest> all, Lane lane, boolean includeRejects) {
        return all.stream()
                .filter(r -> lane.admits(r.lane()))
                .filter(r -> includeRejects || !r.expectReject())
                .toList();
    }

    /**
     * The same requests with {@code "<marker> <n>: "} put before the last message's text, so none of them
     * matches a cached answer of the real run (a warm-up that does not prime the cache it measures).
     */
    public Workload marked(String marker) {
        List<WorkloadRequest> marked = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            WorkloadRequest r = requests.get(i);
            marked.add(new WorkloadRequest(r.id() + "-" + marker, r.lane(), r.feature(), r.priority(), r.expectReject(),
                    prefixLastMessage(r.body(), marker + " " + (i + 1) + ": "), r.stream()));
        }
        return new Workload(marked);
    }

    static byte[] prefixLastMessage(byte[] body, String prefix) {
        try {
            JsonNode request = MAPPER.readTree(body);
            JsonNode messages = request.path("messages");
            if (messages.isArray() && messages.size() > 0 && messages.get(messages.size() - 1).path("content").isTextual()) {
                ObjectNode last = (ObjectNode) messages.get(messages.size() - 1);
                last.put("content", prefix + last.get("content").asText());
            }
            return MAPPER.writeValueAsBytes(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lanes the selected lines belong to, in order of first appearance. */
    public List<String> lanes() {
        return requests.stream().map(WorkloadRequest::lane).distinct().toList();
    }

    public int size() {
        return requests.size();
    }

    /** The n-th request of an endless replay of the file: after the last line it starts again at the first. */
    public WorkloadRequest get(long n) {
        return requests.get((int) (n % requests.size()));
    }
}
