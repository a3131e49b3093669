package dev.llmfleet.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series docs/METRICS.md lists, with their tags: every table row {@code | `series`[, `series`…] | type | tags | meaning |}.
 * A row's tags are the names before any parenthesised explanation ({@code lane, outcome (`ok`, …)} → lane, outcome); a
 * histogram also has its {@code _bucket} (with {@code le}), {@code _count} and {@code _sum} series.
 */
final class MetricsCatalog {
    private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
    private static final Pattern TAG = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, Set<String>> tagsBySeries;

    private MetricsCatalog(Map<String, Set<String>> tagsBySeries) {
        this.tagsBySeries = tagsBySeries;
    }

    static MetricsCatalog read(Path metricsMd) throws IOException {
        Map<String, Set<String>> tagsBySeries = new LinkedHashMap<>();
        for (String line : Files.readAllLines(metricsMd)) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.split("(?<!\\\\)\\|", -1);
            String type = cells[2].trim();
            Set<String> tags = tagNames(cells[3]);
            Matcher names = BACKTICKED.matcher(cells[1]);
            while (names.find()) {
                String name = names.group(1);
                tagsBySeries.computeIfAbsent(name, n -> new LinkedHashSet<>()).addAll(tags);
                if (type.equals("histogram")) {
                    Set<String> bucketTags = new LinkedHashSet<>(tags);
                    bucketTags.add("le");
                    tagsBySeries.computeIfAbsent(name + "_bucket", n -> new LinkedHashSet<>()).addAll(bucketTags);
                    tagsBySeries.computeIfAbsent(name + "_count", n -> new LinkedHashSet<>()).addAll(tags);
                    tagsBySeries.computeIfAbsent(name + "_sum", n -> new LinkedHashSet<>()).addAll(tags);
                }
            }
        }
        return new MetricsCatalog(tagsBySeries);
    }

    /** The tags of a listed series; empty when METRICS.md does not list it. */
    Optional<Set<String>> tags(String series) {
        return Optional.ofNullable(tagsBySeries.get(series));
    }

    /** Tag names of a cell, leaving out every parenthesised part (which may nest) and anything that is not a name. */
    private static Set<String> tagNames(String cell) {
        StringBuilder outside = new StringBuilder();
        int depth = 0;
        for (char c : cell.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            } else if (depth == 0) {
                outside.append(c);
            }
        }
        Set<String> tags = new LinkedHashSet<>();
        for (String part : outside.toString().split("[,;]")) {
            String name = part.trim();
            if (TAG.matcher(name).matches()) {
                tags.add(name);
            }
        }
        return tags;
    }
}
