package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The async job API as a client uses it: submit in batches, then wait for every job to end. */
final class Jobs {
    private final String intake;

    Jobs(String intakeUrl) {
        this.intake = intakeUrl + "/v1/jobs";
    }

    /** Submits {@code bodies} in batches; answers each line's outcome in order ({@code {id,status}} or {@code {error}}). */
    List<JsonNode> submit(List<ObjectNode> bodies, int batchSize) {
        List<JsonNode> outcomes = new ArrayList<>();
        for (int from = 0; from < bodies.size(); from += batchSize) {
            ArrayNode batch = Http.JSON.createArrayNode();
            bodies.subList(from, Math.min(bodies.size(), from + batchSize)).forEach(batch::add);
            HttpResponse<String> response = Http.post(intake + "/batch", batch.toString());
            assertThat(response.statusCode()).as(response.body().substring(0, Math.min(500, response.body().length()))).isEqualTo(202);
            Http.json(response).get("jobs").forEach(outcomes::add);
        }
        return outcomes;
    }

    /** The ids of submitted jobs, in order; every one must have been accepted. */
    static Set<String> ids(List<JsonNode> outcomes) {
        Set<String> ids = new LinkedHashSet<>();
        outcomes.forEach(o -> {
            assertThat(o.has("id")).as(o.toString()).isTrue();
            ids.add(o.get("id").asText());
        });
        return ids;
    }

    JsonNode get(String id) {
        return Http.json(Http.get(intake + "/" + id));
    }

    /** Polls until every job is in a final state; answers the final records by id. */
    Map<String, JsonNode> awaitFinished(Set<String> ids, long timeoutMillis) {
        Map<String, JsonNode> finished = pollFinished(ids, timeoutMillis);
        assertThat(finished).as("jobs finished within %d s", timeoutMillis / 1000).hasSameSizeAs(ids);
        return finished;
    }

    /** Polls until every job is in a final state or the time is up; answers the final records of those that ended. */
    Map<String, JsonNode> pollFinished(Set<String> ids, long timeoutMillis) {
        Map<String, JsonNode> finished = new HashMap<>();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (finished.size() < ids.size() && System.currentTimeMillis() < deadline) {
            for (String id : ids) {
                if (!finished.containsKey(id)) {
                    JsonNode job = get(id);
                    String status = job.path("status").asText();
                    if (Set.of("succeeded", "failed", "dead_lettered", "cancelled").contains(status)) {
                        finished.put(id, job);
                    }
                }
            }
            if (finished.size() < ids.size()) {
                sleep(500);
            }
        }
        return finished;
    }

    static BigDecimal charged(JsonNode job) {
        return job.hasNonNull("charged_usd") ? new BigDecimal(job.get("charged_usd").asText()) : BigDecimal.ZERO;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
