package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** Prometheus' HTTP API as the dashboards use it: instant queries. */
final class Prometheus {
    private final String url;

    Prometheus(String url) {
        this.url = url;
    }

    /** The result vector of {@code expr} evaluated now; a query Prometheus refuses fails with its error. */
    JsonNode query(String expr) {
        HttpResponse<String> response = Http.get(url + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        JsonNode body = Http.json(response);
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalArgumentException("Prometheus refused " + expr + ": " + body.path("error").asText(response.body()));
        }
        return body.path("data").path("result");
    }
}
