package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/** The small workloads of the fault tests: fresh prompts (never a cache hit), so every call is a provider call. */
final class Load {
    /** An interactive call whose connection broke before the answer ended. */
    static final int BROKEN = -1;
    private static final String[] PRIORITIES = {"high", "normal", "bulk"};

    private Load() {
    }

    static String chat(String content, int maxTokens, boolean stream) {
        return chat("openai/gpt-4o-mini", content, maxTokens, stream);
    }

    static String chat(String model, String content, int maxTokens, boolean stream) {
        return "{\"model\":" + Http.quote(model) + ",\"temperature\":0,\"max_tokens\":" + maxTokens + ",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + Http.quote(content) + "}]}";
    }

    /** {@code count} jobs over the three priorities, each with its own {@code idempotency_key} (a client's resubmission names the same jobs). */
    static List<ObjectNode> jobs(int count, String tag) {
        String run = tag + "-" + UUID.randomUUID();
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ObjectNode body = Http.JSON.createObjectNode().put("model", "openai/gpt-4o-mini").put("max_tokens", 40).put("temperature", 0)
                    .put("feature", "doc-summarize").put("priority", PRIORITIES[i % PRIORITIES.length]).put("idempotency_key", run + ":" + i);
            body.putArray("messages").addObject().put("role", "user").put("content", "Summarise note " + i + " of " + run);
            bodies.add(body);
        }
        return bodies;
    }

    /** One interactive call: its status, or {@link #BROKEN}. {@code idempotencyKey} may be null. */
    static int interactive(OwnFleet own, boolean stream, String idempotencyKey) {
        String body = chat("Answer " + UUID.randomUUID(), 40, stream);
        try {
            HttpResponse<String> response = idempotencyKey == null
                    ? Http.post(own.intake.url() + "/v1/chat/completions", body, "X-Fleet-Feature", "support-chat")
                    : Http.post(own.intake.url() + "/v1/chat/completions", body, "X-Fleet-Feature", "support-chat", "Idempotency-Key", idempotencyKey);
            return response.statusCode();
        } catch (UncheckedIOException e) {
            return BROKEN;
        }
    }

    /** {@code count} interactive calls on {@code parallel} clients, each with an idempotency key of its own; answers their statuses. */
    static CompletableFuture<List<Integer>> interactiveAsync(OwnFleet own, int count, boolean stream, int parallel) {
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<?>[] clients = IntStream.range(0, parallel).mapToObj(c -> CompletableFuture.runAsync(() -> {
            for (int i = c; i < count; i += parallel) {
                statuses.add(interactive(own, stream, "interactive-" + UUID.randomUUID()));
            }
        })).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(clients).thenApply(v -> List.copyOf(statuses));
    }
}
