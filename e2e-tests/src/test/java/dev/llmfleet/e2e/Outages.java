package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.awaitility.Awaitility.await;

/** What a client does after an outage: resubmits what was refused until it is accepted. */
final class Outages {
    private Outages() {
    }

    /** Resubmits each refused job (bounded) until intake answers it with an id; answers the ids. */
    static Set<String> resubmit(OwnFleet own, List<ObjectNode> refused) {
        Set<String> ids = new LinkedHashSet<>();
        for (ObjectNode body : refused) {
            await("intake to accept a resubmitted job").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                HttpResponse<String> response = Http.post(own.intake.url() + "/v1/jobs", body.toString());
                if (response.statusCode() == 202 || response.statusCode() == 200) {
                    ids.add(Http.json(response).get("id").asText());
                    return true;
                }
                return false;
            });
        }
        return ids;
    }
}
