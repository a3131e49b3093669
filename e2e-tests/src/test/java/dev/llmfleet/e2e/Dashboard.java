package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Grafana dashboard JSON file read as the queries Grafana would send Prometheus: every panel target's {@code expr}
 * and every template variable's {@code label_values(selector, label)}, the latter as the PromQL
 * {@code group by (label) (selector)} that answers the same label values.
 */
final class Dashboard {
    /** {@code $name} or {@code ${name}}: a Grafana variable in a query ({@code $1} in a {@code label_replace} is none). */
    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{([A-Za-z_]\\w*)}|([A-Za-z_]\\w*))");
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.+),\\s*(\\w+)\\)$", Pattern.DOTALL);
    /** A metric name: the identifier a label selector's {@code {} follows (every query here selects with labels). */
    private static final Pattern METRIC = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");

    /** One query of the dashboard: where it is ({@code panel}: a panel's title, or {@code variable <name>}) and its PromQL. */
    record Query(String dashboard, String panel, String expr) {
        /** The query with Grafana's variables replaced by {@code values}; a variable without a value is refused. */
        String expand(Map<String, String> values) {
            Matcher m = VARIABLE.matcher(expr);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String name = m.group(1) != null ? m.group(1) : m.group(2);
                String value = values.get(name);
                if (value == null) {
                    throw new IllegalArgumentException(this + " uses $" + name + ", which the test gives no value");
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            return out.toString();
        }

        /** The metric names the query selects. */
        List<String> metrics() {
            List<String> names = new ArrayList<>();
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        }

        @Override
        public String toString() {
            return dashboard + " / " + panel + ": " + expr;
        }
    }

    private final String title;
    private final JsonNode json;

    private Dashboard(String title, JsonNode json) {
        this.title = title;
        this.json = json;
    }

    static Dashboard read(Path file) {
        try {
            JsonNode json = Http.JSON.readTree(Files.readString(file));
            return new Dashboard(json.path("title").asText(file.getFileName().toString()), json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dashboard " + file, e);
        }
    }

    String title() {
        return title;
    }

    /** The template variables' queries, then every panel target's (rows' nested panels included). */
    List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (JsonNode variable : json.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                String query = variable.path("query").isObject() ? variable.path("query").path("query").asText() : variable.path("query").asText();
                Matcher m = LABEL_VALUES.matcher(query.trim());
                if (!m.matches()) {
                    throw new IllegalArgumentException(title + ": variable " + variable.path("name").asText() + " is not label_values(selector, label): " + query);
                }
                queries.add(new Query(title, "variable " + variable.path("name").asText(), "group by (" + m.group(2) + ") (" + m.group(1) + ")"));
            }
        }
        collectTargets(json.path("panels"), queries);
        return queries;
    }

    private void collectTargets(JsonNode panels, List<Query> queries) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query(title, panel.path("title").asText(), target.path("expr").asText()));
            }
            collectTargets(panel.path("panels"), queries);
        }
    }
}
